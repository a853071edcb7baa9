/* Heap set-up: defaults, version, create/destroy, every create error,
 * rta_strerror/rta_trap_name, caller-supplied memory (proved to make no
 * mmap by a seccomp filter), memory locking, the size-class layout, and
 * rta_owns/rta_usable_size.
 *
 * Tests that change process limits or capabilities, or install a seccomp
 * filter, do so in a child they fork themselves, so they also hold with
 * CK_FORK=no (the valgrind pass).
 */
#include "config.h"

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

/* ---- defaults and version ------------------------------------------------ */

START_TEST(test_config_defaults)
{
    rta_config cfg;
    memset(&cfg, 0x5a, sizeof cfg);
    rta_config_defaults(&cfg);
    ck_assert_uint_eq(cfg.pool_bytes, 16 * MiB);
    ck_assert_uint_eq(cfg.arena_bytes, 1 * MiB);
    ck_assert_uint_eq(cfg.max_block, 64 * KiB);
    ck_assert_uint_eq(cfg.max_threads, 16);
    ck_assert_ptr_null(cfg.memory);
    ck_assert_uint_eq(cfg.memory_bytes, 0);
    ck_assert_ptr_null(cfg.on_trap);
    ck_assert_ptr_null(cfg.trap_user);
#ifdef RTA_DEFAULT_DEBUG
    ck_assert_uint_eq(cfg.flags, RTA_DEBUG);
#else
    ck_assert_uint_eq(cfg.flags, 0);
#endif
    /* The defaults make a heap. */
    rta_heap *h = tu_create(&cfg);
    rta_stats st = tu_stats(h);
    ck_assert_uint_ge(st.bytes_reserved, 17 * MiB);
    ck_assert_uint_eq(st.frame_arena.capacity >= 1 * MiB, 1);
    ck_assert_ptr_nonnull(rta_heap_arena(h));
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_version)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", RTA_VERSION_MAJOR, RTA_VERSION_MINOR,
             RTA_VERSION_PATCH);
    ck_assert_str_eq(rta_version(), want);
    ck_assert_str_eq(RTA_VERSION_STRING, want);
}
END_TEST

START_TEST(test_destroy_null_is_noop)
{
    /* Nothing is unmapped or changed: the mappings are the same text
     * before and after, and a live heap is untouched. */
    static char before[1 << 16], after[1 << 16];
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    void *p = rta_malloc(h, 64);
    ck_assert_ptr_nonnull(p);
    tu_paint(p, 64, 0x6b);
    rta_stats st0 = tu_stats(h);
    ck_assert_int_ge(tu_read_maps(before, sizeof before), 0);
    errno = 0;
    rta_heap_destroy(NULL);
    ck_assert_int_ge(tu_read_maps(after, sizeof after), 0);
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(errno, 0);
    rta_stats st = tu_stats(h);
    ck_assert_mem_eq(&st, &st0, sizeof st);
    ck_assert(tu_painted(p, 64, 0x6b));
    rta_free(h, p);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_create_destroy_repeatedly)
{
    /* Each create maps and each destroy unmaps: 50 rounds of 4 MiB must
     * not run out of anything. */
    for (int i = 0; i < 50; i++) {
        rta_heap *h = tu_small_heap(4 * MiB, 0);
        void *p = rta_malloc(h, 100);
        ck_assert_ptr_nonnull(p);
        rta_free(h, p);
        rta_heap_destroy(h);
    }
}
END_TEST

