/* Frame arenas, single thread: the contract of rta_arena_* as a user sees
 * it.  Alignment of every power of two up to 4096 (0 meaning 16, anything
 * else EINVAL), reset back to the start, mark/rewind, overflow at the exact
 * capacity boundary, statistics across resets (the arena's and the heap's
 * frame_arena copy), and arenas carved with rta_arena_create from the
 * pools' reserve (errors, disjointness, memory inside the heap's region,
 * never reported by rta_owns).
 *
 * Threads, debug traps/poison and the no-syscall proof live in
 * check_arena_threads.c, check_arena_debug.c and check_arena_rt.c. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

enum { POOL_BYTES = 4u << 20, ARENA_BYTES = 64u << 10 };

static rta_heap *heap;

static void make_heap_sized(size_t pool_bytes, size_t arena_bytes)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = pool_bytes;
    cfg.arena_bytes = arena_bytes;
    cfg.flags = 0; /* these tests check the non-debug results (NULL, counts) */
    int rc = rta_heap_create(&heap, &cfg);
    ck_assert_msg(rc == 0, "rta_heap_create: %s", rta_strerror(rc));
}

static void setup(void)
{
    make_heap_sized(POOL_BYTES, ARENA_BYTES);
}

static void teardown(void)
{
    rta_heap_destroy(heap);
    heap = NULL;
}

static rta_arena *frame(void)
{
    rta_arena *a = rta_heap_arena(heap);
    ck_assert_ptr_nonnull(a);
    return a;
}

static uint64_t overflows_of(const rta_arena *a)
{
    rta_arena_stats st;
    rta_arena_stats_get(a, &st);
    return st.overflows;
}

/* ---- alignment ----------------------------------------------------------- */

START_TEST(test_align_every_power_of_two)
{
    rta_arena *a = frame();
    for (size_t align = 1; align <= 4096; align *= 2) {
        rta_arena_reset(a);
        /* An odd-sized block first, so the bump pointer is misaligned. */
        unsigned char *pad = rta_arena_alloc(a, 1, 1);
        ck_assert_ptr_nonnull(pad);
        pad[0] = 0x11;
        size_t before = rta_arena_used(a);
        unsigned char *p = rta_arena_alloc(a, 24, align);
        ck_assert_msg(p != NULL, "align %zu: NULL", align);
        ck_assert_msg((uintptr_t)p % align == 0, "align %zu: %p", align, (void *)p);
        ck_assert_msg(p > pad, "align %zu: block before the previous one", align);
        ck_assert_uint_ge(rta_arena_used(a), before + 24);
        memset(p, 0xA5, 24);             /* the whole block is writable ... */
        ck_assert_uint_eq(pad[0], 0x11); /* ... and is not the one before */
    }
}
END_TEST

START_TEST(test_align_zero_means_16)
{
    rta_arena *a = frame();
    for (int i = 0; i < 64; i++) {
        /* sizes 1..64 so every residue of the bump pointer is seen */
        void *p = rta_arena_alloc(a, (size_t)i + 1, 0);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
    }
}
END_TEST

START_TEST(test_align_not_power_of_two)
{
    static const size_t bad[] = {
        3, 5, 6, 7, 12, 24, 48, 100, 4095, 4097, 6144, (size_t)1 << 63 | 1, SIZE_MAX};
    rta_arena *a = frame();
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 8, 0));
    size_t used = rta_arena_used(a);
    uint64_t overflows = overflows_of(a);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        void *p = rta_arena_alloc(a, 16, bad[i]);
        ck_assert_msg(p == NULL, "align %zu accepted", bad[i]);
        ck_assert_msg(errno == EINVAL, "align %zu: errno %d, not EINVAL", bad[i], errno);
    }
    /* A refused alignment is not an allocation and not an overflow. */
    ck_assert_uint_eq(rta_arena_used(a), used);
    ck_assert_uint_eq(overflows_of(a), overflows);
}
END_TEST

