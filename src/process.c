/* The process heap: one rta_heap for the whole process, made once from
 * RTALLOC_OPTIONS (options.c), on the first call of rta_process_heap()
 * (librtalloc_malloc makes that call from its constructor).
 *
 * Making it may run inside the process's first malloc, inside another
 * thread's malloc, or recursively (the heap's creation loads libgcc_s for
 * backtraces, and the loader allocates): a four-state word decides.  The
 * thread that wins the 0 -> 1 exchange makes the heap; a call from inside
 * that making (same thread) gets NULL at once so the caller takes its
 * other path; other threads wait for the result, which takes the time of
 * one mmap and one pass over the pages.  After that every call is one
 * acquire load.  A heap that cannot be made is said once on stderr and
 * stays NULL. */
#include "internal.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NONE, MAKING, READY, FAILED };

static _Atomic int state;
static rta_heap *process_heap;
static struct rta__options options;
static __thread int making __attribute__((tls_model("initial-exec")));

/* Misses are not traps here: librtalloc_malloc serves them from the
 * system path, so only the debug checks of frees (double, interior,
 * foreign, size mismatch) and the leak report trap, with the same report
 * and abort() as the default handler. */
static void process_trap(const rta_trap_info *info, void *user)
{
    (void)user;
    if (info->kind == RTA_TRAP_EXHAUSTED || info->kind == RTA_TRAP_FALLBACK)
        return;
    rta__trap_report("rtalloc: process heap trap: ", info);
    abort();
}

static void write_stats_at_exit(void)
{
    rta_heap *h = process_heap;
    if (!h)
        return;
    if (strcmp(options.stats, "stderr") == 0) {
        (void)rta_stats_write(h, 2);
        return;
    }
    int fd = open(options.stats, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        struct rta__fmt f = {.len = 0};
        rta__fmt_str(&f, "rtalloc: stats=");
        rta__fmt_str(&f, options.stats);
        rta__fmt_str(&f, ": cannot open it for writing\n");
        rta__fmt_flush(&f, 2);
        return;
    }
    /* stats=PATH.json: the JSON profile rtalloc-plan reads. */
    size_t len = strlen(options.stats);
    if (len > 5 && strcmp(options.stats + len - 5, ".json") == 0)
        (void)rta_stats_write_json(h, fd);
    else
        (void)rta_stats_write(h, fd);
    close(fd);
}

static int make(void)
{
    rta__options_defaults(&options);
    rta__options_parse(&options, getenv("RTALLOC_OPTIONS"), 2);
    options.cfg.on_trap = process_trap;
    rta_heap *h = NULL;
    int rc = rta_heap_create(&h, &options.cfg);
    if (rc != 0) {
        struct rta__fmt f = {.len = 0};
        rta__fmt_str(&f, "rtalloc: the process heap could not be made (RTALLOC_OPTIONS): ");
        rta__fmt_str(&f, rta_strerror(rc));
        rta__fmt_str(&f, "\n");
        rta__fmt_flush(&f, 2);
        return FAILED;
    }
    process_heap = h;
    if (options.stats[0])
        atexit(write_stats_at_exit);
    return READY;
}

RTA_API rta_heap *rta_process_heap(void)
{
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (RTA__LIKELY(s == READY))
        return process_heap;
    if (s == NONE) {
        int expect = NONE;
        if (atomic_compare_exchange_strong_explicit(&state, &expect, MAKING, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            making = 1;
            s = make();
            making = 0;
            atomic_store_explicit(&state, s, memory_order_release);
            return s == READY ? process_heap : NULL;
        }
    }
    if (making)
        return NULL;
    while ((s = atomic_load_explicit(&state, memory_order_acquire)) == MAKING)
        sched_yield();
    return s == READY ? process_heap : NULL;
}
