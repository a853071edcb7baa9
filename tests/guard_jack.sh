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
# (jack_cycle_wait/jack_cycle_signal).
lib=$PWD/guard/.libs/librtalloc_guard.so
clean=./tests/guard_jack_clean
naughty=./tests/guard_jack_naughty
secs=2
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
jackd=${JACKD:-$(command -v jackd)}
[ -n "$jackd" ] && [ -x "$jackd" ] || { echo "SKIP: jackd not installed (Debian: jackd2)"; exit 77; }
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_GUARD RTALLOC_GUARD_STRICT
# ASan and TSan replace malloc ahead of any preload (and want their
# runtime first): the guard cannot be tested in such a build.
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi

tmp=${TMPDIR:-/tmp}/rta-guard-jack.$$
mkdir -p "$tmp" || exit 1
server=rta-guard-$$
JACK_NO_AUDIO_RESERVATION=1 "$jackd" -n "$server" -R -d dummy -r 48000 -p 128 \
    >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
stop_jackd() {
    kill "$jackd_pid" 2>/dev/null
    wait "$jackd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap stop_jackd EXIT
sleep 1
if ! kill -0 "$jackd_pid" 2>/dev/null; then
    echo "SKIP: jackd -n $server -R -d dummy could not run:"
    sed 's/^/    /' "$tmp/jackd.log"
    exit 77
fi

fail=0
check() {
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}
has() { grep -qF -- "$2" "$1"; }
show() { sed 's/^/    /' "$1"; }
field() { sed -n "s/^$2: \([0-9]*\)$/\1/p" "$1"; }
# Summary lines name the process: "rtalloc-guard[PID PROG]: ".
S='rtalloc-guard\[[0-9]* [^]]*\]: '
summary() { grep -qx "$S$2" "$1"; }

for how in callback thread; do
    opt=; [ $how = thread ] && opt=--thread

    RTALLOC_GUARD=count LD_PRELOAD=$lib $clean "$server" $secs $opt >"$tmp/out" 2>"$tmp/err"
    st=$?
    cycles=$(field "$tmp/out" cycles)
    check "clean ($how), count: ran ${cycles:-0} cycles (exit $st)" "$([ $st = 0 ]; echo $?)"
    check "clean ($how), count: 0 system-heap calls" \
        "$(summary "$tmp/err" '0 system-heap calls in RT sections'; echo $?)"
    check "clean ($how): every cycle was an RT section, none allocated" \
        "$(summary "$tmp/err" "jack: [1-9][0-9]* process cycles, 0 with system-heap calls, worst cycle 0 calls"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"

    RTALLOC_GUARD=count LD_PRELOAD=$lib $naughty "$server" $secs $opt >"$tmp/out" 2>"$tmp/err"
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
RTALLOC_GUARD_STRICT=1 LD_PRELOAD=$lib $clean "$server" $secs >"$tmp/out" 2>"$tmp/err"
cycles=$(field "$tmp/out" cycles)
check "clean, trap mode, strict: runs to the end, ${cycles:-0} cycles" \
    "$([ "${cycles:-0}" -gt 0 ]; echo $?)"

RTALLOC_GUARD=log LD_PRELOAD=$lib $naughty "$server" $secs >"$tmp/out" 2>"$tmp/err"
st=$?
n=$(grep -c '^rtalloc-guard: log: ' "$tmp/err")
check "naughty, log mode: keeps running (exit $st), 2 sites reported once (got $n)" \
    "$([ $st = 0 ] && [ "$n" = 2 ]; echo $?)"

RTALLOC_GUARD_LIB=$lib ./guard/rtalloc-guard -- $naughty "$server" $secs >"$tmp/out" 2>"$tmp/err"
st=$?
check "naughty, trap mode: SIGABRT (exit $st)" "$([ $st = 134 ]; echo $?)"
check "naughty, trap mode: report names malloc and its size" \
    "$(has "$tmp/err" 'rtalloc-guard: trap: malloc(512) in a real-time section'; echo $?)"
check "naughty, trap mode: report names naughty_process" \
    "$(has "$tmp/err" ' in naughty_process+0x'; echo $?)"
check "naughty, trap mode: stopped at the first naughty cycle" \
    "$(has "$tmp/out" 'naughty cycles'; [ $? = 1 ]; echo $?)"
show "$tmp/err"
exit $fail
