/* Shared helpers for the rtalloc Check tests.
 *
 * Everything a test needs to know about the heap's layout (size classes,
 * blocks per span) is read back through the public API (rta_stats_get),
 * never hard-coded, so the tests stay a check of the contract rather than
 * of one implementation.  Helpers are static inline: each test program
 * includes this header once and -Wunused stays quiet.
 */
#ifndef RTA_TEST_UTIL_H
#define RTA_TEST_UTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtalloc.h"

#define MiB ((size_t)1 << 20)
#define KiB ((size_t)1 << 10)

/* Sanitizer builds are slower and own the address space: tests scale
 * their loop counts down and skip what cannot work under them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TU_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TU_SANITIZED 1
#endif
#endif
#ifndef TU_SANITIZED
#define TU_SANITIZED 0
#endif

/* Hides a constant from the compiler, so alloc_size attributes do not
 * turn a deliberately absurd request into a build error. */
static inline size_t tu_opaque(size_t n)
{
    volatile size_t v = n;
    return v;
}

/* A trap handler that records what it saw instead of aborting. */
#define TU_MAX_TRAPS 64
typedef struct tu_traps {
    int count;
    rta_trap_info seen[TU_MAX_TRAPS];
} tu_traps;

static inline void tu_record_trap(const rta_trap_info *info, void *user)
{
    tu_traps *t = user;
    if (t->count < TU_MAX_TRAPS)
        t->seen[t->count] = *info;
    t->count++;
}

/* Fails the test if any trap fires (release-mode tests install this to
 * prove nothing traps without RTA_DEBUG). */
static inline void tu_no_trap(const rta_trap_info *info, void *user)
{
    (void)user;
    ck_abort_msg("unexpected trap kind %d ptr %p size %zu", info->kind, info->ptr, info->size);
}

/* A small heap: pools of pool_bytes, no arena, default max_block. */
static inline rta_config tu_config(size_t pool_bytes, unsigned flags)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = pool_bytes;
    cfg.arena_bytes = 0;
    cfg.flags = flags;
    cfg.on_trap = tu_no_trap;
    cfg.trap_user = NULL;
    return cfg;
}

static inline rta_heap *tu_create(const rta_config *cfg)
{
    rta_heap *h = NULL;
    int err = rta_heap_create(&h, cfg);
    ck_assert_msg(err == RTA_OK, "rta_heap_create: %d (%s)", err, rta_strerror(err));
    ck_assert_ptr_nonnull(h);
    return h;
}

static inline rta_heap *tu_small_heap(size_t pool_bytes, unsigned flags)
{
    rta_config cfg = tu_config(pool_bytes, flags);
    return tu_create(&cfg);
}

static inline rta_stats tu_stats(const rta_heap *h)
{
    rta_stats st;
    memset(&st, 0xa5, sizeof st); /* so a field left unset shows */
    rta_stats_get(h, &st);
    return st;
}

/* Index of the class serving `size` bytes: the smallest block >= size. */
static inline int tu_class_of(const rta_stats *st, size_t size)
{
    for (unsigned i = 0; i < st->n_classes; i++)
        if (st->classes[i].block_size >= size)
            return (int)i;
    return -1;
}

static inline size_t tu_class_size(const rta_heap *h, unsigned i)
{
    rta_stats st = tu_stats(h);
    ck_assert_uint_lt(i, st.n_classes);
    return st.classes[i].block_size;
}

/* Allocates `size` bytes until the pools say no, storing at most `max`
 * pointers in out (the rest, if any, are counted and leaked into the
 * caller's responsibility: max must be large enough).  The failing call
 * must leave errno = ENOMEM.  Returns how many blocks were handed out. */
static inline size_t tu_fill(rta_heap *h, size_t size, void **out, size_t max)
{
    size_t n = 0;
    for (;;) {
        errno = 0;
        void *p = rta_malloc(h, size);
        if (p == NULL) {
            ck_assert_int_eq(errno, ENOMEM);
            break;
        }
        ck_assert_msg(n < max, "pool gave more than %zu blocks of %zu B", max, size);
        out[n++] = p;
    }
    return n;
}

static inline void tu_free_all(rta_heap *h, void **ptrs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rta_free(h, ptrs[i]);
}

/* Fills a block with a pattern derived from its address and a seed, and
 * checks it back: proves blocks do not overlap and contents survive. */
static inline void tu_paint(void *p, size_t n, unsigned seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed + i * 7u);
}

static inline int tu_painted(const void *p, size_t n, unsigned seed)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)(seed + i * 7u))
            return 0;
    return 1;
}

/* xorshift64*: deterministic, no libc state, no system call. */
static inline uint64_t tu_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 2685821657736338717ull;
}

/* Runs a Check suite; CK_FORK etc. come from the environment. */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* As tu_run, for a program that left out tests which cannot measure
 * here: when the others pass it exits 77 (SKIP) naming what was not
 * run, so the gap shows in the log instead of passing unmeasured.
 * `skipped` is "" when nothing was left out. */
static inline int tu_run_skipping(Suite *s, const char *program, const char *skipped)
{
    int rc = tu_run(s);
    if (rc != EXIT_SUCCESS || skipped == NULL || skipped[0] == 0)
        return rc;
    fprintf(stderr, "SKIP: %s: the other tests passed, but not run here:%s\n", program, skipped);
    return 77;
}

/* 1 under valgrind: .ci/hardening.sh sets RTA_UNDER_VALGRIND, and
 * valgrind's preloaded core shows in LD_PRELOAD anyway. */
static inline int tu_under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return getenv("RTA_UNDER_VALGRIND") != NULL || (preload && strstr(preload, "vgpreload"));
}

/* The text of /proc/self/maps into buf (NUL-terminated), read with
 * open/read so the reading itself maps nothing (stdio would malloc).
 * Returns its length, or -1. */
static inline long tu_read_maps(char *buf, size_t cap)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = 0;
    return n + 1 < cap ? (long)n : -1;
}

/* The first mapping of at least min_bytes that `after` (a later
 * tu_read_maps) holds and `before` does not hold as such: something was
 * mapped and left (or grew a neighbour); NULL when there is none.
 * Smaller changes, and reserved address space, are not the heap's
 * (valgrind, ASan and the libc map for themselves as they go). */
static inline const char *tu_maps_grew(const char *before, const char *after, size_t min_bytes)
{
    static char line[512];
    for (const char *l = after; *l;) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        unsigned long lo, hi;
        char perms[8];
        /* Reserved address space (---p: ASan's allocator, guard areas) is
         * not memory the heap mapped. */
        if (sscanf(l, "%lx-%lx %7s", &lo, &hi, perms) == 3 && hi - lo >= min_bytes &&
            strcmp(perms, "---p") != 0) {
            if (len > sizeof line - 2)
                len = sizeof line - 2;
            memcpy(line, l, len);
            line[len] = '\n';
            line[len + 1] = 0;
            const char *b = strstr(before, line);
            if (!(b && (b == before || b[-1] == '\n')))
                return line;
        }
        if (!end)
            break;
        l = end + 1;
    }
    return NULL;
}

#endif
