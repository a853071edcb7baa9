/* librtalloc_malloc linked into a program: every C entry point over the
 * process heap, pointers it never handed out, realloc between the pools
 * and the system path, alignment, ENOMEM, threads beyond threads=, fork
 * from a multi-threaded parent, dlopen/dlclose, RT sections.
 *
 * The program re-runs itself with RTALLOC_OPTIONS=threads=2,... so that
 * running out of thread caches is cheap to reach.  Under ASan or TSan
 * (whose runtime defines malloc ahead of this library) the pools are not
 * the process's malloc: the program says so and exits 77. */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtalloc.h"

#define OPTIONS "threads=2,pool=8M,max_block=64K"

extern void *__libc_malloc(size_t size);

/* Too large for any allocator; volatile so the compiler does not reject
 * the calls that must fail. */
static volatile size_t huge = SIZE_MAX / 2;

static rta_heap *heap(void)
{
    rta_heap *h = rta_process_heap();
    ck_assert_ptr_nonnull(h);
    return h;
}

static int pooled(const void *p)
{
    return rta_owns(heap(), p);
}

START_TEST(small_requests_are_pooled)
{
    for (size_t n = 0; n <= 4096; n += 37) {
        char *p = malloc(n);
        ck_assert_ptr_nonnull(p);
        ck_assert(pooled(p));
        ck_assert_uint_ge(malloc_usable_size(p), n);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        memset(p, 0x5a, n);
        free(p);
    }
    rta_stats st;
    rta_stats_get(heap(), &st);
    ck_assert_uint_gt(st.allocs, 100);
    free(NULL);
}
END_TEST

START_TEST(large_requests_take_the_system_path)
{
    size_t n = (size_t)1 << 20;
    char *p = malloc(n);
    ck_assert_ptr_nonnull(p);
    ck_assert(!pooled(p));
    ck_assert_uint_ge(malloc_usable_size(p), n);
    memset(p, 1, n);
    free(p);
    p = calloc(1, n);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i += 4096)
        ck_assert_int_eq(p[i], 0);
    free(p);
}
END_TEST

START_TEST(calloc_zeroes_reused_blocks)
{
    for (int round = 0; round < 50; round++) {
        unsigned char *d = malloc(200);
        memset(d, 0xff, 200);
        free(d);
        unsigned char *p = calloc(10, 20);
        ck_assert(pooled(p));
        for (int i = 0; i < 200; i++)
            ck_assert_uint_eq(p[i], 0);
        free(p);
    }
    errno = 0;
    ck_assert_ptr_null(calloc(huge, 3));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + seed);
}

static void expect(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(p[i], (unsigned char)(i * 7 + seed));
}

START_TEST(realloc_moves_between_pools_and_system)
{
    unsigned char *p = malloc(100);
    fill(p, 100, 3);
    p = realloc(p, 3000); /* pool to pool, another class */
    ck_assert(pooled(p));
    expect(p, 100, 3);
    fill(p, 3000, 4);
    p = realloc(p, 200000); /* pool to system */
    ck_assert_ptr_nonnull(p);
    ck_assert(!pooled(p));
    expect(p, 3000, 4);
    fill(p, 200000, 5);
    p = realloc(p, 50); /* a system block stays with the system */
    ck_assert_ptr_nonnull(p);
    expect(p, 50, 5);
    unsigned char *q = realloc(p, 60);
    ck_assert_ptr_nonnull(q);
    expect(q, 50, 5);
    free(q);

    p = malloc(40);
    unsigned char *same = realloc(p, 44); /* same class: same pointer */
    ck_assert_ptr_eq(same, p);
    ck_assert_ptr_null(realloc(same, 0)); /* glibc: frees, NULL */

    p = realloc(NULL, 10);
    ck_assert(pooled(p));
    errno = 0;
    ck_assert_ptr_null(reallocarray(p, huge, 4));
    ck_assert_int_eq(errno, ENOMEM);
    p = reallocarray(p, 10, 10);
    ck_assert_uint_ge(malloc_usable_size(p), 100);
    free(p);
}
END_TEST

START_TEST(pointers_it_did_not_hand_out)
{
    /* A block from glibc itself, as allocated before the library took
     * over (or by a library calling __libc_malloc). */
    char *p = __libc_malloc(1000);
    ck_assert_ptr_nonnull(p);
    ck_assert(!pooled(p));
    ck_assert_uint_ge(malloc_usable_size(p), 1000);
    memset(p, 7, 1000);
    p = realloc(p, 5000);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(p[i], 7);
    free(p);
    free(__libc_malloc(10));
    ck_assert_uint_eq(malloc_usable_size(NULL), 0);
    rta_stats st;
    rta_stats_get(heap(), &st);
    ck_assert_uint_eq(st.bad_frees, 0);
}
END_TEST

