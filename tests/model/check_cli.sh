#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `flotilla apply --dry-run` and `flotilla explain` on tests/model: the
# binding key, replicas, exact requests, dependencies and overrides of
# app.yaml, and the located error of broken.yaml.
# usage: check_cli.sh FLOTILLA SOURCE_DIR
set -u
flotilla=$1
dir=$2/tests/model
fails=0

expect() { # expect NAME OUTPUT_FILE TEXT
    if ! grep -qF -- "$3" "$2"; then
        echo "FAIL: $1: missing: $3"; fails=$((fails + 1))
    fi
}

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

"$flotilla" apply --dry-run -f "$dir/app.yaml" >"$out" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: app.yaml: exit $rc"; cat "$out"; fails=$((fails + 1)); }
expect app "$out" "ResourceBinding default/nginx-deployment"
expect app "$out" "replicas: 3"
expect app "$out" "cpu=250 memory=67108864000"
expect app "$out" "depends on: ConfigMap default/nginx-config"
expect app "$out" "overrides on member2: OverridePolicy/nginx-member2"
expect app "$out" "ResourceBinding default/nginx-config-configmap"
expect app "$out" "policy: ClusterPropagationPolicy everything (priority 100)"

"$flotilla" explain "$dir/app.yaml" >"$out" 2>&1
expect explain "$out" "PropagationPolicy default/nginx-propagation: matches by name (implicit priority 3), explicit priority 0: WINNER"
expect explain "$out" "always wins over a ClusterPropagationPolicy"

"$flotilla" apply --dry-run -f "$dir/broken.yaml" >"$out" 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: broken.yaml: exit $rc, expected 1"; fails=$((fails + 1)); }
expect broken "$out" "broken.yaml: document 2, line 15: spec.replicas: expected integer, got string \"two\""

[ $fails -eq 0 ] || exit 1
echo "ok: apply --dry-run and explain on tests/model"
