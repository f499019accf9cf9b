#!/usr/bin/env bash
# Issue 6 "done when", on a real nats-server, `flotilla run` and flotilla-sim
# (tools/up.sh with short timings, as e2e.sh), what e2e.sh does not show:
#   1. a workload lands in exactly the members of its placement with its
#      per-cluster replicas and an OverridePolicy applied (read back from the
#      members' REST API);
#   2. its namespace is created only where it is placed, labelled as
#      Flotilla's; a namespace that existed before is not Flotilla's and is
#      never deleted (also not when the workload is deleted);
#   3. a member that goes down shows stale status, not ready (get bindings
#      READY and describe binding, through executor/status.h);
#   4. a black-holed member (connections accepted, never answered) does not
#      stop the other members from receiving their work;
#   5. a copy deleted in a member behind Flotilla's back is seen through the
#      member agent's watch (statusPeriod is 30s here, so a periodic read
#      would take seconds) and applied again.
# Self-contained: writes its own manifests, needs nothing from ../shared.
# FL_TEST_KEEP=1 keeps the data directory (logs) afterwards.
set -u
build=${FL_BUILD_DIR:?}
src=${FL_SOURCE_DIR:?}
command -v jq >/dev/null || { echo "SKIP: jq not installed (deploy/packages.txt)"; exit 77; }

data=$(mktemp -d /tmp/fl-members-XXXXXX)
up_pid=
passed=0
failed=0
cleanup() {
    fl_stop_up
    if [ -n "${FL_TEST_KEEP:-}" ]; then echo "kept $data"; else rm -rf "$data"; fi
}
trap cleanup EXIT

. "$src/tests/integration/lib.sh"
export FLOTILLA_DATA=$data
export FLOTILLA_UP_SETTINGS="probePeriod: 1s
probeTimeout: 500ms
failureThreshold: 3s
successThreshold: 3s
statusPeriod: 30s
heartbeatPeriod: 1s
heartbeatGrace: 4s"
fl="$build/flotilla"

fl_start_up "$build" "$src" "$data" || exit 1
token=$(cat "$data/members/token")

dump_state() {   # for check (lib.sh), on a failure
    echo "--- state"; "$fl" get clusters; "$fl" get bindings -o wide; "$fl" get works
    echo "--- last daemon log lines"; tail -n 30 "$data/log/flotilla.log"
}
port_of() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$data/sim.json" | head -n 1; }
# kube MEMBER METHOD PATH [BODY]: the member's REST API, as a client would
# reach it (TLS, bearer token); prints the body, fails on no answer in 3s.
kube() {
    local port
    port=$(port_of "$1")
    [ -n "$port" ] || { echo "no port for $1 in $data/sim.json" >&2; return 1; }
    curl -sS -m 3 --cacert "$data/members/ca.pem" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -X "$2" ${4:+--data "$4"} \
        "https://127.0.0.1:$port$3"
}
# jqtest MEMBER PATH FILTER: the object's JSON satisfies the jq filter. No
# answer fails: jq 1.6 -e exits 0 on empty input.
jqtest() {
    local body
    body=$(kube "$1" GET "$2") && [ -n "$body" ] || return 1
    printf '%s' "$body" | jq -e "$3" >/dev/null
}
absent() { [ "$(kube "$1" GET "$2" | jq -r .code)" = 404 ]; }
dep=/apis/apps/v1/namespaces/shop/deployments

check "three Ready members" \
    eventually 20 sh -c "[ \$('$fl' get clusters | grep -c ' True ') = 3 ]"

# A namespace the member already has: not Flotilla's.
kube member2 POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","labels":{"owner":"team-a"}}}' >/dev/null
check "shop exists in member2 before Flotilla" jqtest member2 /api/v1/namespaces/shop '.metadata.name == "shop"'

# 1. web: 4 replicas divided 1:3 over member1 and member2, image and a
# label overridden in member2 only.
cat > "$data/web.yaml" <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 4
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
  namespace: shop
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: web
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - targetCluster: {clusterNames: [member1]}
            weight: 1
          - targetCluster: {clusterNames: [member2]}
            weight: 3
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata:
  name: web-member2
  namespace: shop
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: web
  overrideRules:
    - targetCluster:
        clusterNames: [member2]
      overriders:
        imageOverrider:
          - component: Registry
            operator: replace
            value: mirror.member2.example
        labelsOverrider:
          - operator: add
            value: {served-by: member2}
