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

struct rta__guard_site;

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
    int frees;    /* 1: a heap call that only frees (RTALLOC_GUARD_ALLOW=free) */
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
/* In a forked child: counters, sites' counts and cycles start from 0. */
RTA__HIDDEN void rta__guard_forget_counts(void);
RTA__HIDDEN void rta__guard_sites_forget(void);
RTA__HIDDEN void rta__guard_sections_forget(void);
RTA__HIDDEN RTA__GUARD_COLD void rta__guard_hit(const struct rta__guard_call *call,
                                                uintptr_t a, uintptr_t b, uintptr_t c,
                                                uint64_t thread_count, const void *ra);
/* RTALLOC_GUARD_ALLOW=free: set at start-up. */
extern int rta__guard_allow_free __attribute__((visibility("hidden")));

static inline int rta__guard_mode_now(void)
{
    return __atomic_load_n(&rta__guard_mode_var, __ATOMIC_RELAXED);
}

/* The whole cost of the guard outside RT sections: two loads and one call
 * into librtalloc that reads its thread-local depth. */
/* Always inlined, so __builtin_return_address(0) is the interposed
 * function's caller: the call site. */
#define rta__guard_heap_call(call, a, b, c)                                                   \
    rta__guard_heap_call_at(call, a, b, c, __builtin_return_address(0))

static inline __attribute__((always_inline)) void
rta__guard_heap_call_at(const struct rta__guard_call *call, uintptr_t a, uintptr_t b,
                        uintptr_t c, const void *ra)
{
    if (__builtin_expect(rta__guard_tls.busy != 0, 0))
        return;
    if (__builtin_expect(rta__guard_mode_now() == RTA_GUARD_OFF, 0))
        return;
    if (__builtin_expect(call->frees, 0) &&
        __atomic_load_n(&rta__guard_allow_free, __ATOMIC_RELAXED))
        return;
    uint64_t n = rta_rt_note_system_alloc();
    if (__builtin_expect(n != 0, 0))
        rta__guard_hit(call, a, b, c, n, ra);
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
/* site: its frames are reported (NULL: unwinds here). */
RTA__HIDDEN __attribute__((noreturn)) void rta__guard_trap(const struct rta__guard_call *call,
                                                           const uintptr_t args[3],
                                                           uint64_t thread_count,
                                                           const struct rta__guard_site *site);

/* ---- log.c: lock-free queue from RT threads to a printing thread -------- */

RTA__HIDDEN void rta__guard_log_start(void);
/* Queues a new site for printing. */
RTA__HIDDEN void rta__guard_log_push(struct rta__guard_site *site);
RTA__HIDDEN void rta__guard_log_drain(void);

/* ---- resolution of the next definitions (dlsym RTLD_NEXT) --------------- */

RTA__HIDDEN void rta__guard_cxx_resolve(void);
RTA__HIDDEN void rta__guard_strict_resolve(void);
RTA__HIDDEN void rta__guard_alloc_resolve(void);

/* ---- sites.c: call sites, deduplicated on the RT thread ---------------- */

#define RTA__GUARD_SITES 1024 /* a power of two */

enum { RTA__VERDICT_UNKNOWN = 0, RTA__VERDICT_REPORT, RTA__VERDICT_SUPPRESSED };

struct rta__guard_site {
    uint64_t key;   /* 0: free; claimed with a compare-and-swap */
    int state;      /* 2 (published): the fields below are set */
    int deep;       /* its return address is in a system library: not a site */
    const struct rta__guard_call *call;
    uint64_t count; /* calls through it, atomic */
    /* The first call's details, for reports. */
    uintptr_t args[3];
    uint64_t thread_count;
    int tid;
    int nframes;
    void *frames[RTA__GUARD_FRAMES];
    /* Off the RT thread (or in trap mode): the suppression verdict, and
     * whether log mode printed it. */
    int verdict;
    int printed;
};

RTA__HIDDEN void rta__guard_sites_init(void);
/* The site of this call, counted; *fresh when this call created it.
 * NULL: not attributed (table full, or the entry being published). */
RTA__HIDDEN struct rta__guard_site *rta__guard_site_hit(const struct rta__guard_call *call,
                                                        const void *ra, const uintptr_t args[3],
                                                        uint64_t thread_count, int *fresh);
/* Entry i of the table when it is a published site, else NULL. */
RTA__HIDDEN struct rta__guard_site *rta__guard_site_at(unsigned i);
RTA__HIDDEN uint64_t rta__guard_unattributed(void);
/* 1 for libc, libstdc++, libjack, libgcc_s, the loader and the guard. */
RTA__HIDDEN int rta__guard_system_module(const char *path);

/* ---- symbols.c: names of frames, off the RT thread --------------------- */

struct rta__guard_sym {
    char module[256];  /* the file ("" when unknown) */
    const char *base;  /* its basename, inside module */
    uintptr_t offset;  /* for addr2line -e module */
    char func[256];    /* "" when unknown; demangled when C++ */
    uintptr_t func_off;
    int system;        /* rta__guard_system_module(module) */
    int guard;         /* a frame of the guard itself */
};
RTA__HIDDEN void rta__guard_symbolize(const void *pc, struct rta__guard_sym *out);
/* Index of the first frame outside the system libraries (nframes if none). */
RTA__HIDDEN int rta__guard_first_own_frame(void *const *frames, int nframes);

/* ---- suppress.c: RTALLOC_GUARD_SUPPRESS -------------------------------- */

RTA__HIDDEN void rta__guard_suppress_load(const char *path);
RTA__HIDDEN int rta__guard_suppress_any(void); /* rules loaded */
/* The verdict of a site (and remembers it). */
RTA__HIDDEN int rta__guard_site_verdict(struct rta__guard_site *s);

/* ---- summary.c: the exit summary --------------------------------------- */

/* Reads RTALLOC_GUARD_EXIT_CODE, catches SIGINT and SIGTERM (count and
 * log mode). */
RTA__HIDDEN void rta__guard_summary_init(const char *exit_code, int mode);
/* "rtalloc-guard[PID prog]: " */
RTA__HIDDEN void rta__guard_prefix(struct rta__gbuf *b);
/* Unsuppressed heap and blocking calls, suppressed calls (all verdicts
 * computed). */
RTA__HIDDEN void rta__guard_totals(uint64_t *heap, uint64_t *blocking, uint64_t *suppressed);

/* ---- sections.c: the hooks of rtsection/ ------------------------------- */

/* Cycles of watched callbacks that were RT sections, of one kind
 * (enum rtsection_kind) or all. */
RTA__HIDDEN uint64_t rta__guard_sections(int kind);
RTA__HIDDEN uint64_t rta__guard_sections_total(void);
/* rta_rt_enter calls the guard saw (the program's own sections). */
RTA__HIDDEN uint64_t rta__guard_direct_sections(void);
RTA__HIDDEN void rta__guard_sections_resolve(void);
/* One line for the user on stderr, after the guard's prefix. */
RTA__HIDDEN void rta__guard_say(const char *line);

#endif /* RTA_GUARD_INTERNAL_H */