START_TEST(test_stats_fresh_heap)
{
    rta_heap *h = tu_small_heap(2 * MiB, 0);
    rta_stats st = tu_stats(h);
    ck_assert_uint_ge(st.bytes_reserved, 2 * MiB);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.bytes_peak, 0);
    ck_assert_uint_eq(st.allocs, 0);
    ck_assert_uint_eq(st.frees, 0);
    ck_assert_uint_eq(st.failures, 0);
    ck_assert_uint_eq(st.fallbacks, 0);
    ck_assert_uint_eq(st.remote_frees, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    ck_assert_int_eq(st.memory_locked, 0);
    ck_assert_uint_ge(st.n_classes, 2);
    ck_assert_uint_le(st.n_classes, RTA_MAX_CLASSES);
    ck_assert_uint_eq(st.frame_arena.capacity, 0); /* arena_bytes 0 */
    ck_assert_uint_eq(st.frame_arena.used, 0);
    ck_assert_ptr_null(rta_heap_arena(h));
    ck_assert_uint_le(st.pool_bytes_free, 2 * MiB);
    /* Most of the pool is free reserve before any allocation. */
    ck_assert_uint_ge(st.pool_bytes_free, 2 * MiB - 256 * KiB);
    ck_assert_uint_eq(st.threads_attached, 0);
    for (unsigned i = 0; i < st.n_classes; i++) {
        ck_assert_uint_eq(st.classes[i].live, 0);
        ck_assert_uint_eq(st.classes[i].peak, 0);
    }
    rta_heap_destroy(h);
}
END_TEST

/* ---- size classes ---------------------------------------------------------- */

START_TEST(test_class_layout)
{
    rta_heap *h = tu_small_heap(4 * MiB, 0);
    rta_stats st = tu_stats(h);
    ck_assert_uint_eq(st.classes[0].block_size, 16);
    ck_assert_uint_eq(st.classes[st.n_classes - 1].block_size, 64 * KiB);
    for (unsigned i = 0; i < st.n_classes; i++) {
        size_t b = st.classes[i].block_size;
        ck_assert_uint_eq(b % 16, 0);
        if (i == 0)
            continue;
        size_t a = st.classes[i - 1].block_size;
        ck_assert_uint_gt(b, a);
        /* At most 25% waste between neighbouring classes above 128 B:
         * a request of a+1 bytes gets b bytes. */
        if (a >= 128)
            ck_assert_msg(4 * (b - a) <= a, "classes %zu -> %zu waste more than 25%%", a, b);
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_class_max_block_custom)
{
    rta_config cfg = tu_config(4 * MiB, 0);
    cfg.max_block = 1000;
    rta_heap *h = tu_create(&cfg);
    rta_stats st = tu_stats(h);
    size_t top = st.classes[st.n_classes - 1].block_size;
    ck_assert_uint_ge(top, 1000);
    /* 1000 is pooled, 1001 is a miss whatever the top class is. */
    void *p = rta_malloc(h, 1000);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(rta_usable_size(h, p), 1000);
    errno = 0;
    ck_assert_ptr_null(rta_malloc(h, 1001));
    ck_assert_int_eq(errno, ENOMEM);
    rta_free(h, p);
    st = tu_stats(h);
    ck_assert_uint_eq(st.failures, 1);
    rta_heap_destroy(h);
}
END_TEST

/* ---- rta_owns / rta_usable_size -------------------------------------------- */

START_TEST(test_usable_size_every_class)
{
    rta_heap *h = tu_small_heap(4 * MiB, 0);
    rta_stats st = tu_stats(h);
    for (unsigned i = 0; i < st.n_classes; i++) {
        size_t b = st.classes[i].block_size;
        void *p = rta_malloc(h, b);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(rta_usable_size(h, p), b);
        memset(p, 0xee, b);
        /* One byte below the class still lands in it. */
        void *q = rta_malloc(h, b - 1);
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_eq(rta_usable_size(h, q), b);
        if (i + 1 < st.n_classes) {
            void *r = rta_malloc(h, b + 1);
            ck_assert_ptr_nonnull(r);
            ck_assert_uint_eq(rta_usable_size(h, r), st.classes[i + 1].block_size);
            rta_free(h, r);
        }
        rta_free(h, q);
        rta_free(h, p);
    }
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_owns)
{
    rta_config cfg = tu_config(2 * MiB, 0);
    cfg.arena_bytes = 64 * KiB;
    rta_heap *h = tu_create(&cfg);
    rta_heap *other = tu_small_heap(2 * MiB, 0);

    char *p = rta_malloc(h, 100);
    ck_assert_ptr_nonnull(p);
    size_t n = rta_usable_size(h, p);
    ck_assert_int_eq(rta_owns(h, p), 1);
    ck_assert_int_eq(rta_owns(h, p + 1), 1);     /* inside the block */
    ck_assert_int_eq(rta_owns(h, p + n - 1), 1); /* last byte */
    ck_assert_int_eq(rta_owns(other, p), 0);
    ck_assert_uint_eq(rta_usable_size(other, p), 0);

    int on_stack;
    ck_assert_int_eq(rta_owns(h, &on_stack), 0);
    ck_assert_uint_eq(rta_usable_size(h, &on_stack), 0);
    ck_assert_int_eq(rta_owns(h, NULL), 0);
    ck_assert_uint_eq(rta_usable_size(h, NULL), 0);
    void *sys = malloc(64);
    ck_assert_int_eq(rta_owns(h, sys), 0);
    ck_assert_uint_eq(rta_usable_size(h, sys), 0);
    free(sys);

    /* Arena memory is the heap's, but not a pool block. */
    rta_arena *a = rta_heap_arena(h);
    ck_assert_ptr_nonnull(a);
    void *ap = rta_arena_alloc(a, 64, 0);
    ck_assert_ptr_nonnull(ap);
    ck_assert_int_eq(rta_owns(h, ap), 0);
    ck_assert_uint_eq(rta_usable_size(h, ap), 0);

    void *q = rta_malloc(other, 100);
    ck_assert_int_eq(rta_owns(other, q), 1);
    ck_assert_int_eq(rta_owns(h, q), 0);
    rta_free(other, q);
    rta_free(h, p);
    rta_heap_destroy(other);
    rta_heap_destroy(h);
}
END_TEST

/* ---- create errors --------------------------------------------------------- */

static int create_err(const rta_config *cfg)
{
    rta_heap *h = (rta_heap *)(uintptr_t)0x1; /* must not be trusted as output */
    int err = rta_heap_create(&h, cfg);
    if (err == RTA_OK)
        rta_heap_destroy(h);
    return err;
}

START_TEST(test_create_err_inval)
{
    rta_config cfg = tu_config(1 * MiB, 0);
    rta_heap *h = NULL;
    ck_assert_int_eq(rta_heap_create(NULL, &cfg), RTA_ERR_INVAL);
    ck_assert_int_eq(rta_heap_create(&h, NULL), RTA_ERR_INVAL);
    ck_assert_ptr_null(h);
}
END_TEST

START_TEST(test_create_err_config)
{
    rta_config cfg = tu_config(0, 0);
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_CONFIG);
    cfg = tu_config(1 * MiB, 0);
    cfg.max_block = 0;
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_CONFIG);
    cfg = tu_config(1 * MiB, 0);
    cfg.max_threads = 0;
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_CONFIG);
    /* A caller region with no size is inconsistent. */
    static char buf[4096];
    cfg = tu_config(1 * MiB, 0);
    cfg.memory = buf;
    cfg.memory_bytes = 0;
    int err = create_err(&cfg);
    ck_assert_msg(err == RTA_ERR_CONFIG || err == RTA_ERR_REGION_TOO_SMALL, "memory_bytes 0: %d",
                  err);
}
END_TEST

