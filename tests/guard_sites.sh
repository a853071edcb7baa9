#!/bin/sh
# Attribution and suppressions, on a plain program (guard_sites_client)
# preloaded with the guard: its RT section calls from a "host library"
# (libguard_host: host_ask, calloc+free N times), from hot_site (malloc+
# free N times), from cold_site (calloc+free once) and from regcomp
# (many calls inside libc, which must make one site: use_regex).
#   count mode   top sites name the function that called and its module;
#                one total per module; libc's inner calls attributed to
#                the caller of regcomp
#   SUPPRESS     fun:, mod: and call: rules take calls out of the total,
#                count them apart and keep trap mode from stopping there
#   ALLOW=free   frees not counted; EXIT_CODE=N: status N only when an
#                unsuppressed call was seen
lib=$PWD/guard/.libs/librtalloc_guard.so
client=./tests/guard_sites_client
[ -x tests/.libs/guard_sites_client ] && client=./tests/.libs/guard_sites_client
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
LD_LIBRARY_PATH=$PWD/src/.libs:$PWD/tests/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_GUARD RTALLOC_GUARD_STRICT RTALLOC_GUARD_SUPPRESS RTALLOC_GUARD_ALLOW \
    RTALLOC_GUARD_EXIT_CODE RTALLOC_GUARD_SKIP_CYCLES
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi
tmp=${TMPDIR:-/tmp}/rta-guard-sites.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}
S='rtalloc-guard\[[0-9]* guard_sites_client\]: '
summary() { grep -qx "$S$2" "$1"; }
count_of() { sed -n "s/^rt system-heap calls: \([0-9]*\)$/\1/p" "$1"; }
show() { sed 's/^/    /' "$1"; }
n=37

RTALLOC_GUARD=count LD_PRELOAD=$lib $client $n >"$tmp/out" 2>"$tmp/err"
st=$?
total=$(count_of "$tmp/out")
check "count: runs (exit $st), $total calls" "$([ $st = 0 ] && [ "${total:-0}" -gt $((4 * n + 2)) ]; echo $?)"
check "count: the total" "$(summary "$tmp/err" "$total system-heap calls in RT sections"; echo $?)"
check "count: host_ask's calloc, in its module" \
    "$(summary "$tmp/err" "site: $n calloc in host_ask+0x[0-9a-f]* (libguard_host.so+0x[0-9a-f]*)"; echo $?)"
check "count: hot_site's malloc and free (static function, from .symtab)" \
    "$(summary "$tmp/err" "site: $n malloc in hot_site+0x[0-9a-f]* (guard_sites_client+0x[0-9a-f]*)" &&
       summary "$tmp/err" "site: $n free in hot_site+0x[0-9a-f]* (guard_sites_client+0x[0-9a-f]*)"; echo $?)"
check "count: cold_site's calloc, once" \
    "$(summary "$tmp/err" "site: 1 calloc in cold_site+0x[0-9a-f]* (guard_sites_client+0x[0-9a-f]*)"; echo $?)"
