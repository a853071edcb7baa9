#!/bin/sh
# The JACK demo on a real JACK server: a private jackd with the dummy
# backend in real-time mode, 48 kHz, 64-frame period (1.3 ms).
# Asserts relations that hold on any machine, never a rate: exit 0; the
# outputs connected to the dummy backend's system:playback ports; arena
# resets equal to cycles; zero system-heap calls in the callback; zero page
# faults in the process thread after a 0.5 s warm-up; the heap's own
# statistics account for every message and voice, all freed, nothing
# failed (tests/jack_demo_lib.sh, check_heap_accounts); and a recorded WAV
# that is well formed, holds exactly cycles x period frames, and is not
# silent.  The demo runs 2 s, and again for twice as long while too little
# happened (no cycle, message or voice yet), up to a 62 s hang guard.
# A second, short run records 16-bit PCM.
. "$(dirname "$0")/jack_demo_lib.sh"

PERIOD=64
out=tests/jack_demo.out
err=tests/jack_demo.err
wav=tests/jack_demo.wav

jack_demo_require_binary
mkdir -p tests
jack_demo_start_server "$PERIOD" tests/jack_demo.jackd.log

seconds=2
while :; do
    "$JACK_DEMO" --server "$jack_demo_server" --seconds "$seconds" --record "$wav" \
        >"$out" 2>"$err"
    rc=$?
    echo "--- rtalloc-jack-demo --server $jack_demo_server --seconds $seconds --record $wav"
    cat "$out"
    sed 's/^/stderr: /' "$err"
    [ "$rc" -eq 0 ] || fail "the demo exited with $rc, expected 0"
    cycles=$(report_value "$out" cycles)
    received=$(demo_figure "$out" 'freed by the callback \([0-9]*\),')
    voices=$(demo_figure "$out" 'voices allocated \([0-9]*\),')
    is_count "$cycles" && is_count "$received" && is_count "$voices" ||
        fail "report lines missing: cycles '$cycles', messages '$received', voices '$voices'"
    [ "$cycles" -eq 0 ] || [ "$received" -eq 0 ] || [ "$voices" -eq 0 ] || break
    # Not a failure of speed: run longer, until the hang guard.
    [ "$seconds" -lt 32 ] ||
        fail "after a ${seconds} s run still $cycles cycles, $received messages, $voices voices"
    seconds=$((seconds * 2))
    echo "too little happened yet: again for $seconds s"
done
ok "exit status 0; $cycles cycles, $received event messages freed by the callback, $voices voices"
grep -q 'out_left -> system:playback_1$' "$out" && grep -q 'out_right -> system:playback_2$' "$out" ||
    fail "the outputs were not connected to the dummy backend's system:playback_1/2"
ok "outputs connected to system:playback_1 and _2"

resets=$(report_value "$out" "arena resets")
allocs=$(report_value "$out" "system allocations in callback")
for v in "$resets" "$allocs"; do
    is_count "$v" || fail "report line missing or not a number: '$v'"
done
[ "$resets" -eq "$cycles" ] || fail "arena resets $resets != cycles $cycles"
ok "arena resets $resets == cycles"
arena_resets=$(awk '/^  frame_arena:$/ { on = 1 } on && $1 == "resets" { print $2; exit }' "$out")
[ "$arena_resets" = "$cycles" ] || fail "the heap's frame_arena resets '$arena_resets' != cycles $cycles"
[ "$allocs" -eq 0 ] || fail "$allocs system-heap calls in the callback"
if jack_demo_sanitized; then
    ok "zero system-heap calls counted (sanitizer build: the sanitizer's malloc hides calls from the guard)"
else
    ok "zero system-heap calls in the callback"
fi
check_heap_accounts "$out"

# The heap is locked and prefaulted, the scratch is in the arena: once
# warmed up, the process thread must not touch a page for the first time.
faults=$(sed -n 's/.*page faults in the process thread after its first 0.5 s: \([0-9]*\) minor, \([0-9]*\) major$/\1 \2/p' "$out")
[ -n "$faults" ] || fail "no page-fault line in the report"
if jack_demo_sanitized; then
    # ASan's fake stacks (detect_stack_use_after_return) and shadow memory
    # are the sanitizer's own pages, not the demo's.
    ok "page faults after warm-up (minor major): $faults (sanitizer build: not asserted)"