/* ---- reset, mark, rewind ------------------------------------------------- */

START_TEST(test_reset_returns_to_start)
{
    rta_arena *a = frame();
    void *first = rta_arena_alloc(a, 100, 0);
    ck_assert_ptr_nonnull(first);
    for (int i = 0; i < 50; i++)
        ck_assert_ptr_nonnull(rta_arena_alloc(a, 200, 0));
    ck_assert_uint_ge(rta_arena_used(a), 100 + 50 * 200);
    rta_arena_reset(a);
    ck_assert_uint_eq(rta_arena_used(a), 0);
    /* Several frames: every frame starts at the same address again. */
    for (int frame_no = 0; frame_no < 10; frame_no++) {
        void *again = rta_arena_alloc(a, 100, 0);
        ck_assert_ptr_eq(again, first);
        for (int i = 0; i < frame_no * 5; i++)
            ck_assert_ptr_nonnull(rta_arena_alloc(a, 64, 64));
        rta_arena_reset(a);
        ck_assert_uint_eq(rta_arena_used(a), 0);
    }
}
END_TEST

START_TEST(test_reset_empty_arena)
{
    rta_arena *a = frame();
    rta_arena_reset(a);
    rta_arena_reset(a);
    ck_assert_uint_eq(rta_arena_used(a), 0);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 1, 0));
}
END_TEST

START_TEST(test_mark_rewind)
{
    rta_arena *a = frame();
    ck_assert_uint_eq(rta_arena_mark(a), rta_arena_used(a));
    char *keep = rta_arena_alloc(a, 40, 0);
    ck_assert_ptr_nonnull(keep);
    memset(keep, 'k', 40);

    size_t outer = rta_arena_mark(a);
    ck_assert_uint_eq(outer, rta_arena_used(a));
    char *scratch1 = rta_arena_alloc(a, 500, 0);
    ck_assert_ptr_nonnull(scratch1);

    size_t inner = rta_arena_mark(a);
    ck_assert_uint_gt(inner, outer);
    char *scratch2 = rta_arena_alloc(a, 300, 256);
    ck_assert_ptr_nonnull(scratch2);
    rta_arena_rewind(a, inner); /* nested scope ends */
    ck_assert_uint_eq(rta_arena_used(a), inner);
    ck_assert_ptr_eq(rta_arena_alloc(a, 300, 256), scratch2); /* same spot again */

    rta_arena_rewind(a, outer); /* outer scope ends */
    ck_assert_uint_eq(rta_arena_used(a), outer);
    ck_assert_ptr_eq(rta_arena_alloc(a, 500, 0), scratch1);

    /* What was allocated before the mark is untouched. */
    for (int i = 0; i < 40; i++)
        ck_assert_int_eq(keep[i], 'k');

    /* Rewinding to the current position changes nothing. */
    size_t here = rta_arena_mark(a);
    rta_arena_rewind(a, here);
    ck_assert_uint_eq(rta_arena_used(a), here);

    /* Rewinding to the first mark (0) is a reset without the count. */
    rta_arena_rewind(a, 0);
    ck_assert_uint_eq(rta_arena_used(a), 0);
    ck_assert_ptr_eq(rta_arena_alloc(a, 40, 0), keep);
}
END_TEST

/* ---- overflow at the capacity boundary ----------------------------------- */

