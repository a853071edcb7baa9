// A C++ program with containers, for tests/malloc_programs.sh: built by
// g++ at test time (under rtalloc-run too), then run plain and under
// rtalloc-run.  map, unordered_map, vector, list, string, unique_ptr of an
// over-aligned type, shared_ptr across 4 threads, and std::bad_alloc from
// an impossible vector.
#include <cstdint>
#include <iostream>
#include <list>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct alignas(128) Wide {
    char c[128];
};

int main()
{
    std::map<std::string, std::vector<int>> m;
    std::unordered_map<int, std::string> u;
    std::list<std::unique_ptr<Wide>> l;
    for (int i = 0; i < 100000; i++) {
        m[std::to_string(i % 5000)].push_back(i);
        u[i] = std::string(i % 300, 'x');
        l.push_back(std::make_unique<Wide>());
        if (reinterpret_cast<std::uintptr_t>(l.back().get()) % alignof(Wide) != 0)
            return 3;
        if (i % 3 == 0) {
            u.erase(i / 2);
            l.pop_front();
        }
    }
    auto shared = std::make_shared<std::vector<std::string>>(1000, "shared");
    std::vector<std::thread> threads;
    std::vector<long> part(4);
    for (int t = 0; t < 4; t++)
        threads.emplace_back([&, t] {
            std::vector<std::string> v;
            for (int i = 0; i < 50000; i++)
                v.push_back(std::to_string(i * (t + 1)) + (*shared)[i % 1000]);
            for (auto &s : v)
                part[t] += static_cast<long>(s.size());
        });
    for (auto &t : threads)
        t.join();
    long sum = 0;
    for (auto &kv : m)
        sum += static_cast<long>(kv.second.size());
    for (auto &kv : u)
        sum += static_cast<long>(kv.second.size());
    try {
        std::vector<char> impossible(std::size_t(1) << 62);
        std::cout << "no bad_alloc\n";
    } catch (const std::bad_alloc &) {
        std::cout << "bad_alloc caught\n";
    }
    std::cout << sum << " " << l.size() << " " << part[0] + part[1] + part[2] + part[3] << "\n";
    return 0;
}
