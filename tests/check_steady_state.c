/* Steady state proof: after warm-up, a million pool operations (every
 * entry point, every class, failures included, frees from a second
 * thread both ways) make no system call and take no page fault.
 *
 * How: a child process creates a heap (prefaulted, locked when allowed;
 * RTA_NO_PREFAULT is not used), starts a helper thread, runs the same
 * workload once to warm up, then installs a seccomp filter on both
 * threads that traps every system call except getrusage, write and exit,
 * reads getrusage, runs the measured million operations, reads getrusage
 * again and reports through a pipe.  A system call in between lands in a
 * SIGSYS handler that reports its number and exits.  The parent asserts.
 *
 * Two control tests prove the instruments can fail: a heap made with
 * RTA_NO_PREFAULT does fault on first use, and a syscall under the
 * filter is caught and named.
 */
#include "config.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

#define POOL (8 * MiB)
#define LOCALS 256
#define RING 128
#define MEASURED_OPS 1000000ul

typedef struct report {
    int stage;           /* 0 done; else where it stopped */
    long syscall_nr;     /* the forbidden call, if any */
    long minflt, majflt; /* deltas over the measured phase */
    unsigned long ops, helper_ops, remote, nulls;
    unsigned long misses, failures; /* asked-for misses; failures counted */
    unsigned long broken;           /* rta_owns/usable_size wrong */
    int locked;
} report;

typedef struct ring {
    _Alignas(64) atomic_size_t head;
    _Alignas(64) atomic_size_t tail;
    void *slot[RING];
} ring;

static int report_fd = -1;
static rta_heap *heap;
static ring to_helper, from_helper;
static atomic_int helper_stop;
static atomic_ulong helper_ops;
static void *locals[LOCALS];
static uint64_t seed = 0x243f6a8885a308d3ull;
static unsigned long nulls, misses, broken;
static int have_helper;

static int push(ring *r, void *p)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&r->head, memory_order_acquire) == RING)
        return 0;
    r->slot[t % RING] = p;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 1;
}

static void *pop(ring *r)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (h == atomic_load_explicit(&r->tail, memory_order_acquire))
        return NULL;
    void *p = r->slot[h % RING];
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return p;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Log-uniform sizes from 1 B to 64 KiB: every class gets traffic. */
static size_t any_size(uint64_t r)
{
    size_t top = (size_t)1 << (r % 17); /* 1 .. 64 KiB */
    size_t lo = top / 2 + 1;
    return lo + (size_t)((r >> 8) % (top - lo + 1));
}

static void touch(void *p, size_t n)
{
    unsigned char *b = p;
    b[0] = 1;
    b[n - 1] = 2;
}

/* The helper: frees what main sends, sends blocks of its own back. */
static void *helper_main(void *arg)
{
    (void)arg;
    uint64_t s = 0x13198a2e03707344ull;
    while (!atomic_load_explicit(&helper_stop, memory_order_relaxed)) {
        void *p = pop(&to_helper);
        if (p) {
            rta_free(heap, p);
            atomic_fetch_add_explicit(&helper_ops, 1, memory_order_relaxed);
        }
        size_t n = 16 + tu_rand(&s) % 2000;
        void *q = rta_malloc(heap, n);
        if (q) {
            touch(q, n);
            if (!push(&from_helper, q))
                rta_free(heap, q);
            atomic_fetch_add_explicit(&helper_ops, 1, memory_order_relaxed);
        }
    }
    return NULL;
}

