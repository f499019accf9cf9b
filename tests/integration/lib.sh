# Shared by the shell integration tests that start the embedded default
# (tools/up.sh), and their checks. Source it; it defines functions only.

# fl_free_port: a loopback port nothing listens on, chosen below the
# kernel's ephemeral range so that an outgoing connection cannot take it
# between this check and the server's bind.
fl_free_port() {
    local lo p
    lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ -n "$lo" ] && [ "$lo" -gt 11000 ] || lo=32768
    while :; do
        p=$(shuf -i "10000-$((lo - 1))" -n 1)
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
}

# fl_start_up BUILD SRC DATA: starts tools/up.sh on free ports with its
# output in DATA/up.out and waits up to 60 s for "Flotilla is up". Sets
# up_pid, and exports FLOTILLA_NATS_PORT, FLOTILLA_HTTP_PORT,
# FLOTILLA_NATS_URL and FLOTILLA_SIM_CONTROL. When up.sh gives up early
# because a port was taken after all (up.sh finds it in use, or nats-server
# cannot listen) it tries twice more on other ports, saying so. Fails with
# up.out, the data directory and the logs printed.
fl_start_up() {
    local build=$1 src=$2 data=$3 attempt
    for attempt in 1 2 3; do
        export FLOTILLA_NATS_PORT=$(fl_free_port)
        export FLOTILLA_HTTP_PORT=$(fl_free_port)
        export FLOTILLA_NATS_URL=nats://127.0.0.1:$FLOTILLA_NATS_PORT
        # In a session of its own, so fl_stop_up can reach every process
        # it started even when it no longer answers.
        setsid "$src/tools/up.sh" "$build" </dev/null >"$data/up.out" 2>&1 &
        up_pid=$!
        for _ in $(seq 600); do
            grep -q "Flotilla is up" "$data/up.out" 2>/dev/null && break
            kill -0 "$up_pid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -q "Flotilla is up" "$data/up.out" 2>/dev/null; then
            export FLOTILLA_SIM_CONTROL=$(cat "$data/sim.control" 2>/dev/null)
            return 0
        fi
        kill -0 "$up_pid" 2>/dev/null && break   # still running: slow, not refused
        fl_stop_up
        # Only a port is worth another try; any other failure is the test's.
        grep -Eq "port [0-9]+ on 127.0.0.1 is in use|nats-server did not start" \
            "$data/up.out" || break
        echo "note: make up attempt $attempt on ports $FLOTILLA_NATS_PORT/$FLOTILLA_HTTP_PORT gave up:"
        sed 's/^/    /' "$data/up.out"
        [ -f "$data/log/nats.log" ] && tail -n 5 "$data/log/nats.log" | sed 's/^/    nats: /'
    done
    echo "FAIL make up did not come up"
    echo "--- up.out"; cat "$data/up.out"
    echo "--- $data"; ls -la "$data" "$data/log" 2>&1; df -h "$data" 2>&1
    for l in "$data"/log/*.log; do [ -f "$l" ] && { echo "--- $l"; tail -n 40 "$l"; }; done
    return 1
}

# fl_stop_up: stops what fl_start_up started as Ctrl-C would (TERM to
# up.sh, which stops its children in order), and after 10 s kills whatever
# is left of its process group, so that nothing outlives the test.
fl_stop_up() {
    [ -n "${up_pid:-}" ] || return 0
    kill -TERM "$up_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$up_pid" 2>/dev/null
    wait "$up_pid" 2>/dev/null
    up_pid=
}

# check NAME COMMAND...: runs the command and counts it in $passed or
# $failed; on a failure, also calls the test's dump_state (what to show).
check() {
    local name=$1; shift
    if "$@"; then
        echo "ok   $name"; passed=$((passed + 1))
    else
        echo "FAIL $name"; failed=$((failed + 1))
        if declare -F dump_state >/dev/null; then dump_state; fi
    fi
}

# eventually SECONDS COMMAND...: retries the command every 0.3 s until it
# succeeds; past the time, runs it once more with its output shown.
eventually() {
    local limit=$1; shift
    local end=$(( $(date +%s) + limit ))
    while [ "$(date +%s)" -le "$end" ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.3
    done
    "$@"
}

# has PATTERN COMMAND...: the command's output matches the extended regex.
has() { local pattern=$1; shift; "$@" 2>&1 | grep -Eq -- "$pattern"; }
