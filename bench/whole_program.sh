#!/bin/sh
# bench/whole_program.sh: whole-program wall times of allocation-heavy
# programs with each allocator as the process's malloc (`make
# bench-whole-program`): glibc's own, and jemalloc, mimalloc, tcmalloc
# (Debian's shared libraries) and rtalloc (librtalloc_malloc, default
# RTALLOC_OPTIONS) each preloaded the same way; rtalloc-np is rtalloc with
# prefault=0 (the pools' pages are not touched at start, which each
# process of a short run otherwise pays for: 32 MiB by default).  A peer that is not
# installed is reported missing, never replaced.
#
#   larson    bench/procmalloc_larson 4 100: server churn, threads taking
#             over other threads' blocks every round
#   xthread   bench/procmalloc_xthread 2 1000000: producer/consumer pairs,
#             every free remote
#   python    python3 tests/malloc_churn.py with PYTHONMALLOC=malloc (so
#             every object goes through malloc), 8 threads
#   gcc       gcc -O2 -c of librtalloc's sources (cc1, as: a compiler run)
#   g++       g++ -O1 -c of tests/malloc_containers.cpp (cc1plus)
#
# Each program runs RUNS times per allocator, interleaved (one of each in
# turn), and the median wall time is reported with its ratio to glibc and
# to the best of the peers.  Wall time on a shared machine is noisy: read
# the spread column (max/min of the runs) before the ratios.
#
# Usage: bench/whole_program.sh [--runs N] [--only larson,gcc,...]
set -u
runs=5
only=
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "whole_program.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
srcdir=$(cd "${srcdir:-$top}" && pwd)
build=$PWD
rtalloc_lib=$build/malloc/.libs/librtalloc_malloc.so
[ -r "$rtalloc_lib" ] || { echo "whole_program.sh: run it in the build directory ($rtalloc_lib not found)" >&2; exit 2; }
LD_LIBRARY_PATH=$build/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_OPTIONS PYTHONMALLOC

find_lib() {
    for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
        [ -r "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    echo missing
}
allocs="glibc jemalloc mimalloc tcmalloc rtalloc rtalloc-np"
lib_of() {
    case $1 in
    glibc) echo none ;;
    jemalloc) find_lib libjemalloc.so.2 ;;
    mimalloc) find_lib libmimalloc.so.2 ;;
    tcmalloc) find_lib libtcmalloc_minimal.so.4 ;;
    rtalloc | rtalloc-np) echo "$rtalloc_lib" ;;
    esac
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/whole-program.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/work"

# Debian's python3, not a wrapper script (pyenv's shims run a dozen
# processes, each of which would be timed making its heap).
python=/usr/bin/python3
[ -x $python ] || python=python3
programs="larson xthread python gcc g++"
cmd_of() {
    case $1 in
    larson) echo "$build/bench/procmalloc_larson 4 100" ;;
    xthread) echo "$build/bench/procmalloc_xthread 2 1000000" ;;
    python) echo "env PYTHONMALLOC=malloc $python $srcdir/tests/malloc_churn.py" ;;
    gcc) echo "gcc -O2 -c -I$build -I$srcdir/include -I$srcdir/src $srcdir/src/alloc.c $srcdir/src/pool.c $srcdir/src/heap.c $srcdir/src/stats.c $srcdir/src/tcache.c" ;;
    g++) echo "g++ -O1 -std=c++17 -c $srcdir/tests/malloc_containers.cpp" ;;
    esac
}

now_ns() { date +%s%N; }
# time_one PROGRAM ALLOCATOR: seconds, or "fail".
time_one() {
    lib=$(lib_of "$2")
    [ "$lib" = missing ] && { echo missing; return; }
    cmd=$(cmd_of "$1")
    t0=$(now_ns)
    if [ "$lib" = none ]; then
        (cd "$tmp/work" && $cmd) >"$tmp/out" 2>&1
    else
        opts=
        [ "$2" = rtalloc-np ] && opts=prefault=0
        (cd "$tmp/work" && RTALLOC_OPTIONS=$opts LD_PRELOAD=$lib $cmd) >"$tmp/out" 2>&1
    fi
    st=$?
    t1=$(now_ns)
    if [ $st != 0 ]; then
        echo "whole_program.sh: $1 under $2 failed:" >&2
        head -5 "$tmp/out" >&2
        echo fail
        return
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

: >"$tmp/times"
for p in $programs; do
    if [ -n "$only" ] && ! echo ",$only," | grep -q ",$p,"; then continue; fi
    i=0
    while [ $i -lt "$runs" ]; do
        for a in $allocs; do
            echo "$p $a $(time_one "$p" "$a")" >>"$tmp/times"
        done
        i=$((i + 1))
    done
done

echo "whole-program wall time, median of $runs runs (seconds); ratio = median / glibc's, / best peer's"
printf '%-8s %-10s %9s %7s %9s %10s\n' program allocator median spread "x glibc" "x best peer"
awk '
    $3 == "missing" || $3 == "fail" { bad[$1 " " $2] = $3; next }
    { n[$1 " " $2]++; t[$1 " " $2, n[$1 " " $2]] = $3; progs[$1] = 1 }
    END {
        na = split("glibc jemalloc mimalloc tcmalloc rtalloc rtalloc-np", al, " ")
        split("larson xthread python gcc g++", pl, " ")
        for (pi = 1; pi <= 5; pi++) {
            p = pl[pi]
            if (!(p in progs)) continue
            best = 0
            for (ai = 1; ai <= na; ai++) {
                k = p " " al[ai]
                if (!(k in n)) continue
                m = n[k]
                for (i = 1; i <= m; i++) v[i] = t[k, i]
                for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
                med[k] = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
                spread[k] = v[m] / v[1]
                if (al[ai] !~ /^rtalloc/ && (best == 0 || med[k] < best)) best = med[k]
            }
            for (ai = 1; ai <= na; ai++) {
                k = p " " al[ai]
                if (k in bad) { printf "%-8s %-10s %9s\n", p, al[ai], bad[k]; continue }
                if (!(k in med)) continue
                printf "%-8s %-10s %9.3f %7.2f %9.2f %10.2f\n", p, al[ai], med[k], spread[k], med[k] / med[p " glibc"], med[k] / best
            }
        }
    }' "$tmp/times"