/* One operation of the mix; returns how many pool calls it made. */
static unsigned one_op(void)
{
    uint64_t r = tu_rand(&seed);
    unsigned kind = (unsigned)(r % 16);
    r >>= 4;
    void **slot = &locals[r % LOCALS];
    r >>= 8;
    size_t size = any_size(r);
    void *p;
    switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
        if (*slot) {
            if (kind & 1)
                rta_free_sized(heap, *slot, rta_usable_size(heap, *slot));
            else
                rta_free(heap, *slot);
        }
        *slot = rta_malloc(heap, size);
        if (*slot)
            touch(*slot, size);
        else
            nulls++;
        return 2;
    case 6:
        rta_free(heap, *slot);
        *slot = rta_calloc(heap, 1, size);
        nulls += *slot == NULL;
        return 2;
    case 7:
        rta_free(heap, *slot);
        *slot = rta_aligned_alloc(heap, (size_t)1 << (r % 13), size);
        nulls += *slot == NULL;
        return 2;
    case 8:
        p = rta_realloc(heap, *slot, size);
        if (p)
            *slot = p;
        else
            nulls++;
        return 1;
    case 9:
    case 10:
        p = rta_malloc(heap, 16 + r % 3000);
        if (p && !push(&to_helper, p)) {
            /* Wait (spinning: no system call) for the helper to free
             * some, so remote frees keep flowing on a busy machine. */
            int pushed = 0;
            for (unsigned long spin = 0; have_helper && spin < 20000 && !pushed; spin++) {
                cpu_relax();
                pushed = push(&to_helper, p);
            }
            if (!pushed)
                rta_free(heap, p);
        }
        return 2;
    case 11:
    case 12:
        for (int k = 0; k < 4 && (p = pop(&from_helper)) != NULL; k++)
            rta_free(heap, p); /* a remote free: the helper owns it */
        return 1;
    case 13:
        /* Misses: too big, bad alignment (no fallback: NULL). */
        nulls += rta_malloc(heap, 64 * KiB + 1 + r % 100) != NULL;
        nulls += rta_aligned_alloc(heap, 48, 64) != NULL;
        misses += 2;
        return 2;
    case 14:
        if ((r & 1023) == 0) {
            rta_stats st;
            rta_stats_get(heap, &st);
        }
        return 1;
    default:
        if (*slot && (!rta_owns(heap, *slot) || rta_usable_size(heap, *slot) == 0))
            broken++;
        return 1;
    }
}

static void run_ops(unsigned long n, unsigned long *ops)
{
    unsigned long done = 0;
    while (done < n)
        done += one_op();
    *ops = done;
}

static void sigsys_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    report rep = {.stage = 9, .syscall_nr = si->si_syscall};
    if (write(report_fd, &rep, sizeof rep) < 0)
        _exit(5);
    _exit(3);
}

/* Traps every system call but the ones allowed, on every thread. */
static int forbid_syscalls(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrusage, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

static void send(const report *rep)
{
    if (write(report_fd, rep, sizeof *rep) != (ssize_t)sizeof *rep)
        _exit(6);
}

/* The child: returns only through _exit. */
static void steady_child(int with_helper)
{
    report rep = {0};
    rep.stage = 1;
    rta_config cfg = tu_config(POOL, RTA_LOCK_MEMORY);
    cfg.on_trap = NULL;
    if (rta_heap_create(&heap, &cfg) == RTA_ERR_LOCK) {
        cfg.flags = 0; /* not root and a low RLIMIT_MEMLOCK: unlocked */
        if (rta_heap_create(&heap, &cfg) != RTA_OK) {
            send(&rep);
            _exit(1);
        }
    }
    rta_stats st;
    rta_stats_get(heap, &st);
    rep.locked = st.memory_locked;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigsys_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);

    pthread_t t;
    have_helper = with_helper;
    if (with_helper && pthread_create(&t, NULL, helper_main, NULL) != 0) {
        rep.stage = 2;
        send(&rep);
        _exit(1);
    }
    unsigned long ops;
    run_ops(MEASURED_OPS, &ops); /* warm-up: same code, same data */
    while (with_helper && atomic_load(&helper_ops) < 10000)
        ; /* the helper warmed up too */

    rep.stage = 3;
    if (forbid_syscalls() != 0) {
        send(&rep);
        _exit(1);
    }
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    unsigned long helper_before = atomic_load(&helper_ops);
    nulls = misses = broken = 0;
    rta_stats_get(heap, &st);
    uint64_t remote_before = st.remote_frees, failures_before = st.failures;
    run_ops(MEASURED_OPS, &ops);
    rta_stats_get(heap, &st);
    getrusage(RUSAGE_SELF, &after);

    rep.stage = 0;
    rep.minflt = after.ru_minflt - before.ru_minflt;
    rep.majflt = after.ru_majflt - before.ru_majflt;
    rep.ops = ops;
    rep.helper_ops = atomic_load(&helper_ops) - helper_before;
    rep.remote = (unsigned long)(st.remote_frees - remote_before);
    rep.nulls = nulls;
    rep.misses = misses;
    rep.broken = broken;
    rep.failures = (unsigned long)(st.failures - failures_before);
    send(&rep);
    _exit(0); /* exit_group: the helper spins until then */
}

static report run_child(void (*fn)(int), int arg, int *status)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        report_fd = pfd[1];
        fn(arg);
        _exit(0);
    }
    close(pfd[1]);
    report rep;
    memset(&rep, 0, sizeof rep);
    rep.stage = -1;
    ssize_t n = read(pfd[0], &rep, sizeof rep);
    close(pfd[0]);
    ck_assert_int_eq(waitpid(pid, status, 0), pid);
    if (n != (ssize_t)sizeof rep)
        rep.stage = -1;
    return rep;
}

