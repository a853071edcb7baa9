#!/bin/sh
# librtalloc_malloc exports the allocation entry points of glibc and C++
# and the JACK setters rtsection/ wraps, nothing else: any other name
# would be taken over in every program it is preloaded into.  And every
# entry point the contract lists is there.
lib=malloc/.libs/librtalloc_malloc.so
[ -f "$lib" ] || { echo "SKIP: $lib not built (static-only build?)"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "FAILED: nm not found (binutils)"; exit 1; }

entry='malloc free calloc realloc reallocarray posix_memalign aligned_alloc
memalign valloc pvalloc malloc_usable_size
_Znwm _Znam _ZnwmRKSt9nothrow_t _ZnamRKSt9nothrow_t _ZnwmSt11align_val_t
_ZnamSt11align_val_t _ZnwmSt11align_val_tRKSt9nothrow_t
_ZnamSt11align_val_tRKSt9nothrow_t _ZdlPv _ZdaPv _ZdlPvm _ZdaPvm
_ZdlPvRKSt9nothrow_t _ZdaPvRKSt9nothrow_t _ZdlPvSt11align_val_t
_ZdaPvSt11align_val_t _ZdlPvmSt11align_val_t _ZdaPvmSt11align_val_t
_ZdlPvSt11align_val_tRKSt9nothrow_t _ZdaPvSt11align_val_tRKSt9nothrow_t'

names=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//')
bad=0
for n in $names; do
    case $n in
    jack_set_* | jack_cycle_* | Pa_* | SDL_*) continue ;; # wrapped by rtsection/
    esac
    echo "$entry" | tr ' ' '\n' | grep -qx "$n" && continue
    echo "  FAILED: $lib exports $n"
    bad=1
done
for n in $entry; do
    echo "$names" | grep -qx "$n" || { echo "  FAILED: $lib does not export $n"; bad=1; }
done
[ $bad = 0 ] && echo "  ok: $(echo "$names" | wc -l) exported names: the entry points and rtsection/'s setters"
exit $bad
