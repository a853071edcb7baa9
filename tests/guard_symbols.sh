#!/bin/sh
# The guard library exports only what it interposes and its rta_guard_*
# controls: any other name would be a symbol it silently takes over in
# every program it is preloaded into.
lib=guard/.libs/librtalloc_guard.so
[ -f "$lib" ] || { echo "SKIP: $lib not built (static-only build?)"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm not found"; exit 77; }

allowed='malloc free calloc realloc reallocarray posix_memalign aligned_alloc
memalign valloc pvalloc malloc_usable_size strdup strndup
_Znwm _Znam _ZnwmRKSt9nothrow_t _ZnamRKSt9nothrow_t _ZnwmSt11align_val_t
_ZnamSt11align_val_t _ZnwmSt11align_val_tRKSt9nothrow_t
_ZnamSt11align_val_tRKSt9nothrow_t _ZdlPv _ZdaPv _ZdlPvm _ZdaPvm
_ZdlPvRKSt9nothrow_t _ZdaPvRKSt9nothrow_t _ZdlPvSt11align_val_t
_ZdaPvSt11align_val_t _ZdlPvmSt11align_val_t _ZdaPvmSt11align_val_t
_ZdlPvSt11align_val_tRKSt9nothrow_t _ZdaPvSt11align_val_tRKSt9nothrow_t
jack_set_process_callback jack_set_process_thread jack_cycle_wait
jack_set_timebase_callback jack_set_sync_callback rta_rt_enter
jack_cycle_signal pthread_mutex_lock sleep usleep nanosleep open open64
read write
fopen fopen64 fclose fgets fread fwrite fflush fprintf openat openat64 pread
pread64 pwrite pwrite64 pthread_rwlock_rdlock pthread_rwlock_wrlock
pthread_rwlock_timedrdlock pthread_rwlock_timedwrlock sem_wait sem_timedwait
pthread_spin_lock pthread_cond_wait pthread_cond_timedwait clock_nanosleep
poll select epoll_wait sched_yield mmap mmap64 munmap mprotect madvise
Pa_OpenStream Pa_OpenDefaultStream Pa_CloseStream SDL_OpenAudio SDL_OpenAudioDevice'

names=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//')
bad=0
for n in $names; do
    case $n in
    rta_guard_*) continue ;;
    esac
    found=0
    for a in $allowed; do
        [ "$n" = "$a" ] && found=1 && break
    done
    if [ $found = 0 ]; then
        echo "  FAILED: $lib exports $n"
        bad=1
    fi
done
# And the essentials are there.
for n in malloc free calloc realloc posix_memalign _Znwm _ZdlPv strdup rta_guard_mode; do
    echo "$names" | grep -qx "$n" || { echo "  FAILED: $lib does not export $n"; bad=1; }
done
[ $bad = 0 ] && echo "  ok: $(echo "$names" | wc -l) exported names, all interposed or rta_guard_*"
exit $bad