m=$(grep -c "^${S}site: [0-9]* malloc in use_regex+" "$tmp/err")
check "count: regcomp's mallocs are one site, use_regex (got $m lines)" "$([ "$m" = 1 ]; echo $?)"
check "count: no site inside libc" "$(grep -q "^${S}site: .*(libc\.so" "$tmp/err"; [ $? = 1 ]; echo $?)"
check "count: module total of libguard_host.so" \
    "$(summary "$tmp/err" "module libguard_host.so: $((2 * n)) calls"; echo $?)"
check "count: module total of the program" \
    "$(summary "$tmp/err" "module guard_sites_client: $((total - 2 * n)) calls"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

for rule in 'fun:host_ask' 'mod:libguard_host*' 'fun:host_*'; do
    printf '# the host'"'"'s own per-cycle calls\n\n%s\n' "$rule" >"$tmp/supp"
    RTALLOC_GUARD=count RTALLOC_GUARD_SUPPRESS=$tmp/supp LD_PRELOAD=$lib $client $n \
        >"$tmp/out" 2>"$tmp/err"
    check "suppress $rule: total without the host's calls" \
        "$(summary "$tmp/err" "$((total - 2 * n)) system-heap calls in RT sections"; echo $?)"
    check "suppress $rule: counted apart" \
        "$(summary "$tmp/err" "$((2 * n)) calls suppressed (RTALLOC_GUARD_SUPPRESS)"; echo $?)"
    check "suppress $rule: the module's total" \
        "$(summary "$tmp/err" "module libguard_host.so: 0 calls, $((2 * n)) suppressed"; echo $?)"
    check "suppress $rule: the site marked" \
        "$(summary "$tmp/err" "site: $n calloc in host_ask+0x[0-9a-f]* (libguard_host.so+0x[0-9a-f]*) suppressed"; echo $?)"
    [ $fail = 0 ] || show "$tmp/err"
done

# Trap mode stops at the first unsuppressed call: host_ask runs first.
echo 'fun:host_ask' >"$tmp/supp"
RTALLOC_GUARD_SUPPRESS=$tmp/supp LD_PRELOAD=$lib $client $n >"$tmp/out" 2>"$tmp/err"
st=$?
check "trap, host suppressed: SIGABRT (status $st) at hot_site's malloc" \
    "$([ $st = 134 ] && grep -q '^rtalloc-guard: trap: malloc(40) in a real-time section$' "$tmp/err" &&
       grep -q '^rtalloc-guard:   #0 .* in hot_site+0x' "$tmp/err"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"
LD_PRELOAD=$lib $client $n >"$tmp/out" 2>"$tmp/err"
check "trap, nothing suppressed: stops at host_ask's calloc" \
    "$(grep -q '^rtalloc-guard: trap: calloc(4, 16) in a real-time section$' "$tmp/err"; echo $?)"

# call: rules: a glob on the call's name, or a word of it.
printf 'call:free\ncall:*alloc\n' >"$tmp/supp"
RTALLOC_GUARD=count RTALLOC_GUARD_SUPPRESS=$tmp/supp LD_PRELOAD=$lib $client $n >"$tmp/out" 2>"$tmp/err"
check "suppress call:free, call:*alloc: no free or malloc/calloc/realloc site left" \
    "$(grep "^${S}site: " "$tmp/err" | grep -v ' suppressed$' | grep -q ' free \| malloc \| calloc \| realloc '; [ $? = 1 ]; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

RTALLOC_GUARD=count RTALLOC_GUARD_ALLOW=free LD_PRELOAD=$lib $client $n >"$tmp/out" 2>"$tmp/err"
c=$(count_of "$tmp/out")
check "ALLOW=free: frees not counted ($c < $total), no free site" \
    "$([ "${c:-0}" -lt "$total" ] && [ "${c:-0}" -ge $((2 * n + 1)) ] &&
       summary "$tmp/err" "$c system-heap calls in RT sections" &&
       ! grep -q "^${S}site: [0-9]* free " "$tmp/err"; echo $?)"

RTALLOC_GUARD=count RTALLOC_GUARD_EXIT_CODE=3 LD_PRELOAD=$lib $client $n >"$tmp/out" 2>"$tmp/err"
st=$?
check "EXIT_CODE=3: status 3 when calls were seen (got $st), stdout still flushed" \
    "$([ $st = 3 ] && [ "$(count_of "$tmp/out")" = "$total" ]; echo $?)"
echo 'mod:*' >"$tmp/supp"
RTALLOC_GUARD=log RTALLOC_GUARD_EXIT_CODE=3 RTALLOC_GUARD_SUPPRESS=$tmp/supp LD_PRELOAD=$lib \
    $client $n >"$tmp/out" 2>"$tmp/err"
st=$?
check "EXIT_CODE=3, everything suppressed: status 0 (got $st), nothing logged" \
    "$([ $st = 0 ] && ! grep -q '^rtalloc-guard: log:' "$tmp/err"; echo $?)"
# A forked child's summary names it, and counts its own calls only.
RTALLOC_GUARD=count LD_PRELOAD=$lib $client $n fork >"$tmp/out" 2>"$tmp/err"
child=$(sed -n 's/^child: \([0-9]*\)$/\1/p' "$tmp/out")
check "fork: the child's summary, its 2 calls, under its PID $child" \
    "$(grep -qx "rtalloc-guard\[$child guard_sites_client\]: 2 system-heap calls in RT sections" "$tmp/err"; echo $?)"
check "fork: the parent's, its $total calls, under another PID" \
    "$(grep -x "${S}$total system-heap calls in RT sections" "$tmp/err" | grep -vq "\[$child "; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

# No RT section at all is not "0 calls".
RTALLOC_GUARD=count LD_PRELOAD=$lib /bin/true 2>"$tmp/err"
check "no RT section: 'nothing watched', no count" \
    "$(grep -q '^rtalloc-guard\[[0-9]* true\]: nothing watched: ' "$tmp/err" &&
       ! grep -q 'system-heap calls' "$tmp/err"; echo $?)"
preload_client=./tests/guard_preload_client
[ -x tests/.libs/guard_preload_client ] && preload_client=./tests/.libs/guard_preload_client
RTALLOC_GUARD=count LD_PRELOAD=$lib $preload_client 0 >"$tmp/out" 2>"$tmp/err"
check "an empty rta_rt_enter section: watched, 0 calls" \
    "$(grep -q '^rtalloc-guard\[[0-9]* guard_preload_client\]: 0 system-heap calls in RT sections$' "$tmp/err"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"
exit $fail
