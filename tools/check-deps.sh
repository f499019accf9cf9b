#!/usr/bin/env bash
# Checks that every shared library the built programs link against is
# provided by a Debian package named in deploy/packages.txt (directly, or as
# the runtime library of a -dev package named there), so a package installed
# by hand cannot hide a gap in the list.
#   usage: tools/check-deps.sh BUILD_DIR
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
list="$here/deploy/packages.txt"

declare -A allowed=()
while read -r pkg _; do
    case "$pkg" in ''|'#'*) continue ;; esac
    allowed[$pkg]=1
    # A -dev package brings its runtime library package(s) with it.
    for dep in $(dpkg-query -W -f='${Depends}' "$pkg" 2>/dev/null |
                 tr ',' '\n' | sed -e 's/(.*)//' -e 's/|.*//' -e 's/ //g'); do
        allowed[${dep%%:*}]=1
    done
done < "$list"

# Libraries every C program gets from the toolchain and base system.
base_re='^(libc6|libgcc-s1|libstdc\+\+6|libasan8|libubsan1|liblsan0|libtsan2|zlib1g|libzstd1|libgnutls30|libnghttp2-14|libidn2-0|librtmp1|libssh2-1|libpsl5|libkrb5-3|libgssapi-krb5-2|libldap-2.5-0|libbrotli1|libunistring2|libtasn1-6|libnettle8|libhogweed6|libgmp10|libp11-kit0|libffi8|libkeyutils1|libk5crypto3|libkrb5support0|libcom-err2|libsasl2-2|libcrypt1)'

bad=0
checked=0
for bin in "$build"/flotilla "$build"/flotilla-* ; do
    [ -x "$bin" ] || continue
    checked=$((checked + 1))
    for lib in $(ldd "$bin" | awk '/=>/ {print $3}'); do
        real=$(readlink -f "$lib")
        pkg=$(dpkg -S "$real" 2>/dev/null | head -n1 | cut -d: -f1 || true)
        [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -n1 | cut -d: -f1 || true)
        if [ -z "$pkg" ]; then
            echo "check-deps: $(basename "$bin") links $lib, which no Debian package owns" >&2
            bad=1
            continue
        fi
        if [[ -z "${allowed[$pkg]:-}" ]] && ! [[ "$pkg" =~ $base_re ]]; then
            echo "check-deps: $(basename "$bin") links $lib from package $pkg, not named in deploy/packages.txt" >&2
            bad=1
        fi
    done
done
if [ "$checked" -eq 0 ]; then
    echo "check-deps: no programs found in $build" >&2
    exit 1
fi
[ "$bad" -eq 0 ] && echo "check-deps: $checked programs, every linked library comes from deploy/packages.txt"
exit $bad
