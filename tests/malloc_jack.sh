#!/bin/sh
# librtalloc_malloc preloaded (through rtalloc-run) into a plain libjack
# client on a real JACK server (dummy driver, started and stopped here
# under a private name): each process cycle is an RT section without the
# client knowing.  Its callback mallocs and frees small blocks every cycle
# (pooled: 0 reported) and, with --big, one 1 MiB block once (the system
# path: its malloc and free counted, 2; with rt=trap, a report and abort).
lib=$PWD/malloc/.libs/librtalloc_malloc.so
client=./tests/malloc_jack_client
[ -x tests/.libs/malloc_jack_client ] && client=./tests/.libs/malloc_jack_client
secs=1
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
jackd=${JACKD:-$(command -v jackd)}
[ -n "$jackd" ] && [ -x "$jackd" ] || { echo "SKIP: jackd not installed (Debian: jackd2)"; exit 77; }
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH RTALLOC_MALLOC_LIB=$lib
unset RTALLOC_OPTIONS
run=./malloc/rtalloc-run

tmp=${TMPDIR:-/tmp}/rta-malloc-jack.$$
mkdir -p "$tmp" || exit 1
server=rta-malloc-$$
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

$run --rt count --stats "$tmp/stats" -- $client "$server" $secs >"$tmp/out" 2>"$tmp/err"
st=$?
check "small blocks: ran ($(cat "$tmp/out" | tr '\n' ' '), exit $st)" "$st"
check "small blocks: 0 system-path calls in RT sections" \
    "$(has "$tmp/err" 'rtalloc: 0 system-path calls in RT sections'; echo $?)"
allocs=$(sed -n 's/^  allocs *\([0-9]*\)$/\1/p' "$tmp/stats")
check "small blocks: served by the pools (allocs ${allocs:-0})" \
    "$([ "${allocs:-0}" -gt 900 ]; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

$run --rt count -- $client "$server" $secs --big >"$tmp/out" 2>"$tmp/err"
st=$?
check "one big block: ran, $(grep 'big blocks' "$tmp/out") (exit $st)" \
    "$([ $st = 0 ] && has "$tmp/out" 'big blocks: 1'; echo $?)"
check "one big block: its malloc and free counted" \
    "$(has "$tmp/err" 'rtalloc: 2 system-path calls in RT sections'; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

$run --rt trap -- $client "$server" $secs --big >"$tmp/out" 2>"$tmp/err"
st=$?
check "rt=trap: SIGABRT at the big block (exit $st)" "$([ $st = 134 ]; echo $?)"
check "rt=trap: the report names malloc and its size" \
    "$(has "$tmp/err" 'rtalloc: malloc(1048576) took the system path inside an RT section'; echo $?)"
[ $fail = 0 ] || show "$tmp/err"
exit $fail
