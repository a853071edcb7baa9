# Shared helpers of the tests/jack_demo*.sh tests (sourced, not run).
#
# Each test starts its own JACK server under a private, unique name with
# the dummy backend in real-time mode, and stops exactly that server (by
# its process id) when it exits.  A test skips (exit 77) only when the
# demo was not built (no JACK at configure time) or jackd cannot run here.

JACK_DEMO=${JACK_DEMO:-./examples/rtalloc-jack-demo}
JACK_DEMO_RATE=48000
jack_demo_server_pid=
jack_demo_server=

skip() {
    echo "SKIP: $*"
    exit 77
}

fail() {
    echo "FAIL: $*"
    exit 1
}

ok() {
    echo "ok: $*"
}

jack_demo_require_binary() {
    [ -x "$JACK_DEMO" ] ||
        skip "$JACK_DEMO not built (configure found no JACK development files)"
}

# jack_demo_sanitized: 0 when the demo was built with ASan/TSan/MSan,
# whose own malloc comes first in the process, so the guard never sees a
# malloc call and cannot count or trap it.
jack_demo_sanitized() {
    bin=$(dirname "$JACK_DEMO")/.libs/$(basename "$JACK_DEMO")
    [ -f "$bin" ] || bin=$JACK_DEMO
    nm "$bin" 2>/dev/null | grep -Eq '__(asan|tsan|msan)_init'
}

jack_demo_stop_server() {
    if [ -n "$jack_demo_server_pid" ]; then
        kill "$jack_demo_server_pid" 2>/dev/null
        wait "$jack_demo_server_pid" 2>/dev/null
        jack_demo_server_pid=
    fi
}

# jack_demo_is_running NAME: 0 when a JACK server NAME answers.
jack_demo_is_running() {
    JACK_NO_START_SERVER=1 jack_wait -s "$1" -c 2>/dev/null | grep -qx running
}

# jack_demo_start_server PERIOD LOG: starts jackd -n <unique> -R -d dummy
# at 48 kHz with PERIOD frames; sets jack_demo_server; skips when jackd
# cannot run.
jack_demo_start_server() {
    period=$1
    log=$2
    jackd_bin=${JACKD:-$(command -v jackd)}
    [ -n "$jackd_bin" ] || skip "jackd is not installed (Debian: jackd2)"
    command -v jack_wait >/dev/null || skip "jack_wait is not installed (Debian: jackd2)"
    jack_demo_server="rtalloc-test-$$-${RANDOM:-0}"
    trap jack_demo_stop_server EXIT
    trap 'jack_demo_stop_server; exit 1' INT TERM
    "$jackd_bin" -n "$jack_demo_server" -R -d dummy -r "$JACK_DEMO_RATE" -p "$period" \
        >"$log" 2>&1 &
    jack_demo_server_pid=$!
    tries=0
    until jack_demo_is_running "$jack_demo_server"; do
        if ! kill -0 "$jack_demo_server_pid" 2>/dev/null; then
            jack_demo_server_pid=
            sed 's/^/  jackd: /' "$log" | tail -n 5
            skip "jackd -R -d dummy could not run here (log above)"
        fi
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || {
            sed 's/^/  jackd: /' "$log" | tail -n 5
            skip "jackd -n $jack_demo_server did not answer within 10 s"
        }
        sleep 0.1
    done
    echo "started jackd -n $jack_demo_server -R -d dummy -r $JACK_DEMO_RATE -p $period" \
        "(pid $jack_demo_server_pid)"
}

# report_value FILE LABEL: the value after "LABEL: " in the demo's report.
report_value() {
    sed -n "s|^$2: ||p" "$1" | head -n 1
}

# is_count VALUE: a non-negative integer.
is_count() {
    case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
    esac
}
