/* rtalloc.hpp: rtalloc for C++17 code.  Header only, over include/rtalloc.h.
 *
 *   rta::pool_resource   a std::pmr::memory_resource over a heap's pools
 *   rta::arena_resource  a std::pmr::memory_resource over an arena:
 *                        deallocate is a no-op, reset() drops everything
 *   rta::allocator<T>    an STL allocator over a heap's pools; two compare
 *                        equal iff they use the same heap
 *   rta::rt_section      RAII rta_rt_enter() / rta_rt_leave()
 *
 * Allocation and deallocation through these are real-time safe (they are
 * rta_malloc, rta_aligned_alloc, rta_free_sized and rta_arena_alloc; see
 * rtalloc.h for the bounds) except on failure: a request the pool or arena
 * cannot serve throws std::bad_alloc, as the standard requires of a
 * memory_resource and an allocator, and throwing allocates the exception
 * (from libstdc++'s emergency pool when malloc fails).  Size a heap so that
 * the real-time path never fails (rta_stats peaks show how much it needs).
 * Built with -fno-exceptions, a failure calls std::abort() instead.
 *
 * The classes hold a pointer: the heap or arena must outlive them and
 * everything allocated through them.
 *
 *     rta::pool_resource pool(heap);
 *     std::pmr::vector<voice> voices(&pool);                 // any thread
 *     rta::arena_resource frame(rta_heap_arena(heap));
 *     std::pmr::vector<float> mix(frames, 0.0f, &frame);     // per cycle
 *     ...
 *     frame.reset();                                         // end of cycle
 */
#ifndef RTALLOC_HPP
#define RTALLOC_HPP

#include <rtalloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory_resource>
#include <new>
#include <type_traits>

namespace rta {

namespace detail {

/* Every pool block is aligned to 16 bytes; larger alignments go through
 * rta_aligned_alloc. */
constexpr std::size_t pool_alignment = 16;

[[noreturn]] inline void throw_bad_alloc()
{
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}

inline void *pool_allocate(rta_heap *heap, std::size_t bytes, std::size_t align)
{
    void *p = align <= pool_alignment ? rta_malloc(heap, bytes)
                                      : rta_aligned_alloc(heap, align, bytes);
    if (p == nullptr)
        throw_bad_alloc();
    return p;
}

/* The size goes back (rta_free_sized) except for over-aligned blocks:
 * rta_aligned_alloc may serve those from a larger class than their size. */
inline void pool_deallocate(rta_heap *heap, void *p, std::size_t bytes, std::size_t align) noexcept
{
    if (align <= pool_alignment)
        rta_free_sized(heap, p, bytes);
    else
        rta_free(heap, p);
}

} // namespace detail

/* A memory_resource over a heap's size-class pools.  Allocation from any
 * thread; a block may be deallocated by any thread (it goes home
 * lock-free).  Two pool_resources compare equal iff they use the same heap:
 * either can free the other's blocks. */
class pool_resource : public std::pmr::memory_resource {
  public:
    explicit pool_resource(rta_heap *h) noexcept : heap_(h) {}
    pool_resource(const pool_resource &) = delete;
    pool_resource &operator=(const pool_resource &) = delete;

    rta_heap *heap() const noexcept { return heap_; }

  protected:
    void *do_allocate(std::size_t bytes, std::size_t align) override
    {
        return detail::pool_allocate(heap_, bytes, align);
    }
    void do_deallocate(void *p, std::size_t bytes, std::size_t align) override
    {
        detail::pool_deallocate(heap_, p, bytes, align);
    }
    bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override
    {
        auto *o = dynamic_cast<const pool_resource *>(&other);
        return o != nullptr && o->heap_ == heap_;
    }

