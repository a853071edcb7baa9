/* Tests of librtalloc_guard linked into a program, in count mode: what is
 * counted (calls inside RT sections, on the calling thread only, through
 * every interposed entry point, once each), what is not (calls outside
 * sections, other threads, the guard's off mode), and that the
 * interposed functions still do their job.
 *
 * Every call goes through a volatile function pointer so the compiler can
 * neither drop a malloc/free pair nor turn one call into another.  No
 * ck_assert runs inside a section: Check's assertions allocate and lock
 * (they record the last line reached), which the guard rightly counts. */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtalloc.h"
#include "rtalloc_guard.h"

/* C++ operators by their mangled names.  main() loads libstdc++ behind
 * the guard, which then forwards to it. */
extern void *_Znwm(size_t size);
extern void *_ZnamRKSt9nothrow_t(size_t size, const void *nothrow);
extern void *_ZnwmSt11align_val_t(size_t size, size_t align);
extern void _ZdlPv(void *p);
extern void _ZdaPv(void *p);
extern void _ZdlPvm(void *p, size_t size);
extern void _ZdlPvSt11align_val_t(void *p, size_t align);

static void *(*volatile v_malloc)(size_t) = malloc;
static void (*volatile v_free)(void *) = free;
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static void *(*volatile v_realloc)(void *, size_t) = realloc;
static void *(*volatile v_reallocarray)(void *, size_t, size_t) = reallocarray;
static int (*volatile v_posix_memalign)(void **, size_t, size_t) = posix_memalign;
static void *(*volatile v_aligned_alloc)(size_t, size_t) = aligned_alloc;
static void *(*volatile v_memalign)(size_t, size_t) = memalign;
static void *(*volatile v_valloc)(size_t) = valloc;
static void *(*volatile v_pvalloc)(size_t) = pvalloc;
static size_t (*volatile v_usable)(void *) = malloc_usable_size;
static char *(*volatile v_strdup)(const char *) = strdup;
static char *(*volatile v_strndup)(const char *, size_t) = strndup;

static void count_mode(void)
{
    rta_guard_set_mode(RTA_GUARD_COUNT);
    rta_guard_set_strict(0);
}

static void trap_mode(void)
{
    rta_guard_set_mode(RTA_GUARD_TRAP);
    rta_guard_set_strict(0);
}

START_TEST(outside_sections_not_counted)
{
    uint64_t thread0 = rta_rt_system_allocs(), all0 = rta_guard_heap_calls();
    for (int i = 0; i < 100; i++)
        v_free(v_malloc(32));
    ck_assert_int_eq(rta_rt_active(), 0);
    ck_assert_uint_eq(rta_rt_system_allocs(), thread0);
    ck_assert_uint_eq(rta_guard_heap_calls(), all0);
}
END_TEST

START_TEST(inside_section_counted)
{
    uint64_t n0 = rta_rt_system_allocs(), all0 = rta_guard_heap_calls();
    rta_rt_enter();
    void *p = v_malloc(100);
    uint64_t after_malloc = rta_rt_system_allocs();
    v_free(p);
    uint64_t after_free = rta_rt_system_allocs();
    rta_rt_leave();
    ck_assert_uint_eq(after_malloc, n0 + 1);
    ck_assert_uint_eq(after_free, n0 + 2);
    v_free(v_malloc(100));
    ck_assert_uint_eq(rta_rt_system_allocs(), n0 + 2);
    ck_assert_uint_eq(rta_guard_heap_calls(), all0 + 2);
}
END_TEST

START_TEST(free_null_not_counted)
{
    uint64_t n0 = rta_rt_system_allocs();
    rta_rt_enter();
    v_free(NULL);
    _ZdlPv(NULL);
    rta_rt_leave();
    ck_assert_uint_eq(rta_rt_system_allocs(), n0);
}
END_TEST

