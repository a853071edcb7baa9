/* Strict mode (RTALLOC_GUARD_STRICT=1): blocking calls in RT sections.
 *
 * Besides the heap, what makes a real-time callback miss its deadline is
 * waiting: on a lock, a timer or the disk.  These wrappers report
 * pthread_mutex_lock, sleep, usleep, nanosleep, open, and read or write
 * on a regular file or block device, in the same format as heap calls,
 * and count them apart (rta_guard_blocking_calls; they are not
 * system-heap calls).  With strict mode off each wrapper costs one load.
 * read and write are forwarded to glibc's __read/__write, open to
 * __open/__open64, nanosleep to __nanosleep; the others are looked up
 * once, lazily if they are called before the guard's constructor. */
/* The fortified inline read() of <unistd.h> would clash with ours. */
#undef _FORTIFY_SOURCE
#include "guard.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern int __open(const char *path, int flags, ...);
extern int __open64(const char *path, int flags, ...);
extern ssize_t __read(int fd, void *buf, size_t n);
extern ssize_t __write(int fd, const void *buf, size_t n);
extern int __nanosleep(const struct timespec *req, struct timespec *rem);

static const struct rta__guard_call call_mutex = {"pthread_mutex_lock", "p", 1, 0};
static const struct rta__guard_call call_sleep = {"sleep", "z", 1, 0};
static const struct rta__guard_call call_usleep = {"usleep", "z", 1, 0};
static const struct rta__guard_call call_nanosleep = {"nanosleep", "p", 1, 0};
static const struct rta__guard_call call_open = {"open", "p", 1, 0};
static const struct rta__guard_call call_read = {"read", "dz", 1, 0};
static const struct rta__guard_call call_write = {"write", "dz", 1, 0};

typedef int (*mutex_lock_fn)(pthread_mutex_t *);
typedef unsigned (*sleep_fn)(unsigned);
typedef int (*usleep_fn)(useconds_t);

static mutex_lock_fn next_mutex_lock;
static sleep_fn next_sleep;
static usleep_fn next_usleep;

void rta__guard_strict_resolve(void)
{
    rta__guard_tls.busy++;
    if (!__atomic_load_n(&next_mutex_lock, __ATOMIC_ACQUIRE))
        __atomic_store_n(&next_mutex_lock, (mutex_lock_fn)dlsym(RTLD_NEXT, "pthread_mutex_lock"),
                         __ATOMIC_RELEASE);
    if (!__atomic_load_n(&next_sleep, __ATOMIC_ACQUIRE))
        __atomic_store_n(&next_sleep, (sleep_fn)dlsym(RTLD_NEXT, "sleep"), __ATOMIC_RELEASE);
    if (!__atomic_load_n(&next_usleep, __ATOMIC_ACQUIRE))
        __atomic_store_n(&next_usleep, (usleep_fn)dlsym(RTLD_NEXT, "usleep"), __ATOMIC_RELEASE);
    rta__guard_tls.busy--;
}

/* A macro, so the return address is the wrapper's caller. */
#define blocking(call, a, b) rta__guard_hit(call, a, b, 0, 0, __builtin_return_address(0))

/* A descriptor whose reads and writes go to a disk. */
static int is_file(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
}

RTA__GUARD_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (rta__guard_blocking_wanted())
        blocking(&call_mutex, (uintptr_t)m, 0);
    mutex_lock_fn f = __atomic_load_n(&next_mutex_lock, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!f, 0)) {
        rta__guard_strict_resolve();
        f = __atomic_load_n(&next_mutex_lock, __ATOMIC_ACQUIRE);
    }
    return f(m);
}

RTA__GUARD_EXPORT unsigned sleep(unsigned seconds)
{
    if (rta__guard_blocking_wanted())
        blocking(&call_sleep, seconds, 0);
    sleep_fn f = __atomic_load_n(&next_sleep, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!f, 0)) {
        rta__guard_strict_resolve();
        f = __atomic_load_n(&next_sleep, __ATOMIC_ACQUIRE);
    }
    return f(seconds);
}

RTA__GUARD_EXPORT int usleep(useconds_t usec)
{
    if (rta__guard_blocking_wanted())
        blocking(&call_usleep, usec, 0);
    usleep_fn f = __atomic_load_n(&next_usleep, __ATOMIC_ACQUIRE);
    if (__builtin_expect(!f, 0)) {
        rta__guard_strict_resolve();
        f = __atomic_load_n(&next_usleep, __ATOMIC_ACQUIRE);
    }
    return f(usec);
}

RTA__GUARD_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (rta__guard_blocking_wanted())
        blocking(&call_nanosleep, (uintptr_t)req, 0);
    return __nanosleep(req, rem);
}

/* open's third argument exists only when the flags ask for a mode (the
 * test glibc's own __OPEN_NEEDS_MODE makes). */
static mode_t mode_arg(int flags, va_list ap)
{
    if ((flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE)
        return (mode_t)va_arg(ap, int);
    return 0;
}

RTA__GUARD_EXPORT int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    if (rta__guard_blocking_wanted())
        blocking(&call_open, (uintptr_t)path, 0);
    return __open(path, flags, mode);
}

RTA__GUARD_EXPORT int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    if (rta__guard_blocking_wanted())
        blocking(&call_open, (uintptr_t)path, 0);
    return __open64(path, flags, mode);
}

RTA__GUARD_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    if (rta__guard_blocking_wanted() && is_file(fd))
        blocking(&call_read, (uintptr_t)fd, n);
    return __read(fd, buf, n);
}

RTA__GUARD_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    if (rta__guard_blocking_wanted() && is_file(fd))
        blocking(&call_write, (uintptr_t)fd, n);
    return __write(fd, buf, n);
}