START_TEST(test_create_err_region_too_small)
{
    static char buf[1 * MiB];
    rta_config cfg = tu_config(2 * MiB, 0);
    cfg.memory = buf;
    cfg.memory_bytes = sizeof buf;
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_REGION_TOO_SMALL);
    /* Pools alone fit, pools plus arena do not. */
    cfg = tu_config(512 * KiB, 0);
    cfg.arena_bytes = 768 * KiB;
    cfg.memory = buf;
    cfg.memory_bytes = sizeof buf;
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_REGION_TOO_SMALL);
}
END_TEST

START_TEST(test_create_err_max_block)
{
    rta_config cfg = tu_config(1 * MiB, 0);
    cfg.max_block = 4 * MiB; /* a block bigger than all the pools */
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_MAX_BLOCK);
    cfg.max_block = SIZE_MAX / 2;
    ck_assert_int_eq(create_err(&cfg), RTA_ERR_MAX_BLOCK);
}
END_TEST

START_TEST(test_arena_create_errors)
{
    /* The other codes rta_arena_create shares (arenas are tested in
     * check_arena; here: each error cause has its code). */
    rta_heap *h = tu_small_heap(1 * MiB, 0);
    rta_arena *a = (rta_arena *)(uintptr_t)0x1;
    ck_assert_int_eq(rta_arena_create(h, 0, &a), RTA_ERR_CONFIG);
    ck_assert_int_eq(rta_arena_create(h, 2 * MiB, &a), RTA_ERR_RESERVE);
    ck_assert_int_eq(rta_arena_create(NULL, 4096, &a), RTA_ERR_INVAL);
    ck_assert_int_eq(rta_arena_create(h, 4096, NULL), RTA_ERR_INVAL);
    a = NULL;
    ck_assert_int_eq(rta_arena_create(h, 256 * KiB, &a), RTA_OK);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_ge(rta_arena_capacity(a), 256 * KiB);
    rta_stats st = tu_stats(h);
    ck_assert_uint_le(st.pool_bytes_free, 1 * MiB - 256 * KiB);
    rta_heap_destroy(h);
}
END_TEST