START_TEST(nesting)
{
    uint64_t n0 = rta_rt_system_allocs();
    rta_rt_enter();
    rta_rt_enter();
    rta_rt_leave();
    int still_active = rta_rt_active();
    v_free(v_malloc(8));
    uint64_t inner = rta_rt_system_allocs();
    rta_rt_leave();
    ck_assert_int_eq(still_active, 1);
    ck_assert_uint_eq(inner, n0 + 2);
    ck_assert_int_eq(rta_rt_active(), 0);
    v_free(v_malloc(8));
    /* An unbalanced leave must not leave the thread "inside" for ever. */
    rta_rt_leave();
    ck_assert_int_eq(rta_rt_active(), 0);
    v_free(v_malloc(8));
    ck_assert_uint_eq(rta_rt_system_allocs(), n0 + 2);
}
END_TEST

START_TEST(off_mode_counts_nothing)
{
    uint64_t n0 = rta_rt_system_allocs();
    ck_assert_int_eq(rta_guard_set_mode(RTA_GUARD_OFF), RTA_GUARD_COUNT);
    ck_assert_int_eq(rta_guard_mode(), RTA_GUARD_OFF);
    rta_rt_enter();
    v_free(v_malloc(8));
    rta_rt_leave();
    ck_assert_uint_eq(rta_rt_system_allocs(), n0);
    ck_assert_int_eq(rta_guard_set_mode(42), -1);
    ck_assert_int_eq(rta_guard_mode(), RTA_GUARD_OFF);
}
END_TEST

/* Thread A allocates inside a section while thread B allocates outside
 * one, at the same time (a barrier holds A inside until B is done). */
static pthread_barrier_t barrier;
static uint64_t a_count, b_count;

static void *thread_a(void *unused)
{
    (void)unused;
    rta_rt_enter();
    for (int i = 0; i < 3; i++)
        v_free(v_malloc(64)); /* 6 calls */
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    rta_rt_leave();
    a_count = rta_rt_system_allocs();
    return NULL;
}

static void *thread_b(void *unused)
{
    (void)unused;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < 1000; i++)
        v_free(v_malloc(64));
    b_count = rta_rt_system_allocs();
    pthread_barrier_wait(&barrier);
    return NULL;
}

START_TEST(threads_independent)
{
    pthread_t a, b;
    uint64_t main0 = rta_rt_system_allocs();
    pthread_barrier_init(&barrier, NULL, 2);
    ck_assert_int_eq(pthread_create(&a, NULL, thread_a, NULL), 0);
    ck_assert_int_eq(pthread_create(&b, NULL, thread_b, NULL), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&barrier);
    ck_assert_uint_eq(a_count, 6);
    ck_assert_uint_eq(b_count, 0);
    ck_assert_uint_eq(rta_rt_system_allocs(), main0);
}
END_TEST

