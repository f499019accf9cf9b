#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `flotilla apply --dry-run` and `flotilla explain` on tests/model: the
# binding key, replicas, exact requests, dependencies and overrides of
# app.yaml, the located error of broken.yaml, and several -f files.
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

# Several files, as kubectl takes them (-f again, or PATH,PATH): a policy
# in one file selects a template in another.
tmpd=$(mktemp -d) || exit 1
trap 'rm -f "$out"; rm -rf "$tmpd"' EXIT
cat >"$tmpd/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
YAML
cat >"$tmpd/policy.yaml" <<'YAML'
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement: {clusterAffinity: {clusterNames: [member1]}}
YAML
for form in "-f $tmpd/deploy.yaml -f $tmpd/policy.yaml" \
            "-f $tmpd/deploy.yaml,$tmpd/policy.yaml"; do
    # shellcheck disable=SC2086 # the form is two words or four on purpose
    "$flotilla" apply --dry-run $form >"$out" 2>&1
    rc=$?
    [ $rc -eq 0 ] || { echo "FAIL: $form: exit $rc"; cat "$out"; fails=$((fails + 1)); }
    expect "$form" "$out" "ResourceBinding default/web-deployment"
    expect "$form" "$out" "policy: PropagationPolicy default/web (priority 0)"
done
"$flotilla" apply --dry-run -f "$tmpd/deploy.yaml" >"$out" 2>&1
expect "template alone" "$out" "templates no policy selects (would wait):"
"$flotilla" apply --dry-run -f "$tmpd/deploy.yaml" -f "$dir/broken.yaml" >"$out" 2>&1
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: with broken.yaml: exit $rc, expected 1"; fails=$((fails + 1)); }
expect "with broken.yaml" "$out" "deploy.yaml: document 1: Deployment default/web: accepted (template)"
expect "with broken.yaml" "$out" "spec.replicas: expected integer, got string \"two\""
"$flotilla" apply --dry-run -f "$tmpd/deploy.yaml" -f "$tmpd/absent.yaml" >"$out" 2>&1
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: absent file: exit $rc, expected 2"; fails=$((fails + 1)); }
expect "absent file" "$out" "absent.yaml: No such file or directory"

[ $fails -eq 0 ] || exit 1
echo "ok: apply --dry-run and explain on tests/model"
