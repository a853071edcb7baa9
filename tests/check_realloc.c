/* rta_realloc: same class keeps the pointer, contents survive moves up
 * and down through every class, realloc(p, 0) frees, realloc(NULL, n)
 * allocates, a failed realloc leaves p untouched (pool full, too big),
 * and with RTA_FALLBACK_SYSTEM realloc moves blocks in and out of the
 * system heap keeping contents.
 */
#include "config.h"

#include "test_util.h"

START_TEST(test_realloc_same_class)
{
    rta_heap *h = tu_small_heap(2 * MiB, 0);
    rta_stats st = tu_stats(h);
    for (unsigned c = 0; c < st.n_classes; c++) {
        size_t b = st.classes[c].block_size;
        size_t lo = c == 0 ? 1 : st.classes[c - 1].block_size + 1;
        void *p = rta_malloc(h, lo);
        ck_assert_ptr_nonnull(p);
        tu_paint(p, lo, c);
        /* Anywhere inside the class: the same pointer, O(1). */
        const size_t within[] = {b, lo, b - 1, (lo + b) / 2};
        for (int k = 0; k < 4; k++) {
            void *q = rta_realloc(h, p, within[k]);
            ck_assert_msg(q == p, "class %zu: realloc to %zu moved", b, within[k]);
        }
        ck_assert(tu_painted(p, lo, c));
        rta_free(h, p);
    }
    st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, st.n_classes);
    ck_assert_uint_eq(st.frees, st.n_classes);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_realloc_grow_keeps_contents)
{
    rta_heap *h = tu_small_heap(2 * MiB, 0);
    rta_stats st = tu_stats(h);
    size_t have = 10;
    unsigned char *p = rta_malloc(h, have);
    ck_assert_ptr_nonnull(p);
    tu_paint(p, have, 77);
    /* Up through every class, one byte past each class's end. */
    for (unsigned c = 0; c + 1 < st.n_classes; c++) {
        size_t want = st.classes[c].block_size + 1;
        unsigned char *q = rta_realloc(h, p, want);
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_eq(rta_usable_size(h, q), st.classes[c + 1].block_size);
        ck_assert_msg(tu_painted(q, have, 77), "contents lost growing to %zu", want);
        tu_paint(q, want, 77);
        have = want;
        p = q;
    }
    rta_stats now = tu_stats(h);
    ck_assert_uint_eq(now.bytes_live, rta_usable_size(h, p));
    ck_assert_uint_eq(now.allocs, now.frees + 1);
    /* And down again: the first `want` bytes survive. */
    for (unsigned c = st.n_classes - 1; c-- > 0;) {
        size_t want = st.classes[c].block_size;
        unsigned char *q = rta_realloc(h, p, want);
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_ge(rta_usable_size(h, q), want);
        ck_assert_msg(tu_painted(q, want, 77), "contents lost shrinking to %zu", want);
        p = q;
    }
    rta_free(h, p);
    now = tu_stats(h);
    ck_assert_uint_eq(now.bytes_live, 0);
    ck_assert_uint_eq(now.allocs, now.frees);
    ck_assert_uint_eq(now.failures, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_realloc_to_zero)
{
    rta_heap *h = tu_small_heap(2 * MiB, 0);
    void *p = rta_malloc(h, 500);
    ck_assert_ptr_nonnull(p);
    void *z = rta_realloc(h, p, 0);
    /* p was freed; the result is what rta_malloc(h, 0) gives: a unique
     * non-NULL block (or NULL, if malloc(0) were NULL; here it is not). */
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(rta_owns(h, z), 1);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, 2);
    ck_assert_uint_eq(st.frees, 1);
    ck_assert_uint_eq(st.bytes_live, rta_usable_size(h, z));
    int c500 = tu_class_of(&st, 500);
    ck_assert_uint_eq(st.classes[c500].live, 0);
    void *m0 = rta_malloc(h, 0);
    ck_assert_ptr_nonnull(m0);
    ck_assert_ptr_ne(m0, z);
    ck_assert_uint_eq(rta_usable_size(h, z), rta_usable_size(h, m0));
    rta_free(h, m0);
    rta_free(h, z);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_realloc_null)
{
    rta_heap *h = tu_small_heap(2 * MiB, 0);
    void *p = rta_realloc(h, NULL, 300);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(rta_usable_size(h, p), 300);
    ck_assert_int_eq(rta_owns(h, p), 1);
    void *z = rta_realloc(h, NULL, 0);
    ck_assert_ptr_nonnull(z);
    ck_assert_ptr_ne(z, p);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, 2);
    ck_assert_uint_eq(st.frees, 0);
    rta_free(h, p);
    rta_free(h, z);
    errno = 0;
    ck_assert_ptr_null(rta_realloc(h, NULL, 64 * KiB + 1));
    ck_assert_int_eq(errno, ENOMEM);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_realloc_fail_keeps_block)
{
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    unsigned char *p = rta_malloc(h, 100);
    ck_assert_ptr_nonnull(p);
    tu_paint(p, 100, 5);
    /* Too big for any class: NULL, ENOMEM, p untouched and still live. */
    errno = 0;
    ck_assert_ptr_null(rta_realloc(h, p, 64 * KiB + 1));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(tu_painted(p, 100, 5));
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 1);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert_uint_eq(st.bytes_live, rta_usable_size(h, p));

    /* Pool full of 64 KiB blocks: growing p has nowhere to go. */
    static void *big[64];
    size_t n = tu_fill(h, 64 * KiB, big, 64);
    ck_assert_uint_gt(n, 0);
    errno = 0;
    ck_assert_ptr_null(rta_realloc(h, p, 64 * KiB));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(tu_painted(p, 100, 5));
    ck_assert_uint_eq(rta_usable_size(h, p) >= 100, 1);
    /* Still within its class: that works, same pointer, pool full or not. */
    ck_assert_ptr_eq(rta_realloc(h, p, rta_usable_size(h, p)), p);
    tu_free_all(h, big, n);
    unsigned char *q = rta_realloc(h, p, 64 * KiB);
    ck_assert_ptr_nonnull(q);
    ck_assert(tu_painted(q, 100, 5));
    rta_free(h, q);
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_realloc_fallback)
{
    rta_heap *h = tu_small_heap(2 * MiB, RTA_FALLBACK_SYSTEM);
    unsigned char *p = rta_malloc(h, 1000);
    ck_assert_ptr_nonnull(p);
    tu_paint(p, 1000, 3);
    /* Out of the pools into the system heap... */
    unsigned char *q = rta_realloc(h, p, 200 * KiB);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(rta_owns(h, q), 0);
    ck_assert(tu_painted(q, 1000, 3));
    tu_paint(q, 200 * KiB, 4);
    /* ...growing there... */
    unsigned char *r = rta_realloc(h, q, 300 * KiB);
    ck_assert_ptr_nonnull(r);
    ck_assert(tu_painted(r, 200 * KiB, 4));
    /* ...and back into the pools. */
    unsigned char *s = rta_realloc(h, r, 2000);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(rta_owns(h, s), 1);
    ck_assert(tu_painted(s, 2000, 4));
    rta_free(h, s);
    rta_stats st = tu_stats(h);
    ck_assert_uint_ge(st.fallbacks, 1);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    ck_assert_uint_eq(st.failures, 0);
    rta_heap_destroy(h);
}
END_TEST

static Suite *realloc_suite(void)
{
    Suite *s = suite_create("realloc");
    TCase *tc = tcase_create("realloc");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_realloc_same_class);
    tcase_add_test(tc, test_realloc_grow_keeps_contents);
    tcase_add_test(tc, test_realloc_to_zero);
    tcase_add_test(tc, test_realloc_null);
    tcase_add_test(tc, test_realloc_fail_keeps_block);
    tcase_add_test(tc, test_realloc_fallback);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(realloc_suite());
}