/* Runs one call inside a section and checks it counted exactly once. */
#define ONE_CALL(stmt)                                                             \
    do {                                                                           \
        uint64_t before_ = rta_rt_system_allocs();                                 \
        rta_rt_enter();                                                            \
        stmt;                                                                      \
        rta_rt_leave();                                                            \
        ck_assert_msg(rta_rt_system_allocs() == before_ + 1, "%s counted %d times", \
                      #stmt, (int)(rta_rt_system_allocs() - before_));             \
    } while (0)

START_TEST(every_c_entry_point)
{
    void *p = NULL, *q = NULL;
    char *s = NULL;
    int rc = -1;

    ONE_CALL(p = v_malloc(40));
    ck_assert_ptr_nonnull(p);
    memset(p, 0x5a, 40);
    ONE_CALL(q = v_realloc(p, 4000));
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(((unsigned char *)q)[39], 0x5a);
    ONE_CALL(v_free(q));

    ONE_CALL(p = v_calloc(10, 100));
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(((unsigned char *)p)[i], 0);
    ONE_CALL(q = v_reallocarray(p, 20, 100));
    ck_assert_ptr_nonnull(q);
    errno = 0;
    ONE_CALL(p = v_reallocarray(q, SIZE_MAX / 2, 4));
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, ENOMEM);
    ONE_CALL(v_free(q));

    ONE_CALL(rc = v_posix_memalign(&p, 64, 100));
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq((uintptr_t)p % 64, 0);
    ONE_CALL(v_free(p));
    q = (void *)&rc;
    ONE_CALL(rc = v_posix_memalign(&q, 24, 100));
    ck_assert_int_eq(rc, EINVAL);
    ck_assert_ptr_eq(q, (void *)&rc);

    ONE_CALL(p = v_aligned_alloc(256, 512));
    ck_assert_uint_eq((uintptr_t)p % 256, 0);
    ONE_CALL(v_free(p));
    ONE_CALL(p = v_memalign(128, 10));
    ck_assert_uint_eq((uintptr_t)p % 128, 0);
    ONE_CALL(v_free(p));
    long page = sysconf(_SC_PAGESIZE);
    ONE_CALL(p = v_valloc(10));
    ck_assert_uint_eq((uintptr_t)p % (uintptr_t)page, 0);
    ONE_CALL(v_free(p));
    ONE_CALL(p = v_pvalloc(10));
    ck_assert_uint_eq((uintptr_t)p % (uintptr_t)page, 0);
    size_t usable = 0;
    ONE_CALL(usable = v_usable(p));
    ck_assert_uint_ge(usable, 10);
    ONE_CALL(v_free(p));

    ONE_CALL(s = v_strdup("real-time"));
    ck_assert_str_eq(s, "real-time");
    ONE_CALL(v_free(s));
    ONE_CALL(s = v_strndup("real-time", 4));
    ck_assert_str_eq(s, "real");
    ONE_CALL(v_free(s));
}
END_TEST

/* std::set_new_handler, to see that a failing new reaches libstdc++'s
 * (only it calls the handler). */
typedef void (*new_handler_fn)(void);
static new_handler_fn (*set_new_handler_p)(new_handler_fn);
static int handler_calls;

static void count_and_give_up(void)
{
    handler_calls++;
    set_new_handler_p(NULL); /* next failure: bad_alloc, caught by nothrow new */
}

static int defined_by_guard(const char *symbol)
{
    Dl_info info;
    void *f = dlsym(RTLD_DEFAULT, symbol);
    return f && dladdr(f, &info) && strstr(info.dli_fname, "librtalloc_guard");
}

START_TEST(every_cxx_form_counted_once)
{
    void *p = NULL;
    /* The operators this test calls are the guard's, and libstdc++ is
     * there behind them. */
    ck_assert(defined_by_guard("_ZnamRKSt9nothrow_t"));
    ck_assert(defined_by_guard("_Znwm"));
    /* A first use outside a section lets the guard find libstdc++, loaded
     * after it started (inside a section it would not look). */
    _ZdlPv(_Znwm(1));
    /* libstdc++'s operators call malloc/free inside: those must not count. */
    ONE_CALL(p = _Znwm(24));
    ck_assert_ptr_nonnull(p);
    ONE_CALL(_ZdlPv(p));
    ONE_CALL(p = _Znwm(24));
    ONE_CALL(_ZdlPvm(p, 24));
    ONE_CALL(p = _ZnwmSt11align_val_t(100, 256));
    ck_assert_uint_eq((uintptr_t)p % 256, 0);
    ONE_CALL(_ZdlPvSt11align_val_t(p, 256));
    set_new_handler_p = (new_handler_fn(*)(new_handler_fn))dlsym(RTLD_DEFAULT,
                                                                 "_ZSt15set_new_handlerPFvvE");
    ck_assert_ptr_nonnull(set_new_handler_p);
    set_new_handler_p(count_and_give_up);
    ONE_CALL(p = _ZnamRKSt9nothrow_t(SIZE_MAX / 2, NULL));
    ck_assert_ptr_null(p); /* nothrow: NULL, not an exception */
    ck_assert_int_eq(handler_calls, 1); /* forwarded: the C++ semantics hold */
    ONE_CALL(p = _ZnamRKSt9nothrow_t(64, NULL));
    ONE_CALL(_ZdaPv(p));
}
END_TEST