/* The pools hold the whole mix (8 MiB for 256 blocks of 64 KiB at most
 * plus the helper's ring): every call that could be served was, each
 * deliberate miss (too big, bad alignment) was refused and counted as a
 * failure, and rta_owns/rta_usable_size knew every live block. */
static void check_answers(const report *rep)
{
    ck_assert_msg(rep->nulls == 0, "%lu calls answered wrongly (NULL for a request that fits, "
                  "or a block for a deliberate miss)", rep->nulls);
    ck_assert_uint_gt(rep->misses, 1000);
    ck_assert_uint_eq(rep->failures, rep->misses);
    ck_assert_msg(rep->broken == 0, "rta_owns/rta_usable_size wrong for %lu live blocks",
                  rep->broken);
}

START_TEST(test_steady_state_no_syscall_no_fault)
{
    int status;
    report rep = run_child(steady_child, 1, &status);
    ck_assert_msg(rep.stage != 9, "system call %ld made in the steady state", rep.syscall_nr);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && rep.stage == 0,
                  "child status %#x, stopped at stage %d", status, rep.stage);
    fprintf(stderr,
            "steady state: %lu pool calls on the main thread + %lu on the helper (%lu remote "
            "frees, %lu NULL), %ld minor + %ld major faults, no system call, memory %slocked\n",
            rep.ops, rep.helper_ops, rep.remote, rep.nulls, rep.minflt, rep.majflt,
            rep.locked ? "" : "not ");
    ck_assert_uint_ge(rep.ops, MEASURED_OPS);
    ck_assert_uint_gt(rep.remote, 1000);
    check_answers(&rep);
    ck_assert_int_eq(rep.minflt, 0);
    ck_assert_int_eq(rep.majflt, 0);
}
END_TEST

START_TEST(test_steady_state_single_thread)
{
    int status;
    report rep = run_child(steady_child, 0, &status);
    ck_assert_msg(rep.stage != 9, "system call %ld made in the steady state", rep.syscall_nr);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0 && rep.stage == 0,
                  "child status %#x, stopped at stage %d", status, rep.stage);
    ck_assert_uint_ge(rep.ops, MEASURED_OPS);
    check_answers(&rep);
    ck_assert_int_eq(rep.minflt, 0);
    ck_assert_int_eq(rep.majflt, 0);
}
END_TEST

/* ---- controls: the instruments do see what they look for ----------------- */

static void control_faults_child(int arg)
{
    (void)arg;
    report rep = {0};
    rta_config cfg = tu_config(POOL, RTA_NO_PREFAULT);
    if (rta_heap_create(&heap, &cfg) != RTA_OK) {
        rep.stage = 1;
        send(&rep);
        _exit(1);
    }
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    for (int i = 0; i < 64; i++)
        memset(rta_malloc(heap, 64 * KiB), 1, 64 * KiB);
    getrusage(RUSAGE_SELF, &after);
    rep.minflt = after.ru_minflt - before.ru_minflt;
    send(&rep);
    _exit(0);
}

START_TEST(test_control_no_prefault_faults)
{
    int status;
    report rep = run_child(control_faults_child, 0, &status);
    ck_assert_int_eq(rep.stage, 0);
    /* 4 MiB touched for the first time: many faults (unless the kernel
     * used huge pages: still at least one). */
    ck_assert_int_gt(rep.minflt, 0);
}
END_TEST

static void control_syscall_child(int arg)
{
    (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigsys_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    report rep = {.stage = 3};
    if (forbid_syscalls() != 0) {
        send(&rep);
        _exit(1);
    }
    syscall(SYS_getpid);
    rep.stage = 0;
    send(&rep);
    _exit(0);
}

START_TEST(test_control_syscall_caught)
{
    int status;
    report rep = run_child(control_syscall_child, 0, &status);
    ck_assert_int_eq(rep.stage, 9);
    ck_assert_int_eq(rep.syscall_nr, SYS_getpid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
}
END_TEST

static Suite *steady_suite(void)
{
    Suite *s = suite_create("steady_state");
    TCase *tc = tcase_create("steady_state");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_control_syscall_caught);
    tcase_add_test(tc, test_control_no_prefault_faults);
    tcase_add_test(tc, test_steady_state_single_thread);
    tcase_add_test(tc, test_steady_state_no_syscall_no_fault);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (TU_SANITIZED) {
        /* The sanitizer runtimes make system calls and touch shadow
         * pages of their own: this proof is for plain builds. */
        fprintf(stderr, "check_steady_state: sanitizer build, skipped\n");
        return 77;
    }
    return tu_run(steady_suite());
}
