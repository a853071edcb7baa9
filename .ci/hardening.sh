#!/usr/bin/env bash
# Hardening runs for CI, called by .ci/run after the plain build:
#   asan      build-asan: configure --enable-sanitizers=address,undefined,
#             make check (LeakSanitizer on)
#   tsan      build-tsan: configure --enable-sanitizers=thread, make check
#   valgrind  the cross-thread tests of the plain build (build/, or a fresh
#             build-valgrind) under valgrind memcheck: no error, no leak
# The fuzzer already runs under ASan+UBSan in the plain `make check`, so the
# sanitizer builds skip it (RTA_FUZZ_SECONDS=0).  ASan runs without
# detect_stack_use_after_return: its fake stacks page-fault, and the tests
# that prove "no page fault in the RT loop" rightly count those.  A failed
# stage does not stop the next; the script fails at the end.  Budget: under
# 35 minutes on 2 cores.  Run it from anywhere; it prints every command.
#
#   RTA_HARDENING_ONLY="asan tsan valgrind"  the stages to run
#   RTA_PLAIN_BUILD=build                    plain build dir for valgrind
#   RTA_VALGRIND_LIMIT=600                   seconds per program under valgrind
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
stages=${RTA_HARDENING_ONLY:-asan tsan valgrind}
plain=${RTA_PLAIN_BUILD:-build}
jobs=${RTA_JOBS:-2}
valgrind_limit=${RTA_VALGRIND_LIMIT:-600} # seconds per program
t0=$(date +%s)

note() { echo "[hardening $(( $(date +%s) - t0 ))s] $*"; }
run() { note "+ $*"; "$@"; }
# in DIR LOG CMD...: runs CMD in DIR with its output in DIR/LOG.
in_dir() {
    local dir=$1 log=$2
    shift 2
    note "+ (cd $dir && $* >$log)"
    (cd "$dir" && "$@" >"$log" 2>&1)
}

# Check's 4 s default timeout is too short under a sanitizer or valgrind.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
export RTA_FUZZ_SECONDS=0
# The schedule fuzzer's full run is in .ci/run; the yield stress builds its
# own TSan binary (plain make check), so the sanitizer builds skip it.
export RTA_SCHED_SEEDS=${RTA_SCHED_SEEDS:-200} RTA_YIELD_SECONDS=0

if [ ! -x configure ]; then
    run autoreconf -fi
fi

# A failed stage does not stop the others (each says something on its
# own); the script fails at the end if any did.
failed_stages=""
fail() {
    note "FAILED: $1"
    failed_stages="$failed_stages $1"
}

# Shows what the tests that did not pass printed (serial-tests: their
# output is in check.log, just above their FAIL line).
show_failures() {
    local dir=$1
    sed -n 's/^\(FAIL\|ERROR\): \([^ ]*\)$/\2/p' "$dir/check.log" | while read -r t; do
        echo "---- $t ($dir/check.log)"
        grep -B 30 -E "^(FAIL|ERROR): $t\$" "$dir/check.log" | grep -vE '^(PASS|SKIP|XFAIL): '
    done
}

sanitizer_build() {
    local name=$1 sanitizers=$2 dir=build-$1
    shift 2
    local start
    start=$(date +%s)
    note "== $name: --enable-sanitizers=$sanitizers"
    rm -rf "$dir"
    mkdir -p "$dir"
    in_dir "$dir" configure.log "$top/configure" --enable-werror \
        --enable-sanitizers="$sanitizers" || {
        tail -n 40 "$dir/configure.log"
        fail "$name configure"
        return
    }
    in_dir "$dir" build.log make -j"$jobs" || {
        tail -n 60 "$dir/build.log"
        fail "$name build"
        return
    }
    if in_dir "$dir" check.log env "$@" make -j"$jobs" check; then
        grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR): ' "$dir/check.log" || true
        note "== $name passed in $(( $(date +%s) - start )) s"
    else
        grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR): ' "$dir/check.log" || tail -n 40 "$dir/check.log"
        show_failures "$dir"
        fail "$name make check ($(( $(date +%s) - start )) s)"
    fi
}

