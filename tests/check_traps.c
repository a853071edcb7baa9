/* RTA_DEBUG traps through a custom on_trap handler that records what it
 * is told: each kind fires once, with the pointer or size concerned, and
 * when the handler returns the operation completes as without RTA_DEBUG
 * (NULL, fallback served, bad free ignored, heap intact).  The default
 * handler (report + abort) is in check_debug_traps.c.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_util.h"

#define POOL (1 * MiB)

static tu_traps traps;

static rta_heap *debug_heap(unsigned flags)
{
    memset(&traps, 0, sizeof traps);
    rta_config cfg = tu_config(POOL, RTA_DEBUG | flags);
    cfg.on_trap = tu_record_trap;
    cfg.trap_user = &traps;
    return tu_create(&cfg);
}

static void expect_one_trap(int kind, const void *ptr)
{
    ck_assert_msg(traps.count == 1, "%d traps, want 1 of kind %d", traps.count, kind);
    ck_assert_int_eq(traps.seen[0].kind, kind);
    if (ptr)
        ck_assert_ptr_eq(traps.seen[0].ptr, ptr);
    traps.count = 0;
}

START_TEST(test_trap_exhausted_too_big)
{
    rta_heap *h = debug_heap(0);
    errno = 0;
    ck_assert_ptr_null(rta_malloc(h, 64 * KiB + 1));
    ck_assert_int_eq(errno, ENOMEM);
    expect_one_trap(RTA_TRAP_EXHAUSTED, NULL);
    ck_assert_uint_eq(traps.seen[0].size, 64 * KiB + 1);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 1);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_trap_exhausted_pool_full)
{
    rta_heap *h = debug_heap(0);
    static void *p[1 << 12];
    size_t n = tu_fill(h, 4096, p, 1 << 12);
    ck_assert_uint_gt(n, 100);
    expect_one_trap(RTA_TRAP_EXHAUSTED, NULL);
    ck_assert_uint_eq(traps.seen[0].size, 4096);
    tu_free_all(h, p, n);
    ck_assert_int_eq(traps.count, 0);
    rta_heap_destroy(h);
    ck_assert_int_eq(traps.count, 0); /* nothing leaked */
}
END_TEST

START_TEST(test_trap_fallback)
{
    rta_heap *h = debug_heap(RTA_FALLBACK_SYSTEM);
    void *p = rta_malloc(h, 100 * KiB);
    ck_assert_ptr_nonnull(p); /* served after the handler returned */
    expect_one_trap(RTA_TRAP_FALLBACK, NULL);
    ck_assert_uint_eq(traps.seen[0].size, 100 * KiB);
    memset(p, 0x7e, 100 * KiB);
    rta_free(h, p);
    ck_assert_int_eq(traps.count, 0); /* freeing a fallback is fine */
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.fallbacks, 1);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_trap_double_free)
{
    rta_heap *h = debug_heap(0);
    void *keep = rta_malloc(h, 64); /* the span stays in use */
    void *p = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(p);
    rta_free(h, p);
    ck_assert_int_eq(traps.count, 0);
    rta_free(h, p);
    expect_one_trap(RTA_TRAP_DOUBLE_FREE, p);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 1);
    ck_assert_uint_eq(st.frees, 1);
    ck_assert_uint_eq(st.bytes_live, 64);
    /* The second free was ignored: p is handed out once, not twice. */
    void *a = rta_malloc(h, 64), *b = rta_malloc(h, 64), *c = rta_malloc(h, 64);
    ck_assert_ptr_ne(a, b);
    ck_assert_ptr_ne(b, c);
    ck_assert_ptr_ne(a, c);
    rta_free(h, a);
    rta_free(h, b);
    rta_free(h, c);
    rta_free(h, keep);
    ck_assert_int_eq(traps.count, 0);
    rta_heap_destroy(h);
}
END_TEST

static void *free_on_thread(void *arg)
{
    void **hp = arg;
    rta_free(hp[0], hp[1]);
    return NULL;
}

START_TEST(test_trap_double_free_remote)
{
    /* Freed once from another thread, then again by the owner, and the
     * other way round: both seen. */
    rta_heap *h = debug_heap(0);
    void *keep = rta_malloc(h, 128);
    void *p = rta_malloc(h, 128);
    void *args[2] = {h, p};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, free_on_thread, args), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(traps.count, 0);
    rta_free(h, p);
    expect_one_trap(RTA_TRAP_DOUBLE_FREE, p);

    void *q = rta_malloc(h, 128);
    rta_free(h, q);
    args[1] = q;
    ck_assert_int_eq(pthread_create(&t, NULL, free_on_thread, args), 0);
    pthread_join(t, NULL);
    expect_one_trap(RTA_TRAP_DOUBLE_FREE, q);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 2);
    ck_assert_uint_eq(st.bytes_live, 128);
    rta_free(h, keep);
    rta_heap_destroy(h);
    ck_assert_int_eq(traps.count, 0);
}
END_TEST

