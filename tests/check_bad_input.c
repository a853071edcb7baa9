/* Bad input: every misuse listed in doc/BAD-INPUT.md, with what the heap
 * does about it in release mode and with RTA_DEBUG.  Each test here is
 * named in a row of that table; a change of behaviour must change both.
 *
 * Traps are caught by a recording handler (the handler returns, so the
 * call then completes as it would without RTA_DEBUG).  The default
 * handler's report, stack trace and abort() are checked in
 * tests/check_debug_traps.c.
 *
 * "The system heap is never asked" is checked by this program's own
 * malloc family, which counts calls while `watching` is set and passes
 * them on to glibc (left out under the sanitizers and valgrind, which own
 * malloc).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtalloc.h"
#include "test_util.h"

/* ---- the system heap, watched -------------------------------------------- */

#if !TU_SANITIZED
#define WATCH_SYSTEM_HEAP 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
static _Thread_local int watching;
static _Thread_local unsigned long system_heap_calls, system_frees;

void free(void *p)
{
    system_frees += watching && p;
    __libc_free(p);
}

void *malloc(size_t n)
{
    system_heap_calls += watching;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    system_heap_calls += watching;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    system_heap_calls += watching;
    return __libc_realloc(p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    system_heap_calls += watching;
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    system_heap_calls += watching;
    void *p = __libc_memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
#else
#define WATCH_SYSTEM_HEAP 0
static int watching;
static unsigned long system_heap_calls, system_frees;
#endif

/* 1 where the watch sees the library's calls: not under the sanitizers
 * (compiled out) nor under valgrind (which sends them to its own malloc
 * before they reach ours). */
static int watch_works(void)
{
    return WATCH_SYSTEM_HEAP && !tu_under_valgrind();
}

/* ---- helpers ------------------------------------------------------------- */

typedef struct trap_log {
    unsigned count[16];
    unsigned total;
    int last_kind;
    size_t last_size;
    const void *last_ptr;
} trap_log;

static void record_trap(const rta_trap_info *info, void *user)
{
    /* Check's assertions talk to the runner (which may malloc): not the
     * heap's calls, so not watched. */
    int was_watching = watching;
    watching = 0;
    trap_log *log = user;
    ck_assert_int_ge(info->kind, 0);
    ck_assert_int_lt(info->kind, 16);
    log->count[info->kind]++;
    log->total++;
    log->last_kind = info->kind;
    log->last_size = info->size;
    log->last_ptr = info->ptr;
    watching = was_watching;
}

static rta_heap *make_heap(unsigned flags, trap_log *log)
{
    rta_config cfg;
    rta_heap *h = NULL;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.arena_bytes = 64u << 10;
    cfg.max_block = 4096;
    cfg.max_threads = 4;
    cfg.flags = flags | RTA_NO_PREFAULT;
    if (log) {
        memset(log, 0, sizeof *log);
        cfg.on_trap = record_trap;
        cfg.trap_user = log;
    }
    ck_assert_int_eq(rta_heap_create(&h, &cfg), RTA_OK);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* Hides a size from the compiler, which rejects constant sizes above
 * PTRDIFF_MAX at the call (alloc_size): these tests pass them on purpose. */
static size_t opaque(size_t v)
{
    volatile size_t x = v;
    return x;
}

static rta_stats stats_of(const rta_heap *h)
{
    rta_stats st;
    rta_stats_get(h, &st);
    return st;
}

/* The error of a create that must fail; checks that it set *out to NULL
 * and left nothing mapped (no new mapping of 1 MiB or more in
 * /proc/self/maps: every heap here maps more than that). */
static int config_error(const rta_config *cfg)
{
    static char before[1 << 16], after[1 << 16];
    rta_heap *h = (rta_heap *)&h; /* must be overwritten with NULL */
    ck_assert_int_ge(tu_read_maps(before, sizeof before), 0);
    int err = rta_heap_create(&h, cfg);
    ck_assert_int_ge(tu_read_maps(after, sizeof after), 0);
    ck_assert_ptr_null(h);
    const char *left = tu_maps_grew(before, after, 1u << 20);
    ck_assert_msg(left == NULL, "a failed create (%d) left a mapping: %s", err, left);
    return err;
}

/* As config_error, in a child that cannot use Check: 0 when the create
 * failed with `want`, set *out to NULL and left /proc/self/maps as it was. */
static int child_create_fails(const rta_config *cfg, int want)
{
    static char before[1 << 16], after[1 << 16];
    rta_heap *h = (rta_heap *)&h;
    if (tu_read_maps(before, sizeof before) < 0)
        return 91;
    int err = rta_heap_create(&h, cfg);
    if (tu_read_maps(after, sizeof after) < 0)
        return 91;
    if (err != want || h != NULL) {
        fprintf(stderr, "create: %d (%s), expected %d\n", err, rta_strerror(err), want);
        return 1;
    }
    const char *left = tu_maps_grew(before, after, 1u << 20);
    if (left) {
        fprintf(stderr, "the failed create left a mapping: %s", left);
        return 2;
    }
    return 0;
}

/* ---- NULL heap ----------------------------------------------------------- */

START_TEST(test_null_heap)
{
    rta_stats st;
    int x = 0;
    rta_heap *h = NULL;
    rta_config cfg;

    errno = 0;
    ck_assert_ptr_null(rta_malloc(NULL, 16));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(rta_calloc(NULL, 2, 16));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(rta_realloc(NULL, NULL, 16));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(rta_aligned_alloc(NULL, 64, 16));
    ck_assert_int_eq(errno, EINVAL);
    rta_free(NULL, &x); /* no-op: nothing to count it in */
    rta_free_sized(NULL, &x, sizeof x);
    ck_assert_uint_eq(rta_usable_size(NULL, &x), 0);
    ck_assert_int_eq(rta_owns(NULL, &x), 0);
    ck_assert_ptr_null(rta_heap_arena(NULL));
    ck_assert_int_eq(rta_thread_attach(NULL), RTA_ERR_INVAL);
    rta_thread_detach(NULL);
    /* "fills zeros": every byte of it. */
    static const rta_stats zero_stats;
    memset(&st, 0xff, sizeof st);
    rta_stats_get(NULL, &st);
    ck_assert_mem_eq(&st, &zero_stats, sizeof st);
    rta_heap_destroy(NULL);
    errno = 0;
    ck_assert_ptr_null(rta_realloc(NULL, &x, 16));
    ck_assert_int_eq(errno, EINVAL);

    /* NULL arguments to the set-up calls. */
    rta_config_defaults(&cfg);
    ck_assert_int_eq(rta_heap_create(NULL, &cfg), RTA_ERR_INVAL);
    ck_assert_int_eq(rta_heap_create(&h, NULL), RTA_ERR_INVAL);
    {
        rta_arena *a = NULL;
        ck_assert_int_eq(rta_arena_create(NULL, 4096, &a), RTA_ERR_INVAL);
        errno = 0;
        ck_assert_ptr_null(rta_arena_alloc(NULL, 16, 0));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_uint_eq(rta_arena_used(NULL), 0);
        ck_assert_uint_eq(rta_arena_capacity(NULL), 0);
        ck_assert_uint_eq(rta_arena_mark(NULL), 0);
        rta_arena_rewind(NULL, 0);
        rta_arena_rewind(NULL, 4096);
        rta_arena_reset(NULL);
        static const rta_arena_stats zero_arena;
        rta_arena_stats ast;
        memset(&ast, 0xff, sizeof ast);
        rta_arena_stats_get(NULL, &ast);
        ck_assert_mem_eq(&ast, &zero_arena, sizeof ast);
    }
}
END_TEST

/* ---- zero and huge sizes ------------------------------------------------- */

START_TEST(test_zero_size)
{
    rta_heap *h = make_heap(0, NULL);
    void *a = rta_malloc(h, 0), *b = rta_malloc(h, 0);
    void *c = rta_calloc(h, 0, 16), *d = rta_calloc(h, 16, 0);
    void *e = rta_aligned_alloc(h, 256, 0);
    void *f;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq((uintptr_t)e % 256, 0);
    /* Of the smallest class, 16 B. */
    const size_t smallest = stats_of(h).classes[0].block_size;
    ck_assert_uint_eq(smallest, 16);
    ck_assert_uint_eq(rta_usable_size(h, a), smallest);
    ck_assert_uint_eq(rta_usable_size(h, b), smallest);
    ck_assert_uint_eq(rta_usable_size(h, c), smallest);
    ck_assert_uint_eq(rta_usable_size(h, d), smallest);
    ck_assert_uint_eq(stats_of(h).classes[0].live, 4);
    ck_assert_uint_eq(stats_of(h).allocs, 5);
    /* Unique: no two of many 0-byte blocks (and the five above) are one. */
    enum { MANY = 64 };
    void *many[MANY + 5];
    for (int i = 0; i < MANY; i++) {
        many[i] = (i & 1) ? rta_malloc(h, 0) : rta_aligned_alloc(h, 16, 0);
        ck_assert_ptr_nonnull(many[i]);
        ck_assert_uint_eq(rta_usable_size(h, many[i]), smallest);
    }
    many[MANY] = a, many[MANY + 1] = b, many[MANY + 2] = c, many[MANY + 3] = d;
    many[MANY + 4] = e;
    for (int i = 0; i < MANY + 5; i++)
        for (int j = 0; j < i; j++)
            ck_assert_msg(many[i] != many[j], "0-byte blocks %d and %d are both %p", i, j,
                          many[i]);
    for (int i = 0; i < MANY; i++)
        rta_free(h, many[i]);

    /* realloc(p, 0) frees p and returns what malloc(h, 0) does. */
    f = rta_realloc(h, a, 0);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(rta_usable_size(h, f), smallest);
    ck_assert_uint_eq(stats_of(h).allocs, 6 + MANY);
    ck_assert_uint_eq(stats_of(h).frees, 1 + MANY);

    rta_free(h, b);
    rta_free(h, c);
    rta_free(h, d);
    rta_free(h, e);
    rta_free(h, f);
    ck_assert_uint_eq(stats_of(h).bytes_live, 0);
    ck_assert_uint_eq(stats_of(h).failures, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_huge_size_release)
{
    rta_heap *h = make_heap(0, NULL);
    void *p = rta_malloc(h, 100);
    const size_t huge[] = {4097, 65536, SIZE_MAX / 2, SIZE_MAX};
    uint64_t failures = 0;

    ck_assert_ptr_nonnull(p);
    memset(p, 0x3c, 100);
    for (unsigned i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        errno = 0;
        ck_assert_ptr_null(rta_malloc(h, opaque(huge[i])));
        ck_assert_int_eq(errno, ENOMEM);
        errno = 0;
        ck_assert_ptr_null(rta_aligned_alloc(h, 64, opaque(huge[i])));
        ck_assert_int_eq(errno, ENOMEM);
        errno = 0;
        /* A failed realloc leaves the block as it was. */
        ck_assert_ptr_null(rta_realloc(h, p, huge[i]));
        ck_assert_int_eq(errno, ENOMEM);
        failures += 3;
    }
    errno = 0;
    ck_assert_ptr_null(rta_calloc(h, opaque(SIZE_MAX / 2), 3)); /* n * size overflows */
    ck_assert_int_eq(errno, ENOMEM);
    failures++;
    ck_assert_uint_eq(stats_of(h).failures, failures);
    ck_assert_uint_eq(stats_of(h).allocs, 1);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(((unsigned char *)p)[i], 0x3c);
    rta_free(h, p);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_huge_size_debug)
{
    trap_log log;
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    errno = 0;
    ck_assert_ptr_null(rta_malloc(h, 4097));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(log.count[RTA_TRAP_EXHAUSTED], 1);
    ck_assert_uint_eq(log.last_size, 4097);
    ck_assert_ptr_null(rta_malloc(h, opaque(SIZE_MAX)));
    ck_assert_uint_eq(log.count[RTA_TRAP_EXHAUSTED], 2);
    ck_assert_uint_eq(log.last_size, SIZE_MAX);
    /* An overflowing calloc is no miss: NULL and counted, no trap. */
    ck_assert_ptr_null(rta_calloc(h, opaque(SIZE_MAX), 2));
    ck_assert_uint_eq(log.total, 2);
    ck_assert_uint_eq(stats_of(h).failures, 3);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_huge_size_fallback)
{
    trap_log log;
    rta_heap *h = make_heap(RTA_FALLBACK_SYSTEM | RTA_DEBUG, &log);
    /* An overflowing calloc: NULL, ENOMEM, counted, no trap, and the
     * system heap is never asked, fallback or not. */
    system_heap_calls = 0;
    watching = 1;
    errno = 0;
    void *none = rta_calloc(h, opaque(SIZE_MAX / 2), 3);
    int calloc_errno = errno;
    watching = 0;
    ck_assert_ptr_null(none);
    ck_assert_int_eq(calloc_errno, ENOMEM);
    ck_assert_uint_eq(stats_of(h).failures, 1);
    ck_assert_uint_eq(stats_of(h).fallbacks, 0);
    ck_assert_uint_eq(log.total, 0);
    if (watch_works())
        ck_assert_msg(system_heap_calls == 0, "an overflowing calloc made %lu system-heap calls",
                      system_heap_calls);
    /* The watch sees a fallback, so its zero above means something. */
    watching = 1;
    unsigned char *p = rta_malloc(h, 100000);
    watching = 0;
    ck_assert_ptr_nonnull(p);
    if (watch_works())
        ck_assert_uint_eq(system_heap_calls, 1);
    memset(p, 1, 100000); /* the whole request is usable */
    ck_assert_int_eq(rta_owns(h, p), 0);
    ck_assert_uint_eq(rta_usable_size(h, p), 100000);
    ck_assert_uint_eq(log.count[RTA_TRAP_FALLBACK], 1);
    ck_assert_uint_eq(log.total, 1);
    ck_assert_uint_eq(stats_of(h).fallbacks, 1);
    ck_assert_uint_eq(stats_of(h).failures, 1); /* the calloc */
    ck_assert_uint_eq(stats_of(h).allocs, 0); /* pool calls only */
    system_frees = 0;
    watching = 1;
    rta_free(h, p); /* back to the system heap: ASan/valgrind see no leak */
    watching = 0;
    if (watch_works())
        ck_assert_uint_eq(system_frees, 1);
    ck_assert_uint_eq(stats_of(h).bad_frees, 0);
    ck_assert_uint_eq(log.total, 1);
    rta_heap_destroy(h);
}
END_TEST

/* ---- bad alignment ------------------------------------------------------- */

START_TEST(test_bad_alignment)
{
    trap_log log;
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    rta_arena *a = rta_heap_arena(h);
    const size_t bad[] = {0, 3, 24, 48, 100, 4097, SIZE_MAX};
    unsigned n = sizeof bad / sizeof bad[0];
    void *p;

    for (unsigned i = 0; i < n; i++) {
        errno = 0;
        ck_assert_ptr_null(rta_aligned_alloc(h, bad[i], 16));
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_uint_eq(stats_of(h).failures, n);
    for (unsigned i = 1; i < n; i++) { /* 0 means 16 for an arena */
        errno = 0;
        ck_assert_ptr_null(rta_arena_alloc(a, 16, bad[i]));
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_uint_eq(rta_arena_used(a), 0);
    ck_assert_uint_eq(stats_of(h).frame_arena.overflows, 0);
    ck_assert_uint_eq(log.total, 0); /* a caller's mistake, not a miss */

    /* Above 4096, as far as max_block allows: 8192 > max_block here. */
    errno = 0;
    ck_assert_ptr_null(rta_aligned_alloc(h, 8192, 16));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(log.count[RTA_TRAP_EXHAUSTED], 1);
    /* Small powers of two are fine and give at least 16. */
    p = rta_aligned_alloc(h, 1, 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    rta_free(h, p);
    rta_heap_destroy(h);
}
END_TEST

/* ---- foreign, interior, double and fallback frees ------------------------ */

START_TEST(test_free_foreign_release)
{
    static char outside[64] __attribute__((aligned(16)));
    char on_stack[32] __attribute__((aligned(16)));
    rta_heap *h = make_heap(0, NULL);
    rta_heap *other = make_heap(0, NULL);
    char *system = malloc(64);
    char *theirs = rta_malloc(other, 64);
    char *mine = rta_malloc(h, 64);
    rta_stats st;

    char *in_arena = rta_arena_alloc(rta_heap_arena(h), 32, 0);
    ck_assert_ptr_nonnull(system);
    ck_assert_ptr_nonnull(theirs);
    ck_assert_ptr_nonnull(mine);
    ck_assert_ptr_nonnull(in_arena);
    memset(mine, 7, 64);
    /* Every foreign pointer holds a pattern: nothing at it may change. */
    tu_paint(outside, sizeof outside, 1);
    tu_paint(on_stack, sizeof on_stack, 2);
    tu_paint(system, 64, 3);
    tu_paint(theirs, 64, 4);
    tu_paint(in_arena, 32, 5);
    rta_free(h, outside);
    rta_free(h, on_stack);
    system_frees = 0;
    watching = 1;
    rta_free(h, system); /* not ours and not a fallback: never passed to free() */
    watching = 0;
    if (watch_works())
        ck_assert_uint_eq(system_frees, 0);
    rta_free(h, theirs); /* another heap's block */
    rta_free_sized(h, outside, 16);
    rta_free(h, in_arena);
    ck_assert(tu_painted(outside, sizeof outside, 1));
    ck_assert(tu_painted(on_stack, sizeof on_stack, 2));
    ck_assert(tu_painted(system, 64, 3));
    ck_assert(tu_painted(theirs, 64, 4));
    ck_assert(tu_painted(in_arena, 32, 5));
    st = stats_of(h);
    ck_assert_uint_eq(st.bad_frees, 6);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert_uint_eq(st.allocs, 1);
    ck_assert_uint_eq(stats_of(other).frees, 0); /* untouched */
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(mine[i], 7);
    free(system); /* still the system's: freeing it works */
    rta_free(other, theirs);
    rta_free(h, mine);
    ck_assert_uint_eq(stats_of(h).bytes_live, 0);
    ck_assert_uint_eq(stats_of(other).bytes_live, 0);
    rta_heap_destroy(other);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_foreign_debug)
{
    static char outside[64] __attribute__((aligned(16)));
    trap_log log;
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    tu_paint(outside, sizeof outside, 6);
    rta_free(h, outside + 16);
    ck_assert(tu_painted(outside, sizeof outside, 6));
    ck_assert_uint_eq(log.count[RTA_TRAP_FOREIGN_FREE], 1);
    ck_assert_ptr_eq(log.last_ptr, outside + 16);
    ck_assert_uint_eq(stats_of(h).bad_frees, 1);
    ck_assert_uint_eq(log.total, 1);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_interior_release)
{
    rta_heap *h = make_heap(0, NULL);
    char *p = rta_malloc(h, 256), *q;
    ck_assert_ptr_nonnull(p);
    rta_free(h, p + 16);
    rta_free(h, p + 1);
    rta_free_sized(h, p + 128, 128);
    ck_assert_uint_eq(stats_of(h).bad_frees, 3);
    ck_assert_uint_eq(stats_of(h).frees, 0);
    /* p is still live: the next block of its class is elsewhere. */
    q = rta_malloc(h, 256);
    ck_assert_ptr_nonnull(q);
    ck_assert(q + 256 <= p || p + 256 <= q);
    rta_free(h, q);
    rta_free(h, p);
    ck_assert_uint_eq(stats_of(h).bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_interior_debug)
{
    trap_log log;
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    char *p = rta_malloc(h, 256);
    ck_assert_ptr_nonnull(p);
    rta_free(h, p + 16);
    ck_assert_uint_eq(log.count[RTA_TRAP_INTERIOR_FREE], 1);
    ck_assert_ptr_eq(log.last_ptr, p + 16);
    ck_assert_uint_eq(stats_of(h).bad_frees, 1);
    ck_assert_uint_eq(stats_of(h).bytes_live, 256);
    rta_free(h, p);
    ck_assert_uint_eq(log.total, 1);
    rta_heap_destroy(h);
}
END_TEST

struct double_free_job {
    rta_heap *h;
    void *p;
};

static void *free_twice(void *arg)
{
    struct double_free_job *job = arg;
    rta_free(job->h, job->p);
    rta_free(job->h, job->p);
    return NULL;
}

START_TEST(test_double_free_debug)
{
    trap_log log;
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    /* keep holds the span in its class, so p stays a block of it. */
    void *keep = rta_malloc(h, 64), *p = rta_malloc(h, 64), *a, *b;
    struct double_free_job job;
    pthread_t t;

    ck_assert_ptr_nonnull(keep);
    ck_assert_ptr_nonnull(p);
    rta_free(h, p);
    rta_free(h, p);
    ck_assert_uint_eq(log.count[RTA_TRAP_DOUBLE_FREE], 1);
    ck_assert_ptr_eq(log.last_ptr, p);
    ck_assert_uint_eq(stats_of(h).bad_frees, 1);
    ck_assert_uint_eq(stats_of(h).frees, 1);
    /* The free list was not corrupted: p is handed out once only. */
    a = rta_malloc(h, 64);
    b = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);

    /* From another thread (a remote free) the second free traps too. */
    job.h = h;
    job.p = a;
    ck_assert_int_eq(pthread_create(&t, NULL, free_twice, &job), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(log.count[RTA_TRAP_DOUBLE_FREE], 2);
    ck_assert_uint_eq(stats_of(h).bad_frees, 2);
    ck_assert_uint_eq(stats_of(h).remote_frees, 1);

    rta_free(h, b);
    rta_free(h, keep);
    ck_assert_uint_eq(stats_of(h).bytes_live, 0);
    ck_assert_uint_eq(log.total, 2);

    /* Once the block's whole span has gone back to the reserve, a second
     * free of it is a foreign free.  Three spans' worth of blocks, all
     * freed: a span that went back shows as rta_owns() 0 for its blocks
     * (a heap may keep one emptied span per class parked). */
    static void *blocks[4096];
    rta_stats st = stats_of(h);
    int k = tu_class_of(&st, 64);
    ck_assert_int_ge(k, 0);
    blocks[0] = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(blocks[0]);
    size_t span_blocks = stats_of(h).classes[k].capacity, n = 3 * span_blocks;
    ck_assert_uint_le(n, sizeof blocks / sizeof blocks[0]);
    for (size_t i = 1; i < n; i++) {
        blocks[i] = rta_malloc(h, 64);
        ck_assert_ptr_nonnull(blocks[i]);
    }
    for (size_t i = 0; i < n; i++)
        rta_free(h, blocks[i]);
    void *gone = NULL;
    for (size_t i = 0; i < n && !gone; i++)
        if (!rta_owns(h, blocks[i]))
            gone = blocks[i];
    ck_assert_msg(gone != NULL, "no span of %zu went back to the reserve after %zu frees",
                  n / 3, n);
    ck_assert_uint_eq(log.total, 2);
    rta_free(h, gone);
    ck_assert_uint_eq(log.count[RTA_TRAP_FOREIGN_FREE], 1);
    ck_assert_ptr_eq(log.last_ptr, gone);
    ck_assert_uint_eq(log.count[RTA_TRAP_DOUBLE_FREE], 2);
    ck_assert_uint_eq(stats_of(h).bad_frees, 3);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_fallback_pointer)
{
    trap_log log, other_log;
    rta_heap *h = make_heap(RTA_FALLBACK_SYSTEM | RTA_DEBUG, &log);
    rta_heap *other = make_heap(RTA_DEBUG, &other_log);
    unsigned char *p = rta_malloc(h, 10000), *q;

    ck_assert_ptr_nonnull(p);
    memset(p, 0x5a, 10000);
    /* Another heap does not take it for its own, nor pass it to free(). */
    system_frees = 0;
    watching = 1;
    rta_free(other, p);
    watching = 0;
    if (watch_works())
        ck_assert_uint_eq(system_frees, 0); /* never passed to free() */
    ck_assert_uint_eq(other_log.count[RTA_TRAP_FOREIGN_FREE], 1);
    ck_assert_uint_eq(stats_of(other).bad_frees, 1);
    ck_assert_uint_eq(p[9999], 0x5a);

    /* realloc moves a fallback block like any other: into the pools... */
    q = rta_realloc(h, p, 100);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(rta_owns(h, q), 1);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(q[i], 0x5a);
    /* ...and out again. */
    p = rta_realloc(h, q, 20000);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(rta_owns(h, p), 0);
    ck_assert_uint_eq(p[99], 0x5a);
    ck_assert_uint_eq(stats_of(h).fallbacks, 2);
    ck_assert_uint_eq(log.count[RTA_TRAP_FALLBACK], 2);

    /* A fallback of 0 bytes (an alignment above max_block) moves too. */
    q = rta_aligned_alloc(h, 8192, 0);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(rta_owns(h, q), 0);
    errno = 0;
    q = rta_realloc(h, q, 100);
    ck_assert_msg(q != NULL, "realloc of a 0-byte fallback block: errno %d", errno);
    ck_assert_int_eq(rta_owns(h, q), 1);
    rta_free(h, q);
    ck_assert_uint_eq(stats_of(h).fallbacks, 3);
    ck_assert_uint_eq(log.count[RTA_TRAP_FALLBACK], 3);

    system_frees = 0;
    watching = 1;
    rta_free(h, p); /* to the system heap */
    watching = 0;
    if (watch_works())
        ck_assert_uint_eq(system_frees, 1);
    ck_assert_uint_eq(stats_of(h).bad_frees, 0);
    ck_assert_uint_eq(rta_usable_size(h, p), 0); /* forgotten */
    system_frees = 0;
    watching = 1;
    rta_free(h, p); /* a second time: no longer a fallback, so foreign */
    watching = 0;
    if (watch_works())
        ck_assert_uint_eq(system_frees, 0); /* never passed to free() again */
    ck_assert_uint_eq(stats_of(h).bad_frees, 1);
    ck_assert_uint_eq(log.count[RTA_TRAP_FOREIGN_FREE], 1);
    ck_assert_uint_eq(stats_of(h).bytes_live, 0);
    rta_heap_destroy(other);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_free_sized_mismatch)
{
    trap_log log;
    rta_heap *rel = make_heap(0, NULL);
    rta_heap *dbg = make_heap(RTA_DEBUG, &log);
    void *p = rta_malloc(rel, 100), *q = rta_malloc(dbg, 100);

    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    /* Release: the size is not trusted; the block's own class is freed. */
    rta_free_sized(rel, p, 1000);
    ck_assert_uint_eq(stats_of(rel).frees, 1);
    ck_assert_uint_eq(stats_of(rel).bytes_live, 0);
    /* Debug: traps, then frees it all the same. */
    rta_free_sized(dbg, q, 1000);
    ck_assert_uint_eq(log.count[RTA_TRAP_SIZE_MISMATCH], 1);
    ck_assert_uint_eq(log.last_size, 1000);
    ck_assert_uint_eq(stats_of(dbg).frees, 1);
    ck_assert_uint_eq(stats_of(dbg).bytes_live, 0);
    /* Any size of the block's class is "the size as allocated". */
    q = rta_malloc(dbg, 100);
    ck_assert_ptr_nonnull(q);
    rta_free_sized(dbg, q, 97);
    ck_assert_uint_eq(log.total, 1);
    rta_heap_destroy(dbg);
    rta_heap_destroy(rel);
}
END_TEST

/* ---- destroy ------------------------------------------------------------- */

/* Runs rta_heap_destroy(h) with stderr sent to a buffer. */
static void destroy_capturing_stderr(rta_heap *h, char *out, size_t cap)
{
    char path[] = "/tmp/rta-check-XXXXXX";
    int fd = mkstemp(path), saved;
    ssize_t n;
    ck_assert_int_ge(fd, 0);
    unlink(path);
    fflush(stderr);
    saved = dup(2);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(fd, 2), 2);
    rta_heap_destroy(h);
    ck_assert_int_eq(dup2(saved, 2), 2);
    close(saved);
    n = pread(fd, out, cap - 1, 0);
    close(fd);
    ck_assert_int_ge(n, 0);
    out[n] = '\0';
}

START_TEST(test_leak_report_debug)
{
    trap_log log;
    char text[4096];
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    void *a = rta_malloc(h, 64), *b = rta_malloc(h, 60), *c = rta_malloc(h, 1000);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    destroy_capturing_stderr(h, text, sizeof text);
    /* One trap, with the live bytes (block sizes: 64 + 64 + 1024). */
    ck_assert_uint_eq(log.count[RTA_TRAP_LEAK], 1);
    ck_assert_uint_eq(log.total, 1);
    ck_assert_uint_eq(log.last_size, 64 + 64 + 1024);
    ck_assert_msg(strstr(text, "3 live blocks") && strstr(text, "1152 bytes"),
                  "summary missing from: %s", text);
    ck_assert_msg(strstr(text, "64 B: 2 live") && strstr(text, "1024 B: 1 live"),
                  "per-class lines missing from: %s", text);
}
END_TEST

START_TEST(test_no_leak_report)
{
    trap_log log;
    char text[4096];
    rta_heap *dbg = make_heap(RTA_DEBUG, &log);
    rta_heap *rel = make_heap(0, NULL);
    rta_arena *arena = rta_heap_arena(dbg);

    rta_free(dbg, rta_malloc(dbg, 64));
    /* Arena memory is dropped with the heap: it is no leak. */
    ck_assert_ptr_nonnull(rta_arena_alloc(arena, 100, 0));
    destroy_capturing_stderr(dbg, text, sizeof text);
    ck_assert_uint_eq(log.total, 0);
    ck_assert_str_eq(text, "");
    /* Without RTA_DEBUG live blocks are given back without a word. */
    ck_assert_ptr_nonnull(rta_malloc(rel, 64));
    destroy_capturing_stderr(rel, text, sizeof text);
    ck_assert_str_eq(text, "");
}
END_TEST

/* Free after destroy is undefined; what can be checked is the edge. */
START_TEST(test_destroy_null_and_recreate)
{
    rta_heap *h;
    rta_heap_destroy(NULL);
    for (int i = 0; i < 3; i++) {
        void *p;
        h = make_heap(0, NULL);
        p = rta_malloc(h, 32);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(stats_of(h).allocs, 1); /* a fresh heap each time */
        rta_free(h, p);
        rta_heap_destroy(h);
    }
}
END_TEST

/* ---- arenas -------------------------------------------------------------- */

START_TEST(test_arena_overflow_release)
{
    rta_heap *h = make_heap(RTA_FALLBACK_SYSTEM, NULL);
    rta_arena *a = rta_heap_arena(h), *small = NULL;
    size_t cap = rta_arena_capacity(a), used;

    ck_assert_ptr_nonnull(rta_arena_alloc(a, cap - 1000, 0));
    used = rta_arena_used(a);
    /* The calls first, the checks after: Check's asserts may malloc. */
    void *got[3];
    int err[3];
    system_heap_calls = 0;
    watching = 1;
    errno = 0;
    got[0] = rta_arena_alloc(a, 2000, 0);
    err[0] = errno;
    errno = 0;
    got[1] = rta_arena_alloc(a, opaque(SIZE_MAX), 0);
    err[1] = errno;
    errno = 0;
    got[2] = rta_arena_alloc(a, opaque(SIZE_MAX - 8), 4096); /* no wrap-around */
    err[2] = errno;
    watching = 0;
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_null(got[i]);
        ck_assert_int_eq(err[i], ENOMEM);
    }
    ck_assert_uint_eq(rta_arena_used(a), used); /* nothing moved */
    ck_assert_uint_eq(stats_of(h).frame_arena.overflows, 3);
    /* Never the system heap, even with RTA_FALLBACK_SYSTEM. */
    ck_assert_uint_eq(stats_of(h).fallbacks, 0);
    if (watch_works())
        ck_assert_msg(system_heap_calls == 0, "arena overflows made %lu system-heap calls",
                      system_heap_calls);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 500, 0)); /* what fits still does */

    ck_assert_int_eq(rta_arena_create(h, 4096, &small), RTA_OK);
    ck_assert_ptr_null(rta_arena_alloc(small, rta_arena_capacity(small) + 1, 0));
    {
        rta_arena_stats as;
        rta_arena_stats_get(small, &as);
        ck_assert_uint_eq(as.overflows, 1);
        ck_assert_uint_eq(as.used, 0);
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_arena_overflow_debug)
{
    trap_log log;
    rta_heap *h = make_heap(RTA_DEBUG, &log);
    rta_arena *a = rta_heap_arena(h);
    size_t too_big = rta_arena_capacity(a) + 1;
    errno = 0;
    ck_assert_ptr_null(rta_arena_alloc(a, too_big, 0));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(log.count[RTA_TRAP_ARENA_OVERFLOW], 1);
    ck_assert_uint_eq(log.last_size, too_big);
    ck_assert_uint_eq(log.total, 1);
    ck_assert_uint_eq(stats_of(h).failures, 0); /* the pools' count is apart */
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_use_after_reset_debug)
{
    rta_heap *h = make_heap(RTA_DEBUG, NULL);
    rta_arena *a = rta_heap_arena(h);
    unsigned char *p = rta_arena_alloc(a, 256, 0), *q;
    size_t mark;

    ck_assert_ptr_nonnull(p);
    memset(p, 0x11, 256);
    mark = rta_arena_mark(a);
    q = rta_arena_alloc(a, 128, 0);
    ck_assert_ptr_nonnull(q);
    memset(q, 0x22, 128);
    rta_arena_rewind(a, mark);
    for (int i = 0; i < 128; i++)
        ck_assert_uint_eq(q[i], 0xDD); /* dropped: poisoned */
    for (int i = 0; i < 256; i++)
        ck_assert_uint_eq(p[i], 0x11); /* kept */
    rta_arena_reset(a);
    for (int i = 0; i < 256; i++)
        ck_assert_uint_eq(p[i], 0xDD);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_use_after_reset_release)
{
    rta_heap *h = make_heap(0, NULL);
    rta_arena *a = rta_heap_arena(h);
    unsigned char *p = rta_arena_alloc(a, 256, 0), *again;

    ck_assert_ptr_nonnull(p);
    memset(p, 0x11, 256);
    rta_arena_reset(a); /* one store: the bytes are not touched */
    for (int i = 0; i < 256; i++)
        ck_assert_uint_eq(p[i], 0x11);
    /* ...and handed out again: a stale pointer now aliases new data. */
    again = rta_arena_alloc(a, 256, 0);
    ck_assert_ptr_eq(again, p);
    rta_heap_destroy(h);
}
END_TEST

/* ---- more threads than caches -------------------------------------------- */

struct cacheless_job {
    rta_heap *h;
    void *to_free;
    int attach_rc;
    void *got;
    int got_errno;
};

static void *cacheless_thread(void *arg)
{
    struct cacheless_job *job = arg;
    job->attach_rc = rta_thread_attach(job->h);
    errno = 0;
    job->got = rta_malloc(job->h, 32);
    job->got_errno = errno;
    rta_free(job->h, job->to_free); /* freeing never needs a cache */
    return NULL;
}

START_TEST(test_more_threads_than_caches)
{
    /* Release, debug, and release with RTA_FALLBACK_SYSTEM. */
    for (int mode = 0; mode < 3; mode++) {
        const int debug = mode == 1, fallback = mode == 2;
        trap_log log;
        rta_config cfg;
        rta_heap *h = NULL;
        struct cacheless_job job;
        pthread_t t;
        rta_stats st;

        rta_config_defaults(&cfg);
        cfg.pool_bytes = 256u << 10;
        cfg.max_block = 1024;
        cfg.max_threads = 1;
        cfg.flags = RTA_NO_PREFAULT | (debug ? RTA_DEBUG : 0) | (fallback ? RTA_FALLBACK_SYSTEM : 0);
        cfg.on_trap = record_trap;
        cfg.trap_user = &log;
        memset(&log, 0, sizeof log);
        ck_assert_int_eq(rta_heap_create(&h, &cfg), RTA_OK);
        ck_assert_int_eq(rta_thread_attach(h), 0);
        memset(&job, 0, sizeof job);
        job.h = h;
        job.to_free = rta_malloc(h, 48);
        ck_assert_ptr_nonnull(job.to_free);

        ck_assert_int_eq(pthread_create(&t, NULL, cacheless_thread, &job), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(job.attach_rc, RTA_ERR_NO_CACHE);
        st = stats_of(h);
        if (fallback) {
            /* The miss served by the system heap. */
            ck_assert_ptr_nonnull(job.got);
            ck_assert_int_eq(rta_owns(h, job.got), 0);
            ck_assert_uint_eq(st.fallbacks, 1);
            ck_assert_uint_eq(st.failures, 0);
            rta_free(h, job.got);
            ck_assert_uint_eq(stats_of(h).bad_frees, 0);
        } else {
            ck_assert_ptr_null(job.got); /* a miss: NULL, ENOMEM, counted */
            ck_assert_int_eq(job.got_errno, ENOMEM);
            ck_assert_uint_eq(st.failures, 1);
            ck_assert_uint_eq(st.fallbacks, 0);
        }
        ck_assert_uint_eq(st.frees, 1);
        ck_assert_uint_eq(st.remote_frees, 1);
        ck_assert_uint_eq(st.bytes_live, 0);
        ck_assert_uint_eq(log.count[RTA_TRAP_EXHAUSTED], debug ? 1 : 0);

        /* Once the cache is given back, another thread can take it. */
        rta_thread_detach(h);
        ck_assert_uint_eq(stats_of(h).threads_attached, 0);
        job.to_free = NULL;
        ck_assert_int_eq(pthread_create(&t, NULL, cacheless_thread, &job), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(job.attach_rc, 0);
        ck_assert_ptr_nonnull(job.got);
        /* The thread exited: its cache is free again, its block valid. */
        ck_assert_uint_eq(stats_of(h).threads_attached, 0);
        rta_free(h, job.got);
        ck_assert_uint_eq(stats_of(h).bytes_live, 0);
        rta_heap_destroy(h);
    }
}
END_TEST

/* In a thread of its own: its cache slots are all free, whatever earlier
 * tests left in the main thread's (with CK_FORK=no). Returns NULL, or what
 * went wrong. */
static void *attach_to_too_many(void *arg)
{
    rta_heap **heaps = arg;
    unsigned n = RTA_MAX_HEAPS_PER_THREAD + 1;
    void *p;
    for (unsigned i = 0; i + 1 < n; i++)
        if (rta_thread_attach(heaps[i]) != 0)
            return "attach to one of the first RTA_MAX_HEAPS_PER_THREAD heaps failed";
    if (rta_thread_attach(heaps[n - 1]) != RTA_ERR_NO_CACHE)
        return "attach to one heap too many did not fail with RTA_ERR_NO_CACHE";
    errno = 0;
    if (rta_malloc(heaps[n - 1], 16) != NULL || errno != ENOMEM)
        return "allocation without a cache was not a miss (NULL, ENOMEM)";
    if (stats_of(heaps[n - 1]).failures != 1)
        return "the miss was not counted";
    rta_thread_detach(heaps[0]);
    if (rta_thread_attach(heaps[n - 1]) != 0)
        return "attach after a detach failed";
    p = rta_malloc(heaps[n - 1], 16);
    if (!p)
        return "allocation after attach failed";
    rta_free(heaps[n - 1], p);
    return NULL;
}

START_TEST(test_too_many_heaps_per_thread)
{
    rta_heap *heaps[RTA_MAX_HEAPS_PER_THREAD + 1];
    unsigned n = RTA_MAX_HEAPS_PER_THREAD + 1;
    rta_config cfg;
    pthread_t t;
    void *what = NULL;

    rta_config_defaults(&cfg);
    cfg.pool_bytes = 64u << 10;
    cfg.arena_bytes = 0;
    cfg.max_block = 256;
    cfg.max_threads = 2;
    cfg.flags = RTA_NO_PREFAULT;
    for (unsigned i = 0; i < n; i++)
        ck_assert_int_eq(rta_heap_create(&heaps[i], &cfg), RTA_OK);
    ck_assert_int_eq(pthread_create(&t, NULL, attach_to_too_many, heaps), 0);
    ck_assert_int_eq(pthread_join(t, &what), 0);
    for (unsigned i = 0; i < n; i++)
        rta_heap_destroy(heaps[i]);
    ck_assert_msg(what == NULL, "%s", (const char *)what);
}
END_TEST

/* ---- impossible configurations ------------------------------------------- */

START_TEST(test_impossible_config)
{
    static unsigned char tiny[4096] __attribute__((aligned(64)));
    rta_config base, cfg;
    const char *words[16] = {0};
    int codes[] = {
        RTA_ERR_CONFIG, RTA_ERR_REGION_TOO_SMALL, RTA_ERR_MAX_BLOCK, RTA_ERR_LOCK, RTA_ERR_MAP,
        RTA_ERR_INVAL,  RTA_ERR_NO_CACHE,         RTA_ERR_RESERVE};

    rta_config_defaults(&base);
    base.flags = RTA_NO_PREFAULT;

    cfg = base, cfg.pool_bytes = 0;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.max_block = 0;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.max_threads = 0;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.max_threads = 100000;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.flags |= 1u << 12;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.memory = tiny; /* memory_bytes 0 */
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.memory_bytes = sizeof tiny; /* memory NULL */
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.pool_bytes = SIZE_MAX;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.arena_bytes = SIZE_MAX / 2;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);

    cfg = base, cfg.max_block = 64u << 20;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_MAX_BLOCK);
    cfg = base, cfg.max_block = SIZE_MAX;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_MAX_BLOCK);
    cfg = base, cfg.pool_bytes = 64u << 10, cfg.max_block = 1u << 20;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_MAX_BLOCK);

    cfg = base, cfg.memory = tiny, cfg.memory_bytes = sizeof tiny;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_REGION_TOO_SMALL);

    /* The limits, at the boundary.  On the caller's tiny region a size
     * that passes the config check stops at RTA_ERR_REGION_TOO_SMALL
     * without mapping anything, so 1 TiB - 1 can be tried. */
    const size_t tib = (size_t)1 << 40;
    cfg = base, cfg.memory = tiny, cfg.memory_bytes = sizeof tiny;
    cfg.pool_bytes = tib - 1;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_REGION_TOO_SMALL);
    cfg.pool_bytes = tib;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.memory = tiny, cfg.memory_bytes = sizeof tiny;
    cfg.arena_bytes = tib - 1;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_REGION_TOO_SMALL);
    cfg.arena_bytes = tib;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.memory = tiny, cfg.memory_bytes = sizeof tiny;
    cfg.max_threads = 4096;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_REGION_TOO_SMALL);
    cfg.max_threads = 4097;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_CONFIG);
    cfg = base, cfg.pool_bytes = 8u << 20, cfg.arena_bytes = 0;
    cfg.max_block = 2u << 20;
    rta_heap *h = NULL;
    ck_assert_int_eq(rta_heap_create(&h, &cfg), RTA_OK);
    void *big = rta_malloc(h, 2u << 20);
    ck_assert_ptr_nonnull(big);
    ck_assert_uint_eq(rta_usable_size(h, big), 2u << 20);
    rta_free(h, big);
    rta_heap_destroy(h);
    cfg.max_block = (2u << 20) + 1;
    ck_assert_int_eq(config_error(&cfg), RTA_ERR_MAX_BLOCK);
    /* 4096 threads: a real heap. */
    cfg = base, cfg.pool_bytes = 1u << 20, cfg.arena_bytes = 0, cfg.max_threads = 4096;
    h = NULL;
    ck_assert_int_eq(rta_heap_create(&h, &cfg), RTA_OK);
    rta_heap_destroy(h);

    /* Every code has its own words, none of them "unknown". */
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        words[i] = rta_strerror(codes[i]);
        ck_assert_ptr_nonnull(words[i]);
        ck_assert_ptr_null(strstr(words[i], "unknown"));
        for (unsigned j = 0; j < i; j++)
            ck_assert_str_ne(words[i], words[j]);
    }
    ck_assert_ptr_nonnull(strstr(rta_strerror(RTA_ERR_LOCK), "RLIMIT_MEMLOCK"));
}
END_TEST

