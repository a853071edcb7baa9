/* The state shared by the demo's threads.
 *
 * Three threads touch it: the JACK process thread (the callback, an RT
 * section), the control thread (plays the sequence, allocates event
 * messages) and the main thread (set-up, the WAV file, the report).  What
 * crosses threads during the run goes through the two SPSC rings or the
 * atomic counters; everything else is either set before the callback
 * starts or read after it stopped. */
#ifndef JACK_DEMO_DEMO_H
#define JACK_DEMO_DEMO_H

#include <jack/jack.h>
#include <stdatomic.h>
#include <stdint.h>

#include "latency.h"
#include "options.h"
#include "rtalloc.h"
#include "spsc_ring.h"
#include "synth.h"

struct demo {
    const struct demo_options *opts;
    rta_heap *heap;
    rta_arena *frame_arena; /* per-cycle scratch, reset every cycle */
    jack_client_t *client;
    jack_port_t *out_left, *out_right, *midi_in;
    jack_nframes_t sample_rate;
    jack_nframes_t period; /* buffer size when the run started */

    struct spsc_ring events; /* control -> callback: struct note_msg * */
    struct spsc_ring record; /* callback -> main: interleaved stereo floats */
    int recording;

    /* Callback thread only during the run. */
    struct synth synth;
    struct latency_histogram *latency; /* carved from the heap at set-up */
    uint64_t naughty_countdown;
    int first_cycle_done;

    /* Published by the callback (relaxed: read for the report only). */
    _Atomic uint64_t cycles;
    _Atomic uint64_t system_allocs; /* system-heap calls inside the callback */
    _Atomic uint64_t messages_received;
    _Atomic uint64_t midi_events;
    _Atomic uint64_t frames_recorded;
    _Atomic uint64_t frames_dropped;   /* record ring full */
    _Atomic uint64_t scratch_failures; /* frame arena too small for the mix */
    _Atomic uint64_t naughty_mallocs;
    _Atomic uint64_t no_cache; /* rta_thread_attach failed */

    /* Main thread. */
    uint64_t arena_resets_at_start;
    _Atomic int process_tid;             /* set by the first cycle */
    int faults_measured;                 /* the two readings below are valid */
    uint64_t minor_faults, major_faults; /* process thread, after warm-up */

    /* Other JACK threads. */
    _Atomic uint64_t xruns;
    _Atomic jack_nframes_t last_period; /* buffer-size callback, 0: none */
    _Atomic int server_gone;

    /* Control thread. */
    _Atomic uint64_t messages_sent;
    _Atomic uint64_t messages_dropped; /* ring full: freed by the sender */
    _Atomic uint64_t message_alloc_failures;
    _Atomic int midi_connected;
};

#endif