YAML
"$fl" apply -f "$data/web.yaml" >/dev/null
check "web placed member1:1 member2:3" \
    eventually 20 has 'web-deployment +4 +member1:1 member2:3 +True' "$fl" get bindings
check "web in member1 with 1 replica and the template's image" \
    eventually 20 jqtest member1 $dep/web '.spec.replicas == 1 and .spec.template.spec.containers[0].image == "registry.example/web:1.0" and (.metadata.labels["served-by"] == null)'
check "web in member2 with 3 replicas, the overridden image and label" \
    eventually 20 jqtest member2 $dep/web '.spec.replicas == 3 and .spec.template.spec.containers[0].image == "mirror.member2.example/web:1.0" and .metadata.labels["served-by"] == "member2"'
check "web not in member3" absent member3 $dep/web
check "get bindings -o json: web's placement, template and member2's report" \
    eval "'$fl' get bindings -o json | jq -e '.items[] | select(.name == \"web-deployment\") |
        ([.schedule.clusters[] | \"\\(.name):\\(.replicas)\"] == [\"member1:1\", \"member2:3\"]) and
        .spec.templateJson.spec.template.spec.containers[0].image == \"registry.example/web:1.0\" and
        .workStatus.member2.present == true'"
check "events names the object of each decision" \
    has 'scheduler/[^ ]+ +DecisionEvent +shop/web-deployment: \(none\) -> member1:1 member2:3' "$fl" events
check "events -o json: the scheduler's decision for web, decoded" \
    eval "'$fl' events -o json | jq -e -s 'map(select(.type == \"DecisionEvent\" and
        .message.actor == \"scheduler\" and .key == \"shop/web-deployment\")) | length >= 1'"
check "get works -o yaml: member2's manifest carries the override" \
    has '^ +- image: mirror\.member2\.example/web:1\.0$' "$fl" get works -o yaml
check "web READY 4/4 in get bindings" \
    eventually 20 has 'web-deployment .* 4/4( |$)' "$fl" get bindings
# The member's Deployment controller writes the revision annotation; the
# manifest Flotilla applies leaves it out (interpreter.md §3.4), so the
# member's report adds nothing to take back and web is written once.
writes() { grep -c 'msg="applied" cluster=member1 binding=web-deployment' "$data/log/flotilla.log"; }
check "web written once to member1" eval '[ "$(writes)" -eq 1 ]'
check "member1's manifest for web carries no revision annotation, the member's copy does" \
    eval "'$fl' get works -o json | jq -e '.items[] | select(.cluster == \"member1\" and .binding == \"web-deployment\") |
        .spec.manifestJson.metadata.annotations[\"deployment.kubernetes.io/revision\"] == null' &&
          jqtest member1 $dep/web '.metadata.annotations[\"deployment.kubernetes.io/revision\"] == \"1\"'"

# 2. Namespaces only where needed.
check "shop created in member1, labelled as Flotilla's" \
    jqtest member1 /api/v1/namespaces/shop '.metadata.labels["flotilla.io/managed"] == "true"'
check "member2's own shop is not labelled as Flotilla's" \
    jqtest member2 /api/v1/namespaces/shop '.metadata.labels.owner == "team-a" and (.metadata.labels["flotilla.io/managed"] == null)'
check "no shop namespace in member3" absent member3 /api/v1/namespaces/shop

# 3. member1 goes down: its report is stale and counts 0.
"$fl" sim fail member1 >/dev/null
check "member1 becomes Unknown" eventually 20 has '^member1 +Unknown' "$fl" get clusters
check "web READY 3/4 while member1 is down (its 1 ready replica is stale)" \
    has 'web-deployment .* 3/4( |$)' "$fl" get bindings
check "get bindings -o json: 3 of 4 ready, member1 stale" \
    eval "'$fl' get bindings -o json | jq -e '.items[] | select(.name == \"web-deployment\") |
        .readyReplicas == 3 and .wantReplicas == 4 and .staleClusters == [\"member1\"]'"
check "get bindings -o wide names member1 as stale" \
    has 'web-deployment .* 3/4 .*member1' "$fl" get bindings -o wide
check "describe marks member1 stale with its last report time" \
    has '^  member1 .*ready=0/1 .*stale: cluster member1 is Unknown, last report at 20[0-9-]+T' \
    "$fl" describe binding shop/web-deployment
check "describe still shows member2 ready" \
    has '^  member2 .*ready=3/3 health=Healthy' "$fl" describe binding shop/web-deployment
check "get works shows member1's copy as stale, member2's as it is" \
    eval "has '^member1 +shop +web-deployment +applied +yes +0/1 +Unknown +stale: cluster member1 is Unknown' \"\$fl\" get works &&
          has '^member2 +shop +web-deployment +applied +yes +3/3 +Healthy +-' \"\$fl\" get works"
"$fl" sim recover member1 >/dev/null
check "member1 Ready again and web READY 4/4" \
    eventually 20 has 'web-deployment .* 4/4( |$)' "$fl" get bindings

# 4. member3 black-holed: work for the others still arrives.
"$fl" sim fail member3 --kind blackhole >/dev/null
cat > "$data/api.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  labels: {app: api}
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: registry.example/api:1.0
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: api
  namespace: shop
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: api
  placement:
    clusterAffinity:
      clusterNames: [member1, member2, member3]
    replicaScheduling:
      replicaSchedulingType: Duplicated
YAML
start=$(date +%s)
"$fl" apply -f "$data/api.yaml" >/dev/null
check "api reaches member1 while member3 hangs" \
    eventually 20 jqtest member1 $dep/api '.spec.replicas == 2'
check "api reaches member2 while member3 hangs" \
    eventually 20 jqtest member2 $dep/api '.spec.replicas == 2'
took=$(( $(date +%s) - start ))
check "both within 10s of the apply (took ${took}s)" [ "$took" -le 10 ]
check "get works shows api present in member1 and member2" \
    eventually 20 sh -c "'$fl' get works | grep -Ec '^member[12] +shop +api-deployment +applied +yes' | grep -qx 2"
"$fl" sim recover member3 --kind blackhole >/dev/null
check "api reaches member3 once it answers again" \
    eventually 40 jqtest member3 $dep/api '.spec.replicas == 2'
check "member3's namespace shop was created for api" \
    jqtest member3 /api/v1/namespaces/shop '.metadata.labels["flotilla.io/managed"] == "true"'

# 5. A copy deleted behind Flotilla's back is noticed and applied again:
# the member agent watches Deployments, so this takes well under the 15 s
# between two periodic reads (statusPeriod is 30s in this test).
check "the member agent watches member2's Deployments" \
    grep -q 'msg="watching" cluster=member2 kind=Deployment' "$data/log/flotilla.log"
start=$(date +%s%N)
kube member2 DELETE $dep/api >/dev/null
check "api deleted in member2 behind Flotilla's back comes back" \
    eventually 20 jqtest member2 $dep/api '.spec.replicas == 2'
took=$(( ($(date +%s%N) - start) / 1000000 ))
check "it came back within 3s (took ${took}ms), from the watch, not a periodic read" \
    [ "$took" -le 3000 ]
check "the member agent saw the copy missing and applied it again itself" \
    grep -q 'msg="copy missing" cluster=member2 binding=api-deployment' "$data/log/flotilla.log"
check "the member agent applied api in member2 twice" \
    eval '[ "$(grep -c '"'"'msg="applied" cluster=member2 binding=api-deployment'"'"' "$data/log/flotilla.log")" -ge 2 ]'

# 2b. Deleting web never deletes member2's own namespace.
"$fl" delete -f "$data/web.yaml" >/dev/null
check "web removed from member2" eventually 20 absent member2 $dep/web
check "web removed from member1" eventually 20 absent member1 $dep/web
sleep 2
check "member2's pre-existing shop still exists" \
    jqtest member2 /api/v1/namespaces/shop '.metadata.labels.owner == "team-a"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