START_TEST(strict_blocking_calls)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    char path[] = "/tmp/rta-guard-XXXXXX";
    int file = mkstemp(path);
    int pipefd[2];
    ck_assert_int_ge(file, 0);
    unlink(path);
    ck_assert_int_eq(pipe(pipefd), 0);

    uint64_t heap0 = rta_rt_system_allocs(), b0 = rta_guard_blocking_calls();
    /* Not strict: nothing flagged. */
    rta_rt_enter();
    usleep(1);
    rta_rt_leave();
    ck_assert_uint_eq(rta_guard_blocking_calls(), b0);

    ck_assert_int_eq(rta_guard_set_strict(1), 0);
    usleep(1); /* outside a section */
    ck_assert_uint_eq(rta_guard_blocking_calls(), b0);
    uint64_t after[4];
    ssize_t w1, w2;
    rta_rt_enter();
    usleep(1);
    after[0] = rta_guard_blocking_calls();
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    after[1] = rta_guard_blocking_calls();
    w1 = write(file, "x", 1);
    after[2] = rta_guard_blocking_calls();
    w2 = write(pipefd[1], "x", 1); /* a pipe is not a file */
    after[3] = rta_guard_blocking_calls();
    rta_rt_leave();
    ck_assert_uint_eq(after[0], b0 + 1);
    ck_assert_uint_eq(after[1], b0 + 2);
    ck_assert_uint_eq(after[2], b0 + 3);
    ck_assert_uint_eq(after[3], b0 + 3);
    ck_assert_int_eq(w1, 1);
    ck_assert_int_eq(w2, 1);
    /* Blocking calls are not system-heap calls. */
    ck_assert_uint_eq(rta_rt_system_allocs(), heap0);
    close(file);
    close(pipefd[0]);
    close(pipefd[1]);
}
END_TEST

/* The blocking calls strict mode first missed (issue 13): each one,
 * made once in a section, adds exactly one blocking call. */
#define N_MORE 24
START_TEST(strict_more_blocking_calls)
{
    char path[] = "/tmp/rta-guard-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "line\n", 5), 5);
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    ck_assert_int_eq(write(pipefd[1], "p", 1), 1); /* poll, select, epoll see data */
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev), 0);
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    pthread_spinlock_t spin;
    pthread_spin_init(&spin, 0);
    sem_t sem;
    sem_init(&sem, 0, 1);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    struct timespec past = {0, 0}, zero = {0, 0};
    struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
    struct timeval tv = {0, 1000};
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(pipefd[0], &rd);
    char buf[16];
    struct epoll_event out;
    void *map;
    FILE *fp;
    int ofd;

    rta_guard_set_strict(1);
    uint64_t c[N_MORE + 1];
    int i = 0;
    rta_rt_enter();