START_TEST(test_trap_foreign_free)
{
    rta_heap *h = debug_heap(0);
    int on_stack;
    rta_free(h, &on_stack);
    expect_one_trap(RTA_TRAP_FOREIGN_FREE, &on_stack);
    void *sys = malloc(32);
    rta_free(h, sys);
    expect_one_trap(RTA_TRAP_FOREIGN_FREE, sys);
    free(sys); /* the heap did not free it */
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 2);
    ck_assert_uint_eq(st.frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_trap_interior_free)
{
    rta_heap *h = debug_heap(0);
    char *p = rta_malloc(h, 200);
    ck_assert_ptr_nonnull(p);
    tu_paint(p, 200, 1);
    rta_free(h, p + 16);
    expect_one_trap(RTA_TRAP_INTERIOR_FREE, p + 16);
    rta_free(h, p + 199);
    expect_one_trap(RTA_TRAP_INTERIOR_FREE, p + 199);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bad_frees, 2);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert(tu_painted(p, 200, 1)); /* still live, untouched */
    rta_free(h, p);
    ck_assert_int_eq(traps.count, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_trap_size_mismatch)
{
    rta_heap *h = debug_heap(0);
    void *p = rta_malloc(h, 64);
    rta_free_sized(h, p, 64); /* right size: quiet */
    ck_assert_int_eq(traps.count, 0);
    p = rta_malloc(h, 64);
    rta_free_sized(h, p, 60); /* same class: still right */
    ck_assert_int_eq(traps.count, 0);
    p = rta_malloc(h, 64);
    rta_free_sized(h, p, 1000);
    expect_one_trap(RTA_TRAP_SIZE_MISMATCH, p);
    ck_assert_uint_eq(traps.seen[0].size, 1000);
    /* The trap, then the free (doc/BAD-INPUT.md: "traps, then frees the
     * block"): nothing is live and the free is counted. */
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.frees, st.allocs);
    ck_assert_uint_eq(st.bad_frees, 0);
    traps.count = 0;
    void *a = rta_malloc(h, 64), *b = rta_malloc(h, 64);
    ck_assert_ptr_ne(a, b);
    rta_free(h, a);
    rta_free(h, b);
    rta_heap_destroy(h);
    ck_assert_int_eq(traps.count, 0);
}
END_TEST

struct no_cache_try {
    rta_heap *h;
    void *got;
    int err;
};

static void *alloc_without_cache(void *arg)
{
    struct no_cache_try *j = arg;
    errno = 0;
    j->got = rta_malloc(j->h, 64);
    j->err = errno;
    return NULL;
}

START_TEST(test_trap_no_cache)
{
    /* A thread that finds no free cache misses: that traps too. */
    memset(&traps, 0, sizeof traps);
    rta_config cfg = tu_config(POOL, RTA_DEBUG);
    cfg.on_trap = tu_record_trap;
    cfg.trap_user = &traps;
    cfg.max_threads = 1;
    rta_heap *h = tu_create(&cfg);
    ck_assert_int_eq(rta_thread_attach(h), 0);
    struct no_cache_try j = {h, (void *)1, 0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, alloc_without_cache, &j), 0);
    pthread_join(t, NULL);
    ck_assert_ptr_null(j.got);
    ck_assert_int_eq(j.err, ENOMEM);
    expect_one_trap(RTA_TRAP_EXHAUSTED, NULL);
    ck_assert_uint_eq(traps.seen[0].size, 64);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_trap_leak_at_destroy)
{
    rta_heap *h = debug_heap(0);
    void *a = rta_malloc(h, 64);
    void *b = rta_malloc(h, 3000);
    void *c = rta_malloc(h, 64);
    rta_free(h, c);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    const size_t size_b = rta_usable_size(h, b);
    /* Catch the stderr summary. */
    int fd = memfd_create("stderr", 0);
    int saved = dup(2);
    ck_assert_int_ge(fd, 0);
    dup2(fd, 2);
    rta_heap_destroy(h);
    dup2(saved, 2);
    close(saved);
    /* One live block in each of two classes: one RTA_TRAP_LEAK for the
     * heap (the header), its size the live bytes. */
    ck_assert_msg(traps.count == 1, "%d leak traps, the header promises one", traps.count);
    ck_assert_int_eq(traps.seen[0].kind, RTA_TRAP_LEAK);
    ck_assert_uint_eq(traps.seen[0].size, 64 + size_b);
    char text[4096];
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    ck_assert_int_gt(n, 0);
    text[n] = 0;
    /* The summary names both classes. */
    char name[32];
    snprintf(name, sizeof name, " %zu ", size_b);
    ck_assert_msg(strstr(text, " 64 ") != NULL && strstr(text, name) != NULL,
                  "leak summary does not name classes 64 and%s:\n%s", name, text);
}
END_TEST

