/* The C allocation entry points of glibc, over the process heap.
 *
 * Each one tries the pools (rta__malloc_pool_for says whether it may) and
 * otherwise, or when the pools miss, takes the system path: glibc's
 * __libc_* entry points, counted and checked for RT sections by
 * rta__malloc_system_call.  Frees and sizes decide by address: a pointer
 * in the pools' range is the pools', anything else is glibc's (a
 * system-path block, or one allocated before the library took over).
 *
 * realloc keeps a block where it is when it can (rta_realloc: same class,
 * same pointer); a pool block that must grow past max_block, or that the
 * pools cannot move, moves to the system path; a system block stays with
 * glibc (__libc_realloc), whatever its new size.
 *
 * Built with -fno-builtin: the compiler must not turn code here into calls
 * of the functions it defines (malloc + memset into calloc). */
#include "malloc.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static void *system_malloc(const char *name, size_t size)
{
    rta__malloc_system_call(name, size);
    return __libc_malloc(size);
}

static void *system_aligned(const char *name, size_t align, size_t size)
{
    rta__malloc_system_call(name, size);
    return __libc_memalign(align, size);
}

static void *pool_missed(const char *name, size_t size)
{
    rta__malloc_missed();
    return system_malloc(name, size);
}

static inline __attribute__((always_inline)) void *alloc(const char *name, size_t size)
{
    rta_heap *h = rta__malloc_pool_for(size);
    if (RTA__M_LIKELY(h != NULL)) {
        void *p = rta_malloc(h, size);
        if (RTA__M_LIKELY(p != NULL))
            return p;
        return pool_missed(name, size);
    }
    return system_malloc(name, size);
}

void *rta__malloc_alloc(size_t size)
{
    return alloc("malloc", size);
}

void rta__malloc_free(void *p)
{
    if (RTA__M_LIKELY(rta__malloc_ours(p))) {
        rta_free(__atomic_load_n(&rta__malloc.heap, __ATOMIC_ACQUIRE), p);
        return;
    }
    if (p) {
        rta__malloc_system_call("free", 0);
        __libc_free(p);
    }
}

/* align: a power of two. */
void *rta__malloc_aligned(size_t align, size_t size)
{
    if (align <= 16)
        return alloc("aligned allocation", size);
    rta_heap *h = rta__malloc_pool_for(size > align ? size : align);
    if (h) {
        void *p = rta_aligned_alloc(h, align, size);
        if (p)
            return p;
        rta__malloc_missed();
    }
    return system_aligned("aligned allocation", align, size);
}

RTA__MALLOC_EXPORT void *malloc(size_t size)
{
    return alloc("malloc", size);
}

RTA__MALLOC_EXPORT void free(void *p)
{
    rta__malloc_free(p);
}

RTA__MALLOC_EXPORT void *calloc(size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    rta_heap *h = rta__malloc_pool_for(bytes);
    if (RTA__M_LIKELY(h != NULL)) {
        void *p = rta_calloc(h, n, size);
        if (RTA__M_LIKELY(p != NULL))
            return p;
        rta__malloc_missed();
    }
    /* glibc knows which of its blocks are fresh zero pages. */
    rta__malloc_system_call("calloc", bytes);
    return __libc_calloc(n, size);
}

RTA__MALLOC_EXPORT void *realloc(void *p, size_t size)
{
    if (!p)
        return alloc("realloc", size);
    if (size == 0) {
        /* glibc's choice: the block is freed and NULL returned. */
        rta__malloc_free(p);
        return NULL;
    }
    if (!rta__malloc_ours(p)) {
        rta__malloc_system_call("realloc", size);
        return __libc_realloc(p, size);
    }
    rta_heap *h = __atomic_load_n(&rta__malloc.heap, __ATOMIC_ACQUIRE);
    size_t old = rta_usable_size(h, p);
    if (old == 0) {
        /* In the pools' range but not a live block: counted as a bad free
         * (a trap with debug=1), and nothing moves. */
        rta_free(h, p);
        errno = EINVAL;
        return NULL;
    }
    if (rta__malloc_pool_for(size)) {
        void *n = rta_realloc(h, p, size);
        if (n)
            return n;
        rta__malloc_missed();
    }
    void *n = system_malloc("realloc", size);
    if (!n)
        return NULL;
    memcpy(n, p, old < size ? old : size);
    rta_free(h, p);
    return n;
}

RTA__MALLOC_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, bytes);
}

RTA__MALLOC_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    /* POSIX: a power of two multiple of sizeof(void *), else EINVAL and
     * *out untouched; errno is not changed on any path. */
    if (align == 0 || align % sizeof(void *) != 0 || (align & (align - 1)) != 0)
        return EINVAL;
    int saved = errno;
    void *p = rta__malloc_aligned(align, size);
    if (!p) {
        errno = saved;
        return ENOMEM;
    }
    *out = p;
    return 0;
}

RTA__MALLOC_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    /* C11 as glibc 2.38 applies it: the alignment must be a power of two. */
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return rta__malloc_aligned(align, size);
}

RTA__MALLOC_EXPORT void *memalign(size_t align, size_t size)
{
    /* glibc's memalign: an alignment that is not a power of two is rounded
     * up to one; one too large to round fails with EINVAL. */
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (align & (align - 1))
        align = (size_t)1 << (64 - __builtin_clzll((unsigned long long)align));
    return rta__malloc_aligned(align ? align : 1, size);
}

static size_t page_size(void)
{
    return rta__malloc.page ? rta__malloc.page : 4096;
}

RTA__MALLOC_EXPORT void *valloc(size_t size)
{
    return rta__malloc_aligned(page_size(), size);
}

RTA__MALLOC_EXPORT void *pvalloc(size_t size)
{
    size_t page = page_size(), rounded;
    if (__builtin_add_overflow(size, page - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    rounded &= ~(page - 1);
    return rta__malloc_aligned(page, rounded ? rounded : page);
}

RTA__MALLOC_EXPORT size_t malloc_usable_size(void *p)
{
    if (rta__malloc_ours(p))
        return rta_usable_size(__atomic_load_n(&rta__malloc.heap, __ATOMIC_ACQUIRE), p);
    return p ? rta__malloc_system_usable_size(p) : 0;
}