/* Status of a child that ran fn; the child exits with fn's result. */
static int in_child(int (*fn)(void))
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(fn());
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static long vm_size_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* Drops CAP_IPC_LOCK from the effective set (root ignores
 * RLIMIT_MEMLOCK otherwise) and sets RLIMIT_MEMLOCK to 64 KiB. */
static int forbid_mlock(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) != 0)
        return -1;
    data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
    if (syscall(SYS_capset, &hdr, data) != 0)
        return -1;
    struct rlimit rl = {64 * 1024, 64 * 1024};
    return setrlimit(RLIMIT_MEMLOCK, &rl);
}

static int child_lock_refused(void)
{
    if (forbid_mlock() != 0)
        return 10;
    rta_config cfg = tu_config(8 * MiB, RTA_LOCK_MEMORY);
    static char maps_before[1 << 16], maps_after[1 << 16];
    long before = vm_size_kib();
    if (tu_read_maps(maps_before, sizeof maps_before) < 0)
        return 10;
    rta_heap *h = NULL;
    int err = rta_heap_create(&h, &cfg);
    if (tu_read_maps(maps_after, sizeof maps_after) < 0)
        return 10;
    long after = vm_size_kib();
    if (err != RTA_ERR_LOCK || h != NULL)
        return 11;
    /* "leaves nothing behind": the 8 MiB mapping is gone again, and
     * /proc/self/maps reads as before. */
    if (before < 0 || after - before >= 4096 || tu_maps_grew(maps_before, maps_after, 1u << 20))
        return 12;
    const char *msg = rta_strerror(RTA_ERR_LOCK);
    if (msg == NULL || strstr(msg, "RLIMIT_MEMLOCK") == NULL)
        return 13;
    return 0;
}

START_TEST(test_create_err_lock)
{
    int status = in_child(child_lock_refused);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "lock refusal child: status %#x (10 setup, 11 wrong code, 12 mapping left, "
                  "13 message)",
                  status);
}
END_TEST

static int child_map_fails(void)
{
    /* Cap the address space just above what the process uses now, so
     * a 256 MiB mapping cannot be made. */
    long now = vm_size_kib();
    if (now < 0)
        return 10;
    rlim_t cap = (rlim_t)now * 1024 + 32 * MiB;
    struct rlimit rl = {cap, cap};
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        return 10;
    rta_config cfg = tu_config(256 * MiB, 0);
    int err = create_err(&cfg);
    if (err != RTA_ERR_MAP)
        return 20 + (-err & 15);
    /* A heap that fits is still possible afterwards. */
    cfg = tu_config(1 * MiB, 0);
    if (create_err(&cfg) != RTA_OK)
        return 11;
    return 0;
}

START_TEST(test_create_err_map)
{
    int status = in_child(child_map_fails);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "map failure child: status %#x (2x: got RTA_ERR_-x instead of RTA_ERR_MAP)",
                  status);
}
END_TEST

