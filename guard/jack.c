/* JACK: every process cycle of an unmodified client becomes an RT section.
 *
 * jack_set_process_callback is wrapped so JACK calls the guard's
 * trampoline, which enters an RT section, calls the client's callback and
 * leaves.  A client that runs its own process thread
 * (jack_set_process_thread) waits for each cycle with jack_cycle_wait and
 * ends it with jack_cycle_signal: the section runs from the first's return
 * to the second's call.  Each cycle's system-heap calls (the difference of
 * rta_rt_system_allocs across it) feed process-wide counters: cycles,
 * cycles that made calls, the worst cycle, all lock-free atomics.
 *
 * The real JACK functions are found with dlsym(RTLD_NEXT), at init or on
 * first use, so the guard does not link libjack and can be preloaded into
 * any program.  The (callback, argument) pairs live in a static table:
 * setting a callback happens before activation, never in a cycle, but the
 * guard still allocates nothing for it. */
#include "guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <jack/jack.h>

typedef int (*set_process_fn)(jack_client_t *, JackProcessCallback, void *);
typedef int (*set_thread_fn)(jack_client_t *, JackThreadCallback, void *);
typedef jack_nframes_t (*cycle_wait_fn)(jack_client_t *);
typedef void (*cycle_signal_fn)(jack_client_t *, int);

static set_process_fn next_set_process;
static set_thread_fn next_set_thread;
static cycle_wait_fn next_cycle_wait;
static cycle_signal_fn next_cycle_signal;

#define MAX_CALLBACKS 64

struct process_slot {
    jack_client_t *client;
    JackProcessCallback callback;
    void *arg;
};
static struct process_slot slots[MAX_CALLBACKS];
static unsigned slots_used;

static uint64_t cycles, cycles_with_calls, worst_cycle;

#define LOOKUP(var, type, name)                                                    \
    do {                                                                           \
        if (!__atomic_load_n(&var, __ATOMIC_ACQUIRE))                              \
            __atomic_store_n(&var, (type)dlsym(RTLD_NEXT, name), __ATOMIC_RELEASE); \
    } while (0)

void rta__guard_jack_resolve(void)
{
    rta__guard_tls.busy++;
    LOOKUP(next_set_process, set_process_fn, "jack_set_process_callback");
    LOOKUP(next_set_thread, set_thread_fn, "jack_set_process_thread");
    LOOKUP(next_cycle_wait, cycle_wait_fn, "jack_cycle_wait");
    LOOKUP(next_cycle_signal, cycle_signal_fn, "jack_cycle_signal");
    rta__guard_tls.busy--;
}

void rta__guard_jack_cycle_done(uint64_t calls)
{
    __atomic_add_fetch(&cycles, 1, __ATOMIC_RELAXED);
    if (!calls)
        return;
    __atomic_add_fetch(&cycles_with_calls, 1, __ATOMIC_RELAXED);
    uint64_t worst = __atomic_load_n(&worst_cycle, __ATOMIC_RELAXED);
    while (calls > worst &&
           !__atomic_compare_exchange_n(&worst_cycle, &worst, calls, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
        ;
}

RTA_GUARD_API void rta_guard_jack_stats_get(rta_guard_jack_stats *out)
{
    out->cycles = __atomic_load_n(&cycles, __ATOMIC_RELAXED);
    out->cycles_with_calls = __atomic_load_n(&cycles_with_calls, __ATOMIC_RELAXED);
    out->worst_cycle_calls = __atomic_load_n(&worst_cycle, __ATOMIC_RELAXED);
}

static int process_trampoline(jack_nframes_t nframes, void *arg)
{
    const struct process_slot *slot = arg;
    uint64_t before = rta_rt_system_allocs();
    rta_rt_enter();
    int status = slot->callback(nframes, slot->arg);
    rta_rt_leave();
    rta__guard_jack_cycle_done(rta_rt_system_allocs() - before);
    return status;
}

/* The client's slot (a callback set again replaces the old one), or a new
 * one; NULL when the table is full. */
static struct process_slot *slot_for(jack_client_t *client)
{
    unsigned used = __atomic_load_n(&slots_used, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < used; i++)
        if (slots[i].client == client)
            return &slots[i];
    unsigned i = __atomic_fetch_add(&slots_used, 1, __ATOMIC_ACQ_REL);
    if (i >= MAX_CALLBACKS)
        return NULL;
    slots[i].client = client;
    return &slots[i];
}

RTA__GUARD_EXPORT int jack_set_process_callback(jack_client_t *client,
                                                JackProcessCallback callback, void *arg)
{
    rta__guard_init_once();
    rta__guard_jack_resolve();
    set_process_fn next = __atomic_load_n(&next_set_process, __ATOMIC_ACQUIRE);
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    if (!callback || rta__guard_mode_now() == RTA_GUARD_OFF)
        return next(client, callback, arg);
    struct process_slot *slot = slot_for(client);
    if (!slot) {
        static const char msg[] = "rtalloc-guard: more JACK clients than the guard can "
                                  "watch: this one's cycles are not RT sections\n";
        rta__guard_write_all(2, msg, sizeof msg - 1);
        return next(client, callback, arg);
    }
    slot->callback = callback;
    slot->arg = arg;
    return next(client, process_trampoline, slot);
}

RTA__GUARD_EXPORT int jack_set_process_thread(jack_client_t *client, JackThreadCallback fn,
                                              void *arg)
{
    rta__guard_init_once();
    rta__guard_jack_resolve(); /* also finds jack_cycle_wait/_signal before any cycle */
    set_thread_fn next = __atomic_load_n(&next_set_thread, __ATOMIC_ACQUIRE);
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    return next(client, fn, arg);
}

RTA__GUARD_EXPORT jack_nframes_t jack_cycle_wait(jack_client_t *client)
{
    cycle_wait_fn next = __atomic_load_n(&next_cycle_wait, __ATOMIC_ACQUIRE);
    if (!next) {
        rta__guard_jack_resolve();
        next = __atomic_load_n(&next_cycle_wait, __ATOMIC_ACQUIRE);
        if (!next)
            return 0;
    }
    jack_nframes_t nframes = next(client);
    struct rta__guard_thread *t = &rta__guard_tls;
    if (nframes && !t->jack_cycle && rta__guard_mode_now() != RTA_GUARD_OFF) {
        t->jack_cycle = 1;
        t->cycle_start = rta_rt_system_allocs();
        rta_rt_enter();
    }
    return nframes;
}

RTA__GUARD_EXPORT void jack_cycle_signal(jack_client_t *client, int status)
{
    struct rta__guard_thread *t = &rta__guard_tls;
    if (t->jack_cycle) {
        rta_rt_leave();
        t->jack_cycle = 0;
        rta__guard_jack_cycle_done(rta_rt_system_allocs() - t->cycle_start);
    }
    cycle_signal_fn next = __atomic_load_n(&next_cycle_signal, __ATOMIC_ACQUIRE);
    if (!next) {
        rta__guard_jack_resolve();
        next = __atomic_load_n(&next_cycle_signal, __ATOMIC_ACQUIRE);
    }
    if (next)
        next(client, status);
}
