/* Internal interface of librtalloc_guard, shared by its source files.
 *
 * Every interposed function calls one inline check before forwarding to
 * glibc: is the guard on, is this call not the guard's own, and (through
 * librtalloc's rta_rt_note_system_alloc) is the thread in an RT section.
 * Only a call that passes all three takes the cold path, rta__guard_hit,
 * which counts, queues a log record or traps.  Thread-local state is
 * initial-exec TLS: dynamic TLS may call malloc on first use, which here
 * would recurse. */
#ifndef RTA_GUARD_INTERNAL_H
#define RTA_GUARD_INTERNAL_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "rtalloc.h"
#include "rtalloc_guard.h"

#define RTA__GUARD_EXPORT __attribute__((visibility("default")))
#define RTA__GUARD_COLD __attribute__((cold, noinline))

/* Stack frames kept per report (and per log record). */
#define RTA__GUARD_FRAMES 24

/* One interposed call: its name and how to print its arguments, one
 * character per argument: 'z' a size in decimal, 'p' a pointer in hex,
 * 'b' a size printed as "N bytes", 'd' a file descriptor. */
struct rta__guard_call {
    const char *name;
    const char *args;
    int blocking; /* 1: a blocking call (strict mode), 0: a heap call */
};

struct rta__guard_thread {
    unsigned busy; /* > 0: the guard's own work, calls not checked */
    int tid;       /* kernel thread id, 0 until first needed */
};

extern __thread struct rta__guard_thread rta__guard_tls
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Mode (RTA_GUARD_*) and strict flag; read with relaxed loads. */
extern int rta__guard_mode_var __attribute__((visibility("hidden")));
extern int rta__guard_strict_var __attribute__((visibility("hidden")));
/* RTALLOC_GUARD_SKIP_CYCLES: set at start-up, read-only after. */
extern uint64_t rta__guard_skip_cycles __attribute__((visibility("hidden")));

#define RTA__HIDDEN __attribute__((visibility("hidden")))

RTA__HIDDEN void rta__guard_init_once(void);
RTA__HIDDEN RTA__GUARD_COLD void rta__guard_hit(const struct rta__guard_call *call,
                                                uintptr_t a, uintptr_t b, uintptr_t c,
                                                uint64_t thread_count);

static inline int rta__guard_mode_now(void)
{
    return __atomic_load_n(&rta__guard_mode_var, __ATOMIC_RELAXED);
}

/* The whole cost of the guard outside RT sections: two loads and one call
 * into librtalloc that reads its thread-local depth. */
static inline void rta__guard_heap_call(const struct rta__guard_call *call, uintptr_t a,
                                        uintptr_t b, uintptr_t c)
{
    if (__builtin_expect(rta__guard_tls.busy != 0, 0))
        return;
    if (__builtin_expect(rta__guard_mode_now() == RTA_GUARD_OFF, 0))
        return;
    uint64_t n = rta_rt_note_system_alloc();
    if (__builtin_expect(n != 0, 0))
        rta__guard_hit(call, a, b, c, n);
}

/* Strict mode: 1 when a blocking call now should be reported. */
static inline int rta__guard_blocking_wanted(void)
{
    return __builtin_expect(__atomic_load_n(&rta__guard_strict_var, __ATOMIC_RELAXED), 0) &&
           rta__guard_tls.busy == 0 && rta__guard_mode_now() != RTA_GUARD_OFF &&
           rta_rt_active();
}

/* ---- report.c: async-signal-safe text ----------------------------------- */

struct rta__gbuf {
    char *p;
    size_t len, cap;
};
RTA__HIDDEN void rta__gbuf_str(struct rta__gbuf *b, const char *s);
RTA__HIDDEN void rta__gbuf_dec(struct rta__gbuf *b, uint64_t v);
RTA__HIDDEN void rta__gbuf_hex(struct rta__gbuf *b, uint64_t v);
/* write(2) through syscall(): never the guard's own interposed write. */
RTA__HIDDEN void rta__guard_write_all(int fd, const char *p, size_t n);
RTA__HIDDEN void rta__gbuf_flush(struct rta__gbuf *b, int fd);

RTA__HIDDEN void rta__guard_report_init(void);
/* The calling thread's id: a system call the first time only. */
RTA__HIDDEN int rta__guard_gettid(void);
/* The report of one call to fd: a header line (`tag` after
 * "rtalloc-guard: ", then the call), the thread, and the stack with the
 * guard's own frames left out. */
RTA__HIDDEN void rta__guard_report(int fd, const char *tag, const struct rta__guard_call *call,
                                   const uintptr_t args[3], uint64_t thread_count, int tid,
                                   const char *thread_name, void *const *frames, int nframes);
RTA__HIDDEN __attribute__((noreturn)) void rta__guard_trap(const struct rta__guard_call *call,
                                                           const uintptr_t args[3],
                                                           uint64_t thread_count);

/* ---- log.c: lock-free queue from RT threads to a printing thread -------- */

RTA__HIDDEN void rta__guard_log_start(void);
RTA__HIDDEN void rta__guard_log_push(const struct rta__guard_call *call, const uintptr_t args[3],
                                     uint64_t thread_count);
RTA__HIDDEN void rta__guard_log_drain(void);
RTA__HIDDEN uint64_t rta__guard_log_dropped(void); /* queue was full */

/* ---- resolution of the next definitions (dlsym RTLD_NEXT) --------------- */

RTA__HIDDEN void rta__guard_cxx_resolve(void);
RTA__HIDDEN void rta__guard_strict_resolve(void);
RTA__HIDDEN void rta__guard_alloc_resolve(void);

/* ---- sections.c: the hooks of rtsection/ ------------------------------- */

/* Cycles of watched callbacks that were RT sections, of one kind
 * (enum rtsection_kind) or all. */
RTA__HIDDEN uint64_t rta__guard_sections(int kind);
RTA__HIDDEN uint64_t rta__guard_sections_total(void);
/* One line for the user on stderr, after the guard's prefix. */
RTA__HIDDEN void rta__guard_say(const char *line);

#endif /* RTA_GUARD_INTERNAL_H */
