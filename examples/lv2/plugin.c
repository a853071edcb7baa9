/* rtalloc-synth's LV2 entry points: instantiate (the heap), run (a
 * real-time section), cleanup (the heap goes).  See synth.h for the design.
 *
 * run() collects its events (MIDI in, then the demo sequence) into an
 * array in the frame arena, renders the voices between events into a mix
 * buffer in the arena, writes out = in + gain * mix, and resets the arena.
 * Nothing in it calls the system heap, takes a lock or makes a system
 * call; with the guard loaded, the plugin counts what it would have. */
#include "synth.h"

#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>

#define POOL_BYTES ((size_t)1 << 20) /* 16 voices and a few tables need far less */
#define ARENA_BYTES ((size_t)256 << 10)
#define MAX_BLOCK ((size_t)16 << 10) /* a wavetable is 8 KiB */
#define MAX_THREADS 8                /* host, audio, worker, and spares */
#define CHUNK 512                    /* frames rendered per arena mix buffer */

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle_path, const LV2_Feature *const *features)
{
    (void)descriptor;
    (void)bundle_path;
    struct synth *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rate = rate;
    for (unsigned i = 0; features && features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map)) {
            const LV2_URID_Map *map = features[i]->data;
            s->midi_event = map->map(map->handle, LV2_MIDI__MidiEvent);
        } else if (!strcmp(features[i]->URI, LV2_WORKER__schedule)) {
            s->schedule = features[i]->data;
        }
    }
    const char *naughty = getenv("RTALLOC_LV2_NAUGHTY");
    s->naughty = naughty && *naughty == '1';

    /* All the memory run() will ever use is reserved and touched here. */
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = POOL_BYTES;
    cfg.arena_bytes = ARENA_BYTES;
    cfg.max_block = MAX_BLOCK;
    cfg.max_threads = MAX_THREADS;
    if (rta_heap_create(&s->heap, &cfg) != 0) {
        free(s);
        return NULL;
    }
    s->arena = rta_heap_arena(s->heap);
    s->table = wavetable_build(s->heap, 0);
    if (!s->table) {
        rta_heap_destroy(s->heap);
        free(s);
        return NULL;
    }
    return s;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
    struct synth *s = h;
    switch (port) {
    case PORT_MIDI_IN:
        s->midi_in = data;
        break;
    case PORT_AUDIO_IN:
        s->audio_in = data;
        break;
    case PORT_AUDIO_OUT:
        s->audio_out = data;
        break;
    case PORT_GAIN:
        s->gain = data;
        break;
    case PORT_DEMO:
        s->demo = data;
        break;
    default:
        if (port < N_PORTS)
            s->out_port[port] = data;
        break;
    }
}

static void activate(LV2_Handle h)
{
    struct synth *s = h;
    s->frame = 0;
}

static void apply_event(struct synth *s, const struct note_event *e)
{
    switch (e->status & 0xF0) {
    case LV2_MIDI_MSG_NOTE_ON:
        if (e->data2 > 0)
            voices_note_on(s, e->data1, e->data2);
        else /* a note-on of velocity 0 is a note-off */
            voices_note_off(s, e->data1);
        break;
    case LV2_MIDI_MSG_NOTE_OFF:
        voices_note_off(s, e->data1);
        break;
    case LV2_MIDI_MSG_PGM_CHANGE:
        s->wanted_program = e->data1 % N_PROGRAMS;
        break;
    default:
        break;
    }
}

/* The run's events, MIDI in before the demo sequence at equal frames, in
 * one array from the frame arena.  *count is 0 when the arena is full. */
static struct note_event *collect_events(struct synth *s, uint32_t n, uint32_t *count)
{
    uint32_t cap = 0, midi = 0;
    int use_midi = s->midi_in && s->midi_event;
    if (use_midi) {
        LV2_ATOM_SEQUENCE_FOREACH(s->midi_in, ev)
        {
            cap++;
        }
    }
    int demo = s->demo && *s->demo > 0.5f;
    uint32_t demo_cap = demo ? demo_events_max(n, s->rate) : 0;
    cap += demo_cap;
    *count = 0;
    if (cap == 0)
        return NULL;
    struct note_event *all = rta_arena_alloc(s->arena, (size_t)cap * sizeof *all, 0);
    if (!all) {
        s->c.pool_failures++;
        return NULL;
    }
    if (use_midi) {
        LV2_ATOM_SEQUENCE_FOREACH(s->midi_in, ev)
        {
            const uint8_t *msg = (const uint8_t *)(ev + 1);
            if (ev->body.type != s->midi_event || ev->body.size == 0 || ev->time.frames < 0 ||
                ev->time.frames >= (int64_t)n)
                continue;
            all[midi].frame = (uint32_t)ev->time.frames;
            all[midi].status = msg[0];
            all[midi].data1 = ev->body.size > 1 ? msg[1] & 0x7F : 0;
            all[midi].data2 = ev->body.size > 2 ? msg[2] & 0x7F : 0;
            midi++;
        }
    }
    uint32_t nd = demo ? demo_events(s->frame, n, s->rate, all + midi, demo_cap) : 0;
    if (midi && nd) {
        /* Merge the two sorted runs through a scratch copy of the first. */
        struct note_event *m = rta_arena_alloc(s->arena, (size_t)midi * sizeof *m, 0);
        if (!m) {
            s->c.pool_failures++;
            return NULL;
        }
        memcpy(m, all, (size_t)midi * sizeof *m);
        const struct note_event *d = all + midi;
        uint32_t i = 0, j = 0, k = 0;
        while (i < midi || j < nd)
            all[k++] = (j == nd || (i < midi && m[i].frame <= d[j].frame)) ? m[i++] : d[j++];
    }
    *count = midi + nd;
    return all;
}

