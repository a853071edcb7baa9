/* The process callback: one RT section per JACK cycle.
 *
 * Per cycle it (1) takes event messages from the control thread's ring,
 * applies them and frees them (remote frees: the control thread allocated
 * them), (2) reads the JACK MIDI input, (3) takes two mix buffers and an
 * interleaving buffer from the frame arena, renders the voices (which
 * allocate and free themselves from the pools), (4) copies the mix to the
 * output ports and, when recording, into the record ring, (5) resets the
 * arena, and (6) reads how many system-heap calls the guard counted on
 * this thread since the section began (rta_rt_system_allocs).  The time
 * from entry to exit goes into the histogram.
 *
 * Nothing here calls malloc, printf or a lock (but --naughty's malloc, on
 * purpose); clock_gettime(CLOCK_MONOTONIC) is answered by the vDSO without
 * a system call.  JACK MIDI must be read here because its buffers exist
 * only during the process call, so MIDI notes reach the voices directly;
 * the control thread only notices that the MIDI input is connected and
 * stops its own sequence. */
#include "process.h"

#include <jack/midiport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "demo.h"
#include "messages.h"

static void counter_add(_Atomic uint64_t *c, uint64_t n)
{
    /* Single writer: a relaxed load and store, no read-modify-write. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void apply_message(struct demo *d, const struct note_msg *m)
{
    switch (m->kind) {
    case MSG_NOTE_ON:
        synth_note_on(&d->synth, m->note, m->velocity);
        break;
    case MSG_NOTE_OFF:
        synth_note_off(&d->synth, m->note);
        break;
    case MSG_ALL_OFF:
        synth_all_off(&d->synth);
        break;
    case MSG_BRIGHTNESS:
        synth_set_brightness(&d->synth, m->value);
        break;
    default:
        break;
    }
}

static void take_messages(struct demo *d)
{
    struct note_msg *batch[PROCESS_MAX_MESSAGES_PER_CYCLE];
    size_t n = spsc_ring_pop(&d->events, batch, PROCESS_MAX_MESSAGES_PER_CYCLE), i;

    for (i = 0; i < n; i++) {
        apply_message(d, batch[i]);
        rta_free(d->heap, batch[i]); /* allocated by the control thread */
    }
    counter_add(&d->messages_received, n);
}

static void take_midi(struct demo *d, jack_nframes_t nframes)
{
    void *buffer = jack_port_get_buffer(d->midi_in, nframes);
    uint32_t count, i;

    if (buffer == NULL)
        return;
    count = jack_midi_get_event_count(buffer);
    for (i = 0; i < count; i++) {
        jack_midi_event_t ev;
        unsigned status;

        if (jack_midi_event_get(&ev, buffer, i) != 0 || ev.size < 3)
            continue;
        status = ev.buffer[0] & 0xf0u;
        if (status == 0x90)
            synth_note_on(&d->synth, ev.buffer[1] & 0x7fu, ev.buffer[2] & 0x7fu);
        else if (status == 0x80)
            synth_note_off(&d->synth, ev.buffer[1] & 0x7fu);
        else if (status == 0xb0 && ev.buffer[1] == 123) /* all notes off */
            synth_all_off(&d->synth);
        else if (status == 0xb0 && ev.buffer[1] == 74) /* brightness */
            synth_set_brightness(&d->synth, (float)(ev.buffer[2] & 0x7fu) / 127.0f);
        else
            continue;
        counter_add(&d->midi_events, 1);
    }
}

/* --naughty: the mistake the guard exists to catch.  The volatile pointer
 * keeps the compiler from removing the malloc/free pair. */
static void misbehave(struct demo *d)
{
    if (d->naughty_countdown-- > 0)
        return;
    d->naughty_countdown = PROCESS_NAUGHTY_INTERVAL;
    counter_add(&d->naughty_mallocs, 1);
    {
        void *volatile p = malloc(256);
        free(p);
    }
}

