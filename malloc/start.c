/* Start-up of librtalloc_malloc: the process heap, the settings the
 * library acts on, and the one glibc function it must look up.
 *
 * The constructor asks librtalloc for rta_process_heap(), which makes the
 * heap from RTALLOC_OPTIONS.  Making it maps and touches memory and primes
 * backtrace() (which loads libgcc_s): that is done here, in a constructor,
 * never inside some caller's malloc, where the dynamic loader may be in
 * the middle of its own work.  Until the heap is published every request
 * takes the system path, so the process's first allocations (the loader,
 * libc's start-up, earlier constructors, dlsym below) are glibc's, and are
 * later freed to glibc by address. */
#include "malloc.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

struct rta__malloc_state rta__malloc;
__thread unsigned rta__malloc_skip __attribute__((tls_model("initial-exec")));

static char stats[sizeof(((struct rta__options *)0)->stats)];

typedef size_t (*usable_size_fn)(void *);
static usable_size_fn next_usable_size;

static void resolve_usable_size(void)
{
    if (!__atomic_load_n(&next_usable_size, __ATOMIC_ACQUIRE))
        __atomic_store_n(&next_usable_size,
                         (usable_size_fn)dlsym(RTLD_NEXT, "malloc_usable_size"),
                         __ATOMIC_RELEASE);
}

size_t rta__malloc_system_usable_size(void *p)
{
    usable_size_fn f = __atomic_load_n(&next_usable_size, __ATOMIC_ACQUIRE);
    if (!f) {
        /* Before the constructor: glibc's never allocates, dlsym may, and
         * those allocations take the system path. */
        resolve_usable_size();
        f = __atomic_load_n(&next_usable_size, __ATOMIC_ACQUIRE);
    }
    return f ? f(p) : 0;
}

extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);

static void report_at_exit(void *unused)
{
    (void)unused;
    rta__malloc_report(stats);
}

void rta__malloc_missed(void)
{
    rta__malloc_skip = RTA__MALLOC_SKIP_AFTER_MISS;
}

void rta__malloc_start(void)
{
    static int started;
    if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
        return;
    struct rta__options o;
    rta__options_defaults(&o);
    /* librtalloc has said what is wrong with the text, once. */
    rta__options_parse(&o, getenv("RTALLOC_OPTIONS"), -1);
    rta__malloc.rt_mode = o.rt;
    rta__malloc.rt_given = o.rt_given;
    long page = sysconf(_SC_PAGESIZE);
    rta__malloc.page = page > 0 ? (size_t)page : 4096;
    for (size_t i = 0; i < sizeof stats; i++)
        stats[i] = o.stats[i];
    resolve_usable_size();
    /* Registered for the process (no DSO handle), not for this library:
     * a library's own exit handlers run with its destructors, in _dl_fini,
     * and this one must run after librtalloc's stats= report and after
     * every destructor, so calls made there are counted too. */
    __cxa_atexit(report_at_exit, NULL, NULL);

    rta_heap *h = rta_process_heap();
    if (!h)
        return; /* said on stderr by librtalloc; glibc serves everything */
    rta__malloc.pool_base = (uintptr_t)h->pool_base;
    rta__malloc.pool_len = (uintptr_t)(h->pool_end - h->pool_base);
    rta__malloc.max_block = h->max_block;
    __atomic_store_n(&rta__malloc.heap, h, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void malloc_start(void)
{
    rta__malloc_start();
}

