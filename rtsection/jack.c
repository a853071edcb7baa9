/* JACK: every callback JACK runs on its real-time thread becomes a cycle
 * (rtsection.h): the process callback, the timebase and sync callbacks,
 * and a client's own process thread between jack_cycle_wait's return and
 * the next jack_cycle_signal.
 *
 * The setters are wrapped so JACK calls a trampoline, which tells the
 * library a cycle begins, calls the program's callback and tells it the
 * cycle ended.  The (client, kind, callback, argument) tuples live in a
 * static table: callbacks are set before activation, never in a cycle,
 * but nothing here allocates all the same.  A setter the table has no
 * room for, or called while the library does not want to wrap, hands the
 * program's callback to JACK as it is, and says so when that means a
 * callback goes unwatched. */
#include "config.h"

#include "rtsection.h"

#include <errno.h>
#include <jack/jack.h>
#include <jack/transport.h>
#include <string.h>

typedef int (*set_process_fn)(jack_client_t *, JackProcessCallback, void *);
typedef int (*set_thread_fn)(jack_client_t *, JackThreadCallback, void *);
typedef int (*set_timebase_fn)(jack_client_t *, int, JackTimebaseCallback, void *);
typedef int (*set_sync_fn)(jack_client_t *, JackSyncCallback, void *);
typedef jack_nframes_t (*cycle_wait_fn)(jack_client_t *);
typedef void (*cycle_signal_fn)(jack_client_t *, int);

enum { F_PROCESS, F_THREAD, F_TIMEBASE, F_SYNC, F_WAIT, F_SIGNAL, N_FUNCS };
static const char *const func_name[N_FUNCS] = {
    "jack_set_process_callback", "jack_set_process_thread", "jack_set_timebase_callback",
    "jack_set_sync_callback",    "jack_cycle_wait",         "jack_cycle_signal",
};
static void *next_func[N_FUNCS];

/* The real function, looked up on first use (not in a cycle: the wait and
 * signal are looked up by jack_set_process_thread).  Logs once when
 * libjack's definition cannot be found at all. */
static void *next(int f)
{
    void *p = __atomic_load_n(&next_func[f], __ATOMIC_ACQUIRE);
    if (__builtin_expect(p != NULL, 1))
        return p;
    p = rtsection_next(func_name[f], "libjack.so");
    if (p)
        __atomic_store_n(&next_func[f], p, __ATOMIC_RELEASE);
    return p;
}

static int not_found(int f)
{
    static int said;
    if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED)) {
        char line[160] = "jack: libjack's own ";
        strncat(line, func_name[f], sizeof line - strlen(line) - 1);
        strncat(line, " not found: its callbacks are not watched, and the call fails\n",
                sizeof line - strlen(line) - 1);
        rtsection_say(line);
    }
    errno = ENOSYS;
    return -1;
}

#define MAX_SLOTS 64

struct slot {
    jack_client_t *client;
    int kind;
    union {
        JackProcessCallback process;
        JackTimebaseCallback timebase;
        JackSyncCallback sync;
    } fn;
    void *arg;
    uint64_t cycles; /* written by the one thread that runs this callback */
};
static struct slot slots[MAX_SLOTS];
static unsigned slots_used;

/* The (client, kind) slot (a callback set again replaces the old one), or
 * a new one; NULL when the table is full. */
static struct slot *slot_for(jack_client_t *client, int kind)
{
    unsigned used = __atomic_load_n(&slots_used, __ATOMIC_ACQUIRE);
    if (used > MAX_SLOTS)
        used = MAX_SLOTS;
    for (unsigned i = 0; i < used; i++)
        if (slots[i].client == client && slots[i].kind == kind)
            return &slots[i];
    unsigned i = __atomic_fetch_add(&slots_used, 1, __ATOMIC_ACQ_REL);
    if (i >= MAX_SLOTS) {
        rtsection_say("jack: more JACK callbacks than can be watched: this one's cycles "
                      "are not RT sections\n");
        return NULL;
    }
    slots[i].client = client;
    slots[i].kind = kind;
    return &slots[i];
}

static void begin(struct rtsection_cycle *c, struct slot *s)
{
    c->kind = s->kind;
    c->index = s->cycles++;
    rtsection_cycle_begin(c);
}

static int process_trampoline(jack_nframes_t nframes, void *arg)
{
    struct slot *s = arg;
    struct rtsection_cycle c;
    begin(&c, s);
    int status = s->fn.process(nframes, s->arg);
    rtsection_cycle_end(&c);
    return status;
}

static void timebase_trampoline(jack_transport_state_t state, jack_nframes_t nframes,
                                jack_position_t *pos, int new_pos, void *arg)
{
    struct slot *s = arg;
    struct rtsection_cycle c;
    begin(&c, s);
    s->fn.timebase(state, nframes, pos, new_pos, s->arg);
    rtsection_cycle_end(&c);
}