START_TEST(test_overflow_whole_capacity)
{
    rta_arena *a = frame();
    size_t cap = rta_arena_capacity(a);
    ck_assert_uint_ge(cap, ARENA_BYTES);
    ck_assert_uint_eq(overflows_of(a), 0);

    /* One byte more than the whole arena: NULL, ENOMEM, counted, nothing used. */
    errno = 0;
    ck_assert_ptr_null(rta_arena_alloc(a, cap + 1, 1));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(overflows_of(a), 1);
    ck_assert_uint_eq(rta_arena_used(a), 0);

    /* Exactly the whole arena fits, and then not one byte more. */
    unsigned char *all = rta_arena_alloc(a, cap, 1);
    ck_assert_ptr_nonnull(all);
    ck_assert_uint_eq(rta_arena_used(a), cap);
    all[0] = 1;
    all[cap - 1] = 2; /* the last byte is ours */
    errno = 0;
    ck_assert_ptr_null(rta_arena_alloc(a, 1, 1));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(overflows_of(a), 2);

    rta_arena_reset(a);
    ck_assert_ptr_eq(rta_arena_alloc(a, cap, 1), all);
}
END_TEST

START_TEST(test_overflow_exact_remaining)
{
    rta_arena *a = frame();
    size_t cap = rta_arena_capacity(a);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 1000, 0));
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 64, 64));
    size_t remaining = cap - rta_arena_used(a);
    ck_assert_uint_gt(remaining, 0);

    uint64_t before = overflows_of(a);
    errno = 0;
    ck_assert_ptr_null(rta_arena_alloc(a, remaining + 1, 1)); /* one byte too many */
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_eq(overflows_of(a), before + 1);
    ck_assert_uint_eq(rta_arena_used(a), cap - remaining); /* nothing taken */

    unsigned char *rest = rta_arena_alloc(a, remaining, 1); /* exactly the rest */
    ck_assert_ptr_nonnull(rest);
    memset(rest, 0x3C, remaining);
    ck_assert_uint_eq(rta_arena_used(a), cap);
    ck_assert_uint_eq(overflows_of(a), before + 1);

    ck_assert_ptr_null(rta_arena_alloc(a, 1, 1));
    ck_assert_uint_eq(overflows_of(a), before + 2);
}
END_TEST

START_TEST(test_overflow_huge_sizes)
{
    /* Sizes near SIZE_MAX must not wrap the bump pointer round. */
    rta_arena *a = frame();
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 16, 0));
    size_t used = rta_arena_used(a);
    const size_t huge[] = {SIZE_MAX, SIZE_MAX - 15, SIZE_MAX - 4096, SIZE_MAX / 2 + 1};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        ck_assert_ptr_null(rta_arena_alloc(a, huge[i], 0));
        ck_assert_ptr_null(rta_arena_alloc(a, huge[i], 4096));
    }
    ck_assert_uint_eq(rta_arena_used(a), used);
    ck_assert_uint_eq(overflows_of(a), 2 * sizeof huge / sizeof huge[0]);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 16, 0));
}
END_TEST

START_TEST(test_overflow_alignment_padding)
{
    /* The padding an alignment needs counts against the capacity. */
    rta_arena *a = frame();
    size_t cap = rta_arena_capacity(a);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 1, 1));
    ck_assert_ptr_null(rta_arena_alloc(a, cap - 1, 4096));
    ck_assert_uint_eq(overflows_of(a), 1);
}
END_TEST

/* ---- statistics ---------------------------------------------------------- */