static void record(struct demo *d, const float *left, const float *right, jack_nframes_t nframes)
{
    float *frames = rta_arena_alloc(d->frame_arena, 2u * nframes * sizeof *frames, 0);
    size_t pushed;
    jack_nframes_t i;

    if (frames == NULL) {
        counter_add(&d->scratch_failures, 1);
        counter_add(&d->frames_dropped, nframes);
        return;
    }
    for (i = 0; i < nframes; i++) {
        frames[2 * i] = left[i];
        frames[2 * i + 1] = right[i];
    }
    pushed = spsc_ring_push(&d->record, frames, nframes);
    counter_add(&d->frames_recorded, pushed);
    counter_add(&d->frames_dropped, nframes - pushed);
}

/* One-time set-up on the process thread, before its first RT section.
 * Not in a JACK thread-init callback: JACK 2 runs that in each of its
 * client threads, not only the process thread. */
static void first_cycle(struct demo *d)
{
    /* Claim this thread's rtalloc cache now, so the first note-on does not
     * (RT-safe anyway: a bounded number of compare-and-swaps). */
    if (rta_thread_attach(d->heap) != 0)
        counter_add(&d->no_cache, 1);
    /* The thread id lets the main thread read this thread's page-fault
     * counts in /proc: one system call, once. */
    atomic_store_explicit(&d->process_tid, (int)syscall(SYS_gettid), memory_order_release);
    d->first_cycle_done = 1;
}

static int on_process(jack_nframes_t nframes, void *arg)
{
    struct demo *d = arg;
    uint64_t start = now_ns(), allocs_before;
    float *out_left, *out_right, *mix_left, *mix_right;

    if (!d->first_cycle_done)
        first_cycle(d);
    rta_rt_enter();
    allocs_before = rta_rt_system_allocs();
    take_messages(d);
    take_midi(d, nframes);
    if (d->opts->naughty)
        misbehave(d);

    out_left = jack_port_get_buffer(d->out_left, nframes);
    out_right = jack_port_get_buffer(d->out_right, nframes);
    mix_left = rta_arena_alloc(d->frame_arena, nframes * sizeof *mix_left, 64);
    mix_right = rta_arena_alloc(d->frame_arena, nframes * sizeof *mix_right, 64);
    if (mix_left != NULL && mix_right != NULL) {
        memset(mix_left, 0, nframes * sizeof *mix_left);
        memset(mix_right, 0, nframes * sizeof *mix_right);
        synth_render(&d->synth, d->frame_arena, mix_left, mix_right, nframes);
        memcpy(out_left, mix_left, nframes * sizeof *out_left);
        memcpy(out_right, mix_right, nframes * sizeof *out_right);
        if (d->recording)
            record(d, mix_left, mix_right, nframes);
    } else {
        counter_add(&d->scratch_failures, 1);
        memset(out_left, 0, nframes * sizeof *out_left);
        memset(out_right, 0, nframes * sizeof *out_right);
    }

    rta_arena_reset(d->frame_arena);
    /* What the guard counted on this thread during this cycle. */
    counter_add(&d->system_allocs, rta_rt_system_allocs() - allocs_before);
    rta_rt_leave();

    counter_add(&d->cycles, 1);
    latency_record(d->latency, now_ns() - start);
    return 0;
}

static int on_xrun(void *arg)
{
    struct demo *d = arg;

    atomic_fetch_add_explicit(&d->xruns, 1, memory_order_relaxed);
    return 0;
}

static int on_buffer_size(jack_nframes_t nframes, void *arg)
{
    struct demo *d = arg;

    /* The scratch sizes follow nframes by themselves; the report compares
     * the last size with the period the run started with. */
    atomic_store_explicit(&d->last_period, nframes, memory_order_relaxed);
    return 0;
}

static void on_shutdown(void *arg)
{
    struct demo *d = arg;

    atomic_store_explicit(&d->server_gone, 1, memory_order_relaxed);
}

int process_install_callbacks(struct demo *d)
{
    if (jack_set_process_callback(d->client, on_process, d) != 0 ||
        jack_set_xrun_callback(d->client, on_xrun, d) != 0 ||
        jack_set_buffer_size_callback(d->client, on_buffer_size, d) != 0) {
        fputs("rtalloc-jack-demo: cannot register the JACK callbacks\n", stderr);
        return -1;
    }
    jack_on_shutdown(d->client, on_shutdown, d);
    return 0;
}
