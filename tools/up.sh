#!/usr/bin/env bash
# `make up`: the embedded default in the foreground — a local nats-server
# with JetStream in .up/, the flotilla daemon with every actor built in, and
# (once built) the member-cluster simulator. Ctrl-C stops everything; a
# second `make up` resumes from the same data directory.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
data=${FLOTILLA_DATA:-$here/.up}
nats_port=${FLOTILLA_NATS_PORT:-4222}
http_port=${FLOTILLA_HTTP_PORT:-9470}
# A store from an earlier run: this one resumes it.
resumed=
[ -d "$data/nats/jetstream" ] && resumed=1
mkdir -p "$data/nats" "$data/log"
up_start=$(date +%s)

pids=()
stop() {
    trap - INT TERM
    echo
    echo "up: stopping"
    for ((i=${#pids[@]}-1; i>=0; i--)); do
        kill -TERM "${pids[$i]}" 2>/dev/null
        wait "${pids[$i]}" 2>/dev/null
    done
    echo "up: stopped; state kept in $data (delete it to start afresh)"
    exit 0
}
trap stop INT TERM

port_busy() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
for p in "$nats_port" "$http_port"; do
    if port_busy "$p"; then
        echo "up: port $p on 127.0.0.1 is in use (another 'make up'?); stop it, or set FLOTILLA_NATS_PORT / FLOTILLA_HTTP_PORT" >&2
        exit 1
    fi
done

# JetStream encrypts its store with a key made once per data directory.
# nats-server parses the variable's value as a config token: it must not
# start with a digit, hence the "fl" prefix.
if [ ! -s "$data/nats.key" ]; then
    (umask 077; printf 'fl%s\n' "$(openssl rand -hex 32)" > "$data/nats.key")
fi
cat > "$data/nats.conf" <<CONF
listen: 127.0.0.1:$nats_port
jetstream {
  store_dir: "$data/nats"
  cipher: chachapoly
  key: \$FLOTILLA_NATS_KEY
}
CONF
FLOTILLA_NATS_KEY=$(cat "$data/nats.key") nats-server -c "$data/nats.conf" \
    </dev/null >>"$data/log/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
    port_busy "$nats_port" && break
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.05
done
port_busy "$nats_port" || { echo "up: nats-server did not start; see $data/log/nats.log" >&2; stop; }

export FLOTILLA_NATS_URL="nats://127.0.0.1:$nats_port"

# Three simulated members behind TLS and a bearer token, as real API
# servers would be: member1 and member2 in region one, member3 in region two.
if [ ! -s "$data/members/ca.pem" ]; then
    mkdir -p "$data/members"
    (umask 077
     openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=flotilla-sim" \
         -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
         -keyout "$data/members/key.pem" -out "$data/members/ca.pem" >/dev/null 2>&1
     openssl rand -hex 24 > "$data/members/token")
fi
rm -f "$data/sim.json"
# The token goes in a file only the owner reads, not on a command line that
# every user of the machine can see.
(umask 077
 printf 'token: %s\nmembers:\n  - name: member1\n  - name: member2\n  - name: member3\n' \
     "$(cat "$data/members/token")" > "$data/members/sim.yaml")
"$build/flotilla-sim" --config "$data/members/sim.yaml" \
    --tls-cert "$data/members/ca.pem" --tls-key "$data/members/key.pem" \
    --state-file "$data/sim.json" </dev/null >>"$data/log/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -s "$data/sim.json" ] && break; sleep 0.05; done
[ -s "$data/sim.json" ] || { echo "up: flotilla-sim did not start; see $data/log/sim.log" >&2; stop; }
port_of() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$data/sim.json" | head -n 1; }
ctl_port=$(port_of control)

# The daemon's configuration: the defaults, this bus, these members.
cat > "$data/flotilla.yaml" <<CONF
# Written by make up (tools/up.sh) for the embedded default; see docs/config.md.
nats:
  urls: [$FLOTILLA_NATS_URL]
daemon:
  listen: 127.0.0.1:$http_port
  dataDir: $data
CONF
# Tests shorten the timings: FLOTILLA_UP_SETTINGS holds "key: value" lines.
if [ -n "${FLOTILLA_UP_SETTINGS:-}" ]; then
    echo "settings:" >> "$data/flotilla.yaml"
    printf '%s\n' "$FLOTILLA_UP_SETTINGS" | sed 's/^/  /' >> "$data/flotilla.yaml"
fi
echo "members:" >> "$data/flotilla.yaml"
regions=(region-one region-one region-two)
: > "$data/clusters.yaml"
for i in 1 2 3; do
    cat >> "$data/flotilla.yaml" <<CONF
  - name: member$i
    apiEndpoint: https://127.0.0.1:$(port_of member$i)
    tokenFile: $data/members/token
    caFile: $data/members/ca.pem
CONF
    cat >> "$data/clusters.yaml" <<CONF
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member$i
spec:
  apiEndpoint: https://127.0.0.1:$(port_of member$i)
  syncMode: Push
  region: ${regions[$((i-1))]}
CONF
done

"$build/flotilla" run --config "$data/flotilla.yaml" \
    </dev/null >>"$data/log/flotilla.log" 2>&1 &
pids+=($!)

ready=
for _ in $(seq 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/readyz")" = 200 ]; then
        ready=1
        break
    fi
    sleep 0.05
done
if [ -z "$ready" ]; then
    echo "up: the daemon did not become ready; see $data/log/flotilla.log" >&2
    stop
fi

# Register the members (the same objects a user would apply) and wait for
# all three to be Ready.
"$build/flotilla" apply -f "$data/clusters.yaml" >/dev/null || {
    echo "up: registering the members failed; see $data/log/flotilla.log" >&2; stop; }
members_ready=
for _ in $(seq 300); do
    if [ "$("$build/flotilla" get clusters 2>/dev/null | grep -c ' True ')" = 3 ]; then
        members_ready=1
        break
    fi
    sleep 0.05
done
[ -n "$members_ready" ] || echo "up: not every member is Ready yet; 'build/flotilla get clusters' shows why" >&2
export FLOTILLA_SIM_CONTROL="http://127.0.0.1:$ctl_port"
echo "$FLOTILLA_SIM_CONTROL" > "$data/sim.control"
# build/flotilla of this checkout finds the bus here when FLOTILLA_NATS_URL
# is not set (cli_server_url()).
echo "$FLOTILLA_NATS_URL" > "$data/nats.url"
env_hint=
if [ "$data" != "$here/.up" ]; then
    env_hint="  export FLOTILLA_NATS_URL=$FLOTILLA_NATS_URL FLOTILLA_SIM_CONTROL=$FLOTILLA_SIM_CONTROL
"
fi

if [ -n "$resumed" ]; then
    try_apply="  (resumed from $data: what was applied before is still there)
"
else
    try_apply="  build/flotilla apply -f ../shared/testdata/real/karmada-samples/deployment.yaml
  build/flotilla apply -f ../shared/testdata/real/karmada-samples/propagationpolicy.yaml
"
fi
cat <<MSG
Flotilla is up ($(( $(date +%s) - up_start ))s).
  bus        $FLOTILLA_NATS_URL (JetStream, store in $data/nats, encrypted)
  daemon     http://127.0.0.1:$http_port/readyz  /healthz  /metrics
  members    member1, member2 (region-one), member3 (region-two): flotilla-sim,
             TLS + token; faults through http://127.0.0.1:$ctl_port
  logs       $data/log/
Try, in another terminal:
${env_hint}  build/flotilla get clusters
${try_apply}  build/flotilla get bindings
  build/flotilla get works
The README walks through a failover. Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
echo "up: a process exited on its own; see $data/log/" >&2
stop
