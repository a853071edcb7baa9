/* rtalloc_guard: controls of librtalloc_guard, the library that counts or
 * traps every system-heap call made inside a real-time section.
 *
 * Linking librtalloc_guard (or LD_PRELOADing it) replaces the process's
 * malloc family, C++ operator new/delete and strdup with thin wrappers
 * that forward to glibc.  A call made while the calling thread is inside
 * rta_rt_enter()/rta_rt_leave() (see rtalloc.h) is counted in
 * rta_rt_system_allocs() and then, by mode:
 *
 *   RTA_GUARD_TRAP  (default) report with a stack trace to stderr, abort()
 *   RTA_GUARD_COUNT count only; at exit one line to stderr:
 *                   "rtalloc-guard: N system-heap calls in RT sections"
 *   RTA_GUARD_LOG   count, and report each distinct call site once; the
 *                   real-time thread only queues a fixed-size record, a
 *                   background thread prints it
 *   RTA_GUARD_OFF   nothing
 *
 * The environment sets the mode at start-up: RTALLOC_GUARD=trap|count|log|off,
 * and RTALLOC_GUARD_STRICT=1 also flags blocking calls in RT sections
 * (pthread_mutex_lock, rwlocks, spin locks, sem_wait, condition waits,
 * sleep, usleep, nanosleep, clock_nanosleep, sched_yield, poll, select and
 * epoll_wait with a timeout, open, openat, stdio on files, read, write,
 * pread and pwrite on files, mmap, munmap, mprotect, madvise).  Also read
 * at start-up:
 *
 *   RTALLOC_GUARD_SUPPRESS=FILE  one rule a line (# comments): fun:GLOB
 *                   (a frame's function), mod:GLOB (a frame's module file
 *                   name), call:NAME (a glob on the call's name, or a word
 *                   of it: "mutex", "delete").  A suppressed call is
 *                   counted apart, never traps, is not logged.
 *   RTALLOC_GUARD_ALLOW=free     frees are allowed, allocations are not
 *   RTALLOC_GUARD_SKIP_CYCLES=N  the first N cycles of each watched
 *                   callback are not RT sections
 *   RTALLOC_GUARD_EXIT_CODE=N    count and log mode: exit status N when
 *                   an unsuppressed call was seen
 *
 * Sections the guard makes by itself: each JACK process, timebase and
 * sync callback, and a JACK process thread's cycle (jack_cycle_wait to
 * jack_cycle_signal), also when libjack was loaded by a module opened
 * with RTLD_LOCAL; each PortAudio stream callback (Pa_OpenStream,
 * Pa_OpenDefaultStream) and SDL2 audio callback (SDL_OpenAudio,
 * SDL_OpenAudioDevice).
 *
 * The summary (count and log mode: at exit, on SIGINT or SIGTERM) names
 * the process on every line, "rtalloc-guard[PID prog]: ", and lists the
 * top call sites ("site: N CALL in FUNCTION+0xOFF (MODULE+0xOFF)", each
 * attributed to the first frame outside libc, libstdc++, libjack and the
 * guard) and one total per module ("module NAME: N calls[, M
 * suppressed]").  When no RT section ran it says "nothing watched".
 *
 * Nothing here is needed to use the guard: these functions are for
 * programs and tests that want to read or change it at run time.
 */
#ifndef RTALLOC_GUARD_H
#define RTALLOC_GUARD_H

#include <stdint.h>

#if defined(RTA_GUARD_BUILDING) && defined(__GNUC__)
#define RTA_GUARD_API __attribute__((visibility("default")))
#else
#define RTA_GUARD_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum {
    RTA_GUARD_OFF = 0,
    RTA_GUARD_COUNT = 1,
    RTA_GUARD_LOG = 2,
    RTA_GUARD_TRAP = 3
};

/* Current mode (RTA_GUARD_*).  Any thread, RT-safe (one load). */
RTA_GUARD_API int rta_guard_mode(void);

/* Sets the mode and returns the previous one, or -1 for an unknown mode.
 * Switching to RTA_GUARD_LOG starts the printing thread if it is not
 * running.  Not RT-safe (may create a thread). */
RTA_GUARD_API int rta_guard_set_mode(int mode);

/* Strict mode on (1) or off (0): also flag blocking calls.  Returns the
 * previous setting.  Any thread. */
RTA_GUARD_API int rta_guard_set_strict(int on);

/* System-heap calls seen in RT sections, all threads, since start,
 * suppressed ones included (the summary counts those apart).
 * Any thread, RT-safe (one atomic load). */
RTA_GUARD_API uint64_t rta_guard_heap_calls(void);

/* Blocking calls seen in RT sections in strict mode, all threads. */
RTA_GUARD_API uint64_t rta_guard_blocking_calls(void);

/* 1 when the process's malloc is the guard's (0, for instance, under a
 * sanitizer whose runtime replaces malloc first: then nothing is seen). */
RTA_GUARD_API int rta_guard_interposed(void);

/* Prints the log records queued so far (RTA_GUARD_LOG), now, on the
 * calling thread.  Not RT-safe (formats and writes to stderr). */
RTA_GUARD_API void rta_guard_log_flush(void);

/* JACK process cycles the guard made RT sections (a wrapped process
 * callback, or jack_cycle_wait to jack_cycle_signal), how many of them
 * made system-heap calls, and the most calls in one cycle. */
typedef struct rta_guard_jack_stats {
    uint64_t cycles;
    uint64_t cycles_with_calls;
    uint64_t worst_cycle_calls;
} rta_guard_jack_stats;
RTA_GUARD_API void rta_guard_jack_stats_get(rta_guard_jack_stats *out);

/* Writes the summary lines of count mode to fd now, call sites and
 * module totals included (symbolizes: may allocate).  0, or -1 with
 * errno.  Not RT-safe. */
RTA_GUARD_API int rta_guard_summary_write(int fd);

#ifdef __cplusplus
}
#endif

#endif /* RTALLOC_GUARD_H */
