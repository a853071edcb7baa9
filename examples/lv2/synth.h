/* rtalloc-synth: an LV2 instrument built on rtalloc (examples/lv2).
 *
 * One rtalloc heap per plugin instance, made in instantiate() and
 * destroyed in cleanup().  In the audio thread, run() is a real-time
 * section: voices come from the heap's pools (rta_malloc at note-on,
 * rta_free when their release ends), per-run scratch (the run's events,
 * the mix buffer) from its frame arena, reset at the end of every run().
 * Wavetables are built by the LV2 worker (a non-real-time thread) in pool
 * blocks and handed to the audio thread through the host's lock-free
 * worker response; the audio thread frees the table it replaces, a
 * lock-free cross-thread free back to the worker's cache.
 *
 * The plugin proves its own claim: rta_rt_system_allocs() is read before
 * and after each run() and work_response(); with librtalloc_guard loaded,
 * the difference is exactly the system-heap calls the plugin made there.
 * The sum is published on the rt_system_calls output port and in the
 * statistics line written at cleanup (RTALLOC_LV2_STATS=stderr|PATH). */
#ifndef RTA_LV2_SYNTH_H
#define RTA_LV2_SYNTH_H

#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "rtalloc.h"

#define SYNTH_URI "urn:rtalloc:examples:synth"

enum synth_port {
    PORT_MIDI_IN = 0,
    PORT_AUDIO_IN,
    PORT_AUDIO_OUT,
    PORT_GAIN,
    PORT_DEMO,
    PORT_NOTES,
    PORT_VOICE_ALLOCS,
    PORT_VOICE_FREES,
    PORT_TABLES,
    PORT_RT_SYSTEM_CALLS,
    N_PORTS
};

#define MAX_VOICES 16

/* A note, program change or note-off at a frame of the current run. */
struct note_event {
    uint32_t frame;
    uint8_t status, data1, data2;
};

/* What the plugin did; written by the audio thread, read at cleanup and
 * published on the output ports after each run. */
struct synth_counters {
    uint64_t runs;
    uint64_t arena_resets;
    uint64_t notes;           /* note-ons that got a voice */
    uint64_t voice_allocs;    /* voices taken from the pools */
    uint64_t voice_frees;     /* voices given back to the pools */
    uint64_t voice_steals;    /* oldest voice freed for a new note */
    uint64_t pool_failures;   /* a voice or scratch buffer the heap could not give */
    uint64_t tables;          /* wavetables installed from the worker */
    uint64_t table_requests;  /* requests scheduled on the worker */
    uint64_t rt_system_calls; /* system-heap calls inside run()/work_response() */
    uint64_t naughty_calls;   /* deliberate mallocs (RTALLOC_LV2_NAUGHTY=1) */
};

struct voice;
struct wavetable;

struct synth {
    rta_heap *heap;
    rta_arena *arena;
    double rate;
    LV2_URID midi_event;                 /* 0: the host gave no urid:map, MIDI in is ignored */
    const LV2_Worker_Schedule *schedule; /* NULL: no worker, programs stay */
    int naughty;

    const LV2_Atom_Sequence *midi_in;
    const float *audio_in;
    float *audio_out;
    const float *gain;
    const float *demo;
    float *out_port[N_PORTS];

    struct voice *voices; /* newest first */
    unsigned n_voices;
    struct wavetable *table;
    unsigned wanted_program;
    int request_in_flight;
    uint64_t frame; /* frames since activate(), for the demo sequence */

    struct synth_counters c;
};

/* voices.c: the audio thread's voice list, blocks from the pools. */
void voices_note_on(struct synth *s, uint8_t note, uint8_t velocity);
void voices_note_off(struct synth *s, uint8_t note);
void voices_render(struct synth *s, float *mix, uint32_t n);
void voices_free_all(struct synth *s); /* not real-time: deactivate, cleanup */

/* wavetable.c: built by the worker (or instantiate), freed by anyone. */
#define N_PROGRAMS 4
struct wavetable *wavetable_build(rta_heap *heap, unsigned program);
unsigned wavetable_program(const struct wavetable *t);
float wavetable_read(const struct wavetable *t, float phase);
float wavetable_step(double freq, double rate); /* phase increment per frame */
#define WAVETABLE_SIZE 2048u

/* worker.c: the LV2 worker interface. */
extern const LV2_Worker_Interface synth_worker;
void synth_request_table(struct synth *s); /* audio thread */

/* demo.c: the built-in sequence (port "demo" on), events of a run. */
uint32_t demo_events_max(uint32_t n, double rate);
uint32_t demo_events(uint64_t from, uint32_t n, double rate, struct note_event *out, uint32_t cap);

/* stats.c: the line written at cleanup when RTALLOC_LV2_STATS is set. */
void synth_write_stats(const struct synth *s);

#endif /* RTA_LV2_SYNTH_H */
