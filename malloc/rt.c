/* The system path's bookkeeping: every call is counted, and one made
 * inside an RT section (rta_rt_enter, or a JACK process cycle) is counted
 * apart (rt=count) or reported and aborts (rt=trap).  Requests the pools
 * serve never come here, so they are never reported.
 *
 * The per-thread count lives in librtalloc (rta_rt_note_system_alloc, the
 * same counter the guard feeds), so rta_rt_system_allocs() and the JACK
 * wrappers' per-cycle counts see these calls.  Process-wide counters are
 * relaxed atomics touched only here, on the system path.  The report is
 * written with write(2) from a stack buffer: nothing here allocates. */
#include "malloc.h"

#include <execinfo.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static uint64_t system_calls, rt_calls;

static __attribute__((cold, noinline, noreturn)) void trap(const char *name, size_t size)
{
    struct rta__fmt f = {.len = 0};
    rta__fmt_str(&f, "rtalloc: ");
    rta__fmt_str(&f, name);
    rta__fmt_str(&f, "(");
    rta__fmt_u64(&f, size);
    rta__fmt_str(&f, ") took the system path inside an RT section (rt=trap)\n"
                     "rtalloc: stack trace:\n");
    rta__fmt_flush(&f, 2);
    void *frames[48];
    int n = backtrace(frames, 48);
    backtrace_symbols_fd(frames, n, 2);
    abort();
}

void rta__malloc_system_call(const char *name, size_t size)
{
    __atomic_add_fetch(&system_calls, 1, __ATOMIC_RELAXED);
    int mode = rta__malloc.rt_mode;
    if (RTA__M_LIKELY(mode == RTA__RT_OFF) || RTA__M_LIKELY(rta_rt_note_system_alloc() == 0))
        return;
    __atomic_add_fetch(&rt_calls, 1, __ATOMIC_RELAXED);
    if (mode == RTA__RT_TRAP)
        trap(name, size);
}

/* At exit (the library's destructor, after the program's atexit handlers):
 * the rt=count line, and with stats= the system path's figures after the
 * heap's report. */
void rta__malloc_report(const char *stats)
{
    uint64_t rt = __atomic_load_n(&rt_calls, __ATOMIC_RELAXED);
    struct rta__fmt f = {.len = 0};
    if (rta__malloc.rt_mode == RTA__RT_COUNT && (rt || rta__malloc.rt_given)) {
        rta__fmt_str(&f, "rtalloc: ");
        rta__fmt_u64(&f, rt);
        rta__fmt_str(&f, " system-path calls in RT sections\n");
        rta__fmt_flush(&f, 2);
        f.len = 0;
    }
    if (!stats[0])
        return;
    rta__fmt_str(&f, "  system_path_calls ");
    rta__fmt_u64(&f, __atomic_load_n(&system_calls, __ATOMIC_RELAXED));
    rta__fmt_str(&f, "\n  system_path_calls_in_rt ");
    rta__fmt_u64(&f, rt);
    rta__fmt_str(&f, "\n");
    if (strcmp(stats, "stderr") == 0) {
        rta__fmt_flush(&f, 2);
        return;
    }
    int fd = open(stats, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
        rta__fmt_flush(&f, fd);
        close(fd);
    }
}
