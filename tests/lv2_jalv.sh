#!/bin/sh
# rtalloc-synth hosted by jalv (the console host) on a real JACK server:
# jackd -R -d dummy under a private name, started and stopped here (a
# jackd that cannot start is a failure).  jalv runs with librtalloc_guard
# preloaded in count mode, so every JACK process cycle is an RT section,
# and with the rules of tests/lv2_jalv.supp for jalv's own per-cycle
# calls.  tests/lv2_midi_source, a JACK MIDI client, plays notes and
# program changes into jalv's MIDI input until jalv's "monitors" command
# shows 48 notes and 3 wavetables from the worker (hang guard: 120 s, not
# a figure under test); then it stops, and when the plugin has played
# every note it sent, jalv's stdin closes and jalv exits, running the
# plugin's cleanup.  Asserts:
#   - the plugin's counters (its cleanup line): notes, voices taken from
#     and given back to the pools, tables built by the worker thread and
#     installed by the audio thread (the old ones freed cross-thread:
#     heap_remote_frees), no pool failure, no heap byte left, and
#     rt_system_calls=0: no system-heap call inside run() or
#     work_response(), measured by the plugin itself under the guard
#   - the guard's summary: JACK cycles ran, and no unsuppressed
#     system-heap call in them (with per-module totals: none for the
#     plugin's module); the suppressed ones were jalv's
#   - a second jalv run with a planted malloc+free in every run()
#     (RTALLOC_LV2_NAUGHTY=1): jalv exits 3 (RTALLOC_GUARD_EXIT_CODE), and
#     the guard's total for module rtalloc_synth.so, the plugin's
#     rt_system_calls and the planted count are the same number: the
#     suppressions do not hide the plugin's calls, and the plugin's own
#     count is exact
# Skips (77) under ASan/TSan: the sanitizer's runtime owns malloc.
. "$(dirname "$0")/lv2_lib.sh"
require_tools jalv jackd jack_wait stdbuf
[ -x ./tests/lv2_midi_source ] || die "tests/lv2_midi_source was not built (JACK development files missing?)"
plugin_sanitized && skip "sanitizer build: the sanitizer's runtime owns malloc, the guard sees nothing"
[ -f "$GUARD_LIB" ] || die "$GUARD_LIB was not built"
if ldd "$GUARD_LIB" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    skip "sanitizer build: the sanitizer's runtime owns malloc"
fi
srcdir=${srcdir:-$(dirname "$0")/..}
midi_out=tests/lv2_jalv_midi.out
supp=$srcdir/tests/lv2_jalv.supp
NOTES=48
TABLES=3
DEADLINE=120