static void render(struct synth *s, uint32_t n)
{
    uint32_t n_events;
    const struct note_event *ev = collect_events(s, n, &n_events);
    uint32_t next = 0;
    float gain = s->gain ? *s->gain : 0.5f;
    for (uint32_t start = 0; start < n; start += CHUNK) {
        uint32_t len = n - start < CHUNK ? n - start : CHUNK;
        size_t mark = rta_arena_mark(s->arena);
        float *mix = rta_arena_alloc(s->arena, len * sizeof *mix, 64);
        if (!mix) {
            /* The arena is too small for this block: the input goes
             * through unchanged rather than leave the output unwritten. */
            s->c.pool_failures++;
            for (uint32_t i = start; i < n; i++)
                s->audio_out[i] = s->audio_in ? s->audio_in[i] : 0.0f;
            return;
        }
        memset(mix, 0, len * sizeof *mix);
        uint32_t pos = 0;
        while (pos < len) {
            while (next < n_events && ev[next].frame <= start + pos)
                apply_event(s, &ev[next++]);
            uint32_t end = len;
            if (next < n_events && ev[next].frame - start < end)
                end = ev[next].frame - start;
            voices_render(s, mix + pos, end - pos);
            pos = end;
        }
        for (uint32_t i = 0; i < len; i++) {
            float in = s->audio_in ? s->audio_in[start + i] : 0.0f;
            s->audio_out[start + i] = in + gain * mix[i];
        }
        rta_arena_rewind(s->arena, mark);
    }
}

static void publish(struct synth *s)
{
    const uint64_t value[N_PORTS] = {
        [PORT_NOTES] = s->c.notes,
        [PORT_VOICE_ALLOCS] = s->c.voice_allocs,
        [PORT_VOICE_FREES] = s->c.voice_frees,
        [PORT_TABLES] = s->c.tables,
        [PORT_RT_SYSTEM_CALLS] = s->c.rt_system_calls,
    };
    for (unsigned p = PORT_NOTES; p < N_PORTS; p++)
        if (s->out_port[p])
            *s->out_port[p] = (float)value[p];
}

/* A deliberate system-heap call for the tests (RTALLOC_LV2_NAUGHTY=1):
 * volatile, so the compiler cannot drop the pair; not inlined, so the
 * guard's report names it. */
static __attribute__((noinline)) void naughty_alloc(struct synth *s)
{
    void *volatile p = malloc(64);
    free(p);
    s->c.naughty_calls += 2;
}

static void run(LV2_Handle h, uint32_t n)
{
    struct synth *s = h;
    uint64_t before = rta_rt_system_allocs();
    rta_rt_enter();
    if (s->naughty)
        naughty_alloc(s);
    synth_request_table(s);
    if (s->audio_out)
        render(s, n);
    rta_arena_reset(s->arena);
    s->c.arena_resets++;
    rta_rt_leave();
    s->c.rt_system_calls += rta_rt_system_allocs() - before;
    s->c.runs++;
    s->frame += n;
    publish(s);
}

static void deactivate(LV2_Handle h)
{
    voices_free_all(h);
}

static void cleanup(LV2_Handle h)
{
    struct synth *s = h;
    voices_free_all(s);
    rta_free(s->heap, s->table);
    s->table = NULL;
    synth_write_stats(s);
    rta_heap_destroy(s->heap);
    free(s);
}

static const void *extension_data(const char *uri)
{
    if (!strcmp(uri, LV2_WORKER__interface))
        return &synth_worker;
    return NULL;
}

static const LV2_Descriptor descriptor = {
    SYNTH_URI, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
