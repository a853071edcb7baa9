#!/bin/sh
# Real, unmodified programs from Debian packages under rtalloc-run, each
# compared with a plain run of the same command (stdout and exit status),
# with no "rtalloc:" line on stderr and the pools shown to have served
# them (stats=): python3 with 8 threads churning, g++ building a C++
# program with containers and that program running (threads, over-aligned
# new, bad_alloc), gcc compiling a C file, git making, packing and
# checking a repository, sort on a large file, a shell pipeline that forks
# and execs.  The sanitizer builds cannot run it: their runtime owns
# malloc.
lib=$PWD/malloc/.libs/librtalloc_malloc.so
srcdir=${srcdir:-.}
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi
for tool in python3 g++ gcc git sort; do
    # CI installs them (scripts/install-deps): missing is a failure there.
    command -v $tool >/dev/null || { echo "FAILED: $tool not installed (scripts/install-deps)"; exit 1; }
done
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH RTALLOC_MALLOC_LIB=$lib
unset RTALLOC_OPTIONS
run=$PWD/malloc/rtalloc-run
tmp=${TMPDIR:-/tmp}/rta-malloc-programs.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}

# same NAME COMMAND...: the command plain, then under rtalloc-run.
same() {
    name=$1
    shift
    (cd "$tmp/work" && "$@") >"$tmp/plain.out" 2>"$tmp/plain.err"
    plain=$?
    (cd "$tmp/work" && "$run" --stats "$tmp/stats" -- "$@") >"$tmp/rta.out" 2>"$tmp/rta.err"
    st=$?
    allocs=$(sed -n 's/^  allocs *\([0-9]*\)$/\1/p' "$tmp/stats" 2>/dev/null)
    rm -f "$tmp/stats"
    ok=0
    [ "$st" = "$plain" ] && cmp -s "$tmp/plain.out" "$tmp/rta.out" || ok=1
    grep -q '^rtalloc' "$tmp/rta.err" && ok=1
    [ "${allocs:-0}" -gt 0 ] || ok=1
    check "$name: same output and exit status ($st), ${allocs:-0} pool allocations" $ok
    if [ $ok != 0 ]; then
        diff "$tmp/plain.out" "$tmp/rta.out" | head -20
        head -20 "$tmp/rta.err"
    fi
}

mkdir -p "$tmp/work"
cp "$srcdir/tests/malloc_churn.py" "$srcdir/tests/malloc_containers.cpp" "$tmp/work/"
cat >"$tmp/work/hello.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char name[24]; };
int main(void)
{
    struct node *head = NULL;
    for (int i = 0; i < 1000; i++) {
        struct node *n = malloc(sizeof *n);
        snprintf(n->name, sizeof n->name, "node %d", i);
        n->next = head;
        head = n;
    }
    printf("%s\n", head->name);
    return 0;
}
C

# Debian's python3, not a wrapper script that may come first in PATH.
python=/usr/bin/python3
[ -x $python ] || python=python3
same "python3, 8 threads" $python malloc_churn.py
same "python3, 8 threads, PYTHONMALLOC=malloc" env PYTHONMALLOC=malloc $python malloc_churn.py

# gcc's own programs (cc1, as, collect2, ld): forks, execs, preloaded in all.
same "gcc compiling and linking a C file" sh -c 'gcc -O2 -o hello hello.c && ./hello'
same "gcc -c output identical" sh -c 'gcc -O2 -c hello.c -o hello.o && od -c hello.o | md5sum'
# g++ (cc1plus: C++ with containers itself) builds the test program once,
# under rtalloc-run; then that program runs plain and under rtalloc-run.
"$run" -- g++ -O1 -std=c++17 -pthread -o "$tmp/work/containers" "$tmp/work/malloc_containers.cpp" \
    2>"$tmp/gxx.err"
check "g++ building a C++ program under rtalloc-run" "$?"
same "C++ program with containers and threads" ./containers

# git: a repository made, committed, packed, checked and logged.
git init -q "$tmp/work/repo" >/dev/null
for i in 1 2 3 4 5 6 7 8; do
    seq 1 $((i * 1000)) >"$tmp/work/repo/file$i"
    (cd "$tmp/work/repo" && git add . && git -c user.name=t -c user.email=t@t \
        -c commit.gpgsign=false commit -q -m "commit $i" --date="2026-01-0$i 00:00:00 +0000") \
        || fail=1
done
same "git log -p" git -C repo -c core.pager=cat log -p --format=%s%n%b
same "git repack + fsck" sh -c 'git -C repo repack -adq && git -C repo fsck --no-progress 2>&1 && git -C repo count-objects'
same "git diff between commits" git -C repo -c core.pager=cat diff HEAD~5 HEAD --stat

# sort on a large file (about 7 MB).
seq 1 1000000 | awk '{ print ($1 * 7919) % 1000003, $1 }' >"$tmp/work/big.txt"
same "sort of 1000000 lines" sort -n big.txt
same "sort -S 50M --parallel=2" sh -c 'sort -S 50M --parallel=2 -k2 big.txt | md5sum'

# A shell pipeline that forks and execs.
same "shell pipeline" sh -c \
    'seq 1 200000 | sort -r | head -1000 | tr 0-9 a-j | sort | uniq -c | wc -l; { for i in 1 2 3; do (echo sub $i | cat) & done; wait; } | sort; echo done'

exit $fail
