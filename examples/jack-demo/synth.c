/* The demo's synthesizer: wavetable voices with three harmonics and an
 * attack/decay/sustain/release envelope.
 *
 * The point is the memory pattern, not the sound: each voice is an object
 * from the rtalloc pools (allocated on note-on in the callback, freed by
 * the callback once its release has faded), and each render takes its
 * snapshot of active voices from the frame arena, which the callback resets
 * at the end of the cycle.  All per-sample work is bounded by
 * SYNTH_MAX_VOICES x nframes; nothing here can block or call the system. */
#include "synth.h"

#include <math.h>
#include <stddef.h>

#define TWO_PI 6.283185307179586
#define TABLE_BITS 11
#define TABLE_SIZE (1u << TABLE_BITS)
#define FRAC_BITS (32 - TABLE_BITS)

#define ATTACK_SECONDS 0.004f
#define DECAY_SECONDS 0.25f
#define SUSTAIN_LEVEL 0.55f
#define RELEASE_SECONDS 0.12f
#define SILENT_LEVEL 0.0001f
#define VOICE_GAIN 0.16f

enum envelope_stage { STAGE_ATTACK, STAGE_DECAY, STAGE_SUSTAIN, STAGE_RELEASE, STAGE_DONE };

struct voice {
    struct voice *next;
    uint32_t phase; /* wraps: one table cycle per 2^32 */
    uint32_t phase_step;
    float env;
    float gain_left, gain_right;
    uint8_t note;
    uint8_t stage; /* enum envelope_stage */
};

/* One sine cycle plus a guard point for interpolation; filled once. */
static float sine_table[TABLE_SIZE + 1];

static float attack_step, decay_step, release_factor;

void synth_init(struct synth *s, rta_heap *heap, float sample_rate)
{
    unsigned i;

    for (i = 0; i <= TABLE_SIZE; i++)
        sine_table[i] = (float)sin(TWO_PI * (double)i / TABLE_SIZE);
    attack_step = 1.0f / (ATTACK_SECONDS * sample_rate);
    decay_step = (1.0f - SUSTAIN_LEVEL) / (DECAY_SECONDS * sample_rate);
    /* Exponential release: -80 dB after RELEASE_SECONDS. */
    release_factor = expf(logf(SILENT_LEVEL) / (RELEASE_SECONDS * sample_rate));

    s->heap = heap;
    s->voices = NULL;
    s->active = 0;
    s->sample_rate = sample_rate;
    s->brightness = 0.5f;
    s->voices_started = s->voices_freed = 0;
    s->voice_alloc_failures = s->voices_refused = s->scratch_failures = 0;
}

static float table_lookup(uint32_t phase)
{
    uint32_t index = phase >> FRAC_BITS;
    float frac = (float)(phase & ((1u << FRAC_BITS) - 1)) * (1.0f / (float)(1u << FRAC_BITS));
    return sine_table[index] + frac * (sine_table[index + 1] - sine_table[index]);
}

void synth_note_on(struct synth *s, unsigned note, unsigned velocity)
{
    struct voice *v;
    float freq, pan;

    if (note > 127)
        return;
    if (velocity == 0) {
        synth_note_off(s, note);
        return;
    }
    if (s->active >= SYNTH_MAX_VOICES) {
        s->voices_refused++;
        return;
    }
    v = rta_malloc(s->heap, sizeof *v);
    if (v == NULL) {
        s->voice_alloc_failures++;
        return;
    }
    freq = 440.0f * exp2f(((float)note - 69.0f) / 12.0f);
    v->phase = 0;
    v->phase_step = (uint32_t)(freq / s->sample_rate * 4294967296.0f);
    v->env = 0.0f;
    /* Low notes left, high notes right; equal-power pan. */
    pan = ((float)note - 36.0f) / 60.0f;
    pan = pan < 0.15f ? 0.15f : pan > 0.85f ? 0.85f : pan;
    v->gain_left = sqrtf(1.0f - pan) * VOICE_GAIN * (float)velocity / 127.0f;
    v->gain_right = sqrtf(pan) * VOICE_GAIN * (float)velocity / 127.0f;
    v->note = (uint8_t)note;
    v->stage = STAGE_ATTACK;
    v->next = s->voices;
    s->voices = v;
    s->active++;
    s->voices_started++;
}

void synth_note_off(struct synth *s, unsigned note)
{
    struct voice *v;

    for (v = s->voices; v != NULL; v = v->next)
        if (v->note == note && v->stage != STAGE_DONE)
            v->stage = STAGE_RELEASE;
}

void synth_all_off(struct synth *s)
{
    struct voice *v;

    for (v = s->voices; v != NULL; v = v->next)
        if (v->stage != STAGE_DONE)
            v->stage = STAGE_RELEASE;
}

void synth_set_brightness(struct synth *s, float brightness)
{
    s->brightness = brightness < 0.0f ? 0.0f : brightness > 1.0f ? 1.0f : brightness;
}

static float next_envelope(struct voice *v)
{
    switch (v->stage) {
    case STAGE_ATTACK:
        v->env += attack_step;
        if (v->env >= 1.0f) {
            v->env = 1.0f;
            v->stage = STAGE_DECAY;
        }
        break;
    case STAGE_DECAY:
        v->env -= decay_step;
        if (v->env <= SUSTAIN_LEVEL) {
            v->env = SUSTAIN_LEVEL;
            v->stage = STAGE_SUSTAIN;
        }
        break;
    case STAGE_RELEASE:
        v->env *= release_factor;
        if (v->env < SILENT_LEVEL) {
            v->env = 0.0f;
            v->stage = STAGE_DONE;
        }
        break;
    default:
        break;
    }
    return v->env;
}

static void render_voice(const struct synth *s, struct voice *v, float *left, float *right,
                         unsigned nframes)
{
    float second = 0.5f * s->brightness, third = 0.25f * s->brightness;
    unsigned i;

    for (i = 0; i < nframes && v->stage != STAGE_DONE; i++) {
        float sample = table_lookup(v->phase) + second * table_lookup(v->phase * 2u) +
                       third * table_lookup(v->phase * 3u);
        sample *= next_envelope(v);
        left[i] += sample * v->gain_left;
        right[i] += sample * v->gain_right;
        v->phase += v->phase_step;
    }
}

void synth_render(struct synth *s, rta_arena *scratch, float *left, float *right, unsigned nframes)
{
    struct voice **list, *v, **link;
    unsigned n = 0, i;

    if (s->active == 0)
        return;
    /* This cycle's snapshot of the active voices, dropped by the arena
     * reset at the end of the cycle: lets the loop below free voices
     * while it walks them. */
    list = rta_arena_alloc(scratch, s->active * sizeof *list, _Alignof(struct voice *));
    if (list == NULL) {
        s->scratch_failures++;
        return;
    }
    for (v = s->voices; v != NULL && n < s->active; v = v->next)
        list[n++] = v;

    link = &s->voices;
    for (i = 0; i < n; i++) {
        v = list[i];
        render_voice(s, v, left, right, nframes);
        if (v->stage == STAGE_DONE) {
            rta_free(s->heap, v);
            s->active--;
            s->voices_freed++;
        } else {
            *link = v;
            link = &v->next;
        }
    }
    *link = NULL;
}

void synth_free_all(struct synth *s)
{
    struct voice *v = s->voices, *next;

    while (v != NULL) {
        next = v->next;
        rta_free(s->heap, v);
        s->voices_freed++;
        v = next;
    }
    s->voices = NULL;
    s->active = 0;
}
