/* Alignment: every class times every power-of-two alignment up to 4096
 * through rta_aligned_alloc; rta_malloc's own promises (16 bytes always,
 * the block size for power-of-two classes up to 4096); bad alignments
 * (NULL, EINVAL, counted, nothing else changed); alignments above 4096.
 */
#include "config.h"

#include "test_util.h"

#define PER_CASE 6 /* several live blocks, not just the first of a span */

START_TEST(test_aligned_sweep)
{
    rta_heap *h = tu_small_heap(4 * MiB, 0);
    rta_stats st = tu_stats(h);
    unsigned long cases = 0;
    for (unsigned c = 0; c < st.n_classes; c++) {
        size_t b = st.classes[c].block_size;
        const size_t sizes[] = {b, b - 1, 1};
        for (size_t a = 1; a <= 4096; a *= 2) {
            for (size_t si = 0; si < 3; si++) {
                size_t size = sizes[si];
                void *p[PER_CASE];
                for (int k = 0; k < PER_CASE; k++) {
                    errno = 0;
                    p[k] = rta_aligned_alloc(h, a, size);
                    ck_assert_msg(p[k] != NULL, "aligned_alloc(%zu, %zu) #%d: NULL errno %d", a,
                                  size, k, errno);
                    ck_assert_msg((uintptr_t)p[k] % a == 0 && (uintptr_t)p[k] % 16 == 0,
                                  "aligned_alloc(%zu, %zu) = %p", a, size, p[k]);
                    ck_assert_uint_ge(rta_usable_size(h, p[k]), size);
                    ck_assert_int_eq(rta_owns(h, p[k]), 1);
                    tu_paint(p[k], size, (unsigned)(k + a));
                }
                for (int k = 0; k < PER_CASE; k++) {
                    ck_assert(tu_painted(p[k], size, (unsigned)(k + a)));
                    rta_free(h, p[k]);
                }
                cases++;
            }
        }
    }
    st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, cases * PER_CASE);
    ck_assert_uint_eq(st.frees, cases * PER_CASE);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_malloc_natural_alignment)
{
    rta_heap *h = tu_small_heap(4 * MiB, 0);
    rta_stats st = tu_stats(h);
    static void *p[300];
    for (unsigned c = 0; c < st.n_classes; c++) {
        size_t b = st.classes[c].block_size;
        int pow2 = (b & (b - 1)) == 0 && b <= 4096;
        /* Enough blocks to cross span boundaries, within 2 MiB. */
        size_t n = 2 * MiB / b;
        if (n > 300)
            n = 300;
        for (size_t k = 0; k < n; k++) {
            p[k] = rta_malloc(h, b);
            ck_assert_ptr_nonnull(p[k]);
            ck_assert_uint_eq((uintptr_t)p[k] % 16, 0);
            if (pow2)
                ck_assert_msg((uintptr_t)p[k] % b == 0, "class %zu block %zu at %p", b, k, p[k]);
        }
        tu_free_all(h, p, n);
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_bad_alignment)
{
    rta_heap *h = tu_small_heap(2 * MiB, RTA_FALLBACK_SYSTEM);
    void *live = rta_malloc(h, 100);
    ck_assert_ptr_nonnull(live);
    rta_stats before = tu_stats(h);
    const size_t bad[] = {0, 3, 6, 24, 48, 100, 4095, 4097, 12288, SIZE_MAX, (SIZE_MAX >> 1) + 2};
    const size_t n = sizeof bad / sizeof bad[0];
    for (size_t i = 0; i < n; i++) {
        errno = 0;
        ck_assert_msg(rta_aligned_alloc(h, bad[i], 64) == NULL, "align %zu accepted", bad[i]);
        ck_assert_msg(errno == EINVAL, "align %zu: errno %d", bad[i], errno);
    }
    rta_stats after = tu_stats(h);
    ck_assert_uint_eq(after.failures, before.failures + n);
    ck_assert_uint_eq(after.allocs, before.allocs);
    ck_assert_uint_eq(after.fallbacks, before.fallbacks); /* never a fallback */
    ck_assert_uint_eq(after.bytes_live, before.bytes_live);
    rta_free(h, live);
    rta_heap_destroy(h);
}
END_TEST

/* Served iff some class within max_block, at least `size` and `align`
 * big, is a multiple of `align` (doc/BAD-INPUT.md, bad alignment). */
static int alignment_servable(const rta_stats *st, size_t align, size_t size)
{
    size_t need = size < align ? align : size;
    for (unsigned i = 0; i < st->n_classes; i++)
        if (st->classes[i].block_size >= need && st->classes[i].block_size % align == 0)
            return 1;
    return 0;
}

START_TEST(test_alignment_above_4096)
{
    rta_heap *h = tu_small_heap(4 * MiB, 0);
    const rta_stats st0 = tu_stats(h);
    const size_t max_block = st0.classes[st0.n_classes - 1].block_size;
    /* Served "as far as max_block allows": each alignment up to max_block
     * with the sizes a class can hold; a miss (ENOMEM) beyond. */
    int served = 0, missed = 0;
    for (size_t a = 8192; a <= 4 * max_block; a *= 2) {
        const size_t sizes[] = {1, 16, a / 2, a - 1, a, a + 1, 3 * a / 2, 2 * a};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            size_t size = sizes[i];
            int want = alignment_servable(&st0, a, size);
            errno = 0;
            void *p = rta_aligned_alloc(h, a, size);
            if (!want) {
                ck_assert_msg(p == NULL && errno == ENOMEM,
                              "align %zu size %zu: no class can serve it, got %p errno %d", a,
                              size, p, errno);
                missed++;
                continue;
            }
            ck_assert_msg(p != NULL, "align %zu size %zu within max_block %zu refused (errno %d)",
                          a, size, max_block, errno);
            ck_assert_msg((uintptr_t)p % a == 0, "align %zu size %zu: %p", a, size, p);
            ck_assert_uint_ge(rta_usable_size(h, p), size);
            memset(p, 0x5a, size);
            rta_free(h, p);
            served++;
        }
    }
    ck_assert_int_gt(served, 8); /* 8192 .. max_block really were asked */
    ck_assert_int_gt(missed, 8); /* and so were the alignments beyond */
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.failures, (uint64_t)missed);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_aligned_too_big)
{
    rta_heap *h = tu_small_heap(2 * MiB, 0);
    errno = 0;
    ck_assert_ptr_null(rta_aligned_alloc(h, 64, 64 * KiB + 1));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(rta_aligned_alloc(h, 4096, tu_opaque(SIZE_MAX - 100)));
    ck_assert_int_eq(errno, ENOMEM);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 2);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_aligned_exhausted)
{
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    static void *p[1 << 12];
    size_t n = 0;
    for (;;) {
        errno = 0;
        void *q = rta_aligned_alloc(h, 4096, 4096);
        if (q == NULL) {
            ck_assert_int_eq(errno, ENOMEM);
            break;
        }
        ck_assert_uint_lt(n, 1 << 12);
        ck_assert_uint_eq((uintptr_t)q % 4096, 0);
        p[n++] = q;
    }
    ck_assert_uint_ge(n * 4096, 512 * KiB);
    tu_free_all(h, p, n);
    /* The same capacity again. */
    size_t m = 0;
    while (m < n + 1 && (p[m] = rta_aligned_alloc(h, 4096, 4096)) != NULL)
        m++;
    ck_assert_uint_eq(m, n);
    tu_free_all(h, p, m);
    rta_heap_destroy(h);
}
END_TEST

static Suite *align_suite(void)
{
    Suite *s = suite_create("align");
    TCase *tc = tcase_create("align");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_aligned_sweep);
    tcase_add_test(tc, test_malloc_natural_alignment);
    tcase_add_test(tc, test_bad_alignment);
    tcase_add_test(tc, test_alignment_above_4096);
    tcase_add_test(tc, test_aligned_too_big);
    tcase_add_test(tc, test_aligned_exhausted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(align_suite());
}
