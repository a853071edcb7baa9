#!/bin/sh
# bench/icount.sh: instructions per operation of rtalloc and each installed
# peer on the three patterns of bench/icount.c, counted by callgrind
# (`make bench-icount`).  Instruction counts do not depend on the machine's
# load, so the figures repeat exactly on a busy machine.
#
# For each pattern, the same program runs the loop with no allocator at
# all (`none`); its count is subtracted, so a figure is what the
# allocator's malloc and free cost, calls included.  One operation is one
# allocation and its free.  Peers are the C library's malloc and the
# Debian packages' jemalloc, mimalloc and tcmalloc, preloaded; one that is
# not installed is reported missing, never replaced.
#
# Usage: bench/icount.sh [--program PATH] [--ops N] [--only rtalloc]
#                        [--tsv]
#   --only rtalloc  measure rtalloc alone (the regression check does)
#   --tsv           print "pattern<TAB>allocator<TAB>instr/op" lines only
set -u
prog=./bench/icount
ops=65536
only=
tsv=0
while [ $# -gt 0 ]; do
    case $1 in
    --program) prog=$2; shift 2 ;;
    --ops) ops=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --tsv) tsv=1; shift ;;
    *) echo "icount.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if ! command -v valgrind >/dev/null 2>&1; then
    echo "icount.sh: valgrind is not installed (scripts/install-deps installs it)" >&2
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/icount.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

find_lib() {
    for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /lib/x86_64-linux-gnu \
             /usr/lib64 /usr/lib /usr/local/lib; do
        [ -r "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}

# count ALLOCATOR PATTERN [PRELOAD]: instructions collected in the
# measured loop.
count() {
    out=$tmp/cg.$1.$2
    if ! env ${3:+LD_PRELOAD=$3} valgrind --tool=callgrind --collect-atstart=no \
            --callgrind-out-file="$out" "$prog" "$1" "$2" "$ops" >"$tmp/stdout" 2>"$tmp/stderr"; then
        echo "icount.sh: $prog $1 $2 failed under callgrind:" >&2
        cat "$tmp/stderr" >&2
        return 1
    fi
    sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | tail -n 1
}

patterns="frames pair churn"
names="rtalloc"
[ -n "$only" ] || names="rtalloc glibc jemalloc mimalloc tcmalloc"
results=$tmp/results
: >"$results"
for pat in $patterns; do
    base=$(count none "$pat") || exit 1
    for name in $names; do
        lib=
        case $name in
        rtalloc) kind=rtalloc ;;
        glibc) kind=system ;;
        jemalloc) kind=system; lib=$(find_lib libjemalloc.so.2) || lib=missing ;;
        mimalloc) kind=system; lib=$(find_lib libmimalloc.so.2) || lib=missing ;;
        tcmalloc) kind=system; lib=$(find_lib libtcmalloc_minimal.so.4) || lib=missing ;;
        esac
        if [ "$lib" = missing ]; then
            printf '%s\t%s\tmissing\n' "$pat" "$name" >>"$results"
            continue
        fi
        n=$(count "$kind" "$pat" "$lib") || exit 1
        awk -v p="$pat" -v a="$name" -v n="$n" -v b="$base" -v ops="$ops" \
            'BEGIN { printf "%s\t%s\t%.1f\n", p, a, (n - b) / ops }' >>"$results"
    done
done

if [ $tsv = 1 ]; then
    cat "$results"
    exit 0
fi
awk -F '\t' -v names="$names" '
    { v[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++np] = $1 } }
    END {
        na = split(names, a, " ")
        printf "%-8s", "pattern"
        for (i = 1; i <= na; i++) printf " %9s", a[i]
        printf "   leanest peer   rtalloc/leanest\n"
        for (j = 1; j <= np; j++) {
            p = order[j]; best = ""; bv = 0
            printf "%-8s", p
            for (i = 1; i <= na; i++) {
                x = v[p, a[i]]; printf " %9s", x
                if (a[i] != "rtalloc" && x != "missing" && (best == "" || x + 0 < bv)) {
                    best = a[i]; bv = x + 0
                }
            }
            if (best == "") printf "   %-12s   %s\n", "none", "-"
            else printf "   %-12s   %.2f\n", best, v[p, "rtalloc"] / bv
        }
        print "instructions per operation (one allocation and its free), callgrind,"
        print "loop cost subtracted; missing: the library is not installed"
    }' "$results"
