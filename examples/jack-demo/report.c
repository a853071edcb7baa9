/* The exit report (see report.h).
 *
 * Lines are formatted into a buffer and written with write(2), and stdout
 * is not used through stdio here, so they cannot interleave wrongly with
 * rta_stats_write, which also writes to fd 1 directly. */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "wav.h"

static void put_line(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void put_line(int fd, const char *format, ...)
{
    char line[512];
    va_list ap;
    int len;
    size_t done = 0;

    va_start(ap, format);
    len = vsnprintf(line, sizeof line - 1, format, ap);
    va_end(ap);
    if (len < 0)
        return;
    if ((size_t)len > sizeof line - 2)
        len = (int)(sizeof line - 2);
    line[len++] = '\n';
    while (done < (size_t)len) {
        ssize_t n = write(fd, line + done, (size_t)len - done);
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

static uint64_t get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

int report_write(const struct demo *d, double seconds_run, const struct wav_writer *wav)
{
    rta_arena_stats arena;
    uint64_t cycles = get(&d->cycles), resets, allocs = get(&d->system_allocs);
    const struct synth *s = &d->synth;
    int status = 0;

    rta_arena_stats_get(d->frame_arena, &arena);
    resets = arena.resets - d->arena_resets_at_start;

    put_line(1,
             "rtalloc-jack-demo: ran %.2f s at %u Hz with a %u-frame period "
             "(%.2f ms): about %.0f cycles expected",
             seconds_run, (unsigned)d->sample_rate, (unsigned)d->period,
             1000.0 * d->period / d->sample_rate, seconds_run * d->sample_rate / d->period);
    put_line(1,
             "rtalloc-jack-demo: event messages sent %llu, freed by the callback %llu, "
             "dropped %llu, allocation failures %llu",
             (unsigned long long)get(&d->messages_sent),
             (unsigned long long)get(&d->messages_received),
             (unsigned long long)get(&d->messages_dropped),
             (unsigned long long)get(&d->message_alloc_failures));
    put_line(1,
             "rtalloc-jack-demo: voices allocated %llu, freed %llu, allocation failures "
             "%llu, refused %llu; MIDI events %llu; arena peak %zu of %zu bytes",
             (unsigned long long)s->voices_started, (unsigned long long)s->voices_freed,
             (unsigned long long)s->voice_alloc_failures, (unsigned long long)s->voices_refused,
             (unsigned long long)get(&d->midi_events), arena.peak, arena.capacity);
    if (wav != NULL)
        put_line(1, "rtalloc-jack-demo: recorded %llu frames (%s), %llu dropped",
                 (unsigned long long)wav->frames,
                 wav->format == RECORD_PCM16 ? "16-bit" : "32-bit float",
                 (unsigned long long)(get(&d->frames_dropped) + wav->frames_capped));
    if (d->faults_measured)
        put_line(1,
                 "rtalloc-jack-demo: page faults in the process thread after its first "
                 "0.5 s: %llu minor, %llu major",
                 (unsigned long long)d->minor_faults, (unsigned long long)d->major_faults);
    if (d->opts->naughty)
        put_line(1, "rtalloc-jack-demo: --naughty called malloc %llu times in the callback",
                 (unsigned long long)get(&d->naughty_mallocs));

    put_line(1, "cycles: %llu", (unsigned long long)cycles);
    put_line(1, "arena resets: %llu", (unsigned long long)resets);
    put_line(1, "system allocations in callback: %llu", (unsigned long long)allocs);
    put_line(1, "xruns: %llu", (unsigned long long)get(&d->xruns));
    put_line(1, "callback time us p50/p99/max: %.1f/%.1f/%.1f",
             latency_quantile_ns(d->latency, 0.50) / 1000.0,
             latency_quantile_ns(d->latency, 0.99) / 1000.0, d->latency->max_ns / 1000.0);
    rta_stats_write(d->heap, 1);

    if (cycles == 0) {
        put_line(2, "rtalloc-jack-demo: FAILED: the process callback never ran");
        status = 1;
    }
    if (resets != cycles) {
        put_line(2, "rtalloc-jack-demo: FAILED: %llu arena resets for %llu cycles",
                 (unsigned long long)resets, (unsigned long long)cycles);
        status = 1;
    }
    if (allocs != 0) {
        put_line(2, "rtalloc-jack-demo: FAILED: the callback made %llu system-heap calls",
                 (unsigned long long)allocs);
        status = 1;
    }
    if (get(&d->scratch_failures) + s->scratch_failures != 0)
        put_line(2,
                 "rtalloc-jack-demo: warning: the frame arena was too small in %llu "
                 "cycles (silence or missing voices)",
                 (unsigned long long)(get(&d->scratch_failures) + s->scratch_failures));
    if (get(&d->no_cache) != 0)
        put_line(2, "rtalloc-jack-demo: warning: the process thread got no rtalloc thread "
                    "cache (max_threads too small): its allocations missed");
    if (atomic_load_explicit(&d->last_period, memory_order_relaxed) != 0 &&
        atomic_load_explicit(&d->last_period, memory_order_relaxed) != d->period)
        put_line(2,
                 "rtalloc-jack-demo: warning: the JACK period changed during the run; "
                 "the expected cycle count above assumes %u frames",
                 (unsigned)d->period);
    return status;
}
