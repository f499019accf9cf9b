#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# integration.kubectl: Debian's kubectl (package kubernetes-client, fetched
# by tools/kubectl-debian.sh) against flotilla-sim over TLS with a bearer
# token: discovery, get, apply --server-side (conflicts and force), scale,
# delete, the error bodies as kubectl renders them, and a down member that
# keeps its objects. Where kubectl and the simulator disagree, the
# simulator is wrong. Exit 77 (skipped) only when kubectl cannot be fetched.
set -u

src=${FL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${FL_BUILD_DIR:-$src/build}
sim="$build/flotilla-sim"

if ! K=$("$src/tools/kubectl-debian.sh" "$build/kubectl-debian"); then
    echo "SKIP: Debian's kubectl could not be fetched (apt-get download kubernetes-client failed)"
    exit 77
fi
K=$(cd "$(dirname "$K")" && pwd)/kubectl

tmp=$(mktemp -d /tmp/fl-kubectl-XXXXXX)
pid=
failures=0
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect NAME WANT_RC PATTERN -- kubectl ARGS...: runs kubectl, checks its
# exit status and that stdout+stderr contain PATTERN (grep -E).
expect() {
    name=$1 want_rc=$2 pattern=$3
    shift 4
    out=$("$K" "$@" 2>&1)
    rc=$?
    if [ "$want_rc" = 0 ] && [ "$rc" != 0 ]; then
        fail "$name: kubectl $* exited $rc: $out"
        return
    fi
    if [ "$want_rc" != 0 ] && [ "$rc" = 0 ]; then
        fail "$name: kubectl $* succeeded, wanted an error: $out"
        return
    fi
    if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
        fail "$name: kubectl $*: output does not match /$pattern/: $out"
        return
    fi
    echo "ok: $name"
}

# wait_for NAME PATTERN -- kubectl ARGS...: polls up to 10s
wait_for() {
    name=$1 pattern=$2
    shift 3
    i=0
    while [ $i -lt 100 ]; do
        if "$K" "$@" 2>/dev/null | grep -Eq -- "$pattern"; then
            echo "ok: $name"
            return
        fi
        sleep 0.1
        i=$((i + 1))
    done
    fail "$name: kubectl $* never matched /$pattern/: $("$K" "$@" 2>&1)"
}

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" >/dev/null 2>&1 || { echo "FAIL: openssl"; exit 1; }

"$sim" --members member1,member2 --ready-delay 500ms --token s3cret \
    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
    --state-file "$tmp/state.json" --log-level warn >"$tmp/sim.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/state.json" ] && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
[ -s "$tmp/state.json" ] || { echo "FAIL: flotilla-sim did not start"; cat "$tmp/sim.log"; exit 1; }
port=$(sed -n 's/.*"member1": \([0-9]*\).*/\1/p' "$tmp/state.json")
control=$(sed -n 's/.*"control": \([0-9]*\).*/\1/p' "$tmp/state.json")

cat >"$tmp/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: member1
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $tmp/cert.pem
users:
- name: good
  user: {token: s3cret}
- name: bad
  user: {token: wrong}
contexts:
- name: member1
  context: {cluster: member1, user: good, namespace: default}
- name: intruder
  context: {cluster: member1, user: bad, namespace: default}
current-context: member1
KC
export KUBECONFIG="$tmp/kubeconfig" HOME="$tmp"

cat >"$tmp/deploy.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        resources:
          requests: {cpu: 100m, memory: 64Mi}
Y
sed 's/replicas: 2/replicas: 4/' "$tmp/deploy.yaml" >"$tmp/deploy4.yaml"
cat >"$tmp/sts.yaml" <<'Y'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 2
  ordinals: {start: 3}
  serviceName: web
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Gi}
Y
cat >"$tmp/bad.yaml" <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  template:
    spec:
      containers: [{name: a, image: b}]
Y

