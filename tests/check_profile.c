/* RTA_PROFILE (exact peaks whichever thread frees), threads_peak,
 * rta_stats_write_json and the low-water signal (issue 14). */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "test_util.h"

#define N_BLOCKS 200
static void *blocks[N_BLOCKS];
static rta_heap *shared;
static size_t free_from, free_to;

static void *free_range(void *arg)
{
    (void)arg;
    for (size_t i = free_from; i < free_to; i++)
        rta_free(shared, blocks[i]);
    return NULL;
}

static void remote_free(size_t from, size_t to)
{
    pthread_t th;
    free_from = from;
    free_to = to;
    ck_assert_int_eq(pthread_create(&th, NULL, free_range, NULL), 0);
    pthread_join(th, NULL);
}

/* Live 100, another thread frees 60 (live 40), 80 more (live 120), the
 * other thread frees all: the peak is 120, exactly, though the owner's
 * own count saw 180 blocks out (the remote frees were never collected). */
static void exact_peak_case(unsigned flags)
{
    shared = tu_small_heap(4 * MiB, flags);
    for (size_t i = 0; i < 100; i++)
        ck_assert_ptr_nonnull(blocks[i] = rta_malloc(shared, 64));
    remote_free(0, 60);
    for (size_t i = 100; i < 180; i++)
        ck_assert_ptr_nonnull(blocks[i] = rta_malloc(shared, 64));
    rta_stats st = tu_stats(shared);
    int k = tu_class_of(&st, 64);
    ck_assert_int_eq(st.profile, 1);
    ck_assert_uint_eq(st.classes[k].live, 120);
    ck_assert_uint_eq(st.classes[k].peak, 120);
    remote_free(60, 180);
    st = tu_stats(shared);
    ck_assert_uint_eq(st.classes[k].live, 0);
    ck_assert_uint_eq(st.classes[k].peak, 120);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.bytes_peak, 120 * 64);
    ck_assert_uint_eq(st.remote_frees, 180);
    rta_heap_destroy(shared);
}

START_TEST(test_exact_peak_cross_thread)
{
    exact_peak_case(RTA_PROFILE);
}
END_TEST

START_TEST(test_exact_peak_debug_heap)
{
    exact_peak_case(RTA_PROFILE | RTA_DEBUG);
}
END_TEST

START_TEST(test_no_profile_flag)
{
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    rta_stats st = tu_stats(h);
    ck_assert_int_eq(st.profile, 0);
    ck_assert_uint_eq(st.spans_peak, 0);
    ck_assert_uint_ge(st.span_bytes, 4096);
    rta_heap_destroy(h);
}
END_TEST

/* Blocks of several sizes, realloc across classes and aligned blocks all
 * land in the class that serves them. */
START_TEST(test_exact_peak_mixed_calls)
{
    rta_heap *h = tu_small_heap(4 * MiB, RTA_PROFILE);
    void *a = rta_malloc(h, 100);
    void *b = rta_calloc(h, 10, 10);
    void *c = rta_aligned_alloc(h, 256, 100);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    a = rta_realloc(h, a, 3000); /* both live for a moment */
    ck_assert_ptr_nonnull(a);
    rta_stats st = tu_stats(h);
    int k112 = tu_class_of(&st, 100), k256 = tu_class_of(&st, 256), k3k = tu_class_of(&st, 3000);
    ck_assert_uint_eq(st.classes[k112].peak, 2);
    ck_assert_uint_eq(st.classes[k112].live, 1);
    ck_assert_uint_eq(st.classes[k256].peak, 1);
    ck_assert_uint_eq(st.classes[k3k].live, 1);
    ck_assert_uint_eq(st.bytes_peak, st.bytes_live + st.classes[k112].block_size);
    rta_free(h, a);
    rta_free(h, b);
    rta_free_sized(h, c, rta_usable_size(h, c));
    st = tu_stats(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_arena_peak_exact)
{
    rta_config cfg = tu_config(1 * MiB, RTA_PROFILE);
    cfg.arena_bytes = 64 * KiB;
    rta_heap *h = tu_create(&cfg);
    rta_arena *a = rta_heap_arena(h);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 5000, 0));
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 3000, 64));
    size_t high = rta_arena_used(a);
    rta_arena_reset(a);
    ck_assert_ptr_nonnull(rta_arena_alloc(a, 100, 0));
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.frame_arena.peak, high);
    ck_assert_uint_eq(st.frame_arena.used, 100);
    rta_heap_destroy(h);
}
END_TEST

static pthread_barrier_t bar;
static void *attach_and_wait(void *arg)
{
    ck_assert_int_eq(rta_thread_attach((rta_heap *)arg), 0);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    return NULL;
}

