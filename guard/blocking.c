/* Strict mode, the rest of the blocking calls: stdio on files, openat,
 * pread and pwrite, reader-writer locks, semaphores, spin locks,
 * condition variables, clock_nanosleep, poll, select and epoll_wait (with
 * a timeout), sched_yield, and the mapping calls (mmap, munmap,
 * mprotect, madvise: they take the process's memory-map lock).
 *
 * Each wrapper is one load when strict mode is off, and forwards to the
 * next definition, looked up with dlsym(RTLD_NEXT) on first use with the
 * thread marked busy (dlsym may allocate).  Reads and writes count only
 * on regular files and block devices, as in strict.c; a poll, select or
 * epoll_wait with a zero timeout does not wait and is not reported. */
#undef _FORTIFY_SOURCE
#include "guard.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void *resolve(void **slot, const char *name)
{
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (__builtin_expect(f != NULL, 1))
        return f;
    rta__guard_tls.busy++;
    f = dlsym(RTLD_NEXT, name);
    rta__guard_tls.busy--;
    __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    return f;
}

/* The next definition of fn, typed as fn. */
#define NEXT(fn)                                                                           \
    ({                                                                                     \
        static void *next_##fn;                                                            \
        (__typeof__(&fn))resolve(&next_##fn, #fn);                                         \
    })

#define CALL(var, name, args) static const struct rta__guard_call var = {name, args, 1, 0}
#define REPORT(call, a, b) rta__guard_hit(call, (uintptr_t)(a), (uintptr_t)(b), 0, 0,     \
                                          __builtin_return_address(0))
#define WANTED() rta__guard_blocking_wanted()

static int is_file_fd(int fd)
{
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

static int is_file(FILE *fp)
{
    return fp ? is_file_fd(fileno(fp)) : 1; /* fflush(NULL): every stream */
}

CALL(c_fopen, "fopen", "p");
CALL(c_fclose, "fclose", "p");
CALL(c_fgets, "fgets", "pz");
CALL(c_fread, "fread", "pz");
CALL(c_fwrite, "fwrite", "pz");
CALL(c_fflush, "fflush", "p");
CALL(c_fprintf, "fprintf", "p");
CALL(c_openat, "openat", "dp");
CALL(c_pread, "pread", "dz");
CALL(c_pwrite, "pwrite", "dz");
CALL(c_rwlock_rd, "pthread_rwlock_rdlock", "p");
CALL(c_rwlock_wr, "pthread_rwlock_wrlock", "p");
CALL(c_rwlock_trd, "pthread_rwlock_timedrdlock", "p");
CALL(c_rwlock_twr, "pthread_rwlock_timedwrlock", "p");
CALL(c_sem_wait, "sem_wait", "p");
CALL(c_sem_timedwait, "sem_timedwait", "p");
CALL(c_spin, "pthread_spin_lock", "p");
CALL(c_cond_wait, "pthread_cond_wait", "p");
CALL(c_cond_timedwait, "pthread_cond_timedwait", "p");
CALL(c_clock_nanosleep, "clock_nanosleep", "z");
CALL(c_poll, "poll", "zz");
CALL(c_select, "select", "z");
CALL(c_epoll_wait, "epoll_wait", "dz");
CALL(c_sched_yield, "sched_yield", "");
CALL(c_mmap, "mmap", "pz");
CALL(c_munmap, "munmap", "pz");
CALL(c_mprotect, "mprotect", "pz");
CALL(c_madvise, "madvise", "pz");

RTA__GUARD_EXPORT FILE *fopen(const char *path, const char *mode)
{
    if (WANTED())
        REPORT(&c_fopen, path, 0);
    return NEXT(fopen)(path, mode);
}

RTA__GUARD_EXPORT FILE *fopen64(const char *path, const char *mode)
{
    if (WANTED())
        REPORT(&c_fopen, path, 0);
    return NEXT(fopen64)(path, mode);
}

RTA__GUARD_EXPORT int fclose(FILE *fp)
{
    if (WANTED() && is_file(fp))
        REPORT(&c_fclose, fp, 0);
    return NEXT(fclose)(fp);
}

RTA__GUARD_EXPORT char *fgets(char *s, int n, FILE *fp)
{
    if (WANTED() && is_file(fp))
        REPORT(&c_fgets, fp, n);
    return NEXT(fgets)(s, n, fp);
}

RTA__GUARD_EXPORT size_t fread(void *p, size_t size, size_t n, FILE *fp)
{
    if (WANTED() && is_file(fp))
        REPORT(&c_fread, fp, size * n);
    return NEXT(fread)(p, size, n, fp);
}

RTA__GUARD_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
    if (WANTED() && is_file(fp))
        REPORT(&c_fwrite, fp, size * n);
    return NEXT(fwrite)(p, size, n, fp);
}

RTA__GUARD_EXPORT int fflush(FILE *fp)
{
    if (WANTED() && is_file(fp))
        REPORT(&c_fflush, fp, 0);
    return NEXT(fflush)(fp);
}

RTA__GUARD_EXPORT int fprintf(FILE *fp, const char *format, ...)
{
    if (WANTED() && is_file(fp))
        REPORT(&c_fprintf, fp, 0);
    va_list ap;
    va_start(ap, format);
    int n = vfprintf(fp, format, ap);
    va_end(ap);
    return n;
}