tmp=${TMPDIR:-/tmp}/rta-lv2-jalv.$$
mkdir -p "$tmp" tests || exit 1
server=rta-lv2-$$
jackd_pid=
jalv_pid=
midi_pid=
stop() {
    [ -n "$jalv_pid" ] && kill "$jalv_pid" 2>/dev/null
    [ -n "$midi_pid" ] && kill "$midi_pid" 2>/dev/null
    if [ -n "$jackd_pid" ]; then
        kill "$jackd_pid" 2>/dev/null
        wait "$jackd_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM

JACK_NO_AUDIO_RESERVATION=1 jackd -n "$server" -R -d dummy -r 48000 -p 256 \
    >tests/lv2_jackd.log 2>&1 &
jackd_pid=$!
tries=0
until JACK_NO_START_SERVER=1 jack_wait -s "$server" -c 2>/dev/null | grep -qx running; do
    tries=$((tries + 1))
    if ! kill -0 "$jackd_pid" 2>/dev/null || [ $tries -ge 100 ]; then
        sed 's/^/  jackd: /' tests/lv2_jackd.log | tail -n 8
        die "jackd -n $server -R -d dummy did not start (log above)"
    fi
    sleep 0.1
done
echo "started jackd -n $server -R -d dummy -r 48000 -p 256 (pid $jackd_pid)"

# jalv reads commands from stdin and exits at its end: a FIFO held open
# on fd 3 lets the test ask for "monitors" and then close it.  stdbuf:
# jalv's answers must reach the file line by line.  The MIDI source stops
# at the end of its own stdin (fd 4).
mkfifo "$tmp/in" "$tmp/midi" || die "mkfifo failed"

# start_jalv NAME [VAR=VALUE...]: jalv as client rta-synth-NAME under the
# guard, output in tests/lv2_jalv_NAME.{out,log}, the plugin's line in
# tests/lv2_jalv_NAME_stats.log.  An unsuppressed call makes it exit 3.
# The plugin's module is preloaded too (lilv's dlopen of the same path
# gets it): jalv unloads its plugin before exit, and the guard names the
# modules of its call sites at exit, from the addresses it kept.
start_jalv() {
    name=$1
    shift
    client=rta-synth-$$-$name
    out=tests/lv2_jalv_$name.out
    err=tests/lv2_jalv_$name.log
    stats=tests/lv2_jalv_${name}_stats.log
    rm -f "$stats"
    echo "--- $* RTALLOC_GUARD=count RTALLOC_GUARD_SUPPRESS=$supp RTALLOC_GUARD_EXIT_CODE=3"
    echo "    LD_PRELOAD=$GUARD_LIB:$PLUGIN_SO jalv -x -n $client $LV2_URI"
    env JACK_DEFAULT_SERVER="$server" JACK_NO_START_SERVER=1 RTALLOC_GUARD=count \
        RTALLOC_GUARD_SUPPRESS="$supp" RTALLOC_GUARD_EXIT_CODE=3 RTALLOC_LV2_STATS="$stats" \
        LD_PRELOAD="$GUARD_LIB:$PLUGIN_SO" "$@" \
        stdbuf -oL jalv -x -n "$client" "$LV2_URI" <"$tmp/in" >"$out" 2>"$err" &
    jalv_pid=$!
    exec 3>"$tmp/in"
    start=$(date +%s)
}

# monitor SYMBOL: the last value jalv printed for an output port.
monitor() {
    sed -n "s/^\(> \)*$1 = \([0-9]*\).*/\2/p" "$out" | tail -n 1
}

# poll CONDITION: asks jalv for its monitors until CONDITION holds, jalv
# is gone, or the hang guard's time is up.
poll() {
    while :; do
        kill -0 "$jalv_pid" 2>/dev/null || return 1
        echo monitors >&3
        sleep 0.5
        notes=$(monitor notes) tables=$(monitor tables) rt_calls=$(monitor rt_system_calls)
        eval "$1" && return 0
        [ $(($(date +%s) - start)) -lt $DEADLINE ] || return 1
    done
}

# stop_jalv: closes jalv's stdin, waits for it (hang guard: 30 s), shows
# what it wrote; sets st to its exit status.
stop_jalv() {
    exec 3>&-
    n=0
    while kill -0 "$jalv_pid" 2>/dev/null && [ $n -lt 300 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -0 "$jalv_pid" 2>/dev/null && { kill "$jalv_pid"; echo "jalv did not exit: killed"; }
    wait "$jalv_pid"
    st=$?
    jalv_pid=
    grep -v '^> *$' "$out" | tail -n 6 | sed 's/^/  jalv: /'
    sed 's/^/  stderr: /' "$err"
}

# module_calls NAME: unsuppressed calls the guard attributed to module NAME.
module_calls() {
    sed -n "s/^rtalloc-guard[^:]*: module $1: \([0-9]*\) calls.*/\1/p" "$err"
}

start_jalv clean
echo "--- tests/lv2_midi_source $server $client:midi_in"
./tests/lv2_midi_source "$server" "$client:midi_in" <"$tmp/midi" >"$midi_out" 2>&1 &
midi_pid=$!
exec 4>"$tmp/midi"
notes=0 tables=0
poll '[ "${notes:-0}" -ge $NOTES ] && [ "${tables:-0}" -ge $TABLES ]'
check "jalv showed $NOTES notes and $TABLES tables (last: notes=${notes:-none} tables=${tables:-none})" $?
exec 4>&-
n=0
while kill -0 "$midi_pid" 2>/dev/null && [ $n -lt 300 ]; do
    sleep 0.1
    n=$((n + 1))
done
wait "$midi_pid"
midi_st=$?
midi_pid=
check "the MIDI source ran and stopped (exit $midi_st)" $midi_st
sed 's/^/  midi source: /' "$midi_out"
sent=$(sed -n 's/^notes sent: //p' "$midi_out")
# A server overrun may keep a cycle's MIDI from the host (the source's
# comment): then up to one note per overrun is lost on the way, not in
# the plugin, and the counts may differ by that much.  Without one,
# every note must arrive.
xruns=$(sed -n 's/^xruns: //p' "$midi_out")
lost_ok=${xruns:-0}
# played_ok N: N notes played are all that were sent, or short by at
# most one per overrun.
played_ok() {
    [ -n "$1" ] && [ "$1" -le "$sent" ] && [ "$1" -ge $((sent - lost_ok)) ]
}
poll 'played_ok "${notes:-0}"'
check "every note sent was played (sent ${sent:-none}, played ${notes:-none}, server overruns ${xruns:-none})" $?
stop_jalv
check "jalv exited 0 at the end of its input (exit $st)" "$([ $st = 0 ]; echo $?)"

echo "--- the plugin's counters"
[ -f "$stats" ] && sed 's/^/  /' "$stats"
ge() {
    v=$(stat "$stats" "$1")
    check "$1 >= $2 (got ${v:-none})" "$([ -n "$v" ] && [ "$v" -ge "$2" ]; echo $?)"
}
eq() {
    v=$(stat "$stats" "$1")
    check "$1 = $2 (got ${v:-none})" "$([ "$v" = "$2" ]; echo $?)"
}
ge notes $NOTES
ge voice_allocs $NOTES
ge voice_frees $NOTES
ge tables $TABLES
ge heap_remote_frees $TABLES
eq voice_frees "$(stat "$stats" voice_allocs)"
v=$(stat "$stats" notes)
check "notes = $sent, less at most one per server overrun ($lost_ok) (got ${v:-none})" \
    "$(played_ok "$v"; echo $?)"
eq pool_failures 0
eq heap_bytes_live 0
eq heap_fallbacks 0
eq rt_system_calls 0

echo "--- the guard's summary"
grep -q '^rtalloc-guard.*jack: [1-9][0-9]* process cycles' "$err"
check "the guard made JACK process cycles RT sections" $?
grep -q '^rtalloc-guard[^:]*: 0 system-heap calls in RT sections$' "$err"
check "no unsuppressed system-heap call in them" $?
m=$(module_calls 'rtalloc_synth\.so')
check "none attributed to the plugin's module (${m:-no module line})" \
    "$([ -z "$m" ] || [ "$m" = 0 ]; echo $?)"
grep -q '^rtalloc-guard[^:]*: module libsord-0\.so\.0: 0 calls, [1-9][0-9]* suppressed' "$err"
check "the suppressed calls were jalv's (lilv's RDF store, libsord)" $?
others=$(grep '^rtalloc-guard[^:]*: module ' "$err" | grep -v 'module libsord-0\.so\.0:')
check "no other module made calls (${others:-none})" "$([ -z "$others" ]; echo $?)"

echo "--- the same with a planted malloc+free in every run() (RTALLOC_LV2_NAUGHTY=1)"
start_jalv naughty RTALLOC_LV2_NAUGHTY=1
rt_calls=0
poll '[ "${rt_calls:-0}" -ge 200 ]'
check "the plugin counted its planted calls (rt_system_calls=${rt_calls:-none})" $?
stop_jalv
check "jalv exited 3: unsuppressed calls (exit $st)" "$([ $st = 3 ]; echo $?)"
planted=$(stat "$stats" naughty_calls)
counted=$(stat "$stats" rt_system_calls)
m=$(module_calls 'rtalloc_synth\.so')
check "guard and plugin agree: module rtalloc_synth.so ${m:-none}, rt_system_calls ${counted:-none}, planted ${planted:-none}" \
    "$([ -n "$m" ] && [ "$m" = "$counted" ] && [ "$m" = "$planted" ]; echo $?)"
grep -q '^rtalloc-guard[^:]*: site: [0-9]* malloc in naughty_alloc' "$err"
check "the guard names the planted call's function (naughty_alloc)" $?
exit $failed