START_TEST(alignment_up_to_a_page_and_beyond)
{
    for (size_t align = sizeof(void *); align <= ((size_t)1 << 21); align <<= 1) {
        size_t sizes[] = {0, 1, align / 2 + 1, align, 3 * align + 5, 100000};
        for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            void *p = NULL;
            ck_assert_int_eq(posix_memalign(&p, align, sizes[i]), 0);
            ck_assert_uint_eq((uintptr_t)p % align, 0);
            ck_assert_uint_ge(malloc_usable_size(p), sizes[i]);
            memset(p, 1, sizes[i]);
            free(p);
            p = aligned_alloc(align, sizes[i]);
            ck_assert_ptr_nonnull(p);
            ck_assert_uint_eq((uintptr_t)p % align, 0);
            free(p);
            p = memalign(align, sizes[i]);
            ck_assert_ptr_nonnull(p);
            ck_assert_uint_eq((uintptr_t)p % align, 0);
            free(p);
        }
    }
    /* Up to a page the pools serve them. */
    void *p = aligned_alloc(4096, 100);
    ck_assert(pooled(p));
    free(p);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    p = valloc(10);
    ck_assert_uint_eq((uintptr_t)p % page, 0);
    free(p);
    p = pvalloc(page + 1);
    ck_assert_uint_eq((uintptr_t)p % page, 0);
    ck_assert_uint_ge(malloc_usable_size(p), 2 * page);
    free(p);
    p = pvalloc(0);
    ck_assert_ptr_nonnull(p);
    free(p);
    p = memalign(48, 10); /* not a power of two: rounded up to 64 */
    ck_assert_uint_eq((uintptr_t)p % 64, 0);
    free(p);
}
END_TEST

START_TEST(bad_alignments_and_exhaustion)
{
    void *p = (void *)1;
    errno = 0;
    ck_assert_int_eq(posix_memalign(&p, 24, 10), EINVAL);
    ck_assert_int_eq(posix_memalign(&p, 4, 10), EINVAL);
    ck_assert_ptr_eq(p, (void *)1);
    ck_assert_int_eq(posix_memalign(&p, 64, huge), ENOMEM);
    ck_assert_int_eq(errno, 0); /* posix_memalign leaves errno alone */
    ck_assert_ptr_null(aligned_alloc(3, 10));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(malloc(huge));
    ck_assert_int_eq(errno, ENOMEM);
    errno = 0;
    ck_assert_ptr_null(realloc(malloc(10), huge));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* ---- threads beyond threads= ---- */

#define MANY 8
#define BLOCKS 2000

static pthread_barrier_t all_started;
static int thread_pooled[MANY];

static void *hold_and_churn(void *arg)
{
    int *my_pooled = arg;
    static __thread void *blocks[BLOCKS];
    /* Everyone allocates while everyone else lives: more threads at once
     * than thread caches. */
    pthread_barrier_wait(&all_started);
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = malloc((size_t)(i % 300) + 1);
        if (!blocks[i])
            return (void *)1;
        memset(blocks[i], i, (size_t)(i % 300) + 1);
        *my_pooled += pooled(blocks[i]);
    }
    pthread_barrier_wait(&all_started);
    for (int i = 0; i < BLOCKS; i++) {
        const unsigned char *b = blocks[i];
        if (b[0] != (unsigned char)i)
            return (void *)2;
        free(blocks[i]);
    }
    return NULL;
}

START_TEST(more_threads_than_caches_are_served)
{
    pthread_t t[MANY];
    pthread_barrier_init(&all_started, NULL, MANY);
    for (int i = 0; i < MANY; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hold_and_churn, &thread_pooled[i]), 0);
    int with_pool = 0, without = 0;
    for (int i = 0; i < MANY; i++) {
        void *r;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
        if (thread_pooled[i] > 0)
            with_pool++;
        if (thread_pooled[i] < BLOCKS)
            without++;
    }
    pthread_barrier_destroy(&all_started);
    /* threads=2: at most two caches at once; the rest took the system
     * path, and none got NULL. */
    ck_assert_int_ge(with_pool, 1);
    ck_assert_int_ge(without, MANY - 2);
}
END_TEST

/* ---- fork from a multi-threaded parent ---- */

static int ready_pipe[2], go_pipe[2];
static void *parent_block;

static void *hold_a_cache(void *unused)
{
    (void)unused;
    parent_block = malloc(64); /* claims this thread's cache */
    char c;
    (void)!write(ready_pipe[1], "r", 1);
    (void)!read(go_pipe[0], &c, 1); /* until told to go */
    return NULL;
}

