/* Check tests of include/rtalloc.hpp, built with g++ -std=c++17:
 * std::pmr containers on rta::pool_resource and rta::arena_resource, STL
 * containers with rta::allocator<T>, arena reset, the equality rules,
 * over-aligned types, failures as std::bad_alloc, frees from another
 * thread, rta::rt_section.  Each test reads the heap's statistics to show
 * the memory really came from (and went back to) where it should. */
#include <check.h>

#include <rtalloc.hpp>

#include <cstdint>
#include <cstring>
#include <list>
#include <map>
#include <memory_resource>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t KiB = 1024, MiB = 1024 * 1024;

rta_heap *make_heap(std::size_t pool = 4 * MiB, std::size_t arena = 256 * KiB)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = pool;
    cfg.arena_bytes = arena;
    cfg.max_block = 64 * KiB;
    cfg.flags &= ~static_cast<unsigned>(RTA_DEBUG);
    rta_heap *h = nullptr;
    int err = rta_heap_create(&h, &cfg);
    ck_assert_msg(err == 0, "rta_heap_create: %s", rta_strerror(err));
    return h;
}

rta_stats stats_of(rta_heap *h)
{
    rta_stats s;
    rta_stats_get(h, &s);
    return s;
}

bool aligned(const void *p, std::size_t a)
{
    return reinterpret_cast<std::uintptr_t>(p) % a == 0;
}

struct alignas(256) wide {
    unsigned char bytes[300];
};

} // namespace

