#!/bin/sh
# Each bad drill file names, in its first line "# expect: TEXT", the error
# `flotilla drill run` must print (file:line: key: reason); the run must
# fail with exit status 1 and print that text.
# usage: check.sh FLOTILLA DIR
set -u
flotilla=$1
dir=$2
fails=0
count=0
for f in "$dir"/*.yaml; do
    count=$((count + 1))
    want=$(sed -n '1s/^# expect: //p' "$f")
    out=$("$flotilla" drill run "$f" 2>&1)
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $f: exit status $rc, expected 1"
        fails=$((fails + 1))
        continue
    fi
    case "$out" in
    *"$want"*) echo "ok   $f: $want" ;;
    *) echo "FAIL $f: expected \"$want\" in:"; echo "$out"; fails=$((fails + 1)) ;;
    esac
done
if [ "$count" -eq 0 ]; then
    echo "no bad files in $dir"
    exit 1
fi
exit $((fails > 0))
