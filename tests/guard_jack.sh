#!/bin/sh
# librtalloc_guard preloaded into two plain libjack clients on a real JACK
# server (dummy driver, started and stopped here under a private name):
# every process cycle becomes an RT section without the clients knowing.
#   guard_jack_clean    never allocates in its cycles: 0 counted, and it
#                       runs to the end in trap mode too
#   guard_jack_naughty  malloc+free every 50th cycle: exactly those cycles
#                       counted (2 calls each), each site logged once, and
#                       in trap mode SIGABRT with a report naming
#                       naughty_process
# Both run with a process callback and with their own process thread
# (jack_cycle_wait/jack_cycle_signal), until their own count of cycles is
# reached.  The guard's count of cycles must equal the client's; the
# first N cycles are skipped with RTALLOC_GUARD_SKIP_CYCLES=N; SIGTERM and
# SIGINT still write the summary.
clean=./tests/guard_jack_clean
naughty=./tests/guard_jack_naughty
cycles_each=1000 # cycles each run: 20 naughty ones
. "$(dirname "$0")/guard_jack_lib.sh"

for how in callback thread; do
    opt=; [ $how = thread ] && opt=--thread

    RTALLOC_GUARD=count LD_PRELOAD=$lib $clean "$server" $cycles_each $opt >"$tmp/out" 2>"$tmp/err"
    st=$?
    cycles=$(field "$tmp/out" cycles)
    check "clean ($how), count: ran ${cycles:-0} cycles (exit $st)" "$([ $st = 0 ]; echo $?)"
    check "clean ($how), count: 0 system-heap calls" \
        "$(summary "$tmp/err" '0 system-heap calls in RT sections'; echo $?)"
    # The guard's cycle count is the client's own: a cycle counted twice,
    # or one missed, fails here.
    check "clean ($how): every one of its $cycles cycles was an RT section, none allocated" \
        "$([ "${cycles:-0}" -ge $cycles_each ] &&
           summary "$tmp/err" "jack: $cycles process cycles, 0 with system-heap calls, worst cycle 0 calls"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"

    RTALLOC_GUARD=count LD_PRELOAD=$lib $naughty "$server" $cycles_each $opt >"$tmp/out" 2>"$tmp/err"
    st=$?
    k=$(field "$tmp/out" "naughty cycles")
    check "naughty ($how), count: ran, ${k:-0} naughty cycles (exit $st)" \
        "$([ $st = 0 ] && [ "${k:-0}" -gt 0 ]; echo $?)"
    check "naughty ($how), count: $((2 * ${k:-0})) system-heap calls" \
        "$(summary "$tmp/err" "$((2 * ${k:-0})) system-heap calls in RT sections"; echo $?)"
    check "naughty ($how): $k cycles with calls, worst 2" \
        "$(summary "$tmp/err" "jack: [0-9]* process cycles, $k with system-heap calls, worst cycle 2 calls"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"
done

# Trap mode is the default: the clean client must not be disturbed, not
# even with blocking calls flagged too (strict).
RTALLOC_GUARD_STRICT=1 LD_PRELOAD=$lib $clean "$server" $cycles_each >"$tmp/out" 2>"$tmp/err"
cycles=$(field "$tmp/out" cycles)
check "clean, trap mode, strict: runs to the end, ${cycles:-0} cycles" \
    "$([ "${cycles:-0}" -gt 0 ]; echo $?)"

RTALLOC_GUARD=log LD_PRELOAD=$lib $naughty "$server" $cycles_each >"$tmp/out" 2>"$tmp/err"
st=$?
n=$(grep -c '^rtalloc-guard: log: ' "$tmp/err")
check "naughty, log mode: keeps running (exit $st), 2 sites reported once (got $n)" \
    "$([ $st = 0 ] && [ "$n" = 2 ]; echo $?)"

RTALLOC_GUARD_LIB=$lib ./guard/rtalloc-guard -- $naughty "$server" $cycles_each >"$tmp/out" 2>"$tmp/err"
st=$?
check "naughty, trap mode: SIGABRT (exit $st)" "$([ $st = 134 ]; echo $?)"
check "naughty, trap mode: report names malloc and its size" \
    "$(has "$tmp/err" 'rtalloc-guard: trap: malloc(512) in a real-time section'; echo $?)"
check "naughty, trap mode: report names naughty_process" \
    "$(has "$tmp/err" ' in naughty_process+0x'; echo $?)"
check "naughty, trap mode: the guard's own frames (its trampoline) left out" \
    "$(grep -q 'process_trampoline\|librtalloc_guard' "$tmp/err"; [ $? = 1 ]; echo $?)"
check "naughty, trap mode: stopped at the first naughty cycle" \
    "$(has "$tmp/out" 'naughty cycles'; [ $? = 1 ]; echo $?)"
show "$tmp/err"

# RTALLOC_GUARD_SKIP_CYCLES=100: cycles 0..99 are not sections, so the
# naughty cycles 49 and 99 are not counted.
RTALLOC_GUARD=count RTALLOC_GUARD_SKIP_CYCLES=100 LD_PRELOAD=$lib $naughty "$server" $cycles_each \
    >"$tmp/out" 2>"$tmp/err"
k=$(field "$tmp/out" "naughty cycles")
c=$(field "$tmp/out" cycles)
check "SKIP_CYCLES=100: $((c - 100)) of $c cycles watched, $((2 * (k - 2))) calls" \
    "$(summary "$tmp/err" "jack: $((c - 100)) process cycles, $((k - 2)) with system-heap calls, worst cycle 2 calls" &&
       summary "$tmp/err" "$((2 * (k - 2))) system-heap calls in RT sections"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

# SIGTERM and SIGINT (timeout, Ctrl-C) still write the summary, and the
# process dies of the signal as it would without the guard.
for sig in TERM INT; do
    # A background job of a script starts with SIGINT ignored: give it
    # the default action back, as a terminal's foreground job has it.
    RTALLOC_GUARD=count LD_PRELOAD=$lib env --default-signal=INT $naughty "$server" 100000000 \
        >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    tries=0
    until has "$tmp/out" active || [ $tries -ge 300 ]; do sleep 0.1; tries=$((tries + 1)); done
    sleep 0.5 # some cycles, some naughty ones: any number will do
    kill -$sig $pid
    wait $pid
    st=$?
    want=$((128 + $([ $sig = TERM ] && echo 15 || echo 2)))
    check "SIG$sig: dies of it (status $st, want $want), summary written with its cycles" \
        "$([ $st = $want ] && summary "$tmp/err" "[0-9]* system-heap calls in RT sections" &&
           summary "$tmp/err" "jack: [1-9][0-9]* process cycles, [0-9]* with system-heap calls, worst cycle [0-9]* calls"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"
done
exit $fail
