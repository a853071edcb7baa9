#!/bin/sh
# The process's first allocations: a library preloaded after
# librtalloc_malloc allocates in its constructor, before the process heap
# exists (glibc serves those), and at exit checks that they kept their
# contents and can be resized, measured and freed through
# librtalloc_malloc, and that a new block comes from the pools.  Run in
# unmodified programs (perl, python3 and git, which allocate a lot at
# start).
lib=$PWD/malloc/.libs/librtalloc_malloc.so
early=$PWD/tests/.libs/libmalloc_early.so
[ -f "$lib" ] && [ -f "$early" ] || { echo "SKIP: libraries not built"; exit 77; }
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi
LD_LIBRARY_PATH=$PWD/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_OPTIONS
python=/usr/bin/python3
[ -x $python ] || python=python3
fail=0
# (Not coreutils, dash or mawk: they close stdout or _exit before the
# destructor's line can be written.)
for prog in "perl -e 1" "$python -c pass" "git --version"; do
    out=$(LD_PRELOAD="$lib $early" $prog 2>&1)
    st=$?
    want='early: 100 blocks, 0 pooled, contents kept, resized, freed; now pooled: 1'
    if [ $st = 0 ] && echo "$out" | grep -qxF "$want"; then
        echo "  ok: $prog: $out"
    else
        echo "  FAILED: $prog (exit $st): $out"
        fail=1
    fi
done
exit $fail
