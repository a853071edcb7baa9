/* Fault injection (issue 15): the system calls and libc services the
 * library depends on fail, one at a time, and each failure must give the
 * documented error and leave nothing behind (/proc/self/maps unchanged,
 * no cache held, the next heap fine).  The program is linked with
 * -Wl,--wrap for mmap, mlock, pthread_key_create, pthread_setspecific and
 * the system heap's entry points, and statically against librtalloc, so
 * the library's own calls go through the wrappers below; each case runs
 * in a child process of its own (pthread_once, keys and limits are per
 * process).  Also: a thread killed by pthread_exit from inside a trap
 * handler, and heaps under RLIMIT_MEMLOCK and RLIMIT_AS.  The table of
 * what happens is in doc/BAD-INPUT.md ("Faults").
 *
 *   check_faults [CASE]   all cases, or the one named
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtalloc.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

/* ---- the wrappers: fail when told to, count every call ----------------- */

static int fail_mmap, fail_mlock, fail_key_create, fail_setspecific;
static int mmap_calls, munmap_calls, heap_calls;
/* Every mapping the wrapped mmap handed out: none may outlive a failure. */
static struct {
    uintptr_t lo, hi;
} made[64];
static int n_made;
static int count_heap_calls; /* count the library's system-heap calls */

void *__real_mmap(void *, size_t, int, int, int, off_t);
int __real_munmap(void *, size_t);
int __real_mlock(const void *, size_t);
int __real_pthread_key_create(pthread_key_t *, void (*)(void *));
int __real_pthread_setspecific(pthread_key_t, const void *);
void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
int __real_posix_memalign(void **, size_t, size_t);

void *__wrap_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    mmap_calls++;
    if (fail_mmap) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    void *p = __real_mmap(a, n, prot, flags, fd, off);
    if (p != MAP_FAILED && n_made < 64) {
        made[n_made].lo = (uintptr_t)p;
        made[n_made++].hi = (uintptr_t)p + n;
    }
    return p;
}
int __wrap_munmap(void *a, size_t n);
int __wrap_munmap(void *a, size_t n)
{
    munmap_calls++;
    return __real_munmap(a, n);
}
int __wrap_mlock(const void *a, size_t n);
int __wrap_mlock(const void *a, size_t n)
{
    if (fail_mlock) {
        errno = EPERM;
        return -1;
    }
    return __real_mlock(a, n);
}
int __wrap_pthread_key_create(pthread_key_t *k, void (*d)(void *));
int __wrap_pthread_key_create(pthread_key_t *k, void (*d)(void *))
{
    if (fail_key_create)
        return EAGAIN;
    return __real_pthread_key_create(k, d);
}
int __wrap_pthread_setspecific(pthread_key_t k, const void *v);
int __wrap_pthread_setspecific(pthread_key_t k, const void *v)
{
    if (fail_setspecific)
        return ENOMEM;
    return __real_pthread_setspecific(k, v);
}
void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
    if (count_heap_calls)
        heap_calls++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_calloc(size_t n, size_t s)
{
    if (count_heap_calls)
        heap_calls++;
    return __real_calloc(n, s);
}
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
    if (count_heap_calls)
        heap_calls++;
    return __real_realloc(p, n);
}
int __wrap_posix_memalign(void **p, size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    if (count_heap_calls)
        heap_calls++;
    return __real_posix_memalign(p, a, n);
}

/* ---- helpers --------------------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "check_faults: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    _exit(1);
}
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c))                                                                                  \
            die(__VA_ARGS__);                                                                      \
    } while (0)

/* /proc/self/maps, read with read(2) into a static buffer (no malloc, so
 * reading it changes nothing it shows). */