static mode_t mode_arg(int flags, va_list ap)
{
    if ((flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE)
        return (mode_t)va_arg(ap, int);
    return 0;
}

RTA__GUARD_EXPORT int openat(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    if (WANTED())
        REPORT(&c_openat, dir, path);
    return NEXT(openat)(dir, path, flags, mode);
}

RTA__GUARD_EXPORT int openat64(int dir, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    if (WANTED())
        REPORT(&c_openat, dir, path);
    return NEXT(openat64)(dir, path, flags, mode);
}

RTA__GUARD_EXPORT ssize_t pread(int fd, void *p, size_t n, off_t off)
{
    if (WANTED() && is_file_fd(fd))
        REPORT(&c_pread, fd, n);
    return NEXT(pread)(fd, p, n, off);
}

RTA__GUARD_EXPORT ssize_t pread64(int fd, void *p, size_t n, off64_t off)
{
    if (WANTED() && is_file_fd(fd))
        REPORT(&c_pread, fd, n);
    return NEXT(pread64)(fd, p, n, off);
}

RTA__GUARD_EXPORT ssize_t pwrite(int fd, const void *p, size_t n, off_t off)
{
    if (WANTED() && is_file_fd(fd))
        REPORT(&c_pwrite, fd, n);
    return NEXT(pwrite)(fd, p, n, off);
}

RTA__GUARD_EXPORT ssize_t pwrite64(int fd, const void *p, size_t n, off64_t off)
{
    if (WANTED() && is_file_fd(fd))
        REPORT(&c_pwrite, fd, n);
    return NEXT(pwrite64)(fd, p, n, off);
}

#define LOCK_WRAPPER(fn, call, T)                                                          \
    RTA__GUARD_EXPORT int fn(T *l)                                                         \
    {                                                                                      \
        if (WANTED())                                                                      \
            REPORT(call, l, 0);                                                            \
        return NEXT(fn)(l);                                                                \
    }
LOCK_WRAPPER(pthread_rwlock_rdlock, &c_rwlock_rd, pthread_rwlock_t)
LOCK_WRAPPER(pthread_rwlock_wrlock, &c_rwlock_wr, pthread_rwlock_t)
LOCK_WRAPPER(pthread_spin_lock, &c_spin, pthread_spinlock_t)
LOCK_WRAPPER(sem_wait, &c_sem_wait, sem_t)

RTA__GUARD_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
    if (WANTED())
        REPORT(&c_rwlock_trd, l, 0);
    return NEXT(pthread_rwlock_timedrdlock)(l, t);
}

RTA__GUARD_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
    if (WANTED())
        REPORT(&c_rwlock_twr, l, 0);
    return NEXT(pthread_rwlock_timedwrlock)(l, t);
}

RTA__GUARD_EXPORT int sem_timedwait(sem_t *s, const struct timespec *t)
{
    if (WANTED())
        REPORT(&c_sem_timedwait, s, 0);
    return NEXT(sem_timedwait)(s, t);
}

RTA__GUARD_EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (WANTED())
        REPORT(&c_cond_wait, c, 0);
    return NEXT(pthread_cond_wait)(c, m);
}

RTA__GUARD_EXPORT int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                             const struct timespec *t)
{
    if (WANTED())
        REPORT(&c_cond_timedwait, c, 0);
    return NEXT(pthread_cond_timedwait)(c, m, t);
}

RTA__GUARD_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *t,
                                      struct timespec *rem)
{
    if (WANTED())
        REPORT(&c_clock_nanosleep, clock, 0);
    return NEXT(clock_nanosleep)(clock, flags, t, rem);
}

RTA__GUARD_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    if (timeout != 0 && WANTED())
        REPORT(&c_poll, n, timeout);
    return NEXT(poll)(fds, n, timeout);
}

RTA__GUARD_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t)
{
    if ((!t || t->tv_sec || t->tv_usec) && WANTED())
        REPORT(&c_select, n, 0);
    return NEXT(select)(n, r, w, e, t);
}

RTA__GUARD_EXPORT int epoll_wait(int fd, struct epoll_event *ev, int max, int timeout)
{
    if (timeout != 0 && WANTED())
        REPORT(&c_epoll_wait, fd, timeout);
    return NEXT(epoll_wait)(fd, ev, max, timeout);
}

RTA__GUARD_EXPORT int sched_yield(void)
{
    if (WANTED())
        REPORT(&c_sched_yield, 0, 0);
    return NEXT(sched_yield)();
}

RTA__GUARD_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (WANTED())
        REPORT(&c_mmap, addr, len);
    return NEXT(mmap)(addr, len, prot, flags, fd, off);
}

RTA__GUARD_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    if (WANTED())
        REPORT(&c_mmap, addr, len);
    return NEXT(mmap64)(addr, len, prot, flags, fd, off);
}

RTA__GUARD_EXPORT int munmap(void *addr, size_t len)
{
    if (WANTED())
        REPORT(&c_munmap, addr, len);
    return NEXT(munmap)(addr, len);
}

RTA__GUARD_EXPORT int mprotect(void *addr, size_t len, int prot)
{
    if (WANTED())
        REPORT(&c_mprotect, addr, len);
    return NEXT(mprotect)(addr, len, prot);
}

RTA__GUARD_EXPORT int madvise(void *addr, size_t len, int advice)
{
    if (WANTED())
        REPORT(&c_madvise, addr, len);
    return NEXT(madvise)(addr, len, advice);
}
