#!/usr/bin/env bash
# Installs the Debian packages named in deploy/packages.txt that are missing.
# Run by `make` before CMake, so a fresh machine needs no manual step.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
list="$here/deploy/packages.txt"

missing=()
while read -r pkg _; do
    case "$pkg" in ''|'#'*) continue ;; esac
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in *"install ok installed"*) ;; *) missing+=("$pkg") ;; esac
done < "$list"

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || {
        echo "deps: not root and no sudo; install these by hand: ${missing[*]}" >&2
        exit 1
    }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