START_TEST(pmr_containers_on_the_pools)
{
    rta_heap *h = make_heap();
    {
        rta::pool_resource pool(h);
        std::pmr::vector<int> v(&pool);
        for (int i = 0; i < 1000; i++)
            v.push_back(i);
        std::pmr::string s("a string too long for the small-string buffer", &pool);
        std::pmr::map<int, std::pmr::string> m(&pool);
        for (int i = 0; i < 50; i++)
            m.emplace(i, std::pmr::string(40, char('a' + i % 26)));

        ck_assert_int_eq(v[999], 999);
        ck_assert_int_eq(m.at(27)[0], 'b');
        ck_assert(rta_owns(h, v.data()));
        ck_assert(rta_owns(h, s.data()));
        ck_assert(rta_owns(h, m.at(3).data()));
        /* The map's strings use the map's resource (uses-allocator). */
        ck_assert(m.at(3).get_allocator().resource() == &pool);
        rta_stats st = stats_of(h);
        ck_assert_uint_ge(st.allocs, 1 + 1 + 50 * 2);
        ck_assert_uint_gt(st.bytes_live, 1000 * sizeof(int));
    }
    rta_stats st = stats_of(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(pmr_containers_on_the_frame_arena_and_reset)
{
    rta_heap *h = make_heap();
    rta::arena_resource frame(rta_heap_arena(h));
    ck_assert_uint_ge(frame.capacity(), 256 * KiB);
    const void *first_cycle = nullptr;
    for (int cycle = 0; cycle < 3; cycle++) {
        {
            std::pmr::vector<float> mix(512, 0.5f, &frame);
            std::pmr::string name("cycle name long enough to leave the SSO buffer", &frame);
            std::pmr::map<int, float> gains(&frame);
            for (int i = 0; i < 20; i++)
                gains[i] = float(i);
            ck_assert(!rta_owns(h, mix.data())); /* arena, not pool, memory */
            ck_assert_uint_ge(frame.used(), 512 * sizeof(float) + 20 * sizeof(float));
            if (cycle == 0)
                first_cycle = mix.data();
            else /* reset gave the same bytes back */
                ck_assert_ptr_eq(mix.data(), first_cycle);
            std::size_t used = frame.used();
            mix.clear();
            mix.shrink_to_fit(); /* deallocate: a no-op, nothing comes back */
            ck_assert_uint_eq(frame.used(), used);
        }
        ck_assert_uint_gt(frame.used(), 0);
        frame.reset();
        ck_assert_uint_eq(frame.used(), 0);
    }
    rta_arena_stats as;
    rta_arena_stats_get(rta_heap_arena(h), &as);
    ck_assert_uint_eq(as.resets, 3);
    ck_assert_uint_eq(as.overflows, 0);
    /* The pools were never touched. */
    ck_assert_uint_eq(stats_of(h).allocs, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(stl_containers_with_the_allocator)
{
    rta_heap *h = make_heap();
    {
        rta::allocator<int> alloc(h);
        std::vector<int, rta::allocator<int>> v(alloc);
        for (int i = 0; i < 500; i++)
            v.push_back(i * 2);
        std::list<double, rta::allocator<double>> l(rta::allocator<double>{h});
        for (int i = 0; i < 100; i++)
            l.push_back(i);
        using str = std::basic_string<char, std::char_traits<char>, rta::allocator<char>>;
        str s("another string that is longer than the SSO buffer", rta::allocator<char>(h));
        std::map<int, int, std::less<int>, rta::allocator<std::pair<const int, int>>> m(
            rta::allocator<std::pair<const int, int>>{h});
        std::unordered_map<int, int, std::hash<int>, std::equal_to<int>,
                           rta::allocator<std::pair<const int, int>>>
            u(16, std::hash<int>(), std::equal_to<int>(),
              rta::allocator<std::pair<const int, int>>(h));
        for (int i = 0; i < 200; i++) {
            m[i] = i;
            u[i] = -i;
        }
        ck_assert_int_eq(v[499], 998);
        ck_assert_int_eq(int(l.back()), 99);
        ck_assert_int_eq(m.at(150) + u.at(150), 0);
        ck_assert(rta_owns(h, v.data()));
        ck_assert(rta_owns(h, &l.front()));
        ck_assert(rta_owns(h, s.data()));
        ck_assert(rta_owns(h, &m.at(7)));
        ck_assert(rta_owns(h, &u.at(7)));
        /* The rebound node allocators kept the heap. */
        ck_assert(m.get_allocator().heap() == h);
    }
    rta_stats st = stats_of(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.allocs, st.frees);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(equality_rules)
{
    rta_heap *h1 = make_heap(1 * MiB, 64 * KiB);
    rta_heap *h2 = make_heap(1 * MiB, 64 * KiB);
    rta::allocator<int> a1(h1), a1b(h1), a2(h2);
    rta::allocator<double> d1(a1);
    ck_assert(a1 == a1b);
    ck_assert(a1 == d1); /* rebound copies: same heap, equal */
    ck_assert(a1 != a2);
    ck_assert(!(a1 == a2));
    ck_assert(d1.heap() == h1);
    static_assert(!std::allocator_traits<rta::allocator<int>>::is_always_equal::value,
                  "stateful");

    rta::pool_resource p1(h1), p1b(h1), p2(h2);
    ck_assert(p1 == p1b); /* two resources, one heap: each frees the other's */
    ck_assert(p1 != p2);
    rta_arena *extra = nullptr;
    ck_assert_int_eq(rta_arena_create(h1, 16 * KiB, &extra), 0);
    rta::arena_resource f1(rta_heap_arena(h1)), f1b(rta_heap_arena(h1)), fx(extra);
    ck_assert(f1 == f1b);
    ck_assert(f1 != fx);
    ck_assert(!p1.is_equal(f1));
    ck_assert(!f1.is_equal(p1));
    ck_assert(!p1.is_equal(*std::pmr::new_delete_resource()));

    /* A block from p1 freed through p1b: no bad free. */
    void *b = p1.allocate(100, 8);
    p1b.deallocate(b, 100, 8);
    ck_assert_uint_eq(stats_of(h1).bad_frees, 0);
    ck_assert_uint_eq(stats_of(h1).bytes_live, 0);
    rta_heap_destroy(h1);
    rta_heap_destroy(h2);
}
END_TEST

START_TEST(allocators_propagate_with_their_blocks)
{
    rta_heap *h1 = make_heap(1 * MiB, 0);
    rta_heap *h2 = make_heap(1 * MiB, 0);
    {
        using vec = std::vector<int, rta::allocator<int>>;
        vec a(100, 1, rta::allocator<int>(h1));
        vec b(200, 2, rta::allocator<int>(h2));
        b = std::move(a); /* b now holds h1's block and h1's allocator */
        ck_assert(b.get_allocator().heap() == h1);
        ck_assert(rta_owns(h1, b.data()));
        vec c(10, 3, rta::allocator<int>(h2));
        c = b; /* copy assignment propagates too */
        ck_assert(c.get_allocator().heap() == h1);
        vec d(5, 4, rta::allocator<int>(h2));
        d.swap(c);
        ck_assert(d.get_allocator().heap() == h1);
        ck_assert(c.get_allocator().heap() == h2);
    }
    for (rta_heap *h : {h1, h2}) {
        rta_stats st = stats_of(h);
        ck_assert_uint_eq(st.bad_frees, 0);
        ck_assert_uint_eq(st.bytes_live, 0);
    }
    rta_heap_destroy(h1);
    rta_heap_destroy(h2);
}
END_TEST

START_TEST(over_aligned_types)
{
    rta_heap *h = make_heap();
    {
        std::vector<wide, rta::allocator<wide>> v{rta::allocator<wide>(h)};
        for (int i = 0; i < 20; i++) {
            v.emplace_back();
            ck_assert(aligned(v.data(), 256));
        }
        rta::pool_resource pool(h);
        std::pmr::vector<wide> pv(7, &pool);
        ck_assert(aligned(pv.data(), 256));
        for (std::size_t a = 1; a <= 4096; a *= 2) {
            void *p = pool.allocate(a + 3, a);
            ck_assert_msg(aligned(p, a), "align %zu", a);
            ck_assert(rta_owns(h, p));
            std::memset(p, 0x5a, a + 3);
            pool.deallocate(p, a + 3, a);
        }
        rta::arena_resource frame(rta_heap_arena(h));
        std::pmr::vector<wide> fv(3, &frame);
        ck_assert(aligned(fv.data(), 256));
        void *q = frame.allocate(10, 4096);
        ck_assert(aligned(q, 4096));
        void *z1 = frame.allocate(0, 1), *z2 = frame.allocate(0, 1);
        ck_assert_ptr_ne(z1, z2);
    }
    rta_stats st = stats_of(h);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(failures_throw_bad_alloc)
{
    rta_heap *h = make_heap(1 * MiB, 16 * KiB);
    rta::pool_resource pool(h);
    bool thrown = false;
    try {
        (void)pool.allocate(1 * MiB, 16); /* above max_block */
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    ck_assert(thrown);
    ck_assert_uint_eq(stats_of(h).failures, 1);

    rta::arena_resource frame(rta_heap_arena(h));
    thrown = false;
    try {
        std::pmr::vector<char> big(32 * KiB, 'x', &frame);
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    ck_assert(thrown);
    rta_arena_stats as;
    rta_arena_stats_get(frame.arena(), &as);
    ck_assert_uint_eq(as.overflows, 1);

    rta::allocator<int> alloc(h);
    thrown = false;
    try {
        (void)alloc.allocate(std::numeric_limits<std::size_t>::max() / 2);
    } catch (const std::bad_array_new_length &) {
        thrown = true;
    }
    ck_assert(thrown);
    /* Still usable afterwards. */
    std::pmr::vector<int> v(100, 7, &pool);
    ck_assert_int_eq(v[99], 7);
    v = std::pmr::vector<int>(&pool);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(blocks_freed_on_another_thread)
{
    rta_heap *h = make_heap();
    rta::pool_resource pool(h);
    auto *v = new std::pmr::vector<std::pmr::string>(&pool);
    for (int i = 0; i < 100; i++)
        v->emplace_back(std::string(64, char('a' + i % 26)));
    std::thread([v] { delete v; }).join();
    rta_stats st = stats_of(h);
    ck_assert_uint_ge(st.remote_frees, 101);
    ck_assert_uint_eq(st.bytes_live, 0);
    ck_assert_uint_eq(st.bad_frees, 0);
    rta_heap_destroy(h);
}
END_TEST

START_TEST(rt_section_is_scoped_and_nests)
{
    ck_assert(!rta::rt_section::active());
    {
        rta::rt_section outer;
        ck_assert(rta::rt_section::active());
        {
            rta::rt_section inner;
            ck_assert(rta::rt_section::active());
        }
        ck_assert(rta::rt_section::active());
        /* Without the guard linked nothing counts system-heap calls. */
        ck_assert_uint_eq(rta::rt_section::system_allocs(), 0);
    }
    ck_assert(!rta::rt_section::active());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rtalloc.hpp");
    TCase *tc = tcase_create("cxx");
    tcase_add_test(tc, pmr_containers_on_the_pools);
    tcase_add_test(tc, pmr_containers_on_the_frame_arena_and_reset);
    tcase_add_test(tc, stl_containers_with_the_allocator);
    tcase_add_test(tc, equality_rules);
    tcase_add_test(tc, allocators_propagate_with_their_blocks);
    tcase_add_test(tc, over_aligned_types);
    tcase_add_test(tc, failures_throw_bad_alloc);
    tcase_add_test(tc, blocks_freed_on_another_thread);
    tcase_add_test(tc, rt_section_is_scoped_and_nests);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
