/* The control thread (not real-time): a sequencer.
 *
 * It plays a four-chord loop (a held pad chord per bar and a sixteenth-
 * note arpeggio over it) and sweeps the brightness every 20 ms.  Each
 * event is a struct note_msg allocated with rta_malloc from this thread's
 * cache and handed to the callback through the SPSC event ring; the
 * callback frees it, so every message is a cross-thread free.  When the
 * ring is full the message is freed here and counted as dropped.
 *
 * While the MIDI input is connected the sequence pauses (the callback
 * plays the MIDI notes itself, see process.c) and resumes afterwards. */
#include "control.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "demo.h"
#include "messages.h"

#define STEP_NS 113636364u      /* a sixteenth note at 132 beats per minute */
#define BRIGHTNESS_NS 20000000u /* a brightness message every 20 ms */
#define STEPS_PER_BAR 16u

/* Am, F, C, G: pad chords (three notes) and the arpeggio over them. */
static const unsigned char pad_chords[4][3] = {
    {57, 60, 64}, {53, 57, 60}, {55, 60, 64}, {55, 59, 62}};
static const unsigned char arpeggio[4][4] = {
    {69, 72, 76, 81}, {65, 69, 72, 77}, {67, 72, 76, 79}, {67, 71, 74, 79}};

static void send_message(struct demo *d, unsigned kind, unsigned note, unsigned velocity,
                         float value)
{
    struct note_msg *m = rta_malloc(d->heap, sizeof *m);

    if (m == NULL) {
        atomic_fetch_add_explicit(&d->message_alloc_failures, 1, memory_order_relaxed);
        return;
    }
    m->kind = (uint8_t)kind;
    m->note = (uint8_t)note;
    m->velocity = (uint8_t)velocity;
    m->value = value;
    if (spsc_ring_push(&d->events, &m, 1) == 1) {
        atomic_fetch_add_explicit(&d->messages_sent, 1, memory_order_relaxed);
    } else {
        rta_free(d->heap, m);
        atomic_fetch_add_explicit(&d->messages_dropped, 1, memory_order_relaxed);
    }
}

/* The events of one sixteenth step of the loop. */
static void play_step(struct demo *d, uint64_t step)
{
    unsigned bar = (unsigned)(step / STEPS_PER_BAR) % 4u;
    unsigned in_bar = (unsigned)(step % STEPS_PER_BAR);
    unsigned prev_bar = (bar + 3u) % 4u, i;
    const unsigned char *arp = arpeggio[bar];
    unsigned prev_in_bar = (in_bar + STEPS_PER_BAR - 1u) % STEPS_PER_BAR;

    if (step > 0) /* end the previous arpeggio note */
        send_message(d, MSG_NOTE_OFF,
                     in_bar == 0 ? arpeggio[prev_bar][prev_in_bar % 4u] : arp[prev_in_bar % 4u], 0,
                     0.0f);
    if (in_bar == 0) {
        for (i = 0; i < 3 && step > 0; i++)
            send_message(d, MSG_NOTE_OFF, pad_chords[prev_bar][i], 0, 0.0f);
        for (i = 0; i < 3; i++)
            send_message(d, MSG_NOTE_ON, pad_chords[bar][i], 70, 0.0f);
    }
    send_message(d, MSG_NOTE_ON, arp[in_bar % 4u], in_bar % 4u == 0 ? 110 : 85, 0.0f);
}

static uint64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
    struct timespec ts;

    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void *control_main(void *arg)
{
    struct control *c = arg;
    struct demo *d = c->demo;
    uint64_t start = monotonic_ns(), step = 0, tick = 0;
    uint64_t next_step = start, next_tick = start;
    int paused = 0;

    if (rta_thread_attach(d->heap) != 0)
        fputs("rtalloc-jack-demo: control thread got no rtalloc cache; its "
              "messages will be refused\n",
              stderr);

    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        uint64_t now = monotonic_ns();
        int midi = jack_port_connected(d->midi_in) > 0;

        atomic_store_explicit(&d->midi_connected, midi, memory_order_relaxed);
        if (midi && !paused) {
            send_message(d, MSG_ALL_OFF, 0, 0, 0.0f);
            paused = 1;
        } else if (!midi && paused) {
            paused = 0;
            step = 0;
            next_step = next_tick = now;
        }
        if (!paused && now >= next_step) {
            play_step(d, step++);
            next_step += STEP_NS;
        }
        if (!paused && now >= next_tick) {
            /* A slow sweep of the upper harmonics, one period every 8 s. */
            double phase = (double)(tick++) * BRIGHTNESS_NS / 8e9;
            send_message(d, MSG_BRIGHTNESS, 0, 0, (float)(0.5 - 0.4 * cos(6.283185307 * phase)));
            next_tick += BRIGHTNESS_NS;
        }
        if (paused) {
            sleep_until(now + BRIGHTNESS_NS); /* poll the MIDI connection */
        } else if (now - next_step < 1000000000u || now < next_step) {
            sleep_until(next_step < next_tick ? next_step : next_tick);
        } else {
            /* More than a second late (the machine stalled): skip ahead
             * rather than fire a burst of stale notes. */
            next_step = next_tick = now;
        }
    }
    send_message(d, MSG_ALL_OFF, 0, 0, 0.0f);
    rta_thread_detach(d->heap);
    return NULL;
}

int control_start(struct control *c, struct demo *d)
{
    int err;

    c->demo = d;
    atomic_init(&c->stop, 0);
    err = pthread_create(&c->thread, NULL, control_main, c);
    if (err != 0) {
        fprintf(stderr, "rtalloc-jack-demo: cannot start the control thread: %s\n", strerror(err));
        return -1;
    }
    c->started = 1;
    return 0;
}

void control_stop(struct control *c)
{
    if (!c->started)
        return;
    atomic_store_explicit(&c->stop, 1, memory_order_relaxed);
    pthread_join(c->thread, NULL);
    c->started = 0;
}
