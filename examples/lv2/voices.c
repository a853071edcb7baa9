/* Voices: one pool block each, taken at note-on and given back when the
 * release ends, all on the audio thread (rta_malloc/rta_free on the
 * owner's cache: a constant number of steps, no lock, no system call).
 * At most MAX_VOICES sound at once: a note-on beyond that frees the oldest
 * voice first, so every list walk here is bounded by MAX_VOICES. */
#include "synth.h"

#include <math.h>

#define ATTACK_SECONDS 0.005
#define RELEASE_SECONDS 0.020
#define VOICE_LEVEL 0.2f

struct voice {
    struct voice *next;
    uint8_t note;
    int releasing;
    float phase, step;   /* wavetable index and its increment per frame */
    float env, env_step; /* envelope and its change per frame */
    float velocity;
};

static void voice_free(struct synth *s, struct voice **link)
{
    struct voice *v = *link;
    *link = v->next;
    rta_free(s->heap, v);
    s->n_voices--;
    s->c.voice_frees++;
}

void voices_note_on(struct synth *s, uint8_t note, uint8_t velocity)
{
    if (s->n_voices == MAX_VOICES) {
        struct voice **oldest = &s->voices;
        while ((*oldest)->next)
            oldest = &(*oldest)->next;
        voice_free(s, oldest);
        s->c.voice_steals++;
    }
    struct voice *v = rta_malloc(s->heap, sizeof *v);
    if (!v) {
        s->c.pool_failures++;
        return;
    }
    s->c.voice_allocs++;
    double freq = 440.0 * pow(2.0, (note - 69) / 12.0);
    v->note = note;
    v->releasing = 0;
    v->phase = 0.0f;
    v->step = wavetable_step(freq, s->rate);
    v->env = 0.0f;
    v->env_step = (float)(1.0 / (ATTACK_SECONDS * s->rate));
    v->velocity = velocity / 127.0f;
    v->next = s->voices;
    s->voices = v;
    s->n_voices++;
    s->c.notes++;
}

void voices_note_off(struct synth *s, uint8_t note)
{
    for (struct voice *v = s->voices; v; v = v->next)
        if (v->note == note && !v->releasing) {
            v->releasing = 1;
            v->env_step = -(float)(1.0 / (RELEASE_SECONDS * s->rate));
        }
}

void voices_render(struct synth *s, float *mix, uint32_t n)
{
    const struct wavetable *t = s->table;
    struct voice **link = &s->voices;
    while (*link) {
        struct voice *v = *link;
        uint32_t i = 0;
        for (; i < n; i++) {
            v->env += v->env_step;
            if (v->env >= 1.0f && !v->releasing) {
                v->env = 1.0f;
                v->env_step = 0.0f;
            } else if (v->env <= 0.0f && v->releasing) {
                break;
            }
            mix[i] += VOICE_LEVEL * v->velocity * v->env * wavetable_read(t, v->phase);
            v->phase += v->step;
            if (v->phase >= (float)WAVETABLE_SIZE)
                v->phase -= (float)WAVETABLE_SIZE;
        }
        if (i < n)
            voice_free(s, link); /* the release ended: the block goes back */
        else
            link = &v->next;
    }
}

void voices_free_all(struct synth *s)
{
    while (s->voices)
        voice_free(s, &s->voices);
}
