# Shared helpers of the tests/jack_demo*.sh tests (sourced, not run).
#
# Each test starts its own JACK server under a private, unique name with
# the dummy backend in real-time mode, and stops exactly that server (by
# its process id) when it exits.  A test skips (exit 77) only when the
# demo was not built (no JACK at configure time) or jackd cannot run here;
# in CI (RTA_CI set, as .ci/run does) either is a failure: CI installs
# JACK, so a missing or silent jackd there is a broken test machine.
#
# No pass/fail here depends on how fast the machine is: the tests check
# relations that hold on any machine (arena resets == cycles, every
# allocation of the heap accounted for, frames == cycles x period) and run
# the demo again for longer while too little has happened yet, up to a
# deadline that only guards against a hang.

JACK_DEMO=${JACK_DEMO:-./examples/rtalloc-jack-demo}
JACK_DEMO_RATE=48000
jack_demo_server_pid=
jack_demo_server=

skip() {
    echo "SKIP: $*"
    exit 77
}

# skip_unless_ci MESSAGE: a skip on a developer's machine, a failure in CI.
skip_unless_ci() {
    if [ -n "${RTA_CI:-}" ]; then
        echo "FAIL: $* (RTA_CI is set: CI must be able to run this test)"
        exit 1
    fi
    skip "$@"
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
        skip_unless_ci "$JACK_DEMO not built (configure found no JACK development files)"
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
    [ -n "$jackd_bin" ] || skip_unless_ci "jackd is not installed (Debian: jackd2)"
    command -v jack_wait >/dev/null || skip_unless_ci "jack_wait is not installed (Debian: jackd2)"
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
            skip_unless_ci "jackd -R -d dummy could not run here (log above)"
        fi
        tries=$((tries + 1))
        # A hang guard, not a timing claim: jackd answers in well under 1 s.
        [ "$tries" -lt 600 ] || {
            sed 's/^/  jackd: /' "$log" | tail -n 5
            skip_unless_ci "jackd -n $jack_demo_server did not answer within 60 s"
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

# stat_value FILE NAME: NAME's figure in the demo's rta_stats_write report
# (the "rtalloc heap statistics" block, "  NAME  VALUE" lines).
stat_value() {
    awk -v name="$2" '/^rtalloc heap statistics$/ { on = 1; next }
        on && $1 == name { print $2; exit }' "$1"
}

# demo_figure FILE PATTERN: the number PATTERN's "\([0-9]*\)" captures in
# the demo's summary lines.
demo_figure() {
    sed -n "s/.*$2.*/\\1/p" "$1" | head -n 1
}

# check_heap_accounts FILE: the heap's own statistics agree with what the
# demo did: every allocation was a message or a voice, every one of them
# was freed, nothing failed or was refused.  (rta_free doing nothing, or a
# lost message, breaks one of these on any machine.)
check_heap_accounts() {
    f=$1
    h_allocs=$(stat_value "$f" allocs)
    h_frees=$(stat_value "$f" frees)
    h_live=$(stat_value "$f" bytes_live)
    h_failures=$(stat_value "$f" failures)
    h_bad=$(stat_value "$f" bad_frees)
    h_fallbacks=$(stat_value "$f" fallbacks)
    sent=$(demo_figure "$f" 'event messages sent \([0-9]*\),')
    received=$(demo_figure "$f" 'freed by the callback \([0-9]*\),')
    dropped=$(demo_figure "$f" 'dropped \([0-9]*\), allocation')
    msg_fail=$(demo_figure "$f" 'dropped [0-9]*, allocation failures \([0-9]*\)')
    v_alloc=$(demo_figure "$f" 'voices allocated \([0-9]*\),')
    v_freed=$(demo_figure "$f" 'voices allocated [0-9]*, freed \([0-9]*\),')
    v_fail=$(demo_figure "$f" 'freed [0-9]*, allocation failures \([0-9]*\), refused')
    for v in "$h_allocs" "$h_frees" "$h_live" "$h_failures" "$h_bad" "$h_fallbacks" "$sent" \
        "$received" "$dropped" "$msg_fail" "$v_alloc" "$v_freed" "$v_fail"; do
        is_count "$v" || fail "$f: a heap statistic or demo figure is missing: '$v'"
    done
    [ "$h_allocs" -eq $((sent + dropped + v_alloc)) ] ||
        fail "heap allocs $h_allocs != messages sent $sent + dropped $dropped + voices $v_alloc"
    # The messages the callback did not take before it stopped are freed
    # by the main thread, the voices still sounding at the end with the
    # synth: so these are bounds; the heap's frees == allocs below is exact.
    [ "$received" -le "$sent" ] || fail "messages sent $sent but $received freed by the callback"
    [ "$v_freed" -le "$v_alloc" ] || fail "voices allocated $v_alloc but $v_freed freed"
    [ "$h_frees" -eq "$h_allocs" ] || fail "heap frees $h_frees != allocs $h_allocs"
    [ "$h_live" -eq 0 ] || fail "heap bytes_live $h_live at the end, expected 0"
    [ "$h_failures" -eq 0 ] && [ "$msg_fail" -eq 0 ] && [ "$v_fail" -eq 0 ] ||
        fail "allocation failures: heap $h_failures, messages $msg_fail, voices $v_fail"
    [ "$h_bad" -eq 0 ] || fail "heap bad_frees $h_bad"
    [ "$h_fallbacks" -eq 0 ] || fail "heap fallbacks $h_fallbacks"
    ok "heap: allocs $h_allocs = $sent messages + $dropped dropped + $v_alloc voices, all freed, no failure"
}
