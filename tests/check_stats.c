/* Statistics: every counter of rta_stats_get matches what the test did
 * (allocs, frees, failures, remote frees, live/peak/capacity per class,
 * bytes live/peak, reserve), and rta_stats_write prints the contract's
 * field names with the right figures (and reports a write error).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_util.h"

#define POOL (2 * MiB)

START_TEST(test_counts_one_thread)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_stats st0 = tu_stats(h);
    void *a[10], *b[3];
    for (int i = 0; i < 10; i++)
        a[i] = rta_malloc(h, 64);
    for (int i = 0; i < 3; i++)
        b[i] = rta_calloc(h, 10, 100);
    rta_stats st = tu_stats(h);
    const int ca = tu_class_of(&st, 64), cb = tu_class_of(&st, 1000);
    const size_t sa = st.classes[ca].block_size, sb = st.classes[cb].block_size;
    ck_assert_uint_eq(sa, 64);
    ck_assert_uint_eq(rta_usable_size(h, b[0]), sb);
    ck_assert_uint_eq(st.allocs, 13);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert_uint_eq(st.classes[ca].live, 10);
    ck_assert_uint_eq(st.classes[ca].peak, 10);
    ck_assert_uint_eq(st.classes[cb].live, 3);
    ck_assert_uint_eq(st.classes[cb].peak, 3);
    ck_assert_uint_ge(st.classes[ca].capacity, 10);
    ck_assert_uint_ge(st.classes[cb].capacity, 3);
    ck_assert_uint_eq(st.bytes_live, 10 * sa + 3 * sb);
    ck_assert_uint_eq(st.bytes_peak, 10 * sa + 3 * sb);
    /* Spans came out of the reserve; the reserve shrank by exactly what
     * the two classes hold (capacity counts whole spans). */
    ck_assert_uint_eq(st0.pool_bytes_free - st.pool_bytes_free >=
                          st.classes[ca].capacity * sa + st.classes[cb].capacity * sb,
                      1);
    for (unsigned c = 0; c < st.n_classes; c++)
        if ((int)c != ca && (int)c != cb) {
            ck_assert_uint_eq(st.classes[c].live, 0);
            ck_assert_uint_eq(st.classes[c].capacity, 0);
        }

    for (int i = 0; i < 6; i++)
        rta_free(h, a[i]);
    st = tu_stats(h);
    ck_assert_uint_eq(st.frees, 6);
    ck_assert_uint_eq(st.classes[ca].live, 4);
    ck_assert_uint_eq(st.classes[ca].peak, 10);
    ck_assert_uint_eq(st.bytes_live, 4 * sa + 3 * sb);
    ck_assert_uint_eq(st.bytes_peak, 10 * sa + 3 * sb);
    /* Peak moves only past its old height. */
    for (int i = 0; i < 6; i++)
        a[i] = rta_malloc(h, 50); /* same 64 B class */
    void *extra = rta_malloc(h, 64);
    st = tu_stats(h);
    ck_assert_uint_eq(st.classes[ca].live, 11);
    ck_assert_uint_eq(st.classes[ca].peak, 11);
    ck_assert_uint_eq(st.allocs, 20);
    ck_assert_uint_eq(st.bytes_peak, 11 * sa + 3 * sb);

    errno = 0;
    ck_assert_ptr_null(rta_malloc(h, 64 * KiB + 1));
    ck_assert_ptr_null(rta_aligned_alloc(h, 3, 64));
    st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 2);
    ck_assert_uint_eq(st.allocs, 20);

    for (int i = 0; i < 10; i++)
        rta_free(h, a[i]);
    for (int i = 0; i < 3; i++)
        rta_free(h, b[i]);
    rta_free(h, extra);
    st = tu_stats(h);
    ck_assert_uint_eq(st.frees, 20);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.classes[ca].live, 0);
    ck_assert_uint_eq(st.classes[cb].live, 0);
    ck_assert_uint_eq(st.classes[ca].peak, 11);
    ck_assert_uint_eq(st.classes[cb].peak, 3);
    ck_assert_uint_eq(st.remote_frees, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    ck_assert_uint_eq(st.fallbacks, 0);
    rta_heap_destroy(h);
}
END_TEST

struct remote_job {
    rta_heap *h;
    void **p;
    int n;
    rta_stats seen; /* stats read from this thread */
};

static void *free_remote(void *arg)
{
    struct remote_job *j = arg;
    for (int i = 0; i < j->n; i++)
        rta_free(j->h, j->p[i]);
    rta_stats_get(j->h, &j->seen);
    return NULL;
}