static void *child_thread(void *unused)
{
    (void)unused;
    void *p = malloc(64);
    int ok = p != NULL && pooled(p);
    free(p);
    return (void *)(intptr_t)ok;
}

START_TEST(fork_child_gets_the_dead_threads_caches)
{
    pthread_t t;
    char c;
    ck_assert_int_eq(pipe(ready_pipe), 0);
    ck_assert_int_eq(pipe(go_pipe), 0);
    /* This thread and the helper hold both caches (threads=2). */
    void *mine = malloc(64);
    ck_assert(pooled(mine));
    ck_assert_int_eq(pthread_create(&t, NULL, hold_a_cache, NULL), 0);
    ck_assert_int_eq(read(ready_pipe[0], &c, 1), 1);
    ck_assert(pooled(parent_block));

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The helper does not exist here: its cache must be free for a
         * new thread, and its block freeable. */
        pthread_t ct;
        void *ok = NULL;
        if (pthread_create(&ct, NULL, child_thread, NULL) != 0)
            _exit(10);
        pthread_join(ct, &ok);
        free(parent_block);
        free(mine);
        char *s = strdup("allocates and frees at once");
        free(s);
        rta_stats st;
        rta_stats_get(rta_process_heap(), &st);
        _exit(ok == (void *)1 && st.bad_frees == 0 ? 0 : 11);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    (void)!write(go_pipe[1], "g", 1);
    pthread_join(t, NULL);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    free(mine);
    for (int i = 0; i < 2; i++) {
        close(ready_pipe[i]);
        close(go_pipe[i]);
    }
}
END_TEST

/* ---- dlopen/dlclose: a library's own allocations and dynamic TLS ---- */

START_TEST(dlopen_and_dlclose)
{
    for (int round = 0; round < 3; round++) {
        void *lib = dlopen(MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
        ck_assert_msg(lib != NULL, "dlopen: %s", dlerror());
        char *(*make)(int) = (char *(*)(int))dlsym(lib, "malloc_module_make");
        ck_assert_ptr_nonnull(make);
        char *s = make(round);
        char want[64];
        snprintf(want, sizeof want, "module %d 1 loaded", round);
        ck_assert_str_eq(s, want);
        free(s);
        ck_assert_int_eq(dlclose(lib), 0);
    }
}
END_TEST

/* ---- RT sections ---- */

/* Stored through, so the compiler keeps a malloc/free pair it could
 * otherwise drop. */
static void *volatile sink;

START_TEST(rt_sections_count_only_the_system_path)
{
    uint64_t before = rta_rt_system_allocs();
    void *warm = malloc(64);
    free(warm);
    rta_rt_enter();
    void *small = malloc(64);
    void *aligned = aligned_alloc(256, 300);
    char *grown = realloc(small, 1000);
    uint64_t pooled_calls = rta_rt_system_allocs() - before;
    sink = malloc((size_t)1 << 20);
    free(sink);
    free(grown);
    free(aligned);
    rta_rt_leave();
    ck_assert_uint_eq(pooled_calls, 0);
    ck_assert_uint_eq(rta_rt_system_allocs() - before, 2); /* malloc + free */
}
END_TEST

static Suite *malloc_suite(void)
{
    Suite *s = suite_create("malloc");
    TCase *tc = tcase_create("entry points");
    tcase_add_test(tc, small_requests_are_pooled);
    tcase_add_test(tc, large_requests_take_the_system_path);
    tcase_add_test(tc, calloc_zeroes_reused_blocks);
    tcase_add_test(tc, realloc_moves_between_pools_and_system);
    tcase_add_test(tc, pointers_it_did_not_hand_out);
    tcase_add_test(tc, alignment_up_to_a_page_and_beyond);
    tcase_add_test(tc, bad_alignments_and_exhaustion);
    tcase_add_test(tc, rt_sections_count_only_the_system_path);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("process");
    tcase_add_test(tp, more_threads_than_caches_are_served);
    tcase_add_test(tp, fork_child_gets_the_dead_threads_caches);
    tcase_add_test(tp, dlopen_and_dlclose);
    tcase_set_timeout(tp, 30);
    suite_add_tcase(s, tp);
    return s;
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *opts = getenv("RTALLOC_OPTIONS");
    if (!opts || strcmp(opts, OPTIONS) != 0) {
        setenv("RTALLOC_OPTIONS", OPTIONS, 1);
        execv("/proc/self/exe", argv);
        return 99;
    }
    void *probe = malloc(32);
    int ours = rta_process_heap() && rta_owns(rta_process_heap(), probe);
    free(probe);
    if (!ours) {
        printf("SKIP: malloc is not librtalloc_malloc's here (a sanitizer's runtime owns "
               "malloc, or the process heap could not be made)\n");
        return 77;
    }
    SRunner *sr = srunner_create(malloc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