/* Drops CAP_IPC_LOCK from the effective set (CI runs as root, and root's
 * mlock ignores RLIMIT_MEMLOCK). */
static int drop_ipc_lock(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return -1;
    data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    return (int)syscall(SYS_capset, &hdr, data);
}

/* Runs fn in a child process (it changes process limits) and returns its
 * exit status. */
static int in_child(int (*fn)(void))
{
    int status = 0;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(fn());
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static int create_with_no_memlock(void)
{
    struct rlimit none = {0, 0};
    int err;
    rta_config cfg;
    rta_heap *h = NULL;
    if (drop_ipc_lock() != 0 || setrlimit(RLIMIT_MEMLOCK, &none) != 0)
        return 90;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.flags = RTA_LOCK_MEMORY;
    (void)err;
    (void)h;
    return child_create_fails(&cfg, RTA_ERR_LOCK);
}

START_TEST(test_create_lock_refused)
{
    ck_assert_int_eq(in_child(create_with_no_memlock), 0);
}
END_TEST

static int create_with_no_address_space(void)
{
    struct rlimit as = {256u << 20, 256u << 20};
    rta_config cfg;
    rta_heap *h = NULL;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = (size_t)1 << 30; /* 1 GiB: above the limit either way */
    cfg.flags = RTA_NO_PREFAULT;
    if (setrlimit(RLIMIT_AS, &as) != 0)
        return 90;
    (void)h;
    return child_create_fails(&cfg, RTA_ERR_MAP);
}

START_TEST(test_create_map_fails)
{
    ck_assert_int_eq(in_child(create_with_no_address_space), 0);
}
END_TEST

static Suite *bad_input_suite(void)
{
    Suite *s = suite_create("bad_input");
    TCase *tc = tcase_create("release_and_debug");
    tcase_add_test(tc, test_null_heap);
    tcase_add_test(tc, test_zero_size);
    tcase_add_test(tc, test_huge_size_release);
    tcase_add_test(tc, test_huge_size_debug);
    tcase_add_test(tc, test_huge_size_fallback);
    tcase_add_test(tc, test_bad_alignment);
    tcase_add_test(tc, test_free_foreign_release);
    tcase_add_test(tc, test_free_foreign_debug);
    tcase_add_test(tc, test_free_interior_release);
    tcase_add_test(tc, test_free_interior_debug);
    tcase_add_test(tc, test_double_free_debug);
    tcase_add_test(tc, test_free_fallback_pointer);
    tcase_add_test(tc, test_free_sized_mismatch);
    tcase_add_test(tc, test_leak_report_debug);
    tcase_add_test(tc, test_no_leak_report);
    tcase_add_test(tc, test_destroy_null_and_recreate);
    tcase_add_test(tc, test_arena_overflow_release);
    tcase_add_test(tc, test_arena_overflow_debug);
    tcase_add_test(tc, test_use_after_reset_debug);
    tcase_add_test(tc, test_use_after_reset_release);
    tcase_add_test(tc, test_more_threads_than_caches);
    tcase_add_test(tc, test_too_many_heaps_per_thread);
    tcase_add_test(tc, test_impossible_config);
    /* Left out where they cannot measure (main() then exits 77). */
    if (!TU_SANITIZED)
        tcase_add_test(tc, test_create_lock_refused);
    if (!tu_under_valgrind())
        tcase_add_test(tc, test_create_map_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    char skipped[256] = "";
    if (TU_SANITIZED)
        strcat(skipped, " test_create_lock_refused (the sanitizer makes mlock a no-op that "
                        "succeeds);");
    if (tu_under_valgrind())
        strcat(skipped, " test_create_map_fails (valgrind needs address space of its own);");
    return tu_run_skipping(bad_input_suite(), "check_bad_input", skipped);
}
