/* rtsection: the callbacks of audio libraries made real-time sections,
 * shared by every rtalloc library that needs them.
 *
 * The code in this folder wraps the functions a program uses to hand its
 * real-time callback to an audio library (jack_set_process_callback, ...)
 * so that each call of the callback runs inside a cycle: the library that
 * compiles this folder is told when a cycle begins and ends, and decides
 * what a cycle means (librtalloc_guard: rta_rt_enter/rta_rt_leave and its
 * cycle counters; librtalloc_malloc: the same, with rtalloc as the
 * process's malloc).  The wrapped setters are exported under the audio
 * library's own names and forward to the real ones, found with
 * dlsym(RTLD_NEXT) when a setter is first called, so no audio library is
 * linked: the folder can be compiled into a preloaded library.
 *
 * How to use it from a library (see guard/local.mk):
 *   - add $(RTSECTION_SOURCES) to its _SOURCES (rtsection/local.mk; the
 *     JACK part only when HAVE_JACK), compile with $(JACK_CFLAGS) and
 *     -fvisibility=hidden (the hooks below are hidden either way);
 *   - define every hook below, once, in the library.
 * Two such libraries in one process: the first one loaded wraps, and its
 * dlsym(RTLD_NEXT) finds the second one's wrapper, so both see each
 * cycle, nested; each hook is called by its own library's code only.
 *
 * Rules for the hooks: rtsection_cycle_begin and rtsection_cycle_end run
 * on the audio thread, in every cycle: no system heap, no lock, no system
 * call.  The others run where the program sets callbacks (never in a
 * cycle) and may do anything except call back into the wrapped setters. */
#ifndef RTA_RTSECTION_H
#define RTA_RTSECTION_H

#include <stdint.h>

#define RTSECTION_HOOK __attribute__((visibility("hidden")))
#define RTSECTION_EXPORT __attribute__((visibility("default")))

/* What kind of callback a cycle belongs to. */
enum rtsection_kind {
    RTSECTION_JACK_PROCESS = 0, /* jack_set_process_callback */
    RTSECTION_JACK_THREAD,      /* jack_cycle_wait .. jack_cycle_signal */
    RTSECTION_JACK_TIMEBASE,    /* jack_set_timebase_callback */
    RTSECTION_JACK_SYNC,        /* jack_set_sync_callback */
    RTSECTION_PORTAUDIO,        /* Pa_OpenStream, Pa_OpenDefaultStream */
    RTSECTION_SDL,              /* SDL_OpenAudio, SDL_OpenAudioDevice */
    RTSECTION_KINDS
};

/* One cycle, from begin to end. */
struct rtsection_cycle {
    int kind;       /* enum rtsection_kind */
    uint64_t index; /* cycles this callback ran before this one (0: its first) */
    uint64_t mark;  /* the library's own: set by begin, read by end */
    int entered;    /* the library's own: set by begin, read by end */
};

/* ---- hooks: each library that compiles this folder defines them ---- */

/* Called first by every wrapped setter (not in a cycle); idempotent. */
RTSECTION_HOOK void rtsection_init(void);

/* 1: wrap the callback being set; 0: hand it to the audio library as is. */
RTSECTION_HOOK int rtsection_wanted(void);

/* +1 before, -1 after work of this folder's own that may call malloc or
 * other watched functions (dlsym, dlopen, dl_iterate_phdr), so the
 * library does not take those calls for the program's. */
RTSECTION_HOOK void rtsection_busy(int delta);

/* Around each call of a wrapped callback; RT-safe (see above).  The
 * same struct is passed to both; end is called on the same thread. */
RTSECTION_HOOK void rtsection_cycle_begin(struct rtsection_cycle *c);
RTSECTION_HOOK void rtsection_cycle_end(struct rtsection_cycle *c);

/* One line of text for the user, ending in '\n' (the guard writes it to
 * stderr with its "rtalloc-guard[PID prog]: " prefix).  Not RT. */
RTSECTION_HOOK void rtsection_say(const char *line);

/* ---- provided by this folder ---- */

/* The real definition of an audio library's function `name`, whose
 * library's file name starts with `lib_prefix` (e.g. "libjack.so"):
 * dlsym(RTLD_NEXT), else (the library was loaded by a module opened
 * with RTLD_LOCAL, so it is not in the global scope) from the loaded
 * library itself.  NULL when it is not loaded.  Not RT. */
RTSECTION_HOOK void *rtsection_next(const char *name, const char *lib_prefix);

#endif /* RTA_RTSECTION_H */
