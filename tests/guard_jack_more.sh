#!/bin/sh
# The guard's second round on a real JACK server (dummy driver), with
# plain clients of this test suite:
#   timebase, sync   their callbacks are RT sections: each call's
#                    malloc+free counted, cycles of each kind listed
#   RTLD_LOCAL       a program whose JACK code is in a module opened with
#                    dlopen(RTLD_LOCAL) still plays (the wrapper finds
#                    libjack's function) and its cycles are watched; with
#                    no libjack at all the guard says so
#   log mode         300 mallocs a cycle at one site do not hide a site
#                    that runs once a cycle: every site reported once
cases=./tests/guard_jack_cases
local_prog=./tests/guard_jack_local
[ -x tests/.libs/guard_jack_local ] && local_prog=./tests/.libs/guard_jack_local
module=$PWD/tests/.libs/libguard_jackmod.so
. "$(dirname "$0")/guard_jack_lib.sh"

RTALLOC_GUARD=count LD_PRELOAD=$lib $cases "$server" timebase 200 >"$tmp/out" 2>"$tmp/err"
st=$?
tb=$(field "$tmp/out" "timebase calls")
sy=$(field "$tmp/out" "sync calls")
check "timebase/sync: ran (exit $st), $tb timebase and $sy sync calls" \
    "$([ $st = 0 ] && [ "${tb:-0}" -ge 200 ] && [ "${sy:-0}" -ge 1 ]; echo $?)"
check "timebase/sync: each call's malloc+free counted: $((2 * (tb + sy)))" \
    "$(summary "$tmp/err" "$((2 * (tb + sy))) system-heap calls in RT sections"; echo $?)"
check "timebase/sync: cycles of each kind" \
    "$(summary "$tmp/err" "jack timebase callback: $tb cycles" &&
       summary "$tmp/err" "jack sync callback: $sy cycles"; echo $?)"
check "timebase/sync: the process callback, which never allocates" \
    "$(summary "$tmp/err" "jack: [1-9][0-9]* process cycles, 0 with system-heap calls, worst cycle 0 calls"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

RTALLOC_GUARD=count LD_PRELOAD=$lib $local_prog "$module" "$server" 300 >"$tmp/out" 2>"$tmp/err"
st=$?
c=$(field "$tmp/out" cycles)
check "RTLD_LOCAL module: jack_set_process_callback succeeds, plays (exit $st, ${c:-0} cycles)" \
    "$([ $st = 0 ] && has "$tmp/out" 'status: 0' && [ "${c:-0}" -ge 300 ]; echo $?)"
check "RTLD_LOCAL module: every cycle watched and counted" \
    "$(summary "$tmp/err" "jack: $c process cycles, $c with system-heap calls, worst cycle 2 calls" &&
       summary "$tmp/err" "$((2 * c)) system-heap calls in RT sections"; echo $?)"
check "RTLD_LOCAL module: attributed to the module" \
    "$(summary "$tmp/err" "module libguard_jackmod.so: $((2 * c)) calls"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

RTALLOC_GUARD=count LD_PRELOAD=$lib $local_prog --no-libjack >"$tmp/out" 2>"$tmp/err"
check "no libjack loaded: the guard says so, and that nothing was watched" \
    "$(summary "$tmp/err" "jack: libjack's own jack_set_process_callback not found: its callbacks are not watched, and the call fails" &&
       summary "$tmp/err" "nothing watched: .*"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

RTALLOC_GUARD=log LD_PRELOAD=$lib $cases "$server" sites 300 >"$tmp/out" 2>"$tmp/err"
st=$?
c=$(field "$tmp/out" cycles)
check "log, 300 mallocs a cycle: ran (exit $st, ${c:-0} cycles), all counted" \
    "$([ $st = 0 ] && summary "$tmp/err" "$((602 * c)) system-heap calls in RT sections"; echo $?)"
for site in 'malloc(64)' 'calloc(2, 32)'; do
    k=$(grep -cF "rtalloc-guard: log: $site in a real-time section" "$tmp/err")
    check "log: $site reported once (got $k)" "$([ "$k" = 1 ]; echo $?)"
done
k=$(grep -c "^rtalloc-guard: log: " "$tmp/err")
check "log: 4 sites (burst malloc, burst free, rare calloc, rare free), got $k" \
    "$([ "$k" = 4 ]; echo $?)"
check "log: the rare site's frame named" "$(grep -q '^rtalloc-guard:   #0 .* in rare_site+0x' "$tmp/err"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"
exit $fail
