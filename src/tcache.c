/* Thread caches: which cache the calling thread holds in which heap.
 *
 * Each thread has a small initial-exec TLS table of RTA_MAX_HEAPS_PER_THREAD
 * slots, keyed by the heap's serial (unique for the life of the process, so
 * a new heap at a destroyed heap's address is never mistaken for it).
 * In front of it, rta__tls_last holds the heap used last: in the common
 * case (one heap) finding the cache is one compare of the serial; else the
 * slot a serial hashes to is tried, then the others.  Claiming scans the heap's max_threads caches
 * once for a free one (a compare-and-swap each): bounded by max_threads.
 *
 * A thread that exits gives its caches back from a pthread key destructor.
 * Destroyed heaps are skipped by looking the serial up in a registry of
 * live heaps; the registry's mutex is only taken at create, destroy and
 * thread exit, never on an allocation path. */
#include "internal.h"

#include <pthread.h>

__thread struct rta__tls_slot rta__tls_slots[RTA_MAX_HEAPS_PER_THREAD]
    __attribute__((tls_model("initial-exec")));
__thread struct rta__tls_last rta__tls_last
    __attribute__((tls_model("initial-exec"))) = {0, NULL, RTA__NO_STAMP};
static __thread int tls_key_set __attribute__((tls_model("initial-exec")));

/* Created at the first heap create that manages to (under registry_lock);
 * until then no thread can claim a cache: without the key a cache would
 * never go back at thread exit, and pthread_setspecific on a key never
 * created would write another library's key. */
static pthread_key_t exit_key;
static _Atomic int exit_key_ok;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rta_heap *registry;

static struct rta__tls_slot *slot_of(uint64_t serial)
{
    struct rta__tls_slot *s = &rta__tls_slots[serial % RTA_MAX_HEAPS_PER_THREAD];
    if (RTA__LIKELY(s->serial == serial))
        return s;
    for (unsigned i = 0; i < RTA_MAX_HEAPS_PER_THREAD; i++)
        if (rta__tls_slots[i].serial == serial)
            return &rta__tls_slots[i];
    return NULL;
}

static int registered(const struct rta_heap *h, uint64_t serial);

static struct rta__tls_slot *empty_slot(uint64_t serial)
{
    struct rta__tls_slot *s = &rta__tls_slots[serial % RTA_MAX_HEAPS_PER_THREAD];
    if (s->serial == 0)
        return s;
    for (unsigned i = 0; i < RTA_MAX_HEAPS_PER_THREAD; i++)
        if (rta__tls_slots[i].serial == 0)
            return &rta__tls_slots[i];
    /* Full: slots of heaps destroyed while this thread held a cache may be
     * stale.  A trylock never waits, so this stays non-blocking. */
    if (pthread_mutex_trylock(&registry_lock) != 0)
        return NULL;
    s = NULL;
    for (unsigned i = 0; i < RTA_MAX_HEAPS_PER_THREAD; i++)
        if (!registered(rta__tls_slots[i].heap, rta__tls_slots[i].serial)) {
            rta__tls_slots[i].serial = 0;
            s = &rta__tls_slots[i];
        }
    pthread_mutex_unlock(&registry_lock);
    return s;
}

/* The heap becomes the thread's last one, and its fast paths open, except
 * for a debug heap: its calls all take the checked paths. */
static void remember(const struct rta_heap *h, struct rta__cache *c)
{
    if (h->flags & (RTA_DEBUG | RTA_PROFILE))
        return;
    rta__tls_last.serial = h->serial;
    rta__tls_last.cache = c;
    rta__tls_last.stamp = rta__cache_stamp(h, c);
}

struct rta__cache *rta__cache_find_slow(const struct rta_heap *h)
{
    struct rta__tls_slot *s = slot_of(h->serial);
    if (!s)
        return NULL;
    remember(h, s->cache);
    return s->cache;
}

/* A slot is being emptied: the front entry must not outlive it. */
static void forget_last(uint64_t serial)
{
    if (rta__tls_last.serial == serial) {
        rta__tls_last.serial = 0;
        rta__tls_last.cache = NULL;
        rta__tls_last.stamp = RTA__NO_STAMP;
    }
}

static int registered(const struct rta_heap *h, uint64_t serial)
{
    for (const struct rta_heap *r = registry; r; r = r->registry_next)
        if (r == h && r->serial == serial)
            return 1;
    return 0;
}

static void release(struct rta__tls_slot *slot)
{
    struct rta__cache *c = slot->cache;
    rta__pool_unpark_all(slot->heap, c);
    rta__profile_released(slot->heap);
    atomic_store_explicit(&c->claimed, 0, memory_order_release);
    forget_last(slot->serial);
    slot->serial = 0;
    slot->heap = NULL;
    slot->cache = NULL;
}

static void on_thread_exit(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&registry_lock);
    for (unsigned i = 0; i < RTA_MAX_HEAPS_PER_THREAD; i++) {
        struct rta__tls_slot *s = &rta__tls_slots[i];
        if (s->serial && registered(s->heap, s->serial))
            release(s);
        s->serial = 0;
    }
    rta__tls_last.serial = 0;
    rta__tls_last.cache = NULL;
    rta__tls_last.stamp = RTA__NO_STAMP;
    pthread_mutex_unlock(&registry_lock);
    tls_key_set = 0;
}

