/* C++ operator new and delete, all twenty Itanium-ABI variants, over the
 * process heap, defined from C by their mangled names so the library
 * needs no libstdc++.
 *
 * new takes the same paths as malloc and aligned_alloc.  Only when those
 * fail does it hand over to libstdc++'s own operator (found with dlsym
 * RTLD_NEXT), which calls malloc again (this library's), runs the
 * new_handler and throws std::bad_alloc: the C++ failure semantics stay
 * libstdc++'s exactly.  This file is built with -fexceptions so the
 * exception passes through.  A process without libstdc++ cannot throw: a
 * failed throwing new there writes one line and aborts.  Every delete is
 * free (the sized and aligned forms need neither: the address says which
 * heap, and the pools know the class). */
#include "malloc.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);

static void *next_new(const char *symbol)
{
    void *f = dlsym(RTLD_NEXT, symbol);
    if (!f) {
        static const char msg[] =
            "rtalloc: operator new failed and libstdc++ is not loaded to throw\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    return f;
}

static void *next_new_nothrow(const char *symbol)
{
    return dlsym(RTLD_NEXT, symbol);
}

#define DEFINE_NEW(sym)                                                            \
    RTA__MALLOC_EXPORT void *sym(size_t size);                                     \
    RTA__MALLOC_EXPORT void *sym(size_t size)                                      \
    {                                                                              \
        void *p = rta__malloc_alloc(size);                                         \
        return RTA__M_LIKELY(p != NULL) ? p : ((new_fn)next_new(#sym))(size);      \
    }

#define DEFINE_NEW_NT(sym)                                                         \
    RTA__MALLOC_EXPORT void *sym(size_t size, const void *nt);                     \
    RTA__MALLOC_EXPORT void *sym(size_t size, const void *nt)                      \
    {                                                                              \
        void *p = rta__malloc_alloc(size);                                         \
        if (RTA__M_LIKELY(p != NULL))                                              \
            return p;                                                              \
        new_nt_fn f = (new_nt_fn)next_new_nothrow(#sym);                           \
        return f ? f(size, nt) : NULL;                                             \
    }

#define DEFINE_NEW_AL(sym)                                                         \
    RTA__MALLOC_EXPORT void *sym(size_t size, size_t align);                       \
    RTA__MALLOC_EXPORT void *sym(size_t size, size_t align)                        \
    {                                                                              \
        void *p = rta__malloc_aligned(align, size);                                \
        return RTA__M_LIKELY(p != NULL) ? p : ((new_al_fn)next_new(#sym))(size, align); \
    }

#define DEFINE_NEW_AL_NT(sym)                                                      \
    RTA__MALLOC_EXPORT void *sym(size_t size, size_t align, const void *nt);       \
    RTA__MALLOC_EXPORT void *sym(size_t size, size_t align, const void *nt)        \
    {                                                                              \
        void *p = rta__malloc_aligned(align, size);                                \
        if (RTA__M_LIKELY(p != NULL))                                              \
            return p;                                                              \
        new_al_nt_fn f = (new_al_nt_fn)next_new_nothrow(#sym);                     \
        return f ? f(size, align, nt) : NULL;                                      \
    }

DEFINE_NEW(_Znwm)
DEFINE_NEW(_Znam)
DEFINE_NEW_NT(_ZnwmRKSt9nothrow_t)
DEFINE_NEW_NT(_ZnamRKSt9nothrow_t)
DEFINE_NEW_AL(_ZnwmSt11align_val_t)
DEFINE_NEW_AL(_ZnamSt11align_val_t)
DEFINE_NEW_AL_NT(_ZnwmSt11align_val_tRKSt9nothrow_t)
DEFINE_NEW_AL_NT(_ZnamSt11align_val_tRKSt9nothrow_t)

#define DEFINE_DELETE1(sym)                                                        \
    RTA__MALLOC_EXPORT void sym(void *p);                                          \
    RTA__MALLOC_EXPORT void sym(void *p)                                           \
    {                                                                              \
        rta__malloc_free(p);                                                       \
    }
#define DEFINE_DELETE2(sym, T2)                                                    \
    RTA__MALLOC_EXPORT void sym(void *p, T2 b);                                    \
    RTA__MALLOC_EXPORT void sym(void *p, T2 b)                                     \
    {                                                                              \
        (void)b;                                                                   \
        rta__malloc_free(p);                                                       \
    }
#define DEFINE_DELETE3(sym, T2, T3)                                                \
    RTA__MALLOC_EXPORT void sym(void *p, T2 b, T3 c);                              \
    RTA__MALLOC_EXPORT void sym(void *p, T2 b, T3 c)                               \
    {                                                                              \
        (void)b;                                                                   \
        (void)c;                                                                   \
        rta__malloc_free(p);                                                       \
    }

DEFINE_DELETE1(_ZdlPv)
DEFINE_DELETE1(_ZdaPv)
DEFINE_DELETE2(_ZdlPvm, size_t)
DEFINE_DELETE2(_ZdaPvm, size_t)
DEFINE_DELETE2(_ZdlPvRKSt9nothrow_t, const void *)
DEFINE_DELETE2(_ZdaPvRKSt9nothrow_t, const void *)
DEFINE_DELETE2(_ZdlPvSt11align_val_t, size_t)
DEFINE_DELETE2(_ZdaPvSt11align_val_t, size_t)
DEFINE_DELETE3(_ZdlPvmSt11align_val_t, size_t, size_t)
DEFINE_DELETE3(_ZdaPvmSt11align_val_t, size_t, size_t)
DEFINE_DELETE3(_ZdlPvSt11align_val_tRKSt9nothrow_t, size_t, const void *)
DEFINE_DELETE3(_ZdaPvSt11align_val_tRKSt9nothrow_t, size_t, const void *)
