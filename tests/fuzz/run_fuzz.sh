#!/bin/bash
# Builds the heap fuzzer (tests/fuzz/fuzz_heap.c with its reference model)
# with clang's libFuzzer, ASan and UBSan straight from the library's
# sources, and runs it for RTA_FUZZ_SECONDS (default 60) from the seed
# corpus.  Run by `make check` from the build directory; exits 77 (skip)
# when clang or its libFuzzer runtime is missing, 1 when the fuzzer finds
# a failure (its input is kept as tests/fuzz/crash-*).
set -eu

top_srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${RTA_BUILDDIR:-$(pwd)}
seconds=${RTA_FUZZ_SECONDS:-60}
clang=${CLANG:-clang}
out=$builddir/tests/fuzz

if ! command -v "$clang" >/dev/null 2>&1; then
    echo "run_fuzz: no clang, skipped"
    exit 77
fi
if [ ! -f "$builddir/config.h" ]; then
    echo "run_fuzz: no config.h in $builddir (run from the build directory)" >&2
    exit 1
fi
if [ "$seconds" = 0 ]; then
    echo "run_fuzz: RTA_FUZZ_SECONDS=0, skipped"
    exit 77
fi
mkdir -p "$out"

# libFuzzer comes with clang's runtime package (libclang-rt-*-dev on Debian).
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' \
    >"$probe/p.c"
if ! "$clang" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
    echo "run_fuzz: $clang cannot link -fsanitize=fuzzer (libclang-rt missing), skipped"
    exit 77
fi

set -x
# The model's byte loops (patterns, overlap) are left out of libFuzzer's
# coverage instrumentation: instrumented they cost 20x, and their
# branches say nothing about the library.
"$clang" -g -O2 -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -Wall -Wextra -pthread -DRTA_BUILDING_LIBRARY \
    -I "$top_srcdir/include" -c "$top_srcdir/tests/fuzz/heap_model.c" \
    -o "$out/heap_model.o"
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -Wall -Wextra -pthread \
    -DRTA_BUILDING_LIBRARY -I "$top_srcdir/include" -I "$builddir" \
    -I "$top_srcdir/src" -I "$top_srcdir/tests/fuzz" \
    "$top_srcdir"/src/*.c "$top_srcdir/tests/fuzz/fuzz_heap.c" \
    "$out/heap_model.o" -o "$out/fuzz_heap"
{ set +x; } 2>/dev/null

# New inputs go to a scratch copy: the seed corpus in the tree stays as is.
work=$probe/corpus
mkdir -p "$work"
cp "$top_srcdir"/tests/fuzz/corpus/* "$work/"
log=$out/fuzz.log
echo "run_fuzz: fuzzing for $seconds s (log: $log)"
status=0
# libFuzzer's default exit code for a finding is 77, which the test
# harness would read as "skipped": make every finding a failure.
"$out/fuzz_heap" -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 \
    -timeout=20 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 \
    -artifact_prefix="$out/" "$work" >"$log" 2>&1 || status=$?
grep -E '^(stat::|INFO: Seed|#[0-9]+ *DONE)' "$log" || true
if [ "$status" -ne 0 ]; then
    echo "run_fuzz: FAILED (exit $status); the end of the log:"
    tail -n 60 "$log"
    exit 1
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "run_fuzz: passed, $execs executions in $seconds s ($rate per second)"