static void make_key(void)
{
    static int atfork_set; /* under registry_lock, like every call */
    if (!atomic_load_explicit(&exit_key_ok, memory_order_relaxed) &&
        pthread_key_create(&exit_key, on_thread_exit) == 0)
        atomic_store_explicit(&exit_key_ok, 1, memory_order_release);
    if (!atfork_set && pthread_atfork(rta__tcache_fork_prepare, rta__tcache_fork_parent,
                                      rta__tcache_fork_child) == 0)
        atfork_set = 1;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims a free cache: one pass over the caches, a compare-and-swap on
 * each free one until one succeeds.  Frees never take a cache, but a
 * thread whose allocation found the reserve empty borrows free caches
 * one at a time for its reclaim pass (pool.c, state 2): a cache so
 * borrowed is still free, so when the pass found no other, it waits for
 * the borrow to end (at most RTA__RECLAIM_BUDGET collections of the
 * borrowing thread) and looks again, instead of failing with a cache no
 * thread holds. */
static struct rta__cache *claim(struct rta_heap *h)
{
    for (;;) {
        int borrowed = 0;
        for (unsigned i = 0; i < h->max_threads; i++) {
            struct rta__cache *c = rta__cache_at(h, i);
            uint32_t state = atomic_load_explicit(&c->claimed, memory_order_relaxed);
            if (state == 2)
                borrowed = 1;
            if (state != 0)
                continue;
            if (atomic_compare_exchange_strong_explicit(&c->claimed, &state, 1,
                                                        memory_order_acquire, memory_order_relaxed)) {
                uint32_t touched = atomic_load_explicit(&h->caches_touched, memory_order_relaxed);
                while (touched < i + 1 &&
                       !atomic_compare_exchange_weak_explicit(&h->caches_touched, &touched, i + 1,
                                                              memory_order_relaxed,
                                                              memory_order_relaxed))
                    ;
                return c;
            }
        }
        if (!borrowed)
            return NULL;
        cpu_relax();
    }
}

struct rta__cache *rta__cache_get(struct rta_heap *h)
{
    struct rta__cache *found = rta__cache_find(h);
    if (RTA__LIKELY(found != NULL))
        return found;

    struct rta__tls_slot *slot = empty_slot(h->serial);
    if (!slot)
        return NULL;
    /* No exit key (its creation failed), or it cannot be set for this
     * thread: a cache claimed now would never go back, so none is. */
    if (!tls_key_set) {
        if (!atomic_load_explicit(&exit_key_ok, memory_order_acquire))
            return NULL;
        /* setspecific does not allocate for the first 32 keys of a
         * process. */
        if (pthread_setspecific(exit_key, (void *)1) != 0)
            return NULL;
        tls_key_set = 1;
    }
    struct rta__cache *c = claim(h);
    if (!c)
        return NULL;
    rta__profile_claimed(h);
    slot->serial = h->serial;
    slot->heap = h;
    slot->cache = c;
    remember(h, c);
    return c;
}

RTA_API int rta_thread_attach(rta_heap *h)
{
    if (!h)
        return RTA_ERR_INVAL;
    return rta__cache_get(h) ? 0 : RTA_ERR_NO_CACHE;
}

RTA_API void rta_thread_detach(rta_heap *h)
{
    if (!h)
        return;
    struct rta__tls_slot *s = slot_of(h->serial);
    if (s)
        release(s);
}

void rta__registry_add(struct rta_heap *h)
{
    static _Atomic uint64_t next_serial = 1;
    h->serial = atomic_fetch_add(&next_serial, 1);
    pthread_mutex_lock(&registry_lock);
    make_key();
    h->registry_next = registry;
    registry = h;
    pthread_mutex_unlock(&registry_lock);
}

void rta__registry_remove(struct rta_heap *h)
{
    pthread_mutex_lock(&registry_lock);
    for (struct rta_heap **p = &registry; *p; p = &(*p)->registry_next)
        if (*p == h) {
            *p = h->registry_next;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    /* The destroying thread forgets its own slot; other threads must not
     * use the heap any more (documented), and skip it at exit. */
    struct rta__tls_slot *s = slot_of(h->serial);
    forget_last(h->serial);
    if (s) {
        s->serial = 0;
        s->heap = NULL;
        s->cache = NULL;
    }
}

/* fork(): the child has one thread, the one that forked.  Caches held (or
 * borrowed for a free) by the parent's other threads would stay claimed
 * forever, since no thread is left to exit and give them back; the child
 * releases them as those threads' exits would have, so it can run as many
 * threads as its parent could.  The registry lock is held across fork()
 * so the child never inherits it locked by a thread that is gone.  Blocks
 * of the released caches stay valid and any thread may free them. */
void rta__tcache_fork_prepare(void)
{
    pthread_mutex_lock(&registry_lock);
}

void rta__tcache_fork_parent(void)
{
    pthread_mutex_unlock(&registry_lock);
}

void rta__tcache_fork_child(void)
{
    for (struct rta_heap *h = registry; h; h = h->registry_next) {
        const struct rta__cache *mine = rta__cache_find(h);
        for (unsigned i = 0; i < h->max_threads; i++) {
            struct rta__cache *c = rta__cache_at(h, i);
            if (c == mine || atomic_load_explicit(&c->claimed, memory_order_relaxed) == 0)
                continue;
            rta__pool_unpark_all(h, c);
            atomic_store_explicit(&c->claimed, 0, memory_order_release);
        }
    }
    pthread_mutex_unlock(&registry_lock);
}