static int sync_trampoline(jack_transport_state_t state, jack_position_t *pos, void *arg)
{
    struct slot *s = arg;
    struct rtsection_cycle c;
    begin(&c, s);
    int ready = s->fn.sync(state, pos, s->arg);
    rtsection_cycle_end(&c);
    return ready;
}

/* The slot to wrap a callback in, or NULL to pass it through. */
static struct slot *wrap(jack_client_t *client, int kind, void *callback)
{
    if (!callback || !rtsection_wanted())
        return NULL;
    return slot_for(client, kind);
}

RTSECTION_EXPORT int jack_set_process_callback(jack_client_t *client,
                                               JackProcessCallback callback, void *arg)
{
    rtsection_init();
    set_process_fn real = (set_process_fn)next(F_PROCESS);
    if (!real)
        return not_found(F_PROCESS);
    struct slot *s = wrap(client, RTSECTION_JACK_PROCESS, (void *)callback);
    if (!s)
        return real(client, callback, arg);
    s->fn.process = callback;
    s->arg = arg;
    return real(client, process_trampoline, s);
}

RTSECTION_EXPORT int jack_set_timebase_callback(jack_client_t *client, int conditional,
                                                JackTimebaseCallback callback, void *arg)
{
    rtsection_init();
    set_timebase_fn real = (set_timebase_fn)next(F_TIMEBASE);
    if (!real)
        return not_found(F_TIMEBASE);
    struct slot *s = wrap(client, RTSECTION_JACK_TIMEBASE, (void *)callback);
    if (!s)
        return real(client, conditional, callback, arg);
    s->fn.timebase = callback;
    s->arg = arg;
    return real(client, conditional, timebase_trampoline, s);
}

RTSECTION_EXPORT int jack_set_sync_callback(jack_client_t *client, JackSyncCallback callback,
                                            void *arg)
{
    rtsection_init();
    set_sync_fn real = (set_sync_fn)next(F_SYNC);
    if (!real)
        return not_found(F_SYNC);
    struct slot *s = wrap(client, RTSECTION_JACK_SYNC, (void *)callback);
    if (!s)
        return real(client, callback, arg);
    s->fn.sync = callback;
    s->arg = arg;
    return real(client, sync_trampoline, s);
}

/* A client's own process thread: the cycle runs from jack_cycle_wait's
 * return to the next jack_cycle_signal on the same thread. */
struct thread_cycle {
    struct slot *slot; /* NULL: not in a cycle */
    struct rtsection_cycle c;
};
static __thread struct thread_cycle thread_cycle __attribute__((tls_model("initial-exec")));

RTSECTION_EXPORT int jack_set_process_thread(jack_client_t *client, JackThreadCallback fn,
                                             void *arg)
{
    rtsection_init();
    set_thread_fn real = (set_thread_fn)next(F_THREAD);
    if (!real)
        return not_found(F_THREAD);
    /* Look up the wait and signal and claim the slot now, not in a cycle. */
    (void)next(F_WAIT);
    (void)next(F_SIGNAL);
    if (fn && rtsection_wanted())
        (void)slot_for(client, RTSECTION_JACK_THREAD);
    return real(client, fn, arg);
}

/* The slot jack_set_process_thread claimed; a lock-free search of a
 * table that only grows. */
static struct slot *thread_slot(jack_client_t *client)
{
    unsigned used = __atomic_load_n(&slots_used, __ATOMIC_ACQUIRE);
    if (used > MAX_SLOTS)
        used = MAX_SLOTS;
    for (unsigned i = 0; i < used; i++)
        if (slots[i].client == client && slots[i].kind == RTSECTION_JACK_THREAD)
            return &slots[i];
    return NULL;
}

RTSECTION_EXPORT jack_nframes_t jack_cycle_wait(jack_client_t *client)
{
    cycle_wait_fn real = (cycle_wait_fn)next(F_WAIT);
    if (!real)
        return 0;
    jack_nframes_t nframes = real(client);
    struct thread_cycle *t = &thread_cycle;
    if (nframes && !t->slot) {
        struct slot *s = thread_slot(client);
        if (s) {
            t->slot = s;
            begin(&t->c, s);
        }
    }
    return nframes;
}

RTSECTION_EXPORT void jack_cycle_signal(jack_client_t *client, int status)
{
    struct thread_cycle *t = &thread_cycle;
    if (t->slot) {
        t->slot = NULL;
        rtsection_cycle_end(&t->c);
    }
    cycle_signal_fn real = (cycle_signal_fn)next(F_SIGNAL);
    if (real)
        real(client, status);
}
