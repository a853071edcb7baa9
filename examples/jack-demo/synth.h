/* A small polyphonic synthesizer whose voices are rtalloc pool blocks.
 *
 * Every function but synth_init and synth_free_all runs in the process
 * callback (an RT section): a note-on allocates a voice from the pools, a
 * voice is freed when its release has faded out, and each render builds
 * its list of active voices in the frame arena. */
#ifndef JACK_DEMO_SYNTH_H
#define JACK_DEMO_SYNTH_H

#include <stdint.h>

#include "rtalloc.h"

#define SYNTH_MAX_VOICES 32

struct voice;

struct synth {
    rta_heap *heap;
    struct voice *voices; /* singly linked, newest first; callback only */
    unsigned active;      /* voices in the list */
    float sample_rate;
    float brightness;
    /* Counters: written by the callback only, read after it stopped. */
    uint64_t voices_started;
    uint64_t voices_freed;
    uint64_t voice_alloc_failures; /* rta_malloc returned NULL */
    uint64_t voices_refused;       /* SYNTH_MAX_VOICES already sounding */
    uint64_t scratch_failures;     /* frame arena too small for the voice list */
};

/* Not RT-safe (fills the wavetable once).  Any thread, before the callback
 * starts. */
void synth_init(struct synth *s, rta_heap *heap, float sample_rate);

/* RT-safe: one rta_malloc.  velocity 0 is a note-off, as in MIDI. */
void synth_note_on(struct synth *s, unsigned note, unsigned velocity);
/* RT-safe: starts the release of every voice playing `note`. */
void synth_note_off(struct synth *s, unsigned note);
void synth_all_off(struct synth *s);
void synth_set_brightness(struct synth *s, float brightness);

/* Adds nframes of stereo audio into left and right (which the caller
 * cleared), with the per-cycle list of active voices taken from `scratch`.
 * Frees the voices whose release ended.  RT-safe. */
void synth_render(struct synth *s, rta_arena *scratch, float *left, float *right, unsigned nframes);

/* Frees every voice left (after the callback stopped).  Not RT. */
void synth_free_all(struct synth *s);

#endif
