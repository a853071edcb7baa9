/* The C allocation entry points of glibc, interposed.
 *
 * Each wrapper checks (guard.h, rta__guard_heap_call) and forwards to
 * glibc's own __libc_* entry points.  Calling those directly, rather than
 * a pointer found with dlsym, means malloc works from the very first call
 * of the process, before any constructor and while dlsym itself
 * allocates: there is nothing to look up, so no bootstrap buffer is
 * needed.  The two functions glibc does not export under a __libc_ name
 * are built from ones it does (posix_memalign, aligned_alloc and
 * reallocarray on __libc_memalign and __libc_realloc) or looked up once
 * (malloc_usable_size, which never allocates, so dlsym may run inside it).
 *
 * free(NULL) and delete of NULL are not counted: they touch no heap. */
#include "guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

static const struct rta__guard_call call_malloc = {"malloc", "z", 0, 0};
static const struct rta__guard_call call_free = {"free", "p", 0, 1};
static const struct rta__guard_call call_calloc = {"calloc", "zz", 0, 0};
static const struct rta__guard_call call_realloc = {"realloc", "pz", 0, 0};
static const struct rta__guard_call call_reallocarray = {"reallocarray", "pzz", 0, 0};
static const struct rta__guard_call call_posix_memalign = {"posix_memalign", "pzz", 0, 0};
static const struct rta__guard_call call_aligned_alloc = {"aligned_alloc", "zz", 0, 0};
static const struct rta__guard_call call_memalign = {"memalign", "zz", 0, 0};
static const struct rta__guard_call call_valloc = {"valloc", "z", 0, 0};
static const struct rta__guard_call call_pvalloc = {"pvalloc", "z", 0, 0};
static const struct rta__guard_call call_usable_size = {"malloc_usable_size", "p", 0, 0};
static const struct rta__guard_call call_strdup = {"strdup", "b", 0, 0};
static const struct rta__guard_call call_strndup = {"strndup", "b", 0, 0};

#define U(x) ((uintptr_t)(x))

RTA__GUARD_EXPORT void *malloc(size_t size)
{
    rta__guard_heap_call(&call_malloc, U(size), 0, 0);
    return __libc_malloc(size);
}

/* The guard's own malloc, under a name no one else defines: compared with
 * what the dynamic linker resolves "malloc" to (rta_guard_interposed). */
extern __typeof__(malloc) rta__guard_own_malloc
    __attribute__((alias("malloc"), copy(malloc), visibility("hidden")));

RTA__GUARD_EXPORT void free(void *p)
{
    if (p)
        rta__guard_heap_call(&call_free, U(p), 0, 0);
    __libc_free(p);
}

RTA__GUARD_EXPORT void *calloc(size_t n, size_t size)
{
    rta__guard_heap_call(&call_calloc, U(n), U(size), 0);
    return __libc_calloc(n, size);
}

RTA__GUARD_EXPORT void *realloc(void *p, size_t size)
{
    rta__guard_heap_call(&call_realloc, U(p), U(size), 0);
    return __libc_realloc(p, size);
}

RTA__GUARD_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t bytes;
    rta__guard_heap_call(&call_reallocarray, U(p), U(n), U(size));
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, bytes);
}

RTA__GUARD_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    rta__guard_heap_call(&call_posix_memalign, U(out), U(align), U(size));
    /* POSIX: a power of two multiple of sizeof(void *), else EINVAL and
     * *out untouched; errno is not changed on any path. */
    if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0)
        return EINVAL;
    int saved = errno;
    void *p = __libc_memalign(align, size);
    if (!p) {
        errno = saved;
        return ENOMEM;
    }
    *out = p;
    return 0;
}

RTA__GUARD_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    rta__guard_heap_call(&call_aligned_alloc, U(align), U(size), 0);
    /* C11 as glibc applies it: the alignment must be a power of two. */
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return __libc_memalign(align, size);
}

RTA__GUARD_EXPORT void *memalign(size_t align, size_t size)
{
    rta__guard_heap_call(&call_memalign, U(align), U(size), 0);
    return __libc_memalign(align, size);
}

RTA__GUARD_EXPORT void *valloc(size_t size)
{
    rta__guard_heap_call(&call_valloc, U(size), 0, 0);
    return __libc_valloc(size);
}

RTA__GUARD_EXPORT void *pvalloc(size_t size)
{
    rta__guard_heap_call(&call_pvalloc, U(size), 0, 0);
    return __libc_pvalloc(size);
}

typedef size_t (*usable_size_fn)(void *);
static usable_size_fn next_usable_size;

RTA__HIDDEN void rta__guard_alloc_resolve(void)
{
    if (!__atomic_load_n(&next_usable_size, __ATOMIC_ACQUIRE)) {
        usable_size_fn f = (usable_size_fn)dlsym(RTLD_NEXT, "malloc_usable_size");
        __atomic_store_n(&next_usable_size, f, __ATOMIC_RELEASE);
    }
}

RTA__GUARD_EXPORT size_t malloc_usable_size(void *p)
{
    rta__guard_heap_call(&call_usable_size, U(p), 0, 0);
    usable_size_fn f = __atomic_load_n(&next_usable_size, __ATOMIC_ACQUIRE);
    if (!f) {
        /* Called before the guard's constructor: look it up now. */
        rta__guard_tls.busy++;
        rta__guard_alloc_resolve();
        rta__guard_tls.busy--;
        f = __atomic_load_n(&next_usable_size, __ATOMIC_ACQUIRE);
    }
    return f ? f(p) : 0;
}

static char *copy_string(const char *s, size_t len)
{
    char *p = __libc_malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

RTA__GUARD_EXPORT char *strdup(const char *s)
{
    size_t len = strlen(s);
    rta__guard_heap_call(&call_strdup, U(len + 1), 0, 0);
    return copy_string(s, len);
}

RTA__GUARD_EXPORT char *strndup(const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    rta__guard_heap_call(&call_strndup, U(len + 1), 0, 0);
    return copy_string(s, len);
}
