#!/usr/bin/env bash
# make mutants: plants each deliberate bug of tests/mutants/*.sed in a
# scratch copy of the tree, runs the test suite there, and prints a table:
# the mutant, the test that killed it (failed because of it), or SURVIVED.
# Exits 1 when a mutant survives or one is an ERROR (its sed script no
# longer changes its file, or the mutated tree does not build): an ERROR
# is neither a kill nor a survivor, it means the mutant needs updating.
#
# A mutant is a sed script; its first lines name the file it edits (or
# several, where the code may live: the first one the script changes) and
# the bug:
#   # file: src/alloc.c
#   # bug: rta_aligned_alloc fails every alignment above 4096
#
# The scratch tree is configured and built once; each mutant rebuilds only
# what its file touches.  The suite runs once unmutated first (a test that
# fails there would "kill" every mutant) and the tests then run fastest
# first, each mutant stopping at its first failing test.
#
#   RTA_MUTANTS="alloc-aligned-above-4096 stats-null-heap"  run a subset
#                              (names without .sed; shell patterns work)
#   RTA_MUTANTS_DIR=/tmp/x     scratch directory (default: a new one, removed
#                              at the end unless RTA_MUTANTS_KEEP=1)
#   RTA_MUTANTS_JOBS=2         make -j
#   RTA_MUTANTS_ALL=1          run every test on each mutant (lists all the
#                              killers; slower)
#   RTA_MUTANTS_REUSE=1        with RTA_MUTANTS_DIR: skip the unmutated run,
#                              reuse its times from an earlier run there
#   RTA_FUZZ_SECONDS=10        the fuzzer's run inside the suite
# Usage: tests/mutants/run.sh [SRCDIR]  (make mutants passes it)
set -uo pipefail
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
jobs=${RTA_MUTANTS_JOBS:-2}
export RTA_FUZZ_SECONDS=${RTA_FUZZ_SECONDS:-10}
t0=$(date +%s)
note() { echo "[mutants $(($(date +%s) - t0))s] $*"; }