# discovery
expect "version" 0 'Server Version: .*v1\.29\.0-flotilla-sim' -- version
expect "api-versions" 0 'apps/v1' -- api-versions
expect "api-resources" 0 'statefulsets +sts +apps/v1 +true +StatefulSet' -- api-resources
expect "api-resources pvc" 0 'persistentvolumeclaims +pvc +v1 +true' -- api-resources
# get
expect "get namespaces" 0 'kube-node-lease' -- get namespaces
expect "get nodes" 0 'member1-node-3' -- get nodes -o name
expect "get nodes allocatable" 0 '^110$' -- get node member1-node-1 -o 'jsonpath={.status.allocatable.pods}'
# apply --server-side, readiness after the delay
expect "apply server-side" 0 'deployment.apps/nginx serverside-applied' -- apply --server-side -f "$tmp/deploy.yaml"
wait_for "deployment ready 2/2" '^2$' -- get deploy nginx -o 'jsonpath={.status.readyReplicas}'
expect "pods of the deployment" 0 'Running' -- get pods -l app=nginx -o 'jsonpath={.items[*].status.phase}'
expect "apply server-side again" 0 'serverside-applied' -- apply --server-side -f "$tmp/deploy.yaml"
expect "scale" 0 'deployment.apps/nginx scaled' -- scale deploy nginx --replicas=3
expect "apply conflict" 1 'conflict with "kubectl" using apps/v1: \.spec\.replicas' -- apply --server-side -f "$tmp/deploy4.yaml"
expect "apply force-conflicts" 0 'serverside-applied' -- apply --server-side --force-conflicts -f "$tmp/deploy4.yaml"
expect "replicas after force" 0 '^4$' -- get deploy nginx -o 'jsonpath={.spec.replicas}'
expect "managed fields" 0 'kubectl Apply' -- get deploy nginx -o 'jsonpath={.metadata.managedFields[*].manager} {.metadata.managedFields[*].operation}'
# StatefulSet ordinals and claims
expect "apply statefulset" 0 'statefulset.apps/web serverside-applied' -- apply --server-side -f "$tmp/sts.yaml"
wait_for "statefulset ready 2/2" '^2$' -- get sts web -o 'jsonpath={.status.readyReplicas}'
expect "ordinals from start" 0 '^web-3 web-4$' -- get pods -l app=web -o 'jsonpath={.items[*].metadata.name}'
expect "claims bound" 0 '^Bound Bound$' -- get pvc -o 'jsonpath={.items[*].status.phase}'
expect "get all" 0 'statefulset.apps/web' -- get all
# error bodies as kubectl renders them
expect "not found" 1 'Error from server \(NotFound\): deployments.apps "nope" not found' -- get deploy nope
expect "already exists" 1 'Error from server \(AlreadyExists\).*deployments.apps "nginx" already exists' -- create -f "$tmp/deploy.yaml"
expect "invalid" 1 'The Deployment "bad" is invalid: spec.selector: Required value' -- create -f "$tmp/bad.yaml"
expect "namespace not found" 1 'namespaces "nope" not found' -- -n nope create configmap x
expect "unauthorized" 1 'You must be logged in to the server \(Unauthorized\)' -- --context intruder get pods
# delete
expect "delete" 0 'deployment.apps "nginx" deleted' -- delete deploy nginx
expect "gone after delete" 1 'NotFound' -- get deploy nginx
expect "pods gone" 0 '^$' -- get pods -l app=nginx -o name
expect "delete twice" 1 'Error from server \(NotFound\): deployments.apps "nginx" not found' -- delete deploy nginx
# a down member refuses connections and keeps its objects
curl -s -X POST -d '{"kind":"down"}' "http://127.0.0.1:$control/members/member1/fault" >/dev/null
sleep 0.3
expect "down refuses" 1 'connection .*refused|was refused' -- get sts web --request-timeout=2s
curl -s -X POST -d '{"kind":"up"}' "http://127.0.0.1:$control/members/member1/fault" >/dev/null
wait_for "objects kept after down" '^web$' -- get sts web -o 'jsonpath={.metadata.name}'
expect "delete -f" 0 'statefulset.apps "web" deleted' -- delete -f "$tmp/sts.yaml"

if ! kill -0 "$pid" 2>/dev/null; then
    fail "flotilla-sim died"
    cat "$tmp/sim.log"
else
    kill "$pid"
    wait "$pid"
    rc=$?
    pid=
    if [ $rc -ne 0 ]; then
        fail "flotilla-sim exited with status $rc"
        cat "$tmp/sim.log"
    fi
fi
if [ $failures -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all kubectl checks passed"