static char maps_a[1 << 16], maps_b[1 << 16];
static void read_maps(char *buf)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    size_t n = 0;
    ssize_t r;
    CHECK(fd >= 0, "open /proc/self/maps: %s", strerror(errno));
    while ((r = read(fd, buf + n, (1 << 16) - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd);
}
/* No mapping the library made may remain; without a sanitizer (whose
 * shadow mappings split as memory comes and goes) the whole of
 * /proc/self/maps must be as it was, too. */
static void check_maps_unchanged(const char *what)
{
    read_maps(maps_b);
    for (char *l = maps_b; *l;) {
        unsigned long lo, hi;
        if (sscanf(l, "%lx-%lx", &lo, &hi) == 2)
            for (int i = 0; i < n_made; i++)
                CHECK(hi <= made[i].lo || made[i].hi <= lo,
                      "%s left the library's mapping %lx-%lx behind", what,
                      (unsigned long)made[i].lo, (unsigned long)made[i].hi);
        char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
#ifndef UNDER_SANITIZER
    CHECK(strcmp(maps_a, maps_b) == 0, "%s left mappings behind:\nbefore:\n%s\nafter:\n%s", what,
          maps_a, maps_b);
#endif
}

static void small_config(rta_config *cfg)
{
    rta_config_defaults(cfg);
    cfg->pool_bytes = 4 << 16;
    cfg->arena_bytes = 0;
    cfg->max_block = 65536;
    cfg->max_threads = 2;
}

/* A heap made after the fault must work: no state of the failure stays. */
static void check_next_heap_works(void)
{
    rta_config cfg;
    rta_heap *h;
    small_config(&cfg);
    CHECK(rta_heap_create(&h, &cfg) == 0, "a heap after the fault failed");
    void *p = rta_malloc(h, 100);
    CHECK(p != NULL, "malloc after the fault failed");
    rta_free(h, p);
    rta_thread_detach(h);
    rta_heap_destroy(h);
}

/* ---- the cases --------------------------------------------------------------- */

static void case_mmap(void)
{
    rta_config cfg;
    rta_heap *h = (rta_heap *)&cfg;
    small_config(&cfg);
    read_maps(maps_a);
    fail_mmap = 1;
    int err = rta_heap_create(&h, &cfg);
    fail_mmap = 0;
    CHECK(err == RTA_ERR_MAP, "mmap failing: %d (%s), want RTA_ERR_MAP", err, rta_strerror(err));
    CHECK(h == NULL, "mmap failing left *out set");
    check_maps_unchanged("a failed mmap");
    check_next_heap_works();
}

static void case_mlock(void)
{
    rta_config cfg;
    rta_heap *h = (rta_heap *)&cfg;
    small_config(&cfg);
    cfg.flags = RTA_LOCK_MEMORY;
    read_maps(maps_a);
    int unmaps = munmap_calls;
    fail_mlock = 1;
    int err = rta_heap_create(&h, &cfg);
    fail_mlock = 0;
    CHECK(err == RTA_ERR_LOCK, "mlock failing: %d (%s), want RTA_ERR_LOCK", err,
          rta_strerror(err));
    CHECK(h == NULL, "mlock failing left *out set");
    CHECK(munmap_calls == unmaps + 1, "the region was not unmapped");
    check_maps_unchanged("a failed mlock");
    /* Caller memory: refused too, and the caller's memory stays the caller's. */
    static char region[1 << 20] __attribute__((aligned(4096)));
    cfg.memory = region;
    cfg.memory_bytes = sizeof region;
    fail_mlock = 1;
    err = rta_heap_create(&h, &cfg);
    fail_mlock = 0;
    CHECK(err == RTA_ERR_LOCK && h == NULL, "mlock failing on caller memory: %d", err);
    check_next_heap_works();
}

/* Another component's key 0 (created before rtalloc's) must never be
 * written by rtalloc when its own key could not be made. */
static pthread_key_t other_key;
static int other_destructor_calls;
static void other_destructor(void *v)
{
    (void)v;
    other_destructor_calls++;
}

static void *alloc_on_thread(void *arg)
{
    rta_heap *h = arg;
    errno = 0;
    void *p = rta_malloc(h, 64);
    int attach = rta_thread_attach(h);
    if (p)
        rta_free(h, p);
    return (void *)(intptr_t)(p == NULL && errno == ENOMEM && attach == RTA_ERR_NO_CACHE ? 1 : 0);
}

static void case_key_create(void)
{
    rta_config cfg;
    rta_heap *h;
    rta_stats st;
    void *ok;
    pthread_t th;
    CHECK(__real_pthread_key_create(&other_key, other_destructor) == 0, "key");
    small_config(&cfg);
    fail_key_create = 1;
    int err = rta_heap_create(&h, &cfg);
    CHECK(err == 0, "create with pthread_key_create failing: %d", err);
    /* No exit key: no thread may claim a cache (it would never go back). */
    pthread_create(&th, NULL, alloc_on_thread, h);
    pthread_join(th, &ok);
    CHECK(ok == (void *)1, "a thread claimed a cache without an exit key");
    CHECK(other_destructor_calls == 0 && pthread_getspecific(other_key) == NULL,
          "rtalloc wrote another component's key");
    rta_stats_get(h, &st);
    CHECK(st.threads_attached == 0 && st.failures == 1, "attached %u, failures %llu",
          st.threads_attached, (unsigned long long)st.failures);
    rta_heap_destroy(h);
    /* The next create makes the key; threads come and go again. */
    fail_key_create = 0;
    CHECK(rta_heap_create(&h, &cfg) == 0, "create after the fault");
    for (int i = 0; i < 5; i++) {
        pthread_create(&th, NULL, alloc_on_thread, h);
        pthread_join(th, &ok);
        CHECK(ok == (void *)0, "thread %d: no cache once the key exists", i);
    }
    rta_stats_get(h, &st);
    CHECK(st.threads_attached == 0, "%u caches held after the threads exited",
          st.threads_attached);
    rta_heap_destroy(h);
}

static void *setspecific_thread(void *arg)
{
    return alloc_on_thread(arg);
}

static void case_setspecific(void)
{
    rta_config cfg;
    rta_heap *h;
    rta_stats st;
    pthread_t th;
    void *ok;
    small_config(&cfg);
    CHECK(rta_heap_create(&h, &cfg) == 0, "create");
    fail_setspecific = 1;
    pthread_create(&th, NULL, setspecific_thread, h);
    pthread_join(th, &ok);
    fail_setspecific = 0;
    CHECK(ok == (void *)1, "a thread whose exit key cannot be set claimed a cache");
    rta_stats_get(h, &st);
    CHECK(st.threads_attached == 0, "%u caches held by exited threads", st.threads_attached);
    /* max_threads 2: five threads one after the other all get a cache. */
    for (int i = 0; i < 5; i++) {
        pthread_create(&th, NULL, setspecific_thread, h);
        pthread_join(th, &ok);
        CHECK(ok == (void *)0, "thread %d found no cache: an earlier one leaked", i);
    }
    rta_stats_get(h, &st);
    CHECK(st.threads_attached == 0, "%u caches held", st.threads_attached);
    rta_heap_destroy(h);
}

/* The registry (live heaps, for thread exit) is a list through the heaps
 * themselves: create, claims, thread exit and destroy never call the
 * system heap, so there is no allocation of it to fail.  Proved here:
 * no malloc, calloc, realloc or posix_memalign from any of them. */
static void *claim_and_exit(void *arg)
{
    rta_heap *h = arg;
    void *p = rta_malloc(h, 32);
    rta_free(h, p);
    return p;
}

static void case_registry(void)
{
    rta_config cfg;
    rta_heap *h[4];
    pthread_t th;
    small_config(&cfg);
    /* Threads are made before counting: glibc allocates their stacks. */
    count_heap_calls = 1;
    for (int i = 0; i < 4; i++)
        CHECK(rta_heap_create(&h[i], &cfg) == 0, "create %d", i);
    rta_heap_destroy(h[1]);
    int during = heap_calls;
    count_heap_calls = 0;
    pthread_create(&th, NULL, claim_and_exit, h[2]);
    pthread_join(th, NULL);
    count_heap_calls = 1;
    void *p = rta_malloc(h[3], 100);
    rta_free(h[3], p);
    rta_thread_detach(h[3]);
    for (int i = 0; i < 4; i++)
        if (i != 1)
            rta_heap_destroy(h[i]);
    count_heap_calls = 0;
    CHECK(during == 0 && heap_calls == 0, "the registry's paths called the system heap %d times",
          heap_calls);
}

/* A trap handler that ends its thread with pthread_exit: the thread's
 * cache must go back (key destructor), its blocks stay valid, and the
 * heap must serve every span again afterwards. */
static __thread int in_trap_thread;
static void exit_on_trap(const rta_trap_info *info, void *user)
{
    (void)user;
    if (in_trap_thread && info->kind == RTA_TRAP_EXHAUSTED)
        pthread_exit((void *)2);
}

static void **trap_blocks;
static void *fill_until_trap_shared(void *arg)
{
    rta_heap *h = arg;
    in_trap_thread = 1;
    for (int i = 0; i < 64; i++)
        trap_blocks[i] = rta_malloc(h, 16384);
    return NULL;
}

static void case_trap_exit(void)
{
    rta_config cfg;
    rta_heap *h;
    rta_stats st;
    pthread_t th;
    void *ret;
    small_config(&cfg);
    cfg.flags = RTA_DEBUG;
    cfg.on_trap = exit_on_trap;
    CHECK(rta_heap_create(&h, &cfg) == 0, "create");
    static void *blocks[64];
    trap_blocks = blocks;
    pthread_create(&th, NULL, fill_until_trap_shared, h);
    pthread_join(th, &ret);
    CHECK(ret == (void *)2, "the thread did not end in its trap handler");
    rta_stats_get(h, &st);
    CHECK(st.threads_attached == 0, "the killed thread's cache was not given back");
    CHECK(st.failures == 1, "failures %llu", (unsigned long long)st.failures);
    int n = 0;
    for (int i = 0; i < 64 && blocks[i]; i++, n++)
        rta_free(h, blocks[i]); /* remote frees into the orphaned cache */
    CHECK(n == 16, "%d blocks of 16 KiB in a 256 KiB pool", n);
    rta_stats_get(h, &st);
    CHECK(st.bytes_live == 0 && st.remote_frees == (uint64_t)n, "live %zu, remote %llu",
          st.bytes_live, (unsigned long long)st.remote_frees);
    void *p[5];
    int got = 0;
    while (got < 5 && (p[got] = rta_malloc(h, 65536)) != NULL)
        got++;
    CHECK(got == 4, "%d of 4 spans came back after the thread died in its trap handler", got);
    for (int i = 0; i < got; i++)
        rta_free(h, p[i]);
    rta_thread_detach(h);
    rta_heap_destroy(h);
}

/* Drops root's CAP_IPC_LOCK (which ignores RLIMIT_MEMLOCK): become nobody. */
static int drop_root(void)
{
    if (geteuid() != 0)
        return 1;
    return setgid(65534) == 0 && setuid(65534) == 0;
}

static void case_rlimit_memlock(void)
{
    rta_config cfg;
    rta_heap *h = (rta_heap *)&cfg;
#ifdef UNDER_SANITIZER
    printf("check_faults: rlimit_memlock: skipped under a sanitizer (its mlock interceptor does "
           "nothing and succeeds)\n");
    return;
#endif
    struct rlimit rl = {64 << 10, 64 << 10};
    CHECK(drop_root(), "cannot drop root to test RLIMIT_MEMLOCK");
    CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "setrlimit: %s", strerror(errno));
    small_config(&cfg);
    cfg.pool_bytes = 4 << 20;
    cfg.flags = RTA_LOCK_MEMORY;
    read_maps(maps_a);
    int err = rta_heap_create(&h, &cfg);
    CHECK(err == RTA_ERR_LOCK && h == NULL, "4 MiB locked under a 64 KiB RLIMIT_MEMLOCK: %d", err);
    check_maps_unchanged("RLIMIT_MEMLOCK");
    /* Without the flag the same heap is fine. */
    cfg.flags = 0;
    CHECK(rta_heap_create(&h, &cfg) == 0, "unlocked heap under RLIMIT_MEMLOCK");
    rta_heap_destroy(h);
}

static void case_rlimit_as(void)
{
    rta_config cfg;
    rta_heap *h = (rta_heap *)&cfg;
#ifdef UNDER_SANITIZER
    printf("check_faults: rlimit_as: skipped under a sanitizer (its shadow memory needs "
           "terabytes of address space)\n");
    return;
#endif
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_AS, &rl) == 0, "getrlimit");
    /* Room for what the process has now plus 64 MiB: a 256 MiB heap cannot fit. */
    read_maps(maps_a);
    size_t used = 0;
    for (char *l = maps_a; *l;) {
        unsigned long lo, hi;
        if (sscanf(l, "%lx-%lx", &lo, &hi) == 2)
            used += hi - lo;
        char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    rl.rlim_cur = used + (64 << 20);
    CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit: %s", strerror(errno));
    small_config(&cfg);
    cfg.pool_bytes = (size_t)256 << 20;
    read_maps(maps_a);
    int err = rta_heap_create(&h, &cfg);
    CHECK(err == RTA_ERR_MAP && h == NULL, "256 MiB under RLIMIT_AS: %d", err);
    check_maps_unchanged("RLIMIT_AS");
    check_next_heap_works();
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"mmap", case_mmap},
    {"mlock", case_mlock},
    {"key_create", case_key_create},
    {"setspecific", case_setspecific},
    {"registry", case_registry},
    {"trap_exit", case_trap_exit},
    {"rlimit_memlock", case_rlimit_memlock},
    {"rlimit_as", case_rlimit_as},
};

int main(int argc, char **argv)
{
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            cases[i].run();
            fflush(stdout);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        ran++;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("check_faults: %s: passed\n", cases[i].name);
        } else {
            printf("check_faults: %s: FAILED (status 0x%x)\n", cases[i].name, status);
            failed++;
        }
    }
    printf("check_faults: %d of %d cases passed\n", ran - failed, ran);
    return failed ? 1 : ran ? 0 : 2;
}
