/* C++ operator new and delete, all twenty Itanium-ABI variants, interposed
 * from C (by their mangled names) so the guard never needs libstdc++.
 *
 * A variant is counted once, under its own name, then forwarded to the
 * next definition (libstdc++'s, found with dlsym(RTLD_NEXT)) with the
 * thread marked busy, so the malloc that libstdc++ makes inside is not
 * counted a second time.  Forwarding keeps the C++ semantics exactly
 * (new_handler, std::bad_alloc).  The busy mark is undone by a cleanup
 * handler, so an exception thrown through here (this file is built with
 * -fexceptions) leaves the thread's state right.
 *
 * In a process without libstdc++ (a C program calling the symbols by hand,
 * or before libstdc++ is loaded) the operators fall back to glibc directly;
 * a failed throwing new then aborts, since C cannot throw.  Blocks from either path come from the
 * same glibc heap, so they may be freed by the other. */
#include "guard.h"

#include <dlfcn.h>
#include <string.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

enum {
    NW, NA, NW_NT, NA_NT, NW_AL, NA_AL, NW_AL_NT, NA_AL_NT,
    DL, DA, DL_SZ, DA_SZ, DL_NT, DA_NT, DL_AL, DA_AL, DL_SZ_AL, DA_SZ_AL, DL_AL_NT, DA_AL_NT,
    N_OPS
};

static const char *const op_symbol[N_OPS] = {
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
    "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
    "_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
    "_ZdlPv", "_ZdaPv", "_ZdlPvm", "_ZdaPvm", "_ZdlPvRKSt9nothrow_t", "_ZdaPvRKSt9nothrow_t",
    "_ZdlPvSt11align_val_t", "_ZdaPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t", "_ZdaPvmSt11align_val_t",
    "_ZdlPvSt11align_val_tRKSt9nothrow_t", "_ZdaPvSt11align_val_tRKSt9nothrow_t",
};

static const struct rta__guard_call op_call[N_OPS] = {
    {"operator new", "z", 0, 0},
    {"operator new[]", "z", 0, 0},
    {"operator new(nothrow)", "z", 0, 0},
    {"operator new[](nothrow)", "z", 0, 0},
    {"operator new(align_val_t)", "zz", 0, 0},
    {"operator new[](align_val_t)", "zz", 0, 0},
    {"operator new(align_val_t, nothrow)", "zz", 0, 0},
    {"operator new[](align_val_t, nothrow)", "zz", 0, 0},
    {"operator delete", "p", 0, 1},
    {"operator delete[]", "p", 0, 1},
    {"operator delete(sized)", "pz", 0, 1},
    {"operator delete[](sized)", "pz", 0, 1},
    {"operator delete(nothrow)", "p", 0, 1},
    {"operator delete[](nothrow)", "p", 0, 1},
    {"operator delete(align_val_t)", "pz", 0, 1},
    {"operator delete[](align_val_t)", "pz", 0, 1},
    {"operator delete(sized, align_val_t)", "pzz", 0, 1},
    {"operator delete[](sized, align_val_t)", "pzz", 0, 1},
    {"operator delete(align_val_t, nothrow)", "pz", 0, 1},
    {"operator delete[](align_val_t, nothrow)", "pz", 0, 1},
};

static void *next_op[N_OPS];
static int found;     /* libstdc++'s operators were found */
static int resolving; /* a look-up is running (dlsym may allocate) */

/* Looks the next definitions up, unless found already.  A process may
 * load libstdc++ after the guard starts (dlopen of a C++ plugin), so a
 * look-up that found nothing is tried again on a later call, but never
 * inside an RT section: there the fallback serves. */
RTA__HIDDEN void rta__guard_cxx_resolve(void)
{
    if (__atomic_load_n(&found, __ATOMIC_ACQUIRE))
        return;
    if (__atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL))
        return;
    rta__guard_tls.busy++;
    void *f[N_OPS];
    for (int i = 0; i < N_OPS; i++)
        f[i] = dlsym(RTLD_NEXT, op_symbol[i]);
    if (f[NW] && f[DL]) {
        for (int i = 0; i < N_OPS; i++)
            __atomic_store_n(&next_op[i], f[i], __ATOMIC_RELEASE);
        __atomic_store_n(&found, 1, __ATOMIC_RELEASE);
    }
    rta__guard_tls.busy--;
    __atomic_store_n(&resolving, 0, __ATOMIC_RELEASE);
}

static void *next_of(int op)
{
    if (!__atomic_load_n(&found, __ATOMIC_ACQUIRE) && !rta_rt_active())
        rta__guard_cxx_resolve();
    return __atomic_load_n(&next_op[op], __ATOMIC_ACQUIRE);
}

static void busy_end(unsigned *unused)
{
    (void)unused;
    rta__guard_tls.busy--;
}

/* Marks the rest of the enclosing block as the guard's own work. */
#define FORWARDING                                                                 \
    unsigned forwarding_ __attribute__((cleanup(busy_end), unused)) =              \
        (rta__guard_tls.busy++, 0u)

static void *fallback_new(size_t size, size_t align, int may_throw)
{
    void *p = align > 16 ? __libc_memalign(align, size) : __libc_malloc(size ? size : 1);
    if (!p && may_throw) {
        static const char msg[] =
            "rtalloc-guard: operator new failed and libstdc++ is not loaded to throw\n";
        rta__guard_write_all(2, msg, sizeof msg - 1);
        __builtin_trap();
    }
    return p;
}

typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);

#define DEFINE_NEW(sym, op, may_throw)                                             \
    RTA__GUARD_EXPORT void *sym(size_t size);                                      \
    RTA__GUARD_EXPORT void *sym(size_t size)                                       \
    {                                                                              \
        rta__guard_heap_call(&op_call[op], size, 0, 0);                            \
        FORWARDING;                                                                \
        new_fn f = (new_fn)next_of(op);                                            \
        return f ? f(size) : fallback_new(size, 0, may_throw);                     \
    }