# The cross-thread tests of the plain build under valgrind memcheck: Check
# programs that start threads, and the soak (10 s here).  Left out: a
# program that expects SIGABRT (it cannot run without fork; check_bad_input
# drops its abort tests itself when CK_FORK=no), the guard's tests (the
# guard and valgrind both replace malloc) and programs that install a
# seccomp filter (valgrind does not support the system call).
valgrind_stage() {
    local start programs="" src name prog bad=0
    start=$(date +%s)
    note "== valgrind memcheck on the cross-thread tests"
    if ! command -v valgrind >/dev/null; then
        fail "valgrind not installed"
        return
    fi
    if [ ! -f "$plain/Makefile" ]; then
        plain=build-valgrind
        rm -rf "$plain"
        mkdir -p "$plain"
        in_dir "$plain" configure.log "$top/configure" --enable-werror || {
            tail -n 40 "$plain/configure.log"
            fail "valgrind configure"
            return
        }
    fi
    for src in tests/check_*.c; do
        name=$(basename "$src" .c)
        grep -q pthread_create "$src" || continue
        case $name in
        check_guard*)
            note "skip tests/$name under valgrind: the guard wraps malloc, which valgrind replaces"
            continue
            ;;
        check_malloc)
            note "skip tests/$name under valgrind: librtalloc_malloc is malloc, which valgrind replaces"
            continue
            ;;
        esac
        if grep -qE 'seccomp|SECCOMP' "$src"; then
            note "skip tests/$name under valgrind: valgrind cannot run seccomp filters"
            continue
        fi
        if [ "$name" != check_bad_input ] &&
            grep -qE 'tcase_add_test_raise_signal|tcase_add_exit_test' "$src"; then
            note "skip tests/$name under valgrind: it expects a signal (needs fork)"
            continue
        fi
        programs="$programs tests/$name"
    done
    programs="$programs tests/soak_short"
    # shellcheck disable=SC2086
    in_dir "$plain" valgrind-build.log make -j"$jobs" $programs || {
        tail -n 60 "$plain/valgrind-build.log"
        fail "valgrind build"
        return
    }
    for prog in $programs; do
        # A bound per program keeps CI inside its budget if one hangs.
        # RTA_UNDER_VALGRIND: tests that cannot measure under valgrind leave
        # themselves out (and exit 77 when that is all that is left).
        if in_dir "$plain" "$prog.valgrind.log" timeout "$valgrind_limit" env CK_FORK=no \
            RTA_UNDER_VALGRIND=1 RTA_SOAK_SECONDS=10 RTA_SOAK_THREADS=4 ./libtool --mode=execute valgrind \
            --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible "./$prog"; then
            note "valgrind $prog: no errors, no leaks"
            grep -E '^[0-9]+%: Checks|^soak: (passed|.*per second)' "$plain/$prog.valgrind.log" || true
        elif [ "$(tail -n 1 "$plain/$prog.valgrind.log" | grep -c '^==[0-9]*== ERROR SUMMARY: 0 errors')" = 1 ] &&
            grep -q '^SKIP: ' "$plain/$prog.valgrind.log"; then
            # Exit 77: no valgrind error, the tests that cannot run under
            # valgrind were left out (they say which).
            note "valgrind $prog: no errors, no leaks; $(grep '^SKIP: ' "$plain/$prog.valgrind.log")"
        else
            tail -n 80 "$plain/$prog.valgrind.log"
            bad=1
            fail "valgrind $prog"
        fi
    done
    # Issue 15: the process heap (librtalloc_malloc) under memcheck, its
    # fork+threads stress.  nouserintercepts: valgrind replaces libc's
    # malloc only, so the pools serve and memcheck checks their code;
    # --quiesce: no block in flight at a fork (the children's leak check).
    if in_dir "$plain" valgrind-build-procheap.log make tests/procheap/malloc_stress &&
        in_dir "$plain" tests/procheap/malloc_stress.valgrind.log timeout "$valgrind_limit" \
            ./libtool --mode=execute valgrind --soname-synonyms=somalloc=nouserintercepts \
            --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible \
            ./tests/procheap/malloc_stress --quiesce 10; then
        note "valgrind tests/procheap/malloc_stress: no errors, no leaks (parent and children)"
        grep -E '^malloc_stress: ' "$plain/tests/procheap/malloc_stress.valgrind.log" || true
    else
        tail -n 80 "$plain/tests/procheap/malloc_stress.valgrind.log"
        bad=1
        fail "valgrind tests/procheap/malloc_stress"
    fi
    [ "$bad" = 1 ] || note "== valgrind passed in $(( $(date +%s) - start )) s"
}

for stage in $stages; do
    case $stage in
    asan)
        sanitizer_build asan address,undefined \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        ;;
    tsan)
        sanitizer_build tsan thread TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
        ;;
    valgrind)
        valgrind_stage
        ;;
    *)
        fail "unknown stage $stage"
        ;;
    esac
done

if [ -n "$failed_stages" ]; then
    note "hardening FAILED after $(( $(date +%s) - t0 )) s:$failed_stages"
    exit 1
fi
note "all hardening stages passed in $(( $(date +%s) - t0 )) s"
