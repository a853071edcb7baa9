/* Wavetables: one period of a program's waveform in a pool block.  Built
 * by the worker thread (sin() for every partial of every sample: work that
 * has no place in run()); read by the audio thread; freed by whichever
 * thread replaces or drops it: rta_free accepts a block from any thread. */
#include "synth.h"

#include <math.h>

struct wavetable {
    unsigned program;
    float data[WAVETABLE_SIZE + 1]; /* one extra sample: no wrap in reads */
};

/* Partials of each program: amplitude of harmonic k is 1/k when it is in
 * the program's set.  0 is a pure sine (the tests count its period). */
static int has_partial(unsigned program, unsigned k)
{
    switch (program) {
    case 0:
        return k == 1;
    case 1:
        return k <= 3;
    case 2:
        return k % 2 == 1 && k <= 9;
    default:
        return k <= 12;
    }
}

struct wavetable *wavetable_build(rta_heap *heap, unsigned program)
{
    struct wavetable *t = rta_malloc(heap, sizeof *t);
    if (!t)
        return NULL;
    t->program = program % N_PROGRAMS;
    float peak = 0.0f;
    for (unsigned i = 0; i < WAVETABLE_SIZE; i++) {
        double x = 2.0 * M_PI * i / WAVETABLE_SIZE, y = 0.0;
        for (unsigned k = 1; k <= 12; k++)
            if (has_partial(t->program, k))
                y += sin(k * x) / k;
        t->data[i] = (float)y;
        if (fabsf(t->data[i]) > peak)
            peak = fabsf(t->data[i]);
    }
    for (unsigned i = 0; i < WAVETABLE_SIZE; i++)
        t->data[i] /= peak;
    t->data[WAVETABLE_SIZE] = t->data[0];
    return t;
}

unsigned wavetable_program(const struct wavetable *t)
{
    return t->program;
}

float wavetable_read(const struct wavetable *t, float phase)
{
    unsigned i = (unsigned)phase;
    float frac = phase - (float)i;
    return t->data[i] + frac * (t->data[i + 1] - t->data[i]);
}

float wavetable_step(double freq, double rate)
{
    /* Above half the rate a note would alias: it sounds at the limit. */
    if (freq > rate / 2)
        freq = rate / 2;
    return (float)(freq * WAVETABLE_SIZE / rate);
}