START_TEST(test_remote_frees_counted)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    void *p[40];
    for (int i = 0; i < 40; i++)
        p[i] = rta_malloc(h, 16 + 16 * (i % 8));
    for (int i = 0; i < 10; i++)
        rta_free(h, p[i]); /* local */
    struct remote_job j = {h, p + 10, 30, {0}};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, free_remote, &j), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.allocs, 40);
    ck_assert_uint_eq(st.frees, 40);
    ck_assert_uint_eq(st.remote_frees, 30);
    ck_assert_uint_eq(st.bytes_live, 0);
    /* The freeing thread saw its own frees: no lag on one's own counts. */
    ck_assert_uint_eq(j.seen.frees, 40);
    ck_assert_uint_eq(j.seen.remote_frees, 30);
    ck_assert_uint_eq(j.seen.bytes_live, 0);
    for (unsigned c = 0; c < st.n_classes; c++)
        ck_assert_uint_eq(st.classes[c].live, 0);
    /* The remote frees never gave the freeing thread a cache. */
    ck_assert_uint_eq(j.seen.threads_attached, 1);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_capacity_and_reserve)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    rta_stats st0 = tu_stats(h);
    ck_assert_uint_le(st0.pool_bytes_free, st0.bytes_reserved);
    void *p = rta_malloc(h, 256);
    rta_stats st = tu_stats(h);
    int c = tu_class_of(&st, 256);
    size_t span_blocks = st.classes[c].capacity;
    ck_assert_uint_ge(span_blocks, 1);
    /* One span taken: the reserve shrank by about the span's bytes. */
    size_t taken = st0.pool_bytes_free - st.pool_bytes_free;
    ck_assert_uint_ge(taken, span_blocks * 256);
    ck_assert_uint_lt(taken, 2 * span_blocks * 256 + 4096);
    /* Filling exactly one span takes no second one. */
    static void *q[1 << 16];
    for (size_t i = 1; i < span_blocks; i++)
        q[i] = rta_malloc(h, 256);
    st = tu_stats(h);
    ck_assert_uint_eq(st.classes[c].capacity, span_blocks);
    ck_assert_uint_eq(st.classes[c].live, span_blocks);
    ck_assert_uint_eq(st0.pool_bytes_free - st.pool_bytes_free, taken);
    q[0] = rta_malloc(h, 256); /* one more: a second span */
    st = tu_stats(h);
    ck_assert_uint_gt(st.classes[c].capacity, span_blocks);
    rta_free(h, p);
    for (size_t i = 0; i < span_blocks; i++)
        rta_free(h, q[i]);
    st = tu_stats(h);
    ck_assert_uint_eq(st.classes[c].capacity, 0);
    ck_assert_uint_eq(st.pool_bytes_free, st0.pool_bytes_free);
    rta_heap_destroy(h);
}
END_TEST

/* Reads everything written to fd since it was made. */
static size_t slurp(int fd, char *buf, size_t cap)
{
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ssize_t n = read(fd, buf, cap - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    return (size_t)n;
}

/* 1 when a line of the report reads exactly "<first> <second> ...":
 * whole words, so "allocs 7" does not match "allocs 17" nor
 * "remote_allocs 7". */
static int has_line(const char *text, const char *first, unsigned long long second)
{
    char want[32];
    snprintf(want, sizeof want, "%llu", second);
    for (const char *l = text; l && *l;) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        char line[512], w1[128], w2[128];
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, l, len);
        line[len] = 0;
        if (sscanf(line, "%127s %127s", w1, w2) == 2 && strcmp(w1, first) == 0 &&
            strcmp(w2, want) == 0)
            return 1;
        l = end ? end + 1 : NULL;
    }
    return 0;
}

START_TEST(test_stats_write)
{
    rta_heap *h = tu_small_heap(POOL, 0);
    void *p[7];
    for (int i = 0; i < 7; i++)
        p[i] = rta_malloc(h, 1000);
    rta_free(h, p[0]);
    rta_free(h, p[1]);
    ck_assert_ptr_null(rta_malloc(h, 1 * MiB));
    int fd = memfd_create("stats", 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(rta_stats_write(h, fd), 0);
    static char text[1 << 16];
    size_t n = slurp(fd, text, sizeof text);
    ck_assert_uint_gt(n, 100);
    rta_stats st = tu_stats(h);
    /* Each figure on its own line as "<field> <value>", the field
     * named as in struct rta_stats, the value exactly the one
     * rta_stats_get gives. */
    ck_assert_uint_eq(st.allocs, 7);
    ck_assert_uint_eq(st.frees, 2);
    ck_assert_uint_eq(st.failures, 1);
    const struct {
        const char *name;
        unsigned long long value;
    } fields[] = {
        {"bytes_reserved", st.bytes_reserved},
        {"bytes_live", st.bytes_live},
        {"bytes_peak", st.bytes_peak},
        {"pool_bytes_free", st.pool_bytes_free},
        {"allocs", st.allocs},
        {"frees", st.frees},
        {"remote_frees", st.remote_frees},
        {"failures", st.failures},
        {"fallbacks", st.fallbacks},
        {"bad_frees", st.bad_frees},
        {"memory_locked", (unsigned long long)st.memory_locked},
        {"threads_attached", st.threads_attached},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        ck_assert_msg(has_line(text, fields[i].name, fields[i].value),
                      "no line \"%s %llu\" in:\n%s", fields[i].name, fields[i].value, text);
    /* The 1000 B class: its block size, then 5 live blocks. */
    int c = tu_class_of(&st, 1000);
    ck_assert_uint_eq(st.classes[c].live, 5);
    char size_s[32];
    snprintf(size_s, sizeof size_s, "%zu", st.classes[c].block_size);
    ck_assert_msg(has_line(text, size_s, 5), "no line \"%s 5 ...\" for the class in:\n%s",
                  size_s, text);
    close(fd);
    for (int i = 2; i < 7; i++)
        rta_free(h, p[i]);

    errno = 0;
    ck_assert_int_eq(rta_stats_write(h, -1), -1);
    ck_assert_int_eq(errno, EBADF);
    rta_heap_destroy(h);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("stats");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_counts_one_thread);
    tcase_add_test(tc, test_remote_frees_counted);
    tcase_add_test(tc, test_capacity_and_reserve);
    tcase_add_test(tc, test_stats_write);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(stats_suite());
}
