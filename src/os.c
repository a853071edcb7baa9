/* The operating-system boundary: every system call librtalloc makes
 * (mmap, munmap, mlock, write) and every call into the system heap lives
 * here, so a grep proves where the real-time paths cannot reach.  None of
 * these is called after rta_heap_create except by the miss paths of
 * RTA_FALLBACK_SYSTEM, the trap report and rta_stats_write. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef HAVE_EXECINFO_H
#include <execinfo.h>
#endif

void *rta__os_map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void rta__os_unmap(void *p, size_t bytes)
{
    munmap(p, bytes);
}

int rta__os_lock(void *p, size_t bytes)
{
    return mlock(p, bytes) == 0 ? 0 : -1;
}

void rta__os_unlock(void *p, size_t bytes)
{
    munlock(p, bytes);
}

void rta__os_prefault(void *p, size_t bytes)
{
    /* A write, not a read: reading an untouched private page maps the
     * shared zero page, and the first write would still fault. */
    long page = sysconf(_SC_PAGESIZE);
    volatile char *c = p;
    for (size_t off = 0; off < bytes; off += (size_t)page)
        c[off] = c[off];
    if (bytes)
        c[bytes - 1] = c[bytes - 1];
}

int rta__os_write(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

void rta__os_write_all(int fd, const char *buf, size_t len)
{
    int saved = errno;
    (void)rta__os_write(fd, buf, len);
    errno = saved;
}

void rta__os_prime_backtrace(void)
{
#ifdef HAVE_BACKTRACE
    /* The first backtrace() loads libgcc_s, which allocates: do it at
     * set-up so a trap report never does. */
    void *frames[2];
    (void)backtrace(frames, 2);
#endif
}

void rta__os_write_backtrace(int fd)
{
#ifdef HAVE_BACKTRACE
    void *frames[48];
    int n = backtrace(frames, 48);
    backtrace_symbols_fd(frames, n, fd);
#else
    (void)fd;
#endif
}

/* The system heap, for RTA_FALLBACK_SYSTEM.  The caller marks the thread
 * as inside rtalloc so librtalloc_guard does not count these calls: the
 * heap counts them as fallbacks. */
void *rta__os_system_malloc(size_t size)
{
    return malloc(size);
}

void *rta__os_system_aligned(size_t align, size_t size)
{
    void *p = NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) == 0 ? p : NULL;
}

void rta__os_system_free(void *p)
{
    free(p);
}