START_TEST(test_stats_across_resets)
{
    rta_arena *a = frame();
    rta_arena_stats st;
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.used, 0);
    ck_assert_uint_eq(st.peak, 0);
    ck_assert_uint_eq(st.capacity, rta_arena_capacity(a));
    ck_assert_uint_eq(st.resets, 0);
    ck_assert_uint_eq(st.overflows, 0);

    /* Frame 1: big. */
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 10000, 0));
    size_t big = rta_arena_used(a);
    ck_assert_uint_ge(big, 10000);
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.used, big);
    ck_assert_uint_eq(st.peak, big);
    rta_arena_reset(a);

    /* Frame 2: small, with one overflow. */
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 3000, 0));
    size_t small = rta_arena_used(a);
    ck_assert_ptr_null(rta_arena_alloc(a, rta_arena_capacity(a), 0));
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.used, small);
    ck_assert_uint_eq(st.peak, big); /* the peak survives the reset */
    ck_assert_uint_eq(st.resets, 1);
    ck_assert_uint_eq(st.overflows, 1);
    rta_arena_reset(a);

    /* Frame 3: bigger than frame 1 raises the peak; a rewind is not a reset. */
    size_t m = rta_arena_mark(a);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 20000, 0));
    size_t bigger = rta_arena_used(a);
    rta_arena_rewind(a, m);
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.used, 0);
    ck_assert_uint_eq(st.peak, bigger);
    ck_assert_uint_eq(st.resets, 2);
    ck_assert_uint_eq(st.overflows, 1);
    ck_assert_uint_eq(st.capacity, rta_arena_capacity(a));

    for (int i = 0; i < 1000; i++)
        rta_arena_reset(a);
    rta_arena_stats_get(a, &st);
    ck_assert_uint_eq(st.resets, 1002);
    ck_assert_uint_eq(st.peak, bigger);
}
END_TEST

START_TEST(test_heap_stats_carry_frame_arena)
{
    rta_arena *a = frame();
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 5000, 0));
    rta_arena_reset(a);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 700, 0));
    ck_assert_ptr_null(rta_arena_alloc(a, rta_arena_capacity(a) + 1, 0));

    rta_arena_stats mine;
    rta_stats hs;
    rta_arena_stats_get(a, &mine);
    rta_stats_get(heap, &hs);
    ck_assert_uint_eq(hs.frame_arena.used, mine.used);
    ck_assert_uint_eq(hs.frame_arena.peak, mine.peak);
    ck_assert_uint_eq(hs.frame_arena.capacity, mine.capacity);
    ck_assert_uint_eq(hs.frame_arena.resets, 1);
    ck_assert_uint_eq(hs.frame_arena.overflows, 1);
    ck_assert_uint_ge(hs.frame_arena.peak, 5000);
    /* Arena bytes are not pool bytes. */
    ck_assert_uint_eq(hs.bytes_live, 0);
    ck_assert_uint_eq(hs.allocs, 0);
}
END_TEST

START_TEST(test_created_arena_not_in_heap_frame_stats)
{
    rta_arena *extra;
    ck_assert_int_eq(rta_arena_create(heap, 8192, &extra), 0);
    ck_assert_ptr_nonnull(rta_arena_alloc(extra, 4000, 0));
    rta_arena_reset(extra);
    rta_stats hs;
    rta_stats_get(heap, &hs);
    ck_assert_uint_eq(hs.frame_arena.peak, 0);
    ck_assert_uint_eq(hs.frame_arena.resets, 0);
    rta_arena_stats st;
    rta_arena_stats_get(extra, &st);
    ck_assert_uint_ge(st.peak, 4000);
    ck_assert_uint_eq(st.resets, 1);
}
END_TEST

START_TEST(test_no_frame_arena)
{
    teardown();
    make_heap_sized(POOL_BYTES, 0);
    ck_assert_ptr_null(rta_heap_arena(heap));
    rta_stats hs;
    memset(&hs, 0xFF, sizeof hs);
    rta_stats_get(heap, &hs);
    ck_assert_uint_eq(hs.frame_arena.used, 0);
    ck_assert_uint_eq(hs.frame_arena.peak, 0);
    ck_assert_uint_eq(hs.frame_arena.capacity, 0);
    ck_assert_uint_eq(hs.frame_arena.resets, 0);
    ck_assert_uint_eq(hs.frame_arena.overflows, 0);
}
END_TEST

/* ---- rta_arena_create ---------------------------------------------------- */

