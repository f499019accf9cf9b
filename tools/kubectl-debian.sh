#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prints the path of Debian's kubectl (package kubernetes-client), fetched
# with `apt-get download` and unpacked with `dpkg-deb -x` into a cache
# directory, without installing it: on some machines another package owns
# /usr/bin/kubectl. Usage: tools/kubectl-debian.sh [CACHE_DIR]
# Exits 1 with a message on stderr when the package cannot be fetched.
set -eu

cache=${1:-${FL_BUILD_DIR:-build}/kubectl-debian}
bin="$cache/root/usr/bin/kubectl"

if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi
mkdir -p "$cache"
cd "$cache"
if ! apt-get download kubernetes-client >download.log 2>&1; then
    echo "kubectl-debian: apt-get download kubernetes-client failed (see $cache/download.log)" >&2
    exit 1
fi
deb=$(ls -t kubernetes-client_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
    echo "kubectl-debian: no kubernetes-client .deb in $cache" >&2
    exit 1
fi
rm -rf root
dpkg-deb -x "$deb" root
if [ ! -x "$bin" ]; then
    echo "kubectl-debian: $deb has no usr/bin/kubectl" >&2
    exit 1
fi
cd - >/dev/null
echo "$bin"
