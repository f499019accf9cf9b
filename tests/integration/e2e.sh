#!/usr/bin/env bash
# End to end, as a user would: `make up`'s embedded default (tools/up.sh:
# nats-server, every actor, flotilla-sim with member1..3) in a temporary
# data directory on free ports, with short timings, then:
#   1. the Karmada nginx sample lands in member1 and member2 as its policy says;
#   2. with a ClusterTaintPolicy evicting not-ready clusters, `sim fail member1`
#      taints it, evicts, places the replicas on member2, and the old copy is
#      released (failover record) while member1 is down;
#   3. `sim recover member1` clears the taints and deletes the old copy there;
#   4. `rebalance` brings the policy's split back;
#   5. a StatefulSet divided over two members runs disjoint ordinals, and
#      describe shows them with the claims' phases.
# Needs ../shared (Karmada's samples); exits 77 (skipped) without it.
set -u
build=${FL_BUILD_DIR:?}
src=${FL_SOURCE_DIR:?}
shared=${FL_SHARED_DIR:-$src/../shared}
samples=$shared/testdata/real/karmada-samples
workloads=$shared/testdata/real/workloads
if [ ! -f "$samples/deployment.yaml" ]; then
    echo "SKIP: $samples not found (the real Karmada samples live in ../shared)"
    exit 77
fi

data=$(mktemp -d /tmp/fl-e2e-XXXXXX)
up_pid=
passed=0
failed=0
cleanup() {
    fl_stop_up
    if [ "${FL_TEST_KEEP:-0}" = 1 ]; then echo "kept $data"; else rm -rf "$data"; fi
}
trap cleanup EXIT

. "$src/tests/integration/lib.sh"
export FLOTILLA_DATA=$data
export FLOTILLA_UP_SETTINGS="probePeriod: 1s
probeTimeout: 500ms
failureThreshold: 3s
successThreshold: 3s
statusPeriod: 1s
heartbeatPeriod: 1s
heartbeatGrace: 4s"
fl="$build/flotilla"

fl_start_up "$build" "$src" "$data" || exit 1

dump_state() {   # for check (lib.sh), on a failure
    echo "--- state"; "$fl" get clusters; "$fl" get bindings; "$fl" get works
    echo "--- last daemon log lines"; tail -n 30 "$data/log/flotilla.log"
}

check "make up is ready with three Ready members" \
    eventually 20 has '^member3 +True' "$fl" get clusters
check "all three members Ready" \
    eventually 10 sh -c "[ \$('$fl' get clusters | grep -c ' True ') = 3 ]"

# 1. The nginx sample.
"$fl" apply -f "$samples/deployment.yaml" >/dev/null
"$fl" apply -f "$samples/propagationpolicy.yaml" >/dev/null
check "nginx placed 1+1 on member1 and member2 as the policy says" \
    eventually 20 has 'nginx-deployment +2 +member1:1 member2:1 +True' "$fl" get bindings
check "nginx runs in member1" eventually 20 has '^member1 +default +nginx-deployment +applied +yes +1/1' "$fl" get works
check "nginx runs in member2" eventually 20 has '^member2 +default +nginx-deployment +applied +yes +1/1' "$fl" get works

# 2. A failing member.
cat > "$data/ctp.yaml" <<YAML
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterTaintPolicy
metadata:
  name: e2e-evict-not-ready
spec:
  taints:
    - key: cluster.karmada.io/not-ready
      effect: NoExecute
  addOnConditions:
    - conditionType: Ready
      operator: NotIn
      statusValues: ["True"]
  removeOnConditions:
    - conditionType: Ready
      operator: In
      statusValues: ["True"]
YAML
"$fl" apply -f "$data/ctp.yaml" >/dev/null
"$fl" sim fail member1 >/dev/null
check "member1 becomes Unknown with the not-ready NoExecute taint" \
    eventually 30 has '^member1 +Unknown .*cluster.karmada.io/not-ready:NoExecute' "$fl" get clusters
check "the replicas move to member2" \
    eventually 30 has 'nginx-deployment +2 +member2:2 +True' "$fl" get bindings
check "the replacement is ready in member2" \
    eventually 30 has '^member2 +default +nginx-deployment +applied +yes +2/2' "$fl" get works
check "the old copy is released while member1 is down" \
    eventually 30 has 'member1 +Released' "$fl" describe binding default/nginx-deployment
check "member1 is still down then" has '^member1 +Unknown' "$fl" get clusters
check "get works shows member1's copy to be deleted once member1 is Ready" \
    has '^member1 +default +nginx-deployment +delete +yes +0/1 +Unknown +stale: cluster member1 is Unknown; delete held until it is Ready' \
    "$fl" get works

# 3. Recovery.
"$fl" sim recover member1 >/dev/null
check "member1's taints are cleared" \
    eventually 30 has '^member1 +True +ClusterReady .*<none>' "$fl" get clusters
check "the old copy is gone from member1" \
    eventually 30 has '^member1 +default +nginx-deployment +deleted +no' "$fl" get works

# 4. Fail-back.
"$fl" rebalance default/nginx-deployment >/dev/null
check "rebalance brings back the policy's split" \
    eventually 30 has 'nginx-deployment +2 +member1:1 member2:1 +True' "$fl" get bindings

# 5. A StatefulSet divided over two members.
cat > "$data/sts-policy.yaml" <<YAML
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web-divided
  namespace: default
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: StatefulSet
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
            weight: 1
YAML
"$fl" apply -f "$data/sts-policy.yaml" >/dev/null
"$fl" apply -f "$workloads/simple-statefulset.yaml" >/dev/null
check "the StatefulSet is divided 7+7" \
    eventually 30 has 'web-statefulset +14 +member1:7 member2:7' "$fl" get bindings
check "describe shows member1 running ordinals 0..6" \
    eventually 40 has 'ordinals 0\.\.6' "$fl" describe binding default/web-statefulset
check "describe shows member2 running ordinals 7..13" \
    eventually 40 has 'ordinals 7\.\.13' "$fl" describe binding default/web-statefulset
check "describe shows the claims and their phase" \
    eventually 40 has 'claim www-web-[0-9]+ (Pending|Bound)' "$fl" describe binding default/web-statefulset

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
