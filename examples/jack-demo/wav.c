/* WAV writer (see wav.h).
 *
 * Layout: "RIFF" size "WAVE", a "fmt " chunk, for float data a "fact"
 * chunk (required by the spec for non-PCM formats), then "data".  The
 * sizes are unknown until the end, so wav_open writes zeros and wav_close
 * seeks back and writes them.  Every multi-byte field is stored little-
 * endian byte by byte, whatever the host. */
#include "wav.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define WAVE_FORMAT_PCM 1u
#define WAVE_FORMAT_IEEE_FLOAT 3u
#define RIFF_LIMIT 0xffffffffu

static unsigned char *put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xffu);
    p[1] = (unsigned char)((v >> 8) & 0xffu);
    return p + 2;
}

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xffu);
    p[1] = (unsigned char)((v >> 8) & 0xffu);
    p[2] = (unsigned char)((v >> 16) & 0xffu);
    p[3] = (unsigned char)((v >> 24) & 0xffu);
    return p + 4;
}

static unsigned char *put_tag(unsigned char *p, const char *tag)
{
    memcpy(p, tag, 4);
    return p + 4;
}

static unsigned bytes_per_sample(const struct wav_writer *w)
{
    return w->format == RECORD_PCM16 ? 2u : 4u;
}

/* Fills buf with the header for the frames written so far; returns its
 * length (44 bytes for PCM, 58 for float). */
static size_t build_header(const struct wav_writer *w, unsigned char *buf)
{
    int is_float = w->format == RECORD_FLOAT32;
    unsigned block_align = w->channels * bytes_per_sample(w);
    uint32_t data_bytes = (uint32_t)(w->frames * block_align);
    uint32_t fmt_bytes = is_float ? 18u : 16u;
    uint32_t fact_bytes = is_float ? 12u : 0u; /* tag, size, sample frames */
    unsigned char *p = buf;

    p = put_tag(p, "RIFF");
    p = put_u32(p, 4u + (8u + fmt_bytes) + fact_bytes + 8u + data_bytes);
    p = put_tag(p, "WAVE");
    p = put_tag(p, "fmt ");
    p = put_u32(p, fmt_bytes);
    p = put_u16(p, is_float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM);
    p = put_u16(p, w->channels);
    p = put_u32(p, w->sample_rate);
    p = put_u32(p, w->sample_rate * block_align); /* bytes per second */
    p = put_u16(p, block_align);
    p = put_u16(p, 8u * bytes_per_sample(w));
    if (is_float) {
        p = put_u16(p, 0); /* cbSize: no extension */
        p = put_tag(p, "fact");
        p = put_u32(p, 4);
        p = put_u32(p, (uint32_t)w->frames);
    }
    p = put_tag(p, "data");
    p = put_u32(p, data_bytes);
    return (size_t)(p - buf);
}

int wav_open(struct wav_writer *w, const char *path, enum record_format format,
             unsigned sample_rate, unsigned channels)
{
    unsigned char header[64];
    size_t len;

    memset(w, 0, sizeof *w);
    w->format = format;
    w->channels = channels;
    w->sample_rate = sample_rate;
    w->file = fopen(path, "wb");
    if (w->file == NULL) {
        fprintf(stderr, "rtalloc-jack-demo: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    len = build_header(w, header);
    if (fwrite(header, 1, len, w->file) != len) {
        fprintf(stderr, "rtalloc-jack-demo: cannot write '%s': %s\n", path, strerror(errno));
        fclose(w->file);
        w->file = NULL;
        return -1;
    }
    return 0;
}

int wav_write(struct wav_writer *w, const float *samples, size_t frames)
{
    size_t block = (size_t)w->channels * bytes_per_sample(w);
    size_t room = (RIFF_LIMIT - 64u) / block - (size_t)w->frames;

    if (frames > room) {
        w->frames_capped += frames - room;
        frames = room;
    }
    {
        unsigned char chunk[4096];
        size_t n = frames * w->channels, i, used = 0;

        for (i = 0; i < n; i++) {
            if (w->format == RECORD_FLOAT32) {
                uint32_t bits;
                memcpy(&bits, &samples[i], sizeof bits);
                put_u32(chunk + used, bits);
                used += 4;
            } else {
                float x = samples[i] * 32767.0f;
                long v = lrintf(x > 32767.0f ? 32767.0f : x < -32768.0f ? -32768.0f : x);
                put_u16(chunk + used, (unsigned)v & 0xffffu);
                used += 2;
            }
            if (used == sizeof chunk || i + 1 == n) {
                if (fwrite(chunk, 1, used, w->file) != used)
                    goto fail;
                used = 0;
            }
        }
    }
    w->frames += frames;
    return 0;
fail:
    fprintf(stderr, "rtalloc-jack-demo: writing the recording failed: %s\n", strerror(errno));
    return -1;
}

int wav_close(struct wav_writer *w)
{
    unsigned char header[64];
    size_t len = build_header(w, header);
    int rc = 0;

    if (w->file == NULL)
        return -1;
    if (fseek(w->file, 0, SEEK_SET) != 0 || fwrite(header, 1, len, w->file) != len)
        rc = -1;
    if (fclose(w->file) != 0)
        rc = -1;
    w->file = NULL;
    if (rc != 0)
        fprintf(stderr, "rtalloc-jack-demo: finishing the recording failed: %s\n", strerror(errno));
    return rc;
}
