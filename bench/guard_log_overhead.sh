#!/bin/sh
# Log mode's cost against count mode, same run, same server: a JACK
# callback that mallocs 300 times a cycle at one site, frees 300 times at
# another and calloc+frees once at a third (tests/guard_jack_cases sites).
# Prints each run's mean callback time and the log/count ratio of the
# pair.  Run from the build directory after `make check`:
#   sh ../bench/guard_log_overhead.sh [CYCLES] [PAIRS]
cycles=${1:-3000}
pairs=${2:-3}
lib=$PWD/guard/.libs/librtalloc_guard.so
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
server=rta-guard-bench-$$
jackd -n "$server" -R -d dummy -r 48000 -p 128 >/dev/null 2>&1 &
jackd_pid=$!
trap 'kill $jackd_pid 2>/dev/null; wait $jackd_pid 2>/dev/null' EXIT
until JACK_NO_START_SERVER=1 jack_wait -s "$server" -c 2>/dev/null | grep -qx running; do
    sleep 0.1
done
mean() { # mode: mean callback ns
    RTALLOC_GUARD=$1 LD_PRELOAD=$lib ./tests/guard_jack_cases "$server" sites "$cycles" 2>/dev/null |
        awk '/^cycles:/ {c = $2} /^callback ns:/ {ns = $3} END {printf "%.0f", ns / c}'
}
i=0
while [ $i -lt "$pairs" ]; do
    c=$(mean count)
    l=$(mean log)
    echo "pair $i: count ${c} ns/cycle, log ${l} ns/cycle, log/count $(awk "BEGIN {printf \"%.2f\", $l / $c}")"
    i=$((i + 1))
done
