/* A plugin-style process function in C++17 on rtalloc: the host calls
 * process() once per cycle; everything the cycle builds (the note list,
 * per-voice buffers, the mix) is a std::pmr::vector on the heap's frame
 * arena, dropped by one reset at the end of the cycle.  State that lives
 * across cycles (the voices) sits in the pools, made at set-up.
 *
 * librtalloc_guard is linked in count mode: every system-heap call inside
 * process() (an rta::rt_section) would be counted.  The example runs 2000
 * cycles of 128 frames and exits 0 only when every cycle reset the arena
 * and no cycle touched the system heap. */
#include <rtalloc.hpp>
#include <rtalloc_guard.h>

#include <cmath>
#include <cstdio>
#include <memory_resource>
#include <vector>

namespace {

constexpr float rate = 48000.0f;
constexpr float two_pi = 6.28318530718f;

struct voice {
    float freq, phase, gain;
};

struct note {
    int voice;
    float gain;
};

class plugin {
  public:
    explicit plugin(rta_heap *h)
        : frame_(rta_heap_arena(h)), pool_(h), voices_(&pool_)
    {
        /* Set-up, not real-time: the voices live in the pools. */
        for (int i = 0; i < 8; i++)
            voices_.push_back(voice{110.0f * float(i + 1), 0.0f, 0.0f});
    }

    /* The real-time callback. */
    void process(const float *in, float *out, std::size_t frames, unsigned long cycle)
    {
        rta::rt_section rt;
        {
            /* This cycle's notes: which voices sound, and how loud. */
            std::pmr::vector<note> notes(&frame_);
            for (int v = 0; v < int(voices_.size()); v++)
                if ((cycle / 64 + unsigned(v)) % 3 == 0)
                    notes.push_back(note{v, 0.1f});

            std::pmr::vector<float> mix(frames, 0.0f, &frame_);
            for (const note &n : notes) {
                std::pmr::vector<float> buf(frames, 0.0f, &frame_);
                voice &v = voices_[std::size_t(n.voice)];
                for (float &s : buf) {
                    s = std::sin(v.phase) * n.gain;
                    v.phase = std::fmod(v.phase + two_pi * v.freq / rate, two_pi);
                }
                for (std::size_t i = 0; i < frames; i++)
                    mix[i] += buf[i];
            }
            for (std::size_t i = 0; i < frames; i++)
                out[i] = 0.5f * in[i] + mix[i];
        } /* every pmr container of the cycle is gone here... */
        frame_.reset(); /* ...so one store drops their memory */
    }

  private:
    rta::arena_resource frame_;
    rta::pool_resource pool_;
    std::pmr::vector<voice> voices_;
};

} // namespace

int main()
{
    rta_guard_set_mode(RTA_GUARD_COUNT);
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.arena_bytes = 64u << 10;
    rta_heap *heap = nullptr;
    int err = rta_heap_create(&heap, &cfg);
    if (err) {
        std::fprintf(stderr, "plugin_example: %s\n", rta_strerror(err));
        return 1;
    }
    const unsigned long cycles = 2000;
    const std::size_t frames = 128;
    std::vector<float> in(frames), out(frames);
    for (std::size_t i = 0; i < frames; i++)
        in[i] = std::sin(two_pi * 440.0f * float(i) / rate);
    float peak = 0.0f;
    {
        plugin p(heap);
        for (unsigned long c = 0; c < cycles; c++) {
            p.process(in.data(), out.data(), frames, c);
            for (float s : out)
                peak = std::fmax(peak, std::fabs(s));
        }
    }
    rta_stats st;
    rta_stats_get(heap, &st);
    unsigned long long sys = (unsigned long long)rta_rt_system_allocs();
    std::printf("cycles: %lu\n", cycles);
    std::printf("arena resets: %llu\n", (unsigned long long)st.frame_arena.resets);
    std::printf("arena peak bytes: %zu of %zu\n", st.frame_arena.peak, st.frame_arena.capacity);
    std::printf("system allocations in callback: %llu%s\n", sys,
                rta_guard_interposed() ? "" : " (guard not interposed: not watched)");
    std::printf("output peak: %.3f\n", double(peak));
    bool ok = st.frame_arena.resets == cycles && sys == 0 && st.frame_arena.overflows == 0 &&
              peak > 0.0f;
    rta_heap_destroy(heap);
    return ok ? 0 : 1;
}