  private:
    rta_heap *heap_;
};

/* A memory_resource over an arena (rta_heap_arena, or one of
 * rta_arena_create): allocation is a pointer bump, deallocate does nothing,
 * reset() drops everything at once.  After reset() no container may still
 * use the arena's memory: destroy (or clear and shrink) them first.
 * Allocation may happen from several threads at once; reset() is for the
 * one thread that owns the frame, with no allocation running. */
class arena_resource : public std::pmr::memory_resource {
  public:
    explicit arena_resource(rta_arena *a) noexcept : arena_(a) {}
    arena_resource(const arena_resource &) = delete;
    arena_resource &operator=(const arena_resource &) = delete;

    /* Drops everything allocated from the arena, in O(1). */
    void reset() noexcept { rta_arena_reset(arena_); }
    std::size_t used() const noexcept { return rta_arena_used(arena_); }
    std::size_t capacity() const noexcept { return rta_arena_capacity(arena_); }
    rta_arena *arena() const noexcept { return arena_; }

  protected:
    void *do_allocate(std::size_t bytes, std::size_t align) override
    {
        /* A zero-byte request still gets its own address. */
        void *p = rta_arena_alloc(arena_, bytes ? bytes : 1, align);
        if (p == nullptr)
            detail::throw_bad_alloc();
        return p;
    }
    void do_deallocate(void *, std::size_t, std::size_t) override {}
    bool do_is_equal(const std::pmr::memory_resource &other) const noexcept override
    {
        auto *o = dynamic_cast<const arena_resource *>(&other);
        return o != nullptr && o->arena_ == arena_;
    }

  private:
    rta_arena *arena_;
};

/* An STL allocator over a heap's pools, for containers without pmr:
 *     std::vector<int, rta::allocator<int>> v{rta::allocator<int>(heap)};
 * Stateful (one pointer); two allocators compare equal iff they use the
 * same heap.  It propagates on copy and move assignment and on swap, so a
 * block is always freed through the heap it came from. */
template <class T> class allocator {
  public:
    using value_type = T;
    using propagate_on_container_copy_assignment = std::true_type;
    using propagate_on_container_move_assignment = std::true_type;
    using propagate_on_container_swap = std::true_type;
    using is_always_equal = std::false_type;

    explicit allocator(rta_heap *h) noexcept : heap_(h) {}
    template <class U> allocator(const allocator<U> &other) noexcept : heap_(other.heap()) {}

    T *allocate(std::size_t n)
    {
        if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
            throw std::bad_array_new_length();
#else
            std::abort();
#endif
        }
        return static_cast<T *>(detail::pool_allocate(heap_, n * sizeof(T), alignof(T)));
    }
    void deallocate(T *p, std::size_t n) noexcept
    {
        detail::pool_deallocate(heap_, p, n * sizeof(T), alignof(T));
    }

    rta_heap *heap() const noexcept { return heap_; }

  private:
    rta_heap *heap_;
};

template <class T, class U>
bool operator==(const allocator<T> &a, const allocator<U> &b) noexcept
{
    return a.heap() == b.heap();
}
template <class T, class U>
bool operator!=(const allocator<T> &a, const allocator<U> &b) noexcept
{
    return a.heap() != b.heap();
}

/* A real-time section for the lifetime of the object (rta_rt_enter in the
 * constructor, rta_rt_leave in the destructor); nestable, per thread.
 * With librtalloc_guard, every system-heap call inside is counted or
 * trapped.
 *     void process(...) { rta::rt_section rt; ... }                      */
class rt_section {
  public:
    rt_section() noexcept { rta_rt_enter(); }
    ~rt_section() { rta_rt_leave(); }
    rt_section(const rt_section &) = delete;
    rt_section &operator=(const rt_section &) = delete;

    /* 1 inside a section on this thread. */
    static bool active() noexcept { return rta_rt_active() != 0; }
    /* System-heap calls the guard saw in RT sections on this thread. */
    static std::uint64_t system_allocs() noexcept { return rta_rt_system_allocs(); }
};

} // namespace rta

#endif /* RTALLOC_HPP */
