#!/bin/sh
# rta_process_heap and RTALLOC_OPTIONS: the documented defaults, each key
# applied, bad items named on stderr with the default kept, a heap that
# cannot be made (NULL in every thread, one line why), stats= at exit.
prog=./tests/process_heap_print
tmp=${TMPDIR:-/tmp}/rta-process-options.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, status
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}
has() { grep -qF -- "$2" "$1"; }
run() { # options
    RTALLOC_OPTIONS=$1 $prog >"$tmp/out" 2>"$tmp/err"
}

unset RTALLOC_OPTIONS
$prog >"$tmp/out" 2>"$tmp/err"
check "defaults: runs" "$?"
check "defaults: one heap for every thread" "$(has "$tmp/out" 'same heap in every thread: 1'; echo $?)"
check "defaults: 32M pool" "$(has "$tmp/out" 'pool free: 33554432'; echo $?)"
check "defaults: 1M arena" "$(has "$tmp/out" 'arena: 1048576'; echo $?)"
check "defaults: 64K largest class" "$(has "$tmp/out" 'largest class: 65536'; echo $?)"
check "defaults: nothing on stderr" "$([ ! -s "$tmp/err" ]; echo $?)"

run "pool=8M,arena=0,max_block=4k,threads=2"
check "keys applied: pool" "$(has "$tmp/out" 'pool free: 8388608'; echo $?)"
check "keys applied: no arena" "$(has "$tmp/out" 'arena: 0'; echo $?)"
check "keys applied: max_block" "$(has "$tmp/out" 'largest class: 4096'; echo $?)"
check "keys applied: 64K not pooled" "$(has "$tmp/out" '64K pooled: 0'; echo $?)"

run "pool=4m,frobnicate=1,max_block=9x,lock=2,rt=loud,nonsense"
check "bad items: still runs" "$?"
check "bad items: good key kept" "$(has "$tmp/out" 'pool free: 4194304'; echo $?)"
check "bad items: default max_block" "$(has "$tmp/out" 'largest class: 65536'; echo $?)"
n=$(grep -c '^rtalloc: RTALLOC_OPTIONS: ' "$tmp/err")
check "bad items: one line each (got $n)" "$([ "$n" = 5 ]; echo $?)"
check "bad items: unknown key named" "$(has "$tmp/err" "'frobnicate=1'"; echo $?)"
check "bad items: bad value named" "$(has "$tmp/err" "'max_block=9x'"; echo $?)"

run "pool=1K"
check "cannot be made: exit 0 (NULL again)" "$?"
check "cannot be made: NULL in every thread" "$(has "$tmp/out" 'heap: none'; echo $?)"
n=$(grep -c '^rtalloc: the process heap could not be made' "$tmp/err")
check "cannot be made: one line why (got $n)" "$([ "$n" = 1 ]; echo $?)"

run "stats=$tmp/stats.txt"
check "stats=PATH: report written at exit" "$(has "$tmp/stats.txt" 'bytes_reserved'; echo $?)"
run "stats=stderr"
check "stats=stderr" "$(has "$tmp/err" 'rtalloc heap statistics'; echo $?)"

exit $fail
