#!/usr/bin/env bash
# flotilla run as a process: it becomes ready, serves its endpoints, and
# drains and exits 0 on SIGTERM. Starts its own nats-server on loopback.
set -u
build=${FL_BUILD_DIR:?}
dir=$(mktemp -d /tmp/fl-daemon-XXXXXX)
nats_pid=
run_pid=
cleanup() {
    [ -n "$run_pid" ] && kill -9 "$run_pid" 2>/dev/null
    [ -n "$nats_pid" ] && kill "$nats_pid" 2>/dev/null && wait "$nats_pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- daemon log"; cat "$dir/run.log"; exit 1; }

. "$(dirname "$0")/lib.sh"
nport=$(fl_free_port)
hport=$(fl_free_port)
"${NATS_SERVER:-nats-server}" -js -a 127.0.0.1 -p "$nport" -sd "$dir/js" </dev/null >"$dir/nats.log" 2>&1 &
nats_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$nport) 2>/dev/null && break; sleep 0.05; done

"$build/flotilla" run --server "nats://127.0.0.1:$nport" --listen "127.0.0.1:$hport" </dev/null >"$dir/run.log" 2>&1 &
run_pid=$!
ready=
for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/readyz")
    [ "$code" = 200 ] && { ready=1; break; }
    sleep 0.05
done
[ -n "$ready" ] || fail "/readyz never answered 200"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/healthz")" = 200 ] || fail "/healthz is not 200"
curl -s "http://127.0.0.1:$hport/metrics" >"$dir/metrics" || fail "/metrics did not answer"

# The streams exist once the daemon is ready.
"$build/flotilla" dlq list --server "nats://127.0.0.1:$nport" | grep -q "no dead letters" || fail "dlq list did not read FL_DLQ"

kill -TERM "$run_pid"
for _ in $(seq 100); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$run_pid" 2>/dev/null && fail "the daemon did not stop within 5 s of SIGTERM"
wait "$run_pid"; rc=$?
run_pid=
[ "$rc" = 0 ] || fail "the daemon exited $rc after SIGTERM"
grep -q 'msg="stopping" signal=15' "$dir/run.log" || fail "no stopping line in the log"
echo "1 passed, 0 failed"
