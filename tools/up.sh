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
mkdir -p "$data/nats" "$data/log"

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
"$build/flotilla" run --config "$here/config/flotilla.yaml" \
    --server "$FLOTILLA_NATS_URL" --listen "127.0.0.1:$http_port" \
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

cat <<MSG
Flotilla is up.
  bus        $FLOTILLA_NATS_URL (JetStream, store in $data/nats, encrypted)
  daemon     http://127.0.0.1:$http_port/readyz  /healthz  /metrics
  logs       $data/log/
Try, in another terminal:
  build/flotilla --help
  build/flotilla dlq list
Ctrl-C stops everything.
MSG
wait -n "${pids[@]}"
echo "up: a process exited on its own; see $data/log/" >&2
stop
