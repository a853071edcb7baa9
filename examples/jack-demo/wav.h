/* A minimal WAV (RIFF) writer: 32-bit float or 16-bit PCM, interleaved.
 *
 * The header is written by hand, so recording needs no library.  Not
 * real-time: the main thread drains the record ring into it. */
#ifndef JACK_DEMO_WAV_H
#define JACK_DEMO_WAV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"

struct wav_writer {
    FILE *file;
    enum record_format format;
    unsigned channels;
    unsigned sample_rate;
    uint64_t frames;        /* written so far */
    uint64_t frames_capped; /* not written: the 4 GiB RIFF limit */
};

/* Creates path with a provisional header.  0, or -1 with a message. */
int wav_open(struct wav_writer *w, const char *path, enum record_format format,
             unsigned sample_rate, unsigned channels);
/* Appends frames of `channels` interleaved floats (16-bit: converted with
 * clipping).  0, or -1 with a message. */
int wav_write(struct wav_writer *w, const float *samples, size_t frames);
/* Writes the final sizes into the header and closes.  0, or -1. */
int wav_close(struct wav_writer *w);

#endif
