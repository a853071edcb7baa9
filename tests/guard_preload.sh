#!/bin/sh
# librtalloc_guard LD_PRELOADed into an ordinary program that marks an RT
# section but was not linked with the guard: counted in count mode, each
# site once in log mode, nothing in off mode or without the preload, and
# trapped (SIGABRT, report) by default, with a module+offset that
# addr2line resolves to the static function that called malloc.  Also
# runs the rtalloc-guard script, and checks calls made before the guard's
# constructor ran (from a thread another library's constructor started).
lib=$PWD/guard/.libs/librtalloc_guard.so
# The program itself, not libtool's wrapper script: a preload also lands
# in the shell running the wrapper (and in its subshells).
client=./tests/guard_preload_client
[ -x tests/.libs/guard_preload_client ] && client=./tests/.libs/guard_preload_client
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
# The guard's DT_NEEDED librtalloc, from this build.
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_GUARD RTALLOC_GUARD_STRICT
tmp=${TMPDIR:-/tmp}/rta-guard-preload.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command status
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}
has() { grep -qF -- "$2" "$1"; }
# A whole line (a count of 10 must not match 100), and a summary line,
# which names the process: "rtalloc-guard[PID PROG]: TEXT".
has_line() { grep -qxF -- "$2" "$1"; }
summary() { # file, program, text
    grep -qx "rtalloc-guard\[[0-9]* $2\]: $3" "$1"
}

# ASan and TSan replace malloc ahead of any preload (and want their
# runtime first): the guard cannot be tested in such a build.
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi

$client 5 >"$tmp/out" 2>"$tmp/err"
check "without the guard the count stays 0" "$(has_line "$tmp/out" 'rt system-heap calls: 0'; echo $?)"

RTALLOC_GUARD=count LD_PRELOAD=$lib $client 5 >"$tmp/out" 2>"$tmp/err"
check "count mode: exit 0" "$?"
check "count mode: the thread's counter" "$(has_line "$tmp/out" 'rt system-heap calls: 10'; echo $?)"
check "count mode: exit line" \
    "$(summary "$tmp/err" guard_preload_client '10 system-heap calls in RT sections'; echo $?)"

RTALLOC_GUARD=off LD_PRELOAD=$lib $client 5 >"$tmp/out" 2>"$tmp/err"
check "off mode counts nothing" "$(has_line "$tmp/out" 'rt system-heap calls: 0'; echo $?)"

RTALLOC_GUARD=log LD_PRELOAD=$lib $client 20 >"$tmp/out" 2>"$tmp/err"
check "log mode: runs to the end" "$(has_line "$tmp/out" 'rt system-heap calls: 40'; echo $?)"
n=$(grep -c '^rtalloc-guard: log: ' "$tmp/err")
check "log mode: 2 sites reported once each (got $n)" "$([ "$n" = 2 ]; echo $?)"
check "log mode: exit line" \
    "$(summary "$tmp/err" guard_preload_client '40 system-heap calls in RT sections'; echo $?)"

RTALLOC_GUARD_LIB=$lib ./guard/rtalloc-guard --count -- $client 3 >"$tmp/out" 2>"$tmp/err"
check "rtalloc-guard --count" \
    "$(summary "$tmp/err" guard_preload_client '6 system-heap calls in RT sections'; echo $?)"

# A thread started (and finished) by a library constructor that runs
# before the guard's: counted all the same, and trapped in trap mode.
early=$PWD/tests/.libs/libguard_early.so
RTALLOC_GUARD=count LD_PRELOAD="$lib $early" $client 1 >"$tmp/out" 2>"$tmp/err"
check "before the guard's constructor: counted" \
    "$(has_line "$tmp/out" 'early thread rt system-heap calls: 20'; echo $?)"
check "before the guard's constructor: in the exit line" \
    "$(summary "$tmp/err" guard_preload_client '22 system-heap calls in RT sections'; echo $?)"
LD_PRELOAD="$lib $early" $client 1 >"$tmp/out" 2>"$tmp/err"
status=$?
check "before the guard's constructor: trapped (status $status)" \
    "$([ $status = 134 ] && grep -q '^rtalloc-guard: trap: malloc(32)' "$tmp/err"; echo $?)"

LD_PRELOAD=$lib $client 5 >"$tmp/out" 2>"$tmp/err"
status=$?
check "trap mode (default): SIGABRT (status $status)" "$([ $status = 134 ]; echo $?)"
check "trap mode: the call and its size" \
    "$(has "$tmp/err" 'rtalloc-guard: trap: malloc(48) in a real-time section'; echo $?)"
check "trap mode: nothing printed after the trap" "$(has "$tmp/out" 'rt system-heap'; [ $? = 1 ]; echo $?)"
sed 's/^/    /' "$tmp/err"

# Frame #0 is the static function: "(MODULE+0xOFFSET)".
frame=$(grep '^rtalloc-guard:   #0 ' "$tmp/err" | sed -n 's/.*(\(.*\)+\(0x[0-9a-f]*\))$/\1 \2/p')
if command -v addr2line >/dev/null 2>&1 && [ -n "$frame" ]; then
    set -- $frame
    fn=$(addr2line -f -e "$1" "$2" | head -1)
    check "addr2line resolves frame #0 to rt_work_static (got $fn)" \
        "$([ "$fn" = rt_work_static ]; echo $?)"
else
    check "frame #0 has a module+offset" "$([ -n "$frame" ]; echo $?)"
fi
exit $fail