else
    [ "$faults" = "0 0" ] ||
        fail "page faults in the process thread after warm-up (minor major): $faults"
    ok "zero page faults in the process thread after its first 0.5 s"
fi

times=$(report_value "$out" "callback time us p50/p99/max")
echo "$times" | grep -Eq '^[0-9]+\.[0-9]/[0-9]+\.[0-9]/[0-9]+\.[0-9]$' ||
    fail "bad callback time line: '$times'"
echo "$times" | awk -F/ '{ exit !($1 > 0 && $1 <= $2 && $2 <= $3) }' ||
    fail "callback times not ordered 0 < p50 <= p99 <= max: $times"
ok "callback time us p50/p99/max: $times"

# check_wav FILE TAG BITS HEADER_BYTES CYCLES: header fields, size, frames
# == CYCLES * PERIOD (none dropped), peak and RMS of the samples.
check_wav() {
    file=$1 tag=$2 bits=$3 hdr=$4 ncycles=$5
    [ -s "$file" ] || fail "$file was not written"
    [ "$(head -c 4 "$file")" = RIFF ] || fail "$file: no RIFF tag"
    [ "$(dd if="$file" bs=1 skip=8 count=4 2>/dev/null)" = WAVE ] || fail "$file: no WAVE tag"
    set -- $(od -A n -t u2 -j 20 -N 4 "$file") $(od -A n -t u4 -j 24 -N 4 "$file") \
        $(od -A n -t u2 -j 34 -N 2 "$file") $(od -A n -t u4 -j $((hdr - 4)) -N 4 "$file")
    [ "$1" = "$tag" ] && [ "$2" = 2 ] && [ "$3" = "$JACK_DEMO_RATE" ] && [ "$4" = "$bits" ] ||
        fail "$file: format $1 channels $2 rate $3 bits $4, expected $tag 2 $JACK_DEMO_RATE $bits"
    data=$5
    size=$(wc -c <"$file")
    [ "$data" -eq $((size - hdr)) ] || fail "$file: data size $data but $((size - hdr)) bytes follow"
    frames=$((data / (bits / 8) / 2))
    [ "$frames" -eq $((ncycles * PERIOD)) ] ||
        fail "$file: $frames frames, expected $ncycles cycles x $PERIOD"
    if [ "$bits" = 32 ]; then fmt=f4; scale=1; else fmt=d2; scale=32768; fi
    stats=$(od -A n -v -t $fmt -j "$hdr" "$file" | awk -v scale=$scale '
        { for (i = 1; i <= NF; i++) { x = $i / scale; if (x != x) bad++;
          s += x * x; n++; if (x < 0) x = -x; if (x > peak) peak = x } }
        END { printf "%d %.5f %.5f %d\n", n, peak, (n ? sqrt(s / n) : 0), bad }')
    set -- $stats
    echo "$file: $frames frames, peak $2, rms $3"
    [ "$4" -eq 0 ] || fail "$file: $4 samples are not numbers"
    awk -v p="$2" -v r="$3" 'BEGIN { exit !(p > 0.01 && p <= 1.0 && r > 0.001) }' ||
        fail "$file is silent or out of range (peak $2, rms $3)"
    ok "$file: well formed, $frames frames = cycles x period, not silent"
}
check_wav "$wav" 3 32 58 "$cycles"

# 16-bit PCM, short run.
"$JACK_DEMO" --server "$jack_demo_server" --seconds 2 --no-connect --record "$wav" \
    --record-format s16 >"$out" 2>"$err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$out" "$err"; fail "the 16-bit recording run exited with $rc"; }
check_heap_accounts "$out"
check_wav "$wav" 1 16 44 "$(report_value "$out" cycles)"
rm -f "$wav"
exit 0