START_TEST(test_create_errors)
{
    rta_arena *a = (rta_arena *)&a; /* must not be written on failure */
    rta_arena *const sentinel = a;
    ck_assert_int_eq(rta_arena_create(heap, 0, &a), RTA_ERR_CONFIG);
    ck_assert_ptr_eq(a, sentinel);
    ck_assert_int_eq(rta_arena_create(heap, (size_t)POOL_BYTES * 2, &a), RTA_ERR_RESERVE);
    ck_assert_ptr_eq(a, sentinel);
    ck_assert_int_eq(rta_arena_create(heap, SIZE_MAX, &a), RTA_ERR_RESERVE);
    ck_assert_int_eq(rta_arena_create(heap, SIZE_MAX - 4095, &a), RTA_ERR_RESERVE);
    ck_assert_int_eq(rta_arena_create(NULL, 4096, &a), RTA_ERR_INVAL);
    ck_assert_int_eq(rta_arena_create(heap, 4096, NULL), RTA_ERR_INVAL);
    ck_assert_ptr_eq(a, sentinel);
    ck_assert_str_ne(rta_strerror(RTA_ERR_RESERVE), rta_strerror(RTA_ERR_CONFIG));
}
END_TEST

START_TEST(test_create_takes_from_reserve)
{
    rta_stats before, after;
    rta_stats_get(heap, &before);
    ck_assert_uint_ge(before.pool_bytes_free, 256u << 10);

    rta_arena *a;
    ck_assert_int_eq(rta_arena_create(heap, 256u << 10, &a), 0);
    ck_assert_uint_ge(rta_arena_capacity(a), 256u << 10);
    ck_assert_uint_eq(rta_arena_used(a), 0);
    rta_stats_get(heap, &after);
    ck_assert_uint_le(after.pool_bytes_free, before.pool_bytes_free - (256u << 10));
    ck_assert_uint_eq(after.bytes_reserved, before.bytes_reserved); /* no new memory */

    /* Carving until the reserve is gone ends in RTA_ERR_RESERVE, not a crash. */
    int rc = 0;
    int made = 0;
    while (made < 1000 && (rc = rta_arena_create(heap, 256u << 10, &a)) == 0)
        made++;
    ck_assert_int_eq(rc, RTA_ERR_RESERVE);
    ck_assert_int_ge(made, 1);
    ck_assert_int_le(made, POOL_BYTES / (256u << 10));
}
END_TEST

START_TEST(test_create_too_large_for_what_is_left)
{
    rta_stats hs;
    rta_stats_get(heap, &hs);
    rta_arena *a;
    ck_assert_int_eq(rta_arena_create(heap, hs.pool_bytes_free + 1, &a), RTA_ERR_RESERVE);
    /* The pools still work after a refused create. */
    void *p = rta_malloc(heap, 100);
    ck_assert_ptr_nonnull(p);
    rta_free(heap, p);
}
END_TEST

START_TEST(test_created_arenas_are_disjoint)
{
    enum { N = 4, BYTES = 10000 };
    rta_arena *as[N];
    unsigned char *blocks[N];
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(rta_arena_create(heap, BYTES, &as[i]), 0);
        ck_assert_ptr_ne(as[i], rta_heap_arena(heap));
        for (int j = 0; j < i; j++)
            ck_assert_ptr_ne(as[i], as[j]);
        blocks[i] = rta_arena_alloc(as[i], rta_arena_capacity(as[i]), 1);
        ck_assert_ptr_nonnull(blocks[i]);
        memset(blocks[i], 'a' + i, rta_arena_capacity(as[i]));
    }
    unsigned char *fb = rta_arena_alloc(frame(), ARENA_BYTES, 1);
    ck_assert_ptr_nonnull(fb);
    memset(fb, 'F', ARENA_BYTES);
    /* Filling each arena whole did not write over any other. */
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < rta_arena_capacity(as[i]); k++)
            if (blocks[i][k] != 'a' + i) /* ck_assert per byte would be slow */
                ck_abort_msg("arena %d byte %zu overwritten (%#x)", i, k, blocks[i][k]);
    /* Resetting one arena leaves the others as they were. */
    rta_arena_reset(as[0]);
    ck_assert_uint_eq(rta_arena_used(as[0]), 0);
    ck_assert_uint_eq(rta_arena_used(as[1]), rta_arena_capacity(as[1]));
    ck_assert_uint_eq(rta_arena_used(frame()), rta_arena_capacity(frame()));
}
END_TEST

