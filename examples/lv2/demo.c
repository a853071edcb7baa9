/* The built-in sequence (input port "demo" on): a bar of eight steps,
 * eight steps a second, each note held half a step.  Step 0 is A4 alone,
 * a pure sine under program 0: the tests measure its period.  Each bar
 * after the first starts with a program change (bar mod 4), which sends
 * the worker to build a table.  Events depend only on the frame counted
 * from activate(), so a render is the same however the host splits it
 * into runs. */
#include "synth.h"

#include <lv2/midi/midi.h>

#define STEPS_PER_SECOND 8
#define STEPS_PER_BAR 8
#define CHORD 3

/* Notes of each step of the bar; 0 ends a step's list. */
static const uint8_t pattern[STEPS_PER_BAR][CHORD] = {
    {69, 0, 0}, {0, 0, 0}, {60, 64, 67}, {0, 0, 0}, {57, 0, 0}, {62, 65, 69}, {76, 0, 0}, {0, 0, 0},
};

static uint64_t step_frames(double rate)
{
    uint64_t f = (uint64_t)(rate / STEPS_PER_SECOND);
    return f < 2 ? 2 : f;
}

/* At most one program change, CHORD note-ons and CHORD note-offs per step. */
uint32_t demo_events_max(uint32_t n, double rate)
{
    return (uint32_t)((n / step_frames(rate) + 2) * (1 + 2 * CHORD));
}

static uint32_t add(struct note_event *out, uint32_t k, uint32_t cap, uint32_t frame,
                    uint8_t status, uint8_t d1, uint8_t d2)
{
    if (k < cap)
        out[k] = (struct note_event){frame, status, d1, d2};
    return k + 1;
}

uint32_t demo_events(uint64_t from, uint32_t n, double rate, struct note_event *out, uint32_t cap)
{
    uint64_t step = step_frames(rate), half = step / 2, to = from + n;
    uint32_t k = 0;
    for (uint64_t i = from / step; i * step < to; i++) {
        const uint8_t *notes = pattern[i % STEPS_PER_BAR];
        uint64_t on = i * step, off = on + half;
        if (on >= from) {
            uint32_t at = (uint32_t)(on - from);
            if (i % STEPS_PER_BAR == 0 && i > 0)
                k = add(out, k, cap, at, LV2_MIDI_MSG_PGM_CHANGE,
                        (uint8_t)(i / STEPS_PER_BAR % N_PROGRAMS), 0);
            for (unsigned c = 0; c < CHORD && notes[c]; c++)
                k = add(out, k, cap, at, LV2_MIDI_MSG_NOTE_ON, notes[c], 100);
        }
        if (off >= from && off < to)
            for (unsigned c = 0; c < CHORD && notes[c]; c++)
                k = add(out, k, cap, (uint32_t)(off - from), LV2_MIDI_MSG_NOTE_OFF, notes[c], 0);
    }
    return k < cap ? k : cap;
}