START_TEST(test_threads_peak)
{
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    pthread_t th[3];
    pthread_barrier_init(&bar, NULL, 4);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, attach_and_wait, h), 0);
    pthread_barrier_wait(&bar);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.threads_attached, 3);
    ck_assert_uint_eq(st.threads_peak, 3);
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&bar);
    ck_assert_int_eq(rta_thread_attach(h), 0);
    st = tu_stats(h);
    ck_assert_uint_eq(st.threads_attached, 1);
    ck_assert_uint_eq(st.threads_peak, 3);
    rta_thread_detach(h);
    rta_heap_destroy(h);
}
END_TEST

static size_t read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    lseek(fd, 0, SEEK_SET);
    while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    return n;
}

START_TEST(test_write_json)
{
    rta_config cfg = tu_config(2 * MiB, RTA_PROFILE);
    cfg.arena_bytes = 4096;
    rta_heap *h = tu_create(&cfg);
    void *p = rta_malloc(h, 24);
    ck_assert_ptr_nonnull(rta_arena_alloc(rta_heap_arena(h), 1000, 0));
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(rta_stats_write_json(h, fileno(f)), 0);
    static char buf[64 * 1024];
    size_t n = read_all(fileno(f), buf, sizeof buf);
    fclose(f);
    ck_assert_uint_gt(n, 100);
    ck_assert_int_eq(buf[0], '{');
    ck_assert_str_eq(buf + n - 2, "}\n");
    /* Balanced, and one object: depth reaches 0 only at the end. */
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        depth += (buf[i] == '{' || buf[i] == '[') - (buf[i] == '}' || buf[i] == ']');
        ck_assert_int_ge(depth, 0);
        if (depth == 0)
            ck_assert_uint_ge(i, n - 2);
    }
    const char *want[] = {"\"bytes_reserved\": ",
                          "\"bytes_live\": 32",
                          "\"bytes_peak\": 32",
                          "\"allocs\": 1",
                          "\"failures\": 0",
                          "\"remote_frees\": 0",
                          "\"memory_locked\": false",
                          "\"classes\": [",
                          "{\"block_size\": 32, \"live\": 1, \"peak\": 1, \"capacity\": ",
                          "\"frame_arena\": {\"used\": 1000, \"peak\": 1000, \"capacity\": 4096",
                          "\"threads_peak\": 1",
                          "\"profile\": true",
                          "\"span_bytes\": ",
                          "\"max_block\": 65536"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(buf, want[i]) != NULL, "missing %s in %s", want[i], buf);
    rta_free(h, p);
    ck_assert_int_eq(rta_stats_write_json(h, -1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(rta_stats_write_json(NULL, 1), -1);
    ck_assert_int_eq(errno, EINVAL);
    rta_heap_destroy(h);
}
END_TEST

/* 8 spans, threshold 3 spans; blocks of max_block take a span each. */
START_TEST(test_low_water)
{
    rta_config cfg = tu_config(8 * 64 * KiB, 0);
    cfg.max_block = 64 * KiB;
    rta_heap *h = tu_create(&cfg);
    ck_assert_int_eq(rta_low_water(h), 0); /* no threshold */
    rta_heap_destroy(h);

    cfg.low_water_bytes = 3 * 64 * KiB;
    h = tu_create(&cfg);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.span_bytes, 64 * KiB);
    void *p[8];
    for (int i = 0; i < 5; i++)
        ck_assert_ptr_nonnull(p[i] = rta_malloc(h, 64 * KiB));
    ck_assert_int_eq(rta_low_water(h), 0); /* 3 spans free: not below */
    ck_assert_ptr_nonnull(p[5] = rta_malloc(h, 64 * KiB));
    ck_assert_int_eq(rta_low_water(h), 1); /* 2 free */
    rta_free(h, p[5]);                     /* parked: still counts as used */
    for (int i = 0; i < 5; i++)
        rta_free(h, p[i]);
    ck_assert_int_eq(rta_low_water(h), 0); /* 7 free, and the dip was reported */
    /* A dip between two polls is not missed. */
    for (int i = 0; i < 7; i++)
        ck_assert_ptr_nonnull(p[i] = rta_malloc(h, 64 * KiB));
    for (int i = 0; i < 7; i++)
        rta_free(h, p[i]);
    ck_assert_int_eq(rta_low_water(h), 1);
    ck_assert_int_eq(rta_low_water(h), 0);
    st = tu_stats(h);
    ck_assert_uint_eq(st.spans_peak, 7);
    ck_assert_int_eq(rta_low_water(NULL), 0);
    rta_heap_destroy(h);
}
END_TEST

static Suite *profile_suite(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("profile");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_exact_peak_cross_thread);
    tcase_add_test(tc, test_exact_peak_debug_heap);
    tcase_add_test(tc, test_no_profile_flag);
    tcase_add_test(tc, test_exact_peak_mixed_calls);
    tcase_add_test(tc, test_arena_peak_exact);
    tcase_add_test(tc, test_threads_peak);
    tcase_add_test(tc, test_write_json);
    tcase_add_test(tc, test_low_water);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(profile_suite());
}