#define STEP(expr) (void)(expr), c[i++] = rta_guard_blocking_calls()
    c[i++] = rta_guard_blocking_calls();
    STEP(fp = fopen(path, "r+"));
    STEP(fgets(buf, sizeof buf, fp));
    STEP(fread(buf, 1, 1, fp));
    STEP(fwrite("x", 1, 1, fp));
    STEP(fprintf(fp, "%d\n", i));
    STEP(fflush(fp));
    STEP(fclose(fp));
    STEP(ofd = openat(AT_FDCWD, path, O_RDONLY));
    STEP(pread(ofd, buf, 1, 0));
    STEP(pwrite(fd, "y", 1, 0));
    STEP(pthread_rwlock_rdlock(&rw));
    pthread_rwlock_unlock(&rw);
    STEP(pthread_rwlock_wrlock(&rw));
    pthread_rwlock_unlock(&rw);
    STEP(sem_wait(&sem));
    STEP(pthread_spin_lock(&spin));
    pthread_spin_unlock(&spin);
    /* The mutex lock (strict.c) and the wait: 2. */
    STEP((pthread_mutex_lock(&m), pthread_cond_timedwait(&cond, &m, &past)));
    pthread_mutex_unlock(&m);
    STEP(clock_nanosleep(CLOCK_MONOTONIC, 0, &zero, NULL));
    STEP(poll(&pfd, 1, 1));
    STEP(select(pipefd[0] + 1, &rd, NULL, NULL, &tv));
    STEP(epoll_wait(ep, &out, 1, 1));
    STEP(sched_yield());
    STEP(map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    STEP(mprotect(map, 4096, PROT_READ));
    STEP(madvise(map, 4096, MADV_DONTNEED));
    STEP(munmap(map, 4096));
#undef STEP
    rta_rt_leave();
    ck_assert_int_eq(i, N_MORE + 1);
    for (int k = 1; k <= N_MORE; k++)
        ck_assert_msg(c[k] == c[k - 1] + (k == 15 ? 2 : 1), "step %d: %llu blocking calls after %llu", k,
                      (unsigned long long)c[k], (unsigned long long)c[k - 1]);
    /* Not blocking: a zero timeout, and reads of a pipe. */
    uint64_t b0 = rta_guard_blocking_calls();
    rta_rt_enter();
    (void)poll(&pfd, 1, 0);
    (void)epoll_wait(ep, &out, 1, 0);
    (void)pread(pipefd[0], buf, 0, 0);
    rta_rt_leave();
    ck_assert_uint_eq(rta_guard_blocking_calls(), b0);
    close(ofd);
    close(fd);
    close(ep);
    close(pipefd[0]);
    close(pipefd[1]);
    unlink(path);
}
END_TEST

/* A heap's fallback to the system heap is counted by the heap (stats
 * fallbacks), not by the guard: librtalloc marks its own call. */
START_TEST(rtalloc_own_calls_not_counted)
{
    rta_config cfg;
    rta_heap *h = NULL;
    rta_stats st;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.arena_bytes = 0;
    cfg.max_block = 1024;
    cfg.max_threads = 2;
    cfg.flags = RTA_FALLBACK_SYSTEM;
    ck_assert_int_eq(rta_heap_create(&h, &cfg), RTA_OK);

    uint64_t n0 = rta_rt_system_allocs(), all0 = rta_guard_heap_calls();
    rta_rt_enter();
    void *small = rta_malloc(h, 100);
    void *big = rta_malloc(h, 100000); /* above max_block: the system heap */
    if (big)
        memset(big, 1, 100000);
    rta_free(h, big);
    rta_free(h, small);
    rta_rt_leave();
    ck_assert_ptr_nonnull(small);
    ck_assert_ptr_nonnull(big);
    ck_assert_uint_eq(rta_rt_system_allocs(), n0);
    ck_assert_uint_eq(rta_guard_heap_calls(), all0);
    rta_stats_get(h, &st);
    ck_assert_uint_eq(st.fallbacks, 1);
    rta_heap_destroy(h);
}
END_TEST

static Suite *guard_suite(void)
{
    Suite *s = suite_create("guard");
    TCase *tc = tcase_create("counting");
    tcase_add_checked_fixture(tc, count_mode, trap_mode);
    tcase_add_test(tc, outside_sections_not_counted);
    tcase_add_test(tc, inside_section_counted);
    tcase_add_test(tc, free_null_not_counted);
    tcase_add_test(tc, nesting);
    tcase_add_test(tc, off_mode_counts_nothing);
    tcase_add_test(tc, threads_independent);
    tcase_add_test(tc, every_c_entry_point);
    tcase_add_test(tc, every_cxx_form_counted_once);
    tcase_add_test(tc, strict_blocking_calls);
    tcase_add_test(tc, strict_more_blocking_calls);
    tcase_add_test(tc, rtalloc_own_calls_not_counted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* Loaded now, libstdc++ comes after the guard in the lookup order. */
    if (!dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL)) {
        printf("SKIP: libstdc++.so.6 cannot be loaded: %s\n", dlerror());
        return 77;
    }
    if (!rta_guard_interposed()) {
        /* A sanitizer runtime replaces malloc ahead of the guard. */
        printf("SKIP: malloc is not the guard's in this build (sanitizers?)\n");
        return 77;
    }
    SRunner *sr = srunner_create(guard_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