START_TEST(test_lock_memory)
{
    /* As root (CI) or within RLIMIT_MEMLOCK, a small heap can be locked. */
    rta_config cfg = tu_config(2 * MiB, RTA_LOCK_MEMORY);
    rta_heap *h = NULL;
    int err = rta_heap_create(&h, &cfg);
    /* main() runs this test only where root or RLIMIT_MEMLOCK allows it. */
    ck_assert_msg(err == RTA_OK, "rta_heap_create: %s", rta_strerror(err));
    rta_stats st = tu_stats(h);
    ck_assert_int_eq(st.memory_locked, 1);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(test_strerror)
{
    const int codes[] = {
        RTA_OK,      RTA_ERR_CONFIG, RTA_ERR_REGION_TOO_SMALL, RTA_ERR_MAX_BLOCK, RTA_ERR_LOCK,
        RTA_ERR_MAP, RTA_ERR_INVAL,  RTA_ERR_NO_CACHE,         RTA_ERR_RESERVE};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *a = rta_strerror(codes[i]);
        ck_assert_ptr_nonnull(a);
        ck_assert_uint_gt(strlen(a), 3);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(a, rta_strerror(codes[j])) != 0, "codes %d and %d share \"%s\"",
                          codes[i], codes[j], a);
    }
    ck_assert_ptr_nonnull(strstr(rta_strerror(RTA_ERR_LOCK), "RLIMIT_MEMLOCK"));
    /* Unknown codes still give words, not NULL. */
    ck_assert_ptr_nonnull(rta_strerror(-1000));
    ck_assert_uint_gt(strlen(rta_strerror(-1000)), 0);
    ck_assert_ptr_nonnull(rta_strerror(12345));
}
END_TEST

START_TEST(test_trap_names)
{
    for (int k = RTA_TRAP_FALLBACK; k <= RTA_TRAP_LEAK; k++) {
        const char *a = rta_trap_name(k);
        ck_assert_ptr_nonnull(a);
        ck_assert_uint_gt(strlen(a), 2);
        for (int j = RTA_TRAP_FALLBACK; j < k; j++)
            ck_assert_str_ne(a, rta_trap_name(j));
    }
    ck_assert_ptr_nonnull(rta_trap_name(15));
    ck_assert_ptr_nonnull(rta_trap_name(-1));
    ck_assert_ptr_nonnull(strstr(rta_trap_name(RTA_TRAP_DOUBLE_FREE), "double"));
    ck_assert_ptr_nonnull(strstr(rta_trap_name(RTA_TRAP_FALLBACK), "fallback"));
}
END_TEST

/* ---- caller-supplied memory ------------------------------------------------- */

#define REGION_BYTES (3 * MiB)
static unsigned char region[REGION_BYTES + 64] __attribute__((aligned(4096)));

static int in_region(const void *p, const unsigned char *base, size_t bytes)
{
    const unsigned char *c = p;
    return c >= base && c < base + bytes;
}

/* Carves a heap from base and checks every block it hands out lies in
 * the region.  Returns 0 or a code saying what went wrong. */
static int use_caller_region(unsigned char *base, size_t bytes)
{
    static void *ptrs[1 << 16];
    rta_config cfg = tu_config(2 * MiB, 0);
    cfg.arena_bytes = 256 * KiB;
    cfg.memory = base;
    cfg.memory_bytes = bytes;
    rta_heap *h = NULL;
    if (rta_heap_create(&h, &cfg) != RTA_OK)
        return 1;
    rta_stats st;
    rta_stats_get(h, &st);
    if (st.bytes_reserved > bytes)
        return 2;
    size_t n = 0;
    for (;;) {
        void *p = rta_malloc(h, 1024);
        if (p == NULL)
            break;
        if (n == sizeof ptrs / sizeof ptrs[0])
            return 3;
        if (!in_region(p, base, bytes) || ((uintptr_t)p & 15) || !rta_owns(h, p))
            return 4;
        if (!in_region((char *)p + 1023, base, bytes))
            return 4;
        ptrs[n++] = p;
    }
    /* 2 MiB of pools hold at least 1.5 MiB of 1 KiB blocks. */
    if (n < 1536)
        return 5;
    for (size_t i = 0; i < n; i++)
        rta_free(h, ptrs[i]);
    for (unsigned a = 16; a <= 4096; a *= 2) {
        void *p = rta_aligned_alloc(h, a, 100);
        if (p == NULL || ((uintptr_t)p & (a - 1)) || !in_region(p, base, bytes))
            return 6;
        rta_free(h, p);
    }
    void *ap = rta_arena_alloc(rta_heap_arena(h), 1000, 0);
    if (ap == NULL || !in_region(ap, base, bytes))
        return 7;
    rta_heap_destroy(h);
    return 0;
}

