#!/bin/sh
# bench/procmalloc_icount.sh: instructions per operation (one allocation
# and its free) on the three patterns of bench/icount.c (frames, pair,
# churn), every allocator entered through malloc/free: glibc's own, and
# jemalloc, mimalloc, tcmalloc and rtalloc (librtalloc_malloc) each
# preloaded the same way.  `rtalloc-api` is the same pools through
# rta_malloc/rta_free, for what entering through malloc costs.  Counted by
# callgrind (which, unlike memcheck, leaves malloc alone), so the figures
# repeat exactly on a busy machine.  The loop's own cost (icount none) is
# subtracted.  Run in the build directory (`make bench-malloc-icount`).
set -u
prog=./bench/icount
ops=65536
command -v valgrind >/dev/null 2>&1 || { echo "procmalloc_icount.sh: valgrind not installed" >&2; exit 77; }
[ -x "$prog" ] || { echo "procmalloc_icount.sh: $prog not built (make bench/icount)" >&2; exit 2; }
rtalloc_lib=$PWD/malloc/.libs/librtalloc_malloc.so
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_OPTIONS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/procmalloc-icount.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

find_lib() {
    for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
        [ -r "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    echo missing
}
count() { # KIND PATTERN [PRELOAD]
    out=$tmp/cg
    env ${3:+LD_PRELOAD=$3} valgrind --tool=callgrind --collect-atstart=no \
        --callgrind-out-file="$out" "$prog" "$1" "$2" "$ops" >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; echo fail; return; }
    sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | tail -n 1
}

names="glibc jemalloc mimalloc tcmalloc rtalloc rtalloc-api"
printf '%-8s' pattern
for n in $names; do printf ' %11s' "$n"; done
printf '  rtalloc/best peer\n'
for pat in frames pair churn; do
    base=$(count none "$pat")
    printf '%-8s' "$pat"
    best=
    line=
    for n in $names; do
        kind=system lib=
        case $n in
        jemalloc) lib=$(find_lib libjemalloc.so.2) ;;
        mimalloc) lib=$(find_lib libmimalloc.so.2) ;;
        tcmalloc) lib=$(find_lib libtcmalloc_minimal.so.4) ;;
        rtalloc) lib=$rtalloc_lib ;;
        rtalloc-api) kind=rtalloc ;;
        esac
        if [ "$lib" = missing ]; then
            v=missing
        else
            c=$(count "$kind" "$pat" "$lib")
            v=$(awk -v n="$c" -v b="$base" -v o="$ops" 'BEGIN { printf "%.1f", (n - b) / o }')
        fi
        printf ' %11s' "$v"
        case $n in
        rtalloc) mine=$v ;;
        rtalloc-api) ;;
        *) [ "$v" != missing ] && { [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN { exit !(a < b) }'; } && best=$v ;;
        esac
    done
    awk -v a="$mine" -v b="$best" 'BEGIN { printf "  %.2f\n", a / b }'
done
echo "callgrind instructions per allocation+free, loop cost subtracted, $ops operations"
