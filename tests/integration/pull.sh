#!/usr/bin/env bash
# A Pull member end to end, on a real nats-server and flotilla-sim: the
# control plane (`flotilla run`, the member listed as Pull without an
# endpoint) never reaches the member; its agent (`flotilla run --actors
# pull-agent`, the member listed with its endpoint) sends heartbeats and
# applies the member's work.
#   1. the cluster becomes Ready from heartbeats alone;
#   2. a workload placed there is applied by the agent and reported 1/1;
#   3. the agent stops: silence for heartbeatGrace makes the cluster Unknown;
#   4. the agent starts again: Ready again.
set -u
build=${FL_BUILD_DIR:?}
src=${FL_SOURCE_DIR:?}
. "$src/tests/integration/lib.sh"
dir=$(mktemp -d /tmp/fl-pull-XXXXXX)
pids=()
agent_pid=
passed=0
failed=0
cleanup() {
    [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}" $agent_pid; do wait "$p" 2>/dev/null; done
    if [ -n "${FL_TEST_KEEP:-}" ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
fl="$build/flotilla"
dump_state() {   # for check (lib.sh), on a failure
    echo "--- state"; "$fl" get clusters; "$fl" get works
    echo "--- control plane"; tail -n 20 "$dir/cp.log"
    echo "--- agent"; tail -n 20 "$dir/agent.log"
}

nport=$(fl_free_port)
"${NATS_SERVER:-nats-server}" -js -a 127.0.0.1 -p "$nport" -sd "$dir/js" </dev/null >"$dir/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$nport) 2>/dev/null && break; sleep 0.05; done
export FLOTILLA_NATS_URL=nats://127.0.0.1:$nport

"$build/flotilla-sim" --members edge1 --state-file "$dir/sim.json" --ready-delay 1s \
    </dev/null >"$dir/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$dir/sim.json" ] && break; sleep 0.05; done
port=$(sed -n 's/.*"edge1": *\([0-9]*\).*/\1/p' "$dir/sim.json")

# config FILE [ENDPOINT]: the same bus and timings for both processes; the
# agent's file alone gives edge1 an endpoint.
config() {
    cat >"$1" <<YAML
nats: {urls: [$FLOTILLA_NATS_URL]}
daemon: {listen: 127.0.0.1:$(fl_free_port)}
settings:
  probePeriod: 1s
  probeTimeout: 500ms
  failureThreshold: 2s
  successThreshold: 2s
  statusPeriod: 1s
  heartbeatPeriod: 1s
  heartbeatGrace: 4s
members:
  - name: edge1
    syncMode: Pull
YAML
    [ -z "${2:-}" ] || echo "    apiEndpoint: $2" >>"$1"
}
config "$dir/cp.yaml"
config "$dir/agent.yaml" "http://127.0.0.1:$port"
"$fl" run --config "$dir/cp.yaml" </dev/null >"$dir/cp.log" 2>&1 &
pids+=($!)
start_agent() {
    "$fl" run --config "$dir/agent.yaml" --actors pull-agent </dev/null >>"$dir/agent.log" 2>&1 &
    agent_pid=$!
}
start_agent

cat >"$dir/objects.yaml" <<YAML
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: edge1}
spec: {syncMode: Pull, region: edge}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement: {clusterAffinity: {clusterNames: [edge1]}}
YAML
for _ in $(seq 100); do "$fl" apply -f "$dir/objects.yaml" >/dev/null 2>&1 && break; sleep 0.1; done

check "edge1 becomes Ready from its agent's heartbeats" \
    eventually 20 has '^edge1 +True' "$fl" get clusters
check "the control plane neither probes nor applies to edge1" \
    eval "grep -q 'msg=\"prober started\" members=0 ' '$dir/cp.log' &&
          grep -q 'msg=\"member agent started\" members=0 sync_mode=Push ' '$dir/cp.log'"
check "the agent sends heartbeats and applies for edge1" \
    eval "grep -q 'msg=\"heartbeats started\" members=1 ' '$dir/agent.log' &&
          grep -q 'msg=\"member agent started\" members=1 sync_mode=Pull ' '$dir/agent.log'"
check "the agent applied web to edge1" \
    eventually 20 sh -c "curl -sf http://127.0.0.1:$port/apis/apps/v1/namespaces/default/deployments/web >/dev/null"
check "get works reports web 1/1 in edge1" \
    eventually 20 has '^edge1 +default +web-deployment +applied +yes +1/1' "$fl" get works

kill -TERM "$agent_pid"; wait "$agent_pid" 2>/dev/null; agent_pid=
check "without its agent, edge1 becomes Unknown after the grace" \
    eventually 20 has '^edge1 +Unknown' "$fl" get clusters
start_agent
check "with its agent back, edge1 is Ready again" \
    eventually 20 has '^edge1 +True' "$fl" get clusters

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
