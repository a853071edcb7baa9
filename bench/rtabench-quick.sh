#!/bin/sh
# make check: a short run of the benchmark that proves it works (no
# timing is judged here).  Asserts: it exits 0; the CSV has figures for
# rtalloc, rtalloc-arena and glibc on every workload that applies to them;
# every peer is either measured with its own library serving malloc, or
# reported "missing" (never measured as something else); with gnuplot the
# five plots exist; with strace, rtalloc's measured phases were counted.
set -u
out=bench-quick-out.$$
trap 'rm -rf "$out"' EXIT
mkdir -p "$out"

if ! ./bench/rtabench --quick --out "$out" >"$out/stdout" 2>"$out/stderr"; then
    echo "rtabench --quick failed:"; cat "$out/stdout" "$out/stderr"; exit 1
fi
cat "$out/stdout"
csv=$out/results.csv
fail=0
check() { # workload allocator op
    if ! grep -q "^$1,[^,]*,$2,ok,$3," "$csv"; then
        echo "FAIL: no figures for workload $1, $2, $3"; fail=1
    fi
}
sanitized=0
grep -q 'sanitizer build' "$out/stdout" && sanitized=1
for w in 1 2 3 4 5; do
    check $w rtalloc alloc
    [ $sanitized = 1 ] || check $w glibc alloc
done
for w in 1 4 5; do check $w rtalloc-arena reset; done
for w in 2 3; do
    grep -q "^$w,[^,]*,rtalloc-arena,n/a," "$csv" || { echo "FAIL: arena on w$w not n/a"; fail=1; }
done
# A peer is measured with its own library or reported missing.
for peer in jemalloc mimalloc tcmalloc; do
    if grep -q "^1,[^,]*,$peer,ok," "$csv"; then
        grep "^1,[^,]*,$peer,ok,alloc," "$csv" | grep -q "lib$peer" ||
            { echo "FAIL: $peer measured, but malloc did not come from lib$peer"; fail=1; }
    elif [ $sanitized = 0 ]; then
        grep -q "^1,[^,]*,$peer,missing," "$csv" ||
            { echo "FAIL: $peer neither measured nor reported missing"; fail=1; }
    fi
done
if grep -q '^run: .*plots: /' "$out/stdout"; then
    n=$(ls "$out"/ccdf-w*.png 2>/dev/null | wc -l)
    [ "$n" = 5 ] || { echo "FAIL: $n plots, expected 5"; fail=1; }
fi
if grep -q '^run: .*syscall pass: /' "$out/stdout"; then
    # rtalloc's rows hold a count (>= 0), not -1 (pass failed or no marker
    # seen), unless strace could not trace at all here (no ptrace).
    col=$(head -1 "$csv" | tr ',' '\n' | grep -nx syscalls | cut -d: -f1)
    counted=$(awk -F, -v c="$col" '$4 == "ok" && $c >= 0' "$csv" | wc -l)
    bad=$(awk -F, -v c="$col" '$3 ~ /^rtalloc/ && $4 == "ok" && $c < 0' "$csv" | wc -l)
    if [ "$counted" = 0 ]; then
        echo "note: strace could not trace any run here; syscall counts not checked"
    elif [ "$bad" != 0 ]; then
        echo "FAIL: $bad rtalloc rows without a syscall count"; fail=1
    fi
fi
[ $fail = 0 ] || { cat "$out/stderr"; exit 1; }
# --rounds: each allocator runs once per round, in its own process, the
# order rotated per round (rounds.csv's position column), and the table's
# figure is the median of the rounds' (here rtalloc's untimed ns on w1).
r=$out/rounds
if ! ./bench/rtabench --quick --rounds 3 --workloads 1 --only rtalloc,rtalloc-arena \
        --no-strace --no-plot --out "$r" >"$r.stdout" 2>"$r.stderr"; then
    echo "rtabench --rounds 3 failed:"; cat "$r.stdout" "$r.stderr"; exit 1
fi
rows=$(awk -F, '$5 == "rtalloc" && $7 == "alloc"' "$r/rounds.csv" | wc -l)
[ "$rows" = 3 ] || { echo "FAIL: $rows rounds of rtalloc in rounds.csv, expected 3"; fail=1; }
positions=$(awk -F, '$5 == "rtalloc" && $7 == "alloc" { print $2 }' "$r/rounds.csv" | sort -u | wc -l)
[ "$positions" = 2 ] || { echo "FAIL: rtalloc ran at $positions positions, expected 2"; fail=1; }
median=$(awk -F, '$5 == "rtalloc" && $7 == "alloc" { print $11 }' "$r/rounds.csv" | sort -n | sed -n 2p)
col=$(head -1 "$r/results.csv" | tr ',' '\n' | grep -nx untimed_ns_per_alloc | cut -d: -f1)
table=$(awk -F, -v c="$col" '$3 == "rtalloc" && $5 == "alloc" { print $c }' "$r/results.csv")
[ "$median" = "$table" ] || { echo "FAIL: results.csv has $table, the rounds' median is $median"; fail=1; }
grep -q '^Spread over 3 rounds' "$r.stdout" || { echo "FAIL: no spread table"; fail=1; }
[ $fail = 0 ] || { cat "$r.stdout" "$r.stderr"; exit 1; }
exit 0
