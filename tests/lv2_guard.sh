#!/bin/sh
# rtalloc-synth in lv2apply under librtalloc_guard (LD_PRELOAD).  The only
# RT sections in lv2apply are the plugin's own run(), so the guard's count
# is exactly the plugin's system-heap calls there.  Asserts:
#   - trap mode runs to the end with the same samples as without the
#     guard; count mode counts 0, and so does the plugin itself
#   - a planted malloc+free per run (RTALLOC_LV2_NAUGHTY=1) is counted
#     96000 times by the guard and by the plugin's own rt_system_calls
#     alike, attributed to the plugin's module, and trapped in trap mode
#     with a report naming it
# Skips (77) under ASan/TSan: the sanitizer's runtime owns malloc.
. "$(dirname "$0")/lv2_lib.sh"
require_tools lv2apply
plugin_sanitized && skip "sanitizer build: the sanitizer's runtime owns malloc, the guard sees nothing"
[ -f "$GUARD_LIB" ] || die "$GUARD_LIB was not built"
mkdir -p tests

RATE=48000
in=tests/lv2_guard_in.wav
"$LV2_WAV" silence "$in" "$RATE" "$RATE" || die "cannot write $in"

# render OUT STATS ARGS...: lv2apply the plugin with the demo on.
render() {
    out=$1 stats=$2
    shift 2
    rm -f "$stats"
    RTALLOC_LV2_STATS="$stats" lv2apply -c demo 1 "$@" -i "$in" -o "$out" "$LV2_URI"
}

render tests/lv2_guard_ref.wav tests/lv2_stats_ref.log || die "lv2apply failed without the guard"
h1=$(wav tests/lv2_guard_ref.wav 0 -1 hash)

echo "--- the same under LD_PRELOAD=$GUARD_LIB"
LD_PRELOAD=$GUARD_LIB render tests/lv2_guard.wav tests/lv2_stats_guard.log 2>tests/lv2_guard.log
check "trap mode: runs to the end (exit $?)" $?
h=$(wav tests/lv2_guard.wav 0 -1 hash)
check "trap mode: the same samples (hash $h)" "$([ "$h" = "$h1" ]; echo $?)"
RTALLOC_GUARD=count LD_PRELOAD=$GUARD_LIB render tests/lv2_guard.wav tests/lv2_stats_guard.log \
    2>tests/lv2_guard.log
grep -q '^rtalloc-guard.*: 0 system-heap calls in RT sections' tests/lv2_guard.log
check "count mode: the guard counts 0 system-heap calls in run()" $?
v=$(stat tests/lv2_stats_guard.log rt_system_calls)
check "count mode: the plugin counts 0 too (got ${v:-none})" "$([ "$v" = 0 ]; echo $?)"

echo "--- a planted malloc+free in every run() (RTALLOC_LV2_NAUGHTY=1)"
# The plugin's module preloaded too: lv2apply unloads it before exit, when
# the guard names the modules of its call sites.
RTALLOC_LV2_NAUGHTY=1 RTALLOC_GUARD=count LD_PRELOAD=$GUARD_LIB:$PLUGIN_SO \
    render tests/lv2_naughty.wav tests/lv2_stats_naughty.log 2>tests/lv2_naughty.log
sed 's/^/  /' tests/lv2_naughty.log tests/lv2_stats_naughty.log
want=$((2 * RATE))
grep -q "^rtalloc-guard.*: $want system-heap calls in RT sections" tests/lv2_naughty.log
check "count mode: the guard counts $want" $?
v=$(stat tests/lv2_stats_naughty.log rt_system_calls)
check "the plugin's own count agrees (rt_system_calls=${v:-none})" "$([ "$v" = "$want" ]; echo $?)"
grep -q "^rtalloc-guard.*: module rtalloc_synth\.so: $want calls" tests/lv2_naughty.log
check "count mode: all $want attributed to the plugin's module" $?
RTALLOC_LV2_NAUGHTY=1 LD_PRELOAD=$GUARD_LIB \
    render tests/lv2_naughty.wav tests/lv2_stats_naughty.log 2>tests/lv2_naughty.log
st=$?
check "trap mode: SIGABRT at the first planted call (exit $st)" "$([ $st = 134 ]; echo $?)"
grep -q 'rtalloc-guard.*trap: malloc(64) in a real-time section' tests/lv2_naughty.log
check "trap report: malloc(64) in a real-time section" $?
grep -q 'rtalloc_synth\.so+0x' tests/lv2_naughty.log
check "trap report: the stack names the plugin's module" $?
exit $failed
