/* Frame arenas in debug mode (RTA_DEBUG): an allocation that does not fit
 * calls the heap's trap handler with RTA_TRAP_ARENA_OVERFLOW (and, with
 * the default handler, aborts), and every byte a reset or a rewind drops
 * is overwritten with a fill pattern, so that code still using memory of
 * the last frame reads garbage instead of plausible old values.
 *
 * The contrast is checked too: without RTA_DEBUG an overflow calls no
 * handler and a reset is one store that leaves the bytes alone.
 *
 * Reading dropped arena memory is exactly the use-after-reset the poison
 * is there to expose; the reads go through peek_bytes(), which AddressSanitizer
 * does not instrument, in case the library also marks dropped memory for it. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

#if defined(__clang__) || defined(__GNUC__)
#define NO_ASAN __attribute__((no_sanitize_address, noinline))
#else
#define NO_ASAN
#endif

enum { ARENA_BYTES = 64u << 10, MAX_TRAPS = 8 };

struct trap_log {
    int count;
    rta_trap_info info[MAX_TRAPS];
};

static struct trap_log traps;
static rta_heap *heap;

static void record_trap(const rta_trap_info *info, void *user)
{
    struct trap_log *log = user;
    if (log->count < MAX_TRAPS)
        log->info[log->count] = *info;
    log->count++;
}

static void make_heap(unsigned flags, rta_trap_fn on_trap)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.arena_bytes = ARENA_BYTES;
    cfg.flags = flags;
    cfg.on_trap = on_trap;
    cfg.trap_user = on_trap ? &traps : NULL;
    memset(&traps, 0, sizeof traps);
    int rc = rta_heap_create(&heap, &cfg);
    ck_assert_msg(rc == 0, "rta_heap_create: %s", rta_strerror(rc));
}

static void setup_debug(void)
{
    make_heap(RTA_DEBUG, record_trap);
}

static void setup_plain(void)
{
    make_heap(0, record_trap);
}

static void teardown(void)
{
    rta_heap_destroy(heap);
    heap = NULL;
}

/* Copies n bytes of (possibly dropped) arena memory out. */
static NO_ASAN void peek_bytes(unsigned char *out, const volatile unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = p[i];
}

/* A pattern no fill can look like: not periodic with any short period. */
static unsigned char written_byte(size_t i)
{
    return (unsigned char)(i * 7 + (i >> 8) * 13 + 3);
}

static void write_pattern(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = written_byte(i);
}

/* 1 if the n bytes at p still hold what write_pattern wrote. */
static int still_written(const unsigned char *p, size_t n)
{
    unsigned char *copy = malloc(n);
    ck_assert_ptr_nonnull(copy);
    peek_bytes(copy, p, n);
    int same = 1;
    for (size_t i = 0; i < n && same; i++)
        same = copy[i] == written_byte(i);
    free(copy);
    return same;
}

/* Checks the n bytes at p were overwritten by a fill pattern: a byte
 * pattern that repeats every 1, 2, 4 or 8 bytes (0xDEADBEEF-like fills
 * included), so none of what write_pattern put there is left. */
static void assert_poisoned(const unsigned char *p, size_t n, const char *what)
{
    ck_assert_uint_ge(n, 16);
    unsigned char *copy = malloc(n);
    ck_assert_ptr_nonnull(copy);
    peek_bytes(copy, p, n);
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        if (copy[i] != copy[i % 8]) /* no ck_assert per byte: each one writes */
            ck_abort_msg("%s: byte %zu of %zu is %#x, not the fill %#x (not poisoned)", what, i, n,
                         copy[i], copy[i % 8]);
        left += copy[i] == written_byte(i);
    }
    /* A fill may share a byte value with the old data here and there, but
     * not keep it: at most one byte in 8 could match by chance. */
    ck_assert_msg(left <= n / 8 + 1, "%s: %zu of %zu old bytes survived", what, left, n);
    free(copy);
}

/* ---- overflow trap ------------------------------------------------------- */

START_TEST(test_overflow_traps)
{
    rta_arena *a = rta_heap_arena(heap);
    ck_assert_ptr_nonnull(a);
    size_t cap = rta_arena_capacity(a);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, cap - 64, 1));
    ck_assert_int_eq(traps.count, 0);

    errno = 0;
    void *p = rta_arena_alloc(a, 65, 1);
    /* The handler returned: the call completes as without RTA_DEBUG. */
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(traps.count, 1);
    ck_assert_int_eq(traps.info[0].kind, RTA_TRAP_ARENA_OVERFLOW);
    ck_assert_uint_eq(traps.info[0].size, 65);

    /* What still fits does not trap. */
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 64, 1));
    ck_assert_int_eq(traps.count, 1);

    rta_arena_stats st;
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.overflows, 1);
}
END_TEST

START_TEST(test_overflow_traps_created_arena)
{
    rta_arena *a;
    ck_assert_int_eq(rta_arena_create(heap, 4096, &a), 0);
    ck_assert_ptr_null(rta_arena_alloc(a, rta_arena_capacity(a) + 1, 0));
    ck_assert_int_eq(traps.count, 1);
    ck_assert_int_eq(traps.info[0].kind, RTA_TRAP_ARENA_OVERFLOW);
    /* A bad alignment is EINVAL, not an overflow: no trap. */
    errno = 0;
    ck_assert_ptr_null(rta_arena_alloc(a, 16, 3));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(traps.count, 1);
}
END_TEST