START_TEST(test_caller_memory)
{
    ck_assert_int_eq(use_caller_region(region, REGION_BYTES), 0);
    /* The caller's memory is still the caller's after destroy (no
     * munmap of it): writing all of it must not fault. */
    memset(region, 0x11, sizeof region);
}
END_TEST

START_TEST(test_caller_memory_unaligned)
{
    /* A region that starts 8 bytes off a page: alignment promises hold. */
    ck_assert_int_eq(use_caller_region(region + 8, REGION_BYTES), 0);
}
END_TEST

/* Any mmap-family call or brk now fails with EPERM instead of working. */
static int deny_mapping(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munmap, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mremap, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_brk, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int child_caller_memory_no_mmap(void)
{
    if (deny_mapping() != 0)
        return 100;
    /* The filter works: a mapping now fails. */
    if (syscall(SYS_mmap, NULL, 4096, 3, 0x22, -1, 0) != -1)
        return 101;
    int r = use_caller_region(region, REGION_BYTES);
    return r == 1 ? 102 : r;
}

START_TEST(test_caller_memory_no_mmap)
{
    int status = in_child(child_caller_memory_no_mmap);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "heap on caller memory with mmap/brk denied: status %#x "
                  "(exit 102: create failed, i.e. it tried to map)",
                  status);
}
END_TEST

/* The tests that cannot measure here are left out, and named. */
static char skipped[512];

static void leave_out(const char *why)
{
    size_t n = strlen(skipped);
    snprintf(skipped + n, sizeof skipped - n, " %s;", why);
}

/* 1 when this process may lock 4 MiB: root, or RLIMIT_MEMLOCK allows. */
static int can_lock_memory(void)
{
    struct rlimit rl;
    if (geteuid() == 0)
        return 1;
    return getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
           (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= 4 * MiB);
}

static Suite *heap_suite(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("setup");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_config_defaults);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_destroy_null_is_noop);
    tcase_add_test(tc, test_create_destroy_repeatedly);
    tcase_add_test(tc, test_stats_fresh_heap);
    if (can_lock_memory())
        tcase_add_test(tc, test_lock_memory);
    else
        leave_out("test_lock_memory (not root and RLIMIT_MEMLOCK below 4 MiB)");
    suite_add_tcase(s, tc);

    tc = tcase_create("classes");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_class_layout);
    tcase_add_test(tc, test_class_max_block_custom);
    tcase_add_test(tc, test_usable_size_every_class);
    tcase_add_test(tc, test_owns);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_create_err_inval);
    tcase_add_test(tc, test_create_err_config);
    tcase_add_test(tc, test_create_err_region_too_small);
    tcase_add_test(tc, test_create_err_max_block);
    tcase_add_test(tc, test_arena_create_errors);
    if (!TU_SANITIZED)
        tcase_add_test(tc, test_create_err_lock);
    else
        leave_out("test_create_err_lock (the sanitizer makes mlock a no-op that succeeds)");
    if (!TU_SANITIZED && !tu_under_valgrind())
        tcase_add_test(tc, test_create_err_map);
    else
        leave_out("test_create_err_map (the sanitizer or valgrind owns the address space)");
    tcase_add_test(tc, test_strerror);
    tcase_add_test(tc, test_trap_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("caller_memory");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_caller_memory);
    tcase_add_test(tc, test_caller_memory_unaligned);
    if (!TU_SANITIZED && !tu_under_valgrind())
        tcase_add_test(tc, test_caller_memory_no_mmap);
    else
        leave_out("test_caller_memory_no_mmap (the sanitizer or valgrind maps memory, and "
                  "valgrind cannot run seccomp filters)");
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_skipping(heap_suite(), "check_heap", skipped);
}
