#!/bin/bash
# Builds tests/sched/yield_stress.c with the library's sources, clang's
# ThreadSanitizer and -DRTA_TEST_YIELDS (a random yield before every
# atomic operation of the library: src/internal.h), and runs it for
# RTA_YIELD_SECONDS (default 10).  Run by `make check` from the build
# directory; exits 77 (skip) when clang cannot link -fsanitize=thread.
set -eu

top_srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${RTA_BUILDDIR:-$(pwd)}
seconds=${RTA_YIELD_SECONDS:-10}
clang=${CLANG:-clang}
out=$builddir/tests/sched

if ! command -v "$clang" >/dev/null 2>&1; then
    echo "run_yield_stress: no clang, skipped"
    exit 77
fi
if [ ! -f "$builddir/config.h" ]; then
    echo "run_yield_stress: no config.h in $builddir (run from the build directory)" >&2
    exit 1
fi
if [ "$seconds" = 0 ]; then
    echo "run_yield_stress: RTA_YIELD_SECONDS=0, skipped"
    exit 77
fi
mkdir -p "$out"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main(void) { return 0; }' >"$probe/p.c"
if ! "$clang" -fsanitize=thread "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
    echo "run_yield_stress: $clang cannot link -fsanitize=thread, skipped"
    exit 77
fi
set -x
"$clang" -g -O1 -fsanitize=thread -fno-omit-frame-pointer -pthread \
    -DRTA_BUILDING_LIBRARY -DRTA_TEST_YIELDS -I "$top_srcdir/include" -I "$builddir" \
    -I "$top_srcdir/src" "$top_srcdir"/src/*.c "$top_srcdir/tests/sched/yield_stress.c" \
    -o "$out/yield_stress"
{ set +x; } 2>/dev/null
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
    "$out/yield_stress" "$seconds"