START_TEST(test_arena_memory_not_owned)
{
    rta_arena *extra;
    ck_assert_int_eq(rta_arena_create(heap, 4096, &extra), 0);
    void *p = rta_arena_alloc(frame(), 64, 0);
    void *q = rta_arena_alloc(extra, 64, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(rta_owns(heap, p), 0);
    ck_assert_int_eq(rta_owns(heap, q), 0);
    ck_assert_uint_eq(rta_usable_size(heap, p), 0);
    void *pool = rta_malloc(heap, 64);
    ck_assert_ptr_nonnull(pool);
    ck_assert_int_eq(rta_owns(heap, pool), 1);
    rta_free(heap, pool);
}
END_TEST

START_TEST(test_arenas_inside_caller_memory)
{
    /* The embedded case: every arena byte comes out of the caller's region,
     * so arenas need neither mmap nor malloc. */
    teardown();
    size_t region_bytes = 2u << 20;
    unsigned char *region = aligned_alloc(4096, region_bytes);
    ck_assert_ptr_nonnull(region);
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.arena_bytes = 64u << 10;
    cfg.flags = 0;
    cfg.memory = region;
    cfg.memory_bytes = region_bytes;
    int rc = rta_heap_create(&heap, &cfg);
    ck_assert_msg(rc == 0, "rta_heap_create: %s", rta_strerror(rc));

    rta_arena *extra;
    ck_assert_int_eq(rta_arena_create(heap, 100000, &extra), 0);
    rta_arena *arenas[2] = {rta_heap_arena(heap), extra};
    for (int i = 0; i < 2; i++) {
        size_t cap = rta_arena_capacity(arenas[i]);
        unsigned char *p = rta_arena_alloc(arenas[i], cap, 1);
        ck_assert_ptr_nonnull(p);
        ck_assert_msg(p >= region && p + cap <= region + region_bytes,
                      "arena %d [%p, +%zu) outside the caller's region", i, (void *)p, cap);
    }
    rta_heap_destroy(heap);
    heap = NULL;
    free(region);
}
END_TEST

static Suite *arena_suite(void)
{
    Suite *s = suite_create("arena");

    TCase *tc = tcase_create("align");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_align_every_power_of_two);
    tcase_add_test(tc, test_align_zero_means_16);
    tcase_add_test(tc, test_align_not_power_of_two);
    suite_add_tcase(s, tc);

    tc = tcase_create("reset");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_returns_to_start);
    tcase_add_test(tc, test_reset_empty_arena);
    tcase_add_test(tc, test_mark_rewind);
    suite_add_tcase(s, tc);

    tc = tcase_create("overflow");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_overflow_whole_capacity);
    tcase_add_test(tc, test_overflow_exact_remaining);
    tcase_add_test(tc, test_overflow_huge_sizes);
    tcase_add_test(tc, test_overflow_alignment_padding);
    suite_add_tcase(s, tc);

    tc = tcase_create("stats");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stats_across_resets);
    tcase_add_test(tc, test_heap_stats_carry_frame_arena);
    tcase_add_test(tc, test_created_arena_not_in_heap_frame_stats);
    tcase_add_test(tc, test_no_frame_arena);
    suite_add_tcase(s, tc);

    tc = tcase_create("create");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_create_errors);
    tcase_add_test(tc, test_create_takes_from_reserve);
    tcase_add_test(tc, test_create_too_large_for_what_is_left);
    tcase_add_test(tc, test_created_arenas_are_disjoint);
    tcase_add_test(tc, test_arena_memory_not_owned);
    tcase_add_test(tc, test_arenas_inside_caller_memory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(arena_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
