#!/bin/sh
# make check: rtalloc's instructions per operation on the patterns of
# bench/icount.c must not rise more than 10% above the figures recorded in
# bench/icount-record.tsv.  Instruction counts under callgrind are exact
# and repeat on a busy machine, so this is a real check, not a timing
# test.  It needs valgrind (installed by scripts/install-deps) and means
# nothing in a sanitized or unoptimised build: there it skips (77).
# After a change that makes the fast path cheaper, record the new figures:
#   bench/icount.sh --only rtalloc --tsv > bench/icount-record.tsv
set -u
srcdir=${srcdir:-.}
record=$srcdir/bench/icount-record.tsv
build=$(./bench/icount --build) || exit 1
case $build in
*sanitized=1*) echo "SKIP: sanitizer build: instruction counts mean nothing here"; exit 77 ;;
*optimized=0*) echo "SKIP: unoptimised build: the record is for the default -O2"; exit 77 ;;
esac
if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP: valgrind is not installed (scripts/install-deps installs it)"
    exit 77
fi
now=$(sh "$srcdir/bench/icount.sh" --program ./bench/icount --only rtalloc --tsv) || exit 1
echo "recorded:"; cat "$record"
echo "now:"; echo "$now"
echo "$now" | awk -F '\t' -v rec="$record" '
    BEGIN { while ((getline line < rec) > 0) { split(line, f, "\t"); r[f[1]] = f[3] } }
    {
        if (!($1 in r)) { print "FAIL: no recorded figure for " $1; bad = 1; next }
        limit = r[$1] * 1.10
        if ($3 + 0 > limit) {
            printf "FAIL: %s: %.1f instructions per operation, recorded %.1f (limit %.1f)\n", \
                $1, $3, r[$1], limit
            bad = 1
        } else if ($3 + 0 < r[$1] * 0.9)
            printf "note: %s is now %.1f, well below the record %.1f: record it\n", $1, $3, r[$1]
    }
    END { exit bad }'
