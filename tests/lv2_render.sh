#!/bin/sh
# rtalloc-synth rendered by lv2apply (lilv-utils), from the bundle the
# build assembled in lv2/.  lv2apply runs the plugin one frame per run()
# over 1 s of silence at 48 kHz with the built-in sequence on; the demo
# steps are 6000 frames, each note held 3000 frames, 20 ms release.
# Asserts:
#   - lv2ls lists the plugin, lv2info reads its ports and extensions
#   - two renders are the same samples (hash), and not silent
#   - step 0 is A4 alone, a pure sine: 2 * 440 * 2640 / 48000 = 48.4 sign
#     changes over frames 240-2880, peak gain * 0.2 * 100/127 = 0.0787
#   - silence exactly where the sequence has no voice left (after the
#     release of step 0, all of step 1), and everywhere with demo off
#   - the plugin's counters: 9 notes, 9 voices taken from and given back
#     to the pools, one arena reset per run, no table from a worker (none
#     offered), 0 system-heap calls in run(), no heap bytes left
# Runs in the ASan/TSan builds too (lv2apply then preloads the
# sanitizer's runtime).  tests/lv2_guard.sh does the same under the guard.
. "$(dirname "$0")/lv2_lib.sh"
require_tools lv2ls lv2info lv2apply
mkdir -p tests

RATE=48000
in=tests/lv2_in.wav
"$LV2_WAV" silence "$in" "$RATE" "$RATE" || die "cannot write $in"

preload=
if plugin_sanitized; then
    # lv2apply is not instrumented: the sanitizer's runtime must be
    # loaded first for it to dlopen the plugin.
    preload=$(ldd "$PLUGIN_SO" | awk '/lib(asan|tsan)\.so/ { print $3; exit }')
    echo "sanitizer build: lv2apply runs with LD_PRELOAD=$preload"
fi

# render OUT STATS ARGS...: lv2apply the plugin with the demo on.
render() {
    out=$1 stats=$2
    shift 2
    rm -f "$stats"
    env ${preload:+LD_PRELOAD=$preload} RTALLOC_LV2_STATS="$stats" \
        lv2apply -c demo 1 "$@" -i "$in" -o "$out" "$LV2_URI"
}

echo "--- lv2ls, lv2info $LV2_URI"
lv2ls 2>tests/lv2_ls.log | grep -qx "$LV2_URI"
check "lv2ls lists $LV2_URI" $?
lv2info "$LV2_URI" >tests/lv2_info.out 2>&1
check "lv2info reads it" $?
for want in 'Symbol:      rt_system_calls' 'Symbol:      midi_in' 'worker#interface' \
    'worker#schedule' 'hardRTCapable'; do
    grep -q "$want" tests/lv2_info.out
    check "lv2info shows $want" $?
done

echo "--- lv2apply -c demo 1 -i $in -o tests/lv2_out1.wav $LV2_URI (twice)"
render tests/lv2_out1.wav tests/lv2_stats1.log
check "lv2apply exits 0" $?
render tests/lv2_out2.wav tests/lv2_stats2.log
check "lv2apply exits 0 again" $?
"$LV2_WAV" analyze tests/lv2_out1.wav 240 2880 | sed 's/^/  /'
h1=$(wav tests/lv2_out1.wav 0 -1 hash)
h2=$(wav tests/lv2_out2.wav 0 -1 hash)
check "the same samples twice (hash $h1, $h2)" "$([ -n "$h1" ] && [ "$h1" = "$h2" ]; echo $?)"
frames=$(wav tests/lv2_out1.wav 0 -1 frames)
check "$RATE frames out (got $frames)" "$([ "$frames" = "$RATE" ]; echo $?)"
c=$(wav tests/lv2_out1.wav 240 2880 crossings)
check "A4 sine: 47-50 sign changes over frames 240-2880 (got $c)" "$(between "$c" 47 50; echo $?)"
p=$(wav tests/lv2_out1.wav 240 2880 peak)
check "A4 peak 0.5 * 0.2 * 100/127 = 0.0787 (got $p)" "$(between "$p" 0.0780 0.0795; echo $?)"
nz=$(wav tests/lv2_out1.wav 0 3000 nonzero)
check "sound while A4 is held (nonzero $nz of 3000)" "$(between "$nz" 2900 3000; echo $?)"
nz=$(wav tests/lv2_out1.wav 4008 12000 nonzero)
check "exact silence after A4's release, through step 1 (nonzero $nz)" "$([ "$nz" = 0 ]; echo $?)"
nz=$(wav tests/lv2_out1.wav 12000 15000 nonzero)
check "the chord of step 2 sounds (nonzero $nz)" "$(between "$nz" 2900 3000; echo $?)"

s=tests/lv2_stats1.log
sed 's/^/  /' "$s"
for kv in notes=9 voice_allocs=9 voice_frees=9 runs=$RATE arena_resets=$RATE tables=0 \
    pool_failures=0 rt_system_calls=0 heap_bytes_live=0 heap_failures=0 heap_fallbacks=0; do
    v=$(stat "$s" "${kv%%=*}")
    check "plugin counters: $kv (got ${v:-none})" "$([ "$v" = "${kv#*=}" ]; echo $?)"
done

render tests/lv2_off.wav tests/lv2_stats_off.log -c demo 0
nz=$(wav tests/lv2_off.wav 0 -1 nonzero)
check "demo off: silence in, silence out (nonzero $nz)" "$([ "$nz" = 0 ]; echo $?)"

exit $failed
