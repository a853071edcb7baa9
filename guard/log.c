/* Log mode: each distinct call site reported once, without stopping.
 *
 * The real-time thread finds the call's site in the lock-free site table
 * (sites.c): a known site costs a hash probe and an increment, and only a
 * new one unwinds its stack and is handed here, by one compare-and-swap
 * into a bounded lock-free queue (Vyukov's multi-producer ring).  A
 * background thread, started with log mode, drains the queue every
 * 20 ms, decides suppression, symbolizes and prints each new site; it
 * then sweeps the site table for any site the full queue did not take,
 * so no site is ever lost.  The exit summary drains once more, so the
 * sites of a process that ends first are printed too. */
#include "guard.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define RING_SIZE 256 /* a power of two */

struct cell {
    size_t seq;
    struct rta__guard_site *site;
};

static struct cell ring[RING_SIZE];
static size_t ring_head, ring_tail;
static int ring_ready;   /* cells' sequence numbers set */
static int draining;     /* one consumer at a time */
static int printer_on;   /* background thread started */

static void ring_init(void)
{
    if (__atomic_load_n(&ring_ready, __ATOMIC_ACQUIRE))
        return;
    for (size_t i = 0; i < RING_SIZE; i++)
        __atomic_store_n(&ring[i].seq, i, __ATOMIC_RELAXED);
    __atomic_store_n(&ring_ready, 1, __ATOMIC_RELEASE);
}

void rta__guard_log_push(struct rta__guard_site *site)
{
    if (!__atomic_load_n(&ring_ready, __ATOMIC_ACQUIRE))
        return; /* the sweep finds it */
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
            return; /* full: the sweep finds it */
        } else {
            pos = __atomic_load_n(&ring_head, __ATOMIC_RELAXED);
        }
    }
    c->site = site;
    __atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
}

static struct rta__guard_site *pop(void)
{
    size_t pos = __atomic_load_n(&ring_tail, __ATOMIC_RELAXED);
    struct cell *c = &ring[pos & (RING_SIZE - 1)];
    size_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
    if (seq != pos + 1)
        return NULL;
    struct rta__guard_site *s = c->site;
    __atomic_store_n(&ring_tail, pos + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->seq, pos + RING_SIZE, __ATOMIC_RELEASE);
    return s;
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

static void print_site(struct rta__guard_site *s)
{
    if (s->printed)
        return;
    s->printed = 1;
    if (rta__guard_site_verdict(s) == RTA__VERDICT_SUPPRESSED)
        return;
    char comm[17];
    thread_name(s->tid, comm);
    rta__guard_report(2, "log: ", s->call, s->args, s->thread_count, s->tid, comm, s->frames,
                      s->nframes);
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
    struct rta__guard_site *s;
    while ((s = pop()) != NULL)
        print_site(s);
    for (unsigned i = 0; i < RTA__GUARD_SITES; i++)
        if ((s = rta__guard_site_at(i)) != NULL)
            print_site(s);
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

/* A forked child has no printer thread; its sites are printed by the
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