#define DEFINE_NEW_NT(sym, op)                                                     \
    RTA__GUARD_EXPORT void *sym(size_t size, const void *nt);                      \
    RTA__GUARD_EXPORT void *sym(size_t size, const void *nt)                       \
    {                                                                              \
        rta__guard_heap_call(&op_call[op], size, 0, 0);                            \
        FORWARDING;                                                                \
        new_nt_fn f = (new_nt_fn)next_of(op);                                      \
        return f ? f(size, nt) : fallback_new(size, 0, 0);                         \
    }

#define DEFINE_NEW_AL(sym, op, may_throw)                                          \
    RTA__GUARD_EXPORT void *sym(size_t size, size_t align);                        \
    RTA__GUARD_EXPORT void *sym(size_t size, size_t align)                         \
    {                                                                              \
        rta__guard_heap_call(&op_call[op], size, align, 0);                        \
        FORWARDING;                                                                \
        new_al_fn f = (new_al_fn)next_of(op);                                      \
        return f ? f(size, align) : fallback_new(size, align, may_throw);          \
    }

#define DEFINE_NEW_AL_NT(sym, op)                                                  \
    RTA__GUARD_EXPORT void *sym(size_t size, size_t align, const void *nt);        \
    RTA__GUARD_EXPORT void *sym(size_t size, size_t align, const void *nt)         \
    {                                                                              \
        rta__guard_heap_call(&op_call[op], size, align, 0);                        \
        FORWARDING;                                                                \
        new_al_nt_fn f = (new_al_nt_fn)next_of(op);                                \
        return f ? f(size, align, nt) : fallback_new(size, align, 0);              \
    }

DEFINE_NEW(_Znwm, NW, 1)
DEFINE_NEW(_Znam, NA, 1)
DEFINE_NEW_NT(_ZnwmRKSt9nothrow_t, NW_NT)
DEFINE_NEW_NT(_ZnamRKSt9nothrow_t, NA_NT)
DEFINE_NEW_AL(_ZnwmSt11align_val_t, NW_AL, 1)
DEFINE_NEW_AL(_ZnamSt11align_val_t, NA_AL, 1)
DEFINE_NEW_AL_NT(_ZnwmSt11align_val_tRKSt9nothrow_t, NW_AL_NT)
DEFINE_NEW_AL_NT(_ZnamSt11align_val_tRKSt9nothrow_t, NA_AL_NT)

typedef void (*delete1_fn)(void *);
typedef void (*delete2_fn)(void *, uintptr_t);
typedef void (*delete3_fn)(void *, uintptr_t, uintptr_t);

/* Inlined into each operator, so the return address is its caller.
 * nargs: how many arguments the variant takes (1 to 3), so the next
 * definition is called with its own signature. */
static inline __attribute__((always_inline)) void delete_common(int op, int nargs, void *p,
                                                                uintptr_t b, uintptr_t c)
{
    if (p)
        rta__guard_heap_call(&op_call[op], (uintptr_t)p, b, c);
    FORWARDING;
    void *f = next_of(op);
    if (!f)
        __libc_free(p);
    else if (nargs == 1)
        ((delete1_fn)f)(p);
    else if (nargs == 2)
        ((delete2_fn)f)(p, b);
    else
        ((delete3_fn)f)(p, b, c);
}

#define DEFINE_DELETE1(sym, op)                                                    \
    RTA__GUARD_EXPORT void sym(void *p);                                           \
    RTA__GUARD_EXPORT void sym(void *p)                                            \
    {                                                                              \
        delete_common(op, 1, p, 0, 0);                                             \
    }
#define DEFINE_DELETE2(sym, op, T2)                                                \
    RTA__GUARD_EXPORT void sym(void *p, T2 b);                                     \
    RTA__GUARD_EXPORT void sym(void *p, T2 b)                                      \
    {                                                                              \
        delete_common(op, 2, p, (uintptr_t)b, 0);                                  \
    }
#define DEFINE_DELETE3(sym, op, T2, T3)                                            \
    RTA__GUARD_EXPORT void sym(void *p, T2 b, T3 c);                               \
    RTA__GUARD_EXPORT void sym(void *p, T2 b, T3 c)                                \
    {                                                                              \
        delete_common(op, 3, p, (uintptr_t)b, (uintptr_t)c);                       \
    }

DEFINE_DELETE1(_ZdlPv, DL)
DEFINE_DELETE1(_ZdaPv, DA)
DEFINE_DELETE2(_ZdlPvm, DL_SZ, size_t)
DEFINE_DELETE2(_ZdaPvm, DA_SZ, size_t)
DEFINE_DELETE2(_ZdlPvRKSt9nothrow_t, DL_NT, const void *)
DEFINE_DELETE2(_ZdaPvRKSt9nothrow_t, DA_NT, const void *)
DEFINE_DELETE2(_ZdlPvSt11align_val_t, DL_AL, size_t)
DEFINE_DELETE2(_ZdaPvSt11align_val_t, DA_AL, size_t)
DEFINE_DELETE3(_ZdlPvmSt11align_val_t, DL_SZ_AL, size_t, size_t)
DEFINE_DELETE3(_ZdaPvmSt11align_val_t, DA_SZ_AL, size_t, size_t)
DEFINE_DELETE3(_ZdlPvSt11align_val_tRKSt9nothrow_t, DL_AL_NT, size_t, const void *)
DEFINE_DELETE3(_ZdaPvSt11align_val_tRKSt9nothrow_t, DA_AL_NT, size_t, const void *)
