/* Log mode: each distinct call site reported once, without stopping.
 *
 * The real-time thread only captures its stack (backtrace, primed at
 * init: no system call, no lock) and writes one fixed-size record into a
 * bounded lock-free queue (Vyukov's multi-producer ring:
 * one compare-and-swap to claim a cell, one release store to publish
 * it); a full queue drops the record and counts the drop.  A background
 * thread, started with log mode, drains the queue every 20 ms, formats
 * each record (dladdr, the thread's name from /proc, text) and prints it
 * unless its call site (the call and its stack) was printed before.  The exit summary drains it once
 * more, so records from a process that ends first are not lost. */
#include "guard.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_EXECINFO_H
#include <execinfo.h>
#endif

#define RING_SIZE 256 /* records; a power of two */
#define SITES 1024    /* distinct call sites remembered; a power of two */

struct record {
    const struct rta__guard_call *call;
    uintptr_t args[3];
    uint64_t thread_count;
    int tid;
    int nframes;
    void *frames[RTA__GUARD_FRAMES];
};

struct cell {
    size_t seq;
    struct record rec;
};

static struct cell ring[RING_SIZE];
static size_t ring_head, ring_tail;
static uint64_t dropped;
static int ring_ready;   /* cells' sequence numbers set */
static int draining;     /* one consumer at a time */
static int printer_on;   /* background thread started */

static uint64_t site_seen[SITES]; /* hashes; 0 = empty */

static void ring_init(void)
{
    if (__atomic_load_n(&ring_ready, __ATOMIC_ACQUIRE))
        return;
    for (size_t i = 0; i < RING_SIZE; i++)
        __atomic_store_n(&ring[i].seq, i, __ATOMIC_RELAXED);
    __atomic_store_n(&ring_ready, 1, __ATOMIC_RELEASE);
}

void rta__guard_log_push(const struct rta__guard_call *call, const uintptr_t args[3],
                         uint64_t thread_count)
{
    if (!__atomic_load_n(&ring_ready, __ATOMIC_ACQUIRE)) {
        __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
        return;
    }
    size_t pos = __atomic_load_n(&ring_head, __ATOMIC_RELAXED);
    struct cell *c;
    for (;;) {
        c = &ring[pos & (RING_SIZE - 1)];
        size_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
        intptr_t diff = (intptr_t)seq - (intptr_t)pos;
        if (diff == 0) {
            if (__atomic_compare_exchange_n(&ring_head, &pos, pos + 1, 1, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED))
                break;
        } else if (diff < 0) {
            __atomic_add_fetch(&dropped, 1, __ATOMIC_RELAXED);
            return;
        } else {
            pos = __atomic_load_n(&ring_head, __ATOMIC_RELAXED);
        }
    }
    struct record *r = &c->rec;
    r->call = call;
    r->args[0] = args[0];
    r->args[1] = args[1];
    r->args[2] = args[2];
    r->thread_count = thread_count;
    r->tid = rta__guard_gettid();
#ifdef HAVE_BACKTRACE
    r->nframes = backtrace(r->frames, RTA__GUARD_FRAMES);
#else
    r->nframes = 0;
#endif
    __atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
}

static int pop(struct record *out)
{
    size_t pos = __atomic_load_n(&ring_tail, __ATOMIC_RELAXED);
    struct cell *c = &ring[pos & (RING_SIZE - 1)];
    size_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
    if (seq != pos + 1)
        return 0;
    *out = c->rec;
    __atomic_store_n(&ring_tail, pos + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->seq, pos + RING_SIZE, __ATOMIC_RELEASE);
    return 1;
}

static uint64_t site_hash(const struct record *r)
{
    /* FNV-1a over the call and the return addresses. */
    uint64_t h = 1469598103934665603ull;
    h = (h ^ (uintptr_t)r->call) * 1099511628211ull;
    for (int i = 0; i < r->nframes; i++)
        h = (h ^ (uintptr_t)r->frames[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* 1 if the site is new (and now remembered).  Consumer only. */
static int site_is_new(uint64_t h)
{
    for (unsigned i = 0; i < SITES; i++) {
        uint64_t *slot = &site_seen[(h + i) & (SITES - 1)];
        if (*slot == h)
            return 0;
        if (*slot == 0) {
            *slot = h;
            return 1;
        }
    }
    return 1; /* table full: print again rather than stay silent */
}

/* The thread's name, read by the printing thread ("?" once it is gone). */
static void thread_name(int tid, char name[17])
{
    char path[64];
    struct rta__gbuf b = {path, 0, sizeof path - 1};
    rta__gbuf_str(&b, "/proc/self/task/");
    rta__gbuf_dec(&b, (uint64_t)tid);
    rta__gbuf_str(&b, "/comm");
    path[b.len] = '\0';
    name[0] = '?';
    name[1] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, name, 16);
    close(fd);
    if (n > 0) {
        name[n] = '\0';
        if (name[n - 1] == '\n')
            name[n - 1] = '\0';
    }
}

/* wait: 1 to wait (up to a second) for a drain running on another
 * thread to finish, so the caller knows everything queued is printed. */
static void drain(int wait)
{
    if (!__atomic_load_n(&ring_ready, __ATOMIC_ACQUIRE))
        return;
    for (int tries = 0; __atomic_exchange_n(&draining, 1, __ATOMIC_ACQUIRE); tries++) {
        struct timespec ms = {0, 1000 * 1000};
        if (!wait || tries == 1000)
            return;
        nanosleep(&ms, NULL);
    }
    rta__guard_tls.busy++;
    struct record r;
    char comm[17];
    while (pop(&r)) {
        if (site_is_new(site_hash(&r))) {
            thread_name(r.tid, comm);
            rta__guard_report(2, "log: ", r.call, r.args, r.thread_count, r.tid, comm,
                              r.frames, r.nframes);
        }
    }
    rta__guard_tls.busy--;
    __atomic_store_n(&draining, 0, __ATOMIC_RELEASE);
}

void rta__guard_log_drain(void)
{
    drain(1);
}

RTA_GUARD_API void rta_guard_log_flush(void)
{
    drain(1);
}

static void *printer(void *unused)
{
    (void)unused;
    struct timespec pause = {0, 20 * 1000 * 1000};
    (void)prctl(PR_SET_NAME, "rtalloc-guard", 0, 0, 0);
    for (;;) {
        drain(0);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* A forked child has no printer thread; its records are printed by the
 * exit summary's drain. */
void rta__guard_log_start(void)
{
    ring_init();
    if (__atomic_exchange_n(&printer_on, 1, __ATOMIC_ACQ_REL))
        return;
    pthread_t t;
    pthread_attr_t attr;
    rta__guard_tls.busy++;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, printer, NULL) != 0)
        __atomic_store_n(&printer_on, 0, __ATOMIC_RELEASE);
    pthread_attr_destroy(&attr);
    rta__guard_tls.busy--;
}

uint64_t rta__guard_log_dropped(void)
{
    return __atomic_load_n(&dropped, __ATOMIC_RELAXED);
}
