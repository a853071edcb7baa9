/* Call sites, deduplicated on the real-time thread before any unwinding.
 *
 * A call is keyed by what it is (malloc, operator new, ...) and the
 * address it returns to: one load of the return address, one hash, a
 * few probes of a fixed lock-free open-addressing table and one atomic
 * increment is all a known site costs.  Only a new key unwinds the stack
 * (backtrace(), primed at start-up so it no longer allocates), once, and
 * keeps the frames in the entry for the reports printed later, off the
 * real-time thread.
 *
 * A return address inside libc, libstdc++, libjack or the guard does not
 * name a site: fopen's malloc returns to the same place whichever line
 * called fopen.  Such a key is marked deep when it is first seen (its
 * module found with _dl_find_object, lock-free); each call through it
 * unwinds, and is keyed again by the frames up to the first one outside
 * those libraries.  So a site is never lost, and only calls made inside
 * the system libraries pay for an unwinding.
 *
 * Entries are claimed with one compare-and-swap of their key and
 * published with a release store; a table that is full, or an entry seen
 * between its claim and its publication, counts the call as unattributed
 * rather than wait. */
#include "guard.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>
#ifdef HAVE_EXECINFO_H
#include <execinfo.h>
#endif

static struct rta__guard_site table[RTA__GUARD_SITES];
static uint64_t unattributed;
static const void *guard_start_addr, *guard_end_addr;

static uint64_t mix(uint64_t h, uintptr_t v)
{
    return (h ^ v) * 1099511628211ull;
}

/* 1 when pc lies in a library whose frames never name a site. */
static int system_frame(const void *pc)
{
    if (pc >= guard_start_addr && pc < guard_end_addr)
        return 1;
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 35)
    struct dl_find_object fo;
    if (_dl_find_object((void *)pc, &fo) != 0 || !fo.dlfo_link_map)
        return 0;
    return rta__guard_system_module(fo.dlfo_link_map->l_name);
#else
    return 0;
#endif
}

static int on_guard(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    uintptr_t me = (uintptr_t)&system_frame;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (me >= lo && me < lo + ph->p_memsz) {
            guard_start_addr = (const void *)(info->dlpi_addr);
            guard_end_addr = (const void *)(lo + ph->p_memsz);
            return 1;
        }
    }
    return 0;
}

void rta__guard_sites_init(void)
{
    (void)dl_iterate_phdr(on_guard, NULL);
}

int rta__guard_system_module(const char *path)
{
    static const char *const prefixes[] = {
        "libc.so", "libstdc++.so", "libjack.so", "libjackserver.so", "libgcc_s.so",
        "ld-linux", "libpthread.so", "librtalloc_guard.so",
    };
    if (!path)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

enum { CLAIMED = 1, READY = 2 };

/* The entry of key, claimed (state 0 -> CLAIMED) by this thread when
 * *fresh is set; NULL when the table is full or the entry is not
 * published yet. */
static struct rta__guard_site *find(uint64_t key, int *fresh)
{
    *fresh = 0;
    for (unsigned i = 0; i < RTA__GUARD_SITES; i++) {
        struct rta__guard_site *s = &table[(key + i) & (RTA__GUARD_SITES - 1)];
        uint64_t k = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
        if (k == 0) {
            if (__atomic_compare_exchange_n(&s->key, &k, key, 0, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                *fresh = 1;
                return s;
            }
        }
        if (k == key)
            return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == READY ? s : NULL;
    }
    return NULL;
}

static int unwind(void **frames)
{
#ifdef HAVE_BACKTRACE
    return backtrace(frames, RTA__GUARD_FRAMES);
#else
    (void)frames;
    return 0;
#endif
}

static void publish(struct rta__guard_site *s, const struct rta__guard_call *call,
                    const uintptr_t args[3], uint64_t thread_count, void **frames, int n,
                    int deep)
{
    s->call = call;
    memcpy(s->args, args, sizeof s->args);
    s->thread_count = thread_count;
    s->tid = rta__guard_gettid();
    s->nframes = n;
    if (n > 0)
        memcpy(s->frames, frames, (size_t)n * sizeof frames[0]);
    s->deep = deep;
    s->count = deep ? 0 : 1;
    __atomic_store_n(&s->state, READY, __ATOMIC_RELEASE);
}

struct rta__guard_site *rta__guard_site_hit(const struct rta__guard_call *call, const void *ra,
                                            const uintptr_t args[3], uint64_t thread_count,
                                            int *fresh)
{
    uint64_t key = mix(mix(1469598103934665603ull, (uintptr_t)call), (uintptr_t)ra);
    key = key ? key : 1;
    struct rta__guard_site *s = find(key, fresh);
    if (!s) {
        __atomic_add_fetch(&unattributed, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    void *frames[RTA__GUARD_FRAMES];
    int n = 0;
    if (*fresh) {
        n = unwind(frames);
        int deep = system_frame(ra);
        publish(s, call, args, thread_count, frames, n, deep);
        if (!deep)
            return s;
    } else if (!s->deep) {
        __atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
        return s;
    } else {
        n = unwind(frames);
    }
    /* Deep: key again by the frames up to the first one outside the
     * system libraries. */
    uint64_t site = mix(key, 0x5eed);
    for (int i = 0; i < n; i++) {
        site = mix(site, (uintptr_t)frames[i]);
        if (!system_frame(frames[i]))
            break;
    }
    site = site ? site : 1;
    s = find(site, fresh);
    if (!s) {
        __atomic_add_fetch(&unattributed, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    if (*fresh)
        publish(s, call, args, thread_count, frames, n, 0);
    else
        __atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
    return s;
}

struct rta__guard_site *rta__guard_site_at(unsigned i)
{
    struct rta__guard_site *s = &table[i];
    if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != READY || s->deep)
        return NULL;
    return s;
}

uint64_t rta__guard_unattributed(void)
{
    return __atomic_load_n(&unattributed, __ATOMIC_RELAXED);
}

void rta__guard_sites_forget(void)
{
    for (unsigned i = 0; i < RTA__GUARD_SITES; i++)
        __atomic_store_n(&table[i].count, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&unattributed, 0, __ATOMIC_RELAXED);
}