START_TEST(test_overflow_no_trap_without_debug)
{
    rta_arena *a = rta_heap_arena(heap);
    ck_assert_ptr_null(rta_arena_alloc(a, rta_arena_capacity(a) + 1, 0));
    ck_assert_int_eq(traps.count, 0);
    rta_arena_stats st;
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.overflows, 1);
}
END_TEST

START_TEST(test_overflow_default_handler_aborts)
{
    rta_arena *a = rta_heap_arena(heap);
    void *volatile p = rta_arena_alloc(a, rta_arena_capacity(a) + 1, 0);
    /* not reached: the default handler reports and aborts */
    ck_abort_msg("overflow returned %p without aborting", p);
}
END_TEST

static void setup_debug_default_handler(void)
{
    make_heap(RTA_DEBUG, NULL);
}

/* ---- poison -------------------------------------------------------------- */

START_TEST(test_reset_poisons)
{
    rta_arena *a = rta_heap_arena(heap);
    unsigned char *p = rta_arena_alloc(a, 300, 0);
    unsigned char *q = rta_arena_alloc(a, 4000, 64);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    write_pattern(p, 300);
    write_pattern(q, 4000);
    ck_assert(still_written(p, 300));
    rta_arena_reset(a);
    assert_poisoned(p, 300, "first block after reset");
    assert_poisoned(q, 4000, "second block after reset");
}
END_TEST

START_TEST(test_reset_poisons_whole_arena)
{
    rta_arena *a = rta_heap_arena(heap);
    size_t cap = rta_arena_capacity(a);
    unsigned char *all = rta_arena_alloc(a, cap, 1);
    ck_assert_ptr_nonnull(all);
    write_pattern(all, cap);
    rta_arena_reset(a);
    assert_poisoned(all, cap, "full arena after reset");
}
END_TEST

START_TEST(test_rewind_poisons_only_after_mark)
{
    rta_arena *a = rta_heap_arena(heap);
    unsigned char *kept = rta_arena_alloc(a, 512, 0);
    ck_assert_ptr_nonnull(kept);
    write_pattern(kept, 512);

    size_t m = rta_arena_mark(a);
    unsigned char *dropped = rta_arena_alloc(a, 1024, 0);
    ck_assert_ptr_nonnull(dropped);
    write_pattern(dropped, 1024);
    rta_arena_rewind(a, m);

    assert_poisoned(dropped, 1024, "block after the mark");
    ck_assert_msg(still_written(kept, 512), "rewind damaged memory before its mark");
    ck_assert_uint_eq(rta_arena_used(a), m);
}
END_TEST

START_TEST(test_created_arena_poisons)
{
    rta_arena *a;
    ck_assert_int_eq(rta_arena_create(heap, 8192, &a), 0);
    unsigned char *p = rta_arena_alloc(a, 8192, 1);
    ck_assert_ptr_nonnull(p);
    write_pattern(p, 8192);
    rta_arena_reset(a);
    assert_poisoned(p, 8192, "created arena after reset");
}
END_TEST

START_TEST(test_no_poison_without_debug)
{
    /* Without RTA_DEBUG a reset is one store: the old bytes stay. */
    rta_arena *a = rta_heap_arena(heap);
    unsigned char *p = rta_arena_alloc(a, 2048, 0);
    ck_assert_ptr_nonnull(p);
    write_pattern(p, 2048);
    rta_arena_reset(a);
    ck_assert(still_written(p, 2048));
    size_t m = rta_arena_mark(a);
    unsigned char *q = rta_arena_alloc(a, 100, 0);
    ck_assert_ptr_eq(q, p);
    rta_arena_rewind(a, m);
    ck_assert(still_written(p, 2048));
}
END_TEST

static Suite *arena_debug_suite(int forking)
{
    Suite *s = suite_create("arena_debug");

    TCase *tc = tcase_create("trap");
    tcase_add_checked_fixture(tc, setup_debug, teardown);
    tcase_add_test(tc, test_overflow_traps);
    tcase_add_test(tc, test_overflow_traps_created_arena);
    tcase_add_test(tc, test_reset_poisons);
    tcase_add_test(tc, test_reset_poisons_whole_arena);
    tcase_add_test(tc, test_rewind_poisons_only_after_mark);
    tcase_add_test(tc, test_created_arena_poisons);
    suite_add_tcase(s, tc);

    tc = tcase_create("plain");
    tcase_add_checked_fixture(tc, setup_plain, teardown);
    tcase_add_test(tc, test_overflow_no_trap_without_debug);
    tcase_add_test(tc, test_no_poison_without_debug);
    suite_add_tcase(s, tc);

    /* abort() takes the whole process down without fork mode (CK_FORK=no,
     * as under valgrind): leave that test out then. */
    if (forking) {
        tc = tcase_create("abort");
        tcase_add_checked_fixture(tc, setup_debug_default_handler, teardown);
        tcase_add_test_raise_signal(tc, test_overflow_default_handler_aborts, SIGABRT);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(NULL);
    srunner_add_suite(sr, arena_debug_suite(srunner_fork_status(sr) != CK_NOFORK));
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