START_TEST(test_trap_arena_overflow)
{
    memset(&traps, 0, sizeof traps);
    rta_config cfg = tu_config(POOL, RTA_DEBUG);
    cfg.on_trap = tu_record_trap;
    cfg.trap_user = &traps;
    cfg.arena_bytes = 64 * KiB;
    rta_heap *h = tu_create(&cfg);
    rta_arena *a = rta_heap_arena(h);
    ck_assert_ptr_nonnull(a);
    size_t cap = rta_arena_capacity(a);
    errno = 0;
    ck_assert_ptr_null(rta_arena_alloc(a, cap + 1, 0));
    ck_assert_int_eq(errno, ENOMEM);
    expect_one_trap(RTA_TRAP_ARENA_OVERFLOW, NULL);
    ck_assert_uint_eq(traps.seen[0].size, cap + 1);
    void *p = rta_arena_alloc(a, 100, 0); /* the arena still works */
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(traps.count, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_debug_keeps_semantics)
{
    /* Poisoning must not change what callers see: calloc is zeroed,
     * realloc keeps contents; and a freed block's old contents are gone
     * when it is handed out again. */
    rta_heap *h = debug_heap(0);
    unsigned char *p = rta_malloc(h, 200);
    tu_paint(p, 200, 42);
    rta_free(h, p);
    unsigned char *q = rta_malloc(h, 200);
    ck_assert_ptr_nonnull(q);
    ck_assert_msg(!tu_painted(q, 200, 42), "RTA_DEBUG handed the old contents out again");
    rta_free(h, q);
    unsigned char *z = rta_calloc(h, 200, 1);
    for (int i = 0; i < 200; i++)
        ck_assert_uint_eq(z[i], 0);
    tu_paint(z, 200, 7);
    unsigned char *r = rta_realloc(h, z, 5000);
    ck_assert_ptr_nonnull(r);
    ck_assert(tu_painted(r, 200, 7));
    unsigned char *same = rta_realloc(h, r, 4999);
    ck_assert_ptr_eq(same, r);
    ck_assert(tu_painted(same, 200, 7));
    rta_free(h, same);
    ck_assert_int_eq(traps.count, 0);
    rta_heap_destroy(h);
    ck_assert_int_eq(traps.count, 0);
}
END_TEST

START_TEST(test_release_leak_is_quiet)
{
    /* Without RTA_DEBUG, destroying a heap with live blocks neither traps
     * (tu_no_trap would fail the test) nor writes anything. */
    rta_heap *h = tu_small_heap(POOL, 0);
    ck_assert_ptr_nonnull(rta_malloc(h, 64));
    int fd = memfd_create("stderr", 0);
    int saved = dup(2);
    dup2(fd, 2);
    rta_heap_destroy(h);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(lseek(fd, 0, SEEK_END), 0);
    close(fd);
}
END_TEST

START_TEST(test_no_trap_without_leak)
{
    rta_heap *h = debug_heap(0);
    void *a = rta_malloc(h, 64);
    rta_free(h, a);
    rta_heap_destroy(h);
    ck_assert_int_eq(traps.count, 0);
}
END_TEST

static Suite *traps_suite(void)
{
    Suite *s = suite_create("traps");
    TCase *tc = tcase_create("traps");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_trap_exhausted_too_big);
    tcase_add_test(tc, test_trap_exhausted_pool_full);
    tcase_add_test(tc, test_trap_fallback);
    tcase_add_test(tc, test_trap_double_free);
    tcase_add_test(tc, test_trap_double_free_remote);
    tcase_add_test(tc, test_trap_foreign_free);
    tcase_add_test(tc, test_trap_interior_free);
    tcase_add_test(tc, test_trap_size_mismatch);
    tcase_add_test(tc, test_trap_no_cache);
    tcase_add_test(tc, test_trap_leak_at_destroy);
    tcase_add_test(tc, test_trap_arena_overflow);
    tcase_add_test(tc, test_debug_keeps_semantics);
    tcase_add_test(tc, test_no_trap_without_leak);
    tcase_add_test(tc, test_release_leak_is_quiet);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(traps_suite());
}