if [ -n "${RTA_MUTANTS_DIR:-}" ]; then
    work=$RTA_MUTANTS_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/rta-mutants.XXXXXX")
    [ "${RTA_MUTANTS_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
fi
tree=$work/src
build=$work/build
pristine=$work/pristine

# The mutants to run: all, or those RTA_MUTANTS names.
mutants=()
for m in "$src"/tests/mutants/*.sed; do
    name=$(basename "$m" .sed)
    if [ -n "${RTA_MUTANTS:-}" ]; then
        keep=0
        for want in $RTA_MUTANTS; do
            # shellcheck disable=SC2053
            [[ $name == $want ]] && keep=1
        done
        [ "$keep" = 1 ] || continue
    fi
    mutants+=("$m")
done
[ "${#mutants[@]}" -gt 0 ] || { echo "no mutant matches RTA_MUTANTS='${RTA_MUTANTS:-}'"; exit 1; }

# A scratch copy of the sources (the working tree as it is, not a commit).
note "copying $src to $tree"
rm -rf "$tree" "$pristine"
mkdir -p "$tree" "$pristine" "$build"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$src" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf -) | tar -xf - -C "$tree"
else
    (cd "$src" && tar --exclude='./build*' --exclude=autom4te.cache -cf - .) | tar -xf - -C "$tree"
fi
if [ ! -x "$tree/configure" ]; then
    note "autoreconf -fi"
    (cd "$tree" && autoreconf -fi >"$work/autoreconf.log" 2>&1) || {
        tail -n 30 "$work/autoreconf.log"
        exit 1
    }
fi
note "configure and build (make -j$jobs)"
(cd "$build" && "$tree/configure" >"$work/configure.log" 2>&1) || {
    tail -n 30 "$work/configure.log"
    exit 1
}
build_all() { make -C "$build" -j"$jobs" all >"$1" 2>&1 && make -C "$build" -j"$jobs" check TESTS= >>"$1" 2>&1; }
build_all "$work/build.log" || { tail -n 40 "$work/build.log"; exit 1; }
tests=$(make -s -C "$build" mutants-list-tests)

# run_test TEST LOG LIMIT: runs one test as the serial harness does;
# prints PASS, SKIP, FAIL or TIMEOUT.
run_test() {
    local t=$1 log=$2 limit=$3 rc prog=./$1
    [ -f "$build/$t" ] || prog=$tree/$t # a script: in the source tree
    (cd "$build" && srcdir=$tree timeout -k 10 "$limit" "$prog") >"$log" 2>&1
    rc=$?
    case $rc in
    0) echo PASS ;;
    77) echo SKIP ;;
    124 | 137) echo TIMEOUT ;;
    *) echo FAIL ;;
    esac
}

# The unmutated suite: every test must pass (or skip), and its times set
# the order and the time limits of the mutant runs.  RTA_MUTANTS_REUSE=1
# with the RTA_MUTANTS_DIR of an earlier run takes that run's word for it
# (when only mutants changed since).
if [ "${RTA_MUTANTS_REUSE:-0}" = 1 ] && [ -s "$work/times" ]; then
    note "unmutated suite: reusing the times of $work/times"
    tests=""
fi
[ -z "$tests" ] || : >"$work/times"
[ -z "$tests" ] || note "unmutated suite: $(echo "$tests" | wc -w) tests"
for t in $tests; do
    s=$(date +%s%N)
    r=$(run_test "$t" "$work/baseline.log" 1800)
    ms=$((($(date +%s%N) - s) / 1000000))
    echo "$ms $t" >>"$work/times"
    if [ "$r" = FAIL ] || [ "$r" = TIMEOUT ]; then
        tail -n 40 "$work/baseline.log"
        note "ERROR: $t fails without any mutant ($r): fix it first"
        exit 1
    fi
done
# Fastest first, the tests of tests/ before the examples and benchmarks
# (a kill is best named by the test that checks the behaviour).
ordered=$(awk '{ print ($2 ~ /^(bench|examples)\//) ? 1 : 0, $1, $2 }' "$work/times" |
    sort -k1,1n -k2,2n | cut -d' ' -f2-)
note "unmutated suite passed; $(awk '{s += $1} END {printf "%.0f", s / 1000}' "$work/times") s"

# Restore the file a mutant changed.
# A plain cp: the new mtime makes make rebuild what the mutant built.
restore() { cp "$pristine/$1" "$tree/$1"; }

results=()
survived=0
errors=0
for m in "${mutants[@]}"; do
    name=$(basename "$m" .sed)
    files=$(sed -n 's/^# file: *//p' "$m" | head -n 1)
    bug=$(sed -n 's/^# bug: *//p' "$m" | head -n 1)
    # The first of the files named that the script changes (code that
    # moves between files names both places).
    file=""
    for f in $files; do
        [ -f "$tree/$f" ] || continue
        mkdir -p "$pristine/$(dirname "$f")"
        [ -f "$pristine/$f" ] || cp -p "$tree/$f" "$pristine/$f"
        sed -f "$m" "$pristine/$f" >"$tree/$f.mutant"
        if cmp -s "$pristine/$f" "$tree/$f.mutant"; then
            rm -f "$tree/$f.mutant"
        else
            file=$f
            break
        fi
    done
    if [ -z "$files" ]; then
        results+=("$name|ERROR: no '# file:' line naming a file of the tree")
        errors=$((errors + 1))
        continue
    fi
    if [ -z "$file" ]; then
        results+=("$name|ERROR: no longer applies (the sed script changes nothing in $files)")
        errors=$((errors + 1))
        continue
    fi
    mv "$tree/$file.mutant" "$tree/$file"
    note "$name: $bug"
    diff -u "$pristine/$file" "$tree/$file" | sed -n '3,$p' | grep '^[-+]' | sed 's/^/    /'
    if ! build_all "$work/$name.build.log"; then
        tail -n 20 "$work/$name.build.log"
        results+=("$name|ERROR: the mutated tree does not build (log: $work/$name.build.log)")
        errors=$((errors + 1))
        restore "$file"
        continue
    fi
    killers=""
    while read -r ms t; do
        limit=$((ms * 5 / 1000 + 60))
        r=$(run_test "$t" "$work/$name.$(basename "$t").log" "$limit")
        case $r in
        FAIL) killers="$killers $t" ;;
        TIMEOUT) killers="$killers $t(timeout)" ;;
        esac
        if [ -n "$killers" ] && [ "${RTA_MUTANTS_ALL:-0}" != 1 ]; then
            break
        fi
    done <<<"$ordered"
    if [ -n "$killers" ]; then
        results+=("$name|killed by${killers}")
        note "$name: killed by${killers}"
    else
        results+=("$name|SURVIVED")
        survived=$((survived + 1))
        note "$name: SURVIVED"
    fi
    restore "$file"
done
# Leave the scratch build unmutated for the next run.
build_all "$work/build.log" >/dev/null 2>&1 || true

echo
printf '%-40s %s\n' "mutant" "result"
printf '%-40s %s\n' "------" "------"
for r in "${results[@]}"; do
    printf '%-40s %s\n' "${r%%|*}" "${r#*|}"
done
echo
note "${#mutants[@]} mutants: $survived survived, $errors errors"
[ "$survived" -eq 0 ] && [ "$errors" -eq 0 ]
