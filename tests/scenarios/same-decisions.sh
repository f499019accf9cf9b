#!/bin/sh
# The decision lines of two drill files must be equal (restart-mid-outage.yaml
# against outage-graceful.yaml: restarts lose no decision and repeat none).
# Lines of the drill itself (faults, restarts), expectations and totals are
# left out. With --messages the messages published (DRILL_TRACE) are
# compared instead of the decision lines.
# usage: same-decisions.sh [--decisions|--messages] FLOTILLA A.yaml B.yaml
set -u
what=decisions
case "$1" in
--messages) what=messages; shift ;;
--decisions) shift ;;
esac
flotilla=$1
a=$2
b=$3
filter() {
    if [ "$what" = messages ]; then
        DRILL_TRACE=1 "$flotilla" drill run "$1" | grep -E '^ +[0-9.]+s  .* message '
    else
        "$flotilla" drill run "$1" | grep -E '^ +[0-9]+\.[0-9]+s ' |
            grep -vE '^ +[0-9.]+s  drill ' | grep -v ' message '
    fi
}
da=$(filter "$a") || exit 1
db=$(filter "$b") || exit 1
if [ "$da" != "$db" ]; then
    echo "$what differ between $a and $b:"
    printf '%s\n' "$da" > /tmp/same-decisions.$$.a
    printf '%s\n' "$db" > /tmp/same-decisions.$$.b
    diff /tmp/same-decisions.$$.a /tmp/same-decisions.$$.b
    rm -f /tmp/same-decisions.$$.a /tmp/same-decisions.$$.b
    exit 1
fi
echo "$(printf '%s\n' "$da" | wc -l) $what, the same in both"
