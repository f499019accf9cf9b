#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs `flotilla apply --dry-run` over the real corpus and compares every
# document's outcome with tests/corpus/expected.tsv. Also runs each file on
# its own: no file may crash the decoder (exit status must be 0 or 1, and 1
# exactly for files with a rejected document). `flotilla explain` runs over
# the whole corpus too.
# usage: run_corpus.sh FLOTILLA EXPECTED_TSV
set -u
flotilla=$1
expected=$2
case $flotilla in /*) ;; *) flotilla=$PWD/$flotilla ;; esac
case $expected in /*) ;; *) expected=$PWD/$expected ;; esac
corpus=${FL_SHARED_DIR:-}/testdata/real
if [ -z "${FL_SHARED_DIR:-}" ] || [ ! -d "$corpus" ]; then
    echo "SKIP: real corpus not found at '$corpus' (set FL_SHARED_DIR to the shared checkout)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$corpus" || exit 1
"$flotilla" apply --dry-run -o tsv -f . >"$tmp/out.tsv" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "FAIL: dry-run over the corpus exited with $rc"; cat "$tmp/err"; exit 1
fi
sed 's#^\./##' "$tmp/out.tsv" >"$tmp/actual.tsv"
grep -v '^#' "$expected" >"$tmp/expected.tsv"
if ! diff -u "$tmp/expected.tsv" "$tmp/actual.tsv"; then
    echo "FAIL: outcomes differ from $expected (- expected, + actual)"; exit 1
fi
fails=0
files=0
for f in $(find . -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort); do
    files=$((files + 1))
    "$flotilla" apply --dry-run -f "$f" >/dev/null 2>&1
    rc=$?
    name=${f#./}
    want=0
    if grep -q "^$name	[0-9]*	rejected	" "$tmp/expected.tsv"; then
        want=1
    fi
    if [ $rc -ne $want ]; then
        echo "FAIL: $name: exit status $rc, expected $want"; fails=$((fails + 1))
    fi
done
"$flotilla" explain . >/dev/null 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "FAIL: explain over the corpus exited with $rc"; fails=$((fails + 1))
fi
listed=$(cut -f1 "$tmp/expected.tsv" | sort -u | wc -l)
if [ "$listed" -ne "$files" ]; then
    echo "FAIL: $files files in the corpus, $listed in the table"; exit 1
fi
[ $fails -eq 0 ] || exit 1
echo "ok: $files files, $(wc -l <"$tmp/expected.tsv") documents match the table"
