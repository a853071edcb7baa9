/* lv2_wav: the WAV files of the LV2 tests (mono, 32-bit float).
 *
 *   lv2_wav silence FILE FRAMES RATE   writes FRAMES zero samples
 *   lv2_wav analyze FILE [FROM TO]     prints, one "key: value" a line:
 *       frames, rate, hash (FNV-1a of every sample's bits: equal hashes,
 *       equal renders), and for frames [FROM, TO) (default: all): peak,
 *       nonzero (samples not exactly 0), crossings (sign changes)
 *
 * Chunks are walked by their sizes, so the PEAK chunk libsndfile writes
 * (it holds a time stamp) never reaches the hash. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24};
    fwrite(b, 1, 4, f);
}

static void put16(FILE *f, uint16_t v)
{
    unsigned char b[2] = {v & 0xFF, v >> 8};
    fwrite(b, 1, 2, f);
}

static uint32_t get32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int write_silence(const char *path, uint32_t frames, uint32_t rate)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    fwrite("RIFF", 1, 4, f);
    put32(f, 36 + frames * 4);
    fwrite("WAVEfmt ", 1, 8, f);
    put32(f, 16);
    put16(f, 3); /* IEEE float */
    put16(f, 1);
    put32(f, rate);
    put32(f, rate * 4);
    put16(f, 4);
    put16(f, 32);
    fwrite("data", 1, 4, f);
    put32(f, frames * 4);
    float zero = 0.0f;
    for (uint32_t i = 0; i < frames; i++)
        fwrite(&zero, sizeof zero, 1, f);
    return fclose(f) == 0 ? 0 : 1;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static int analyze(const char *path, long from, long to)
{
    size_t len;
    unsigned char *buf = slurp(path, &len);
    if (!buf)
        return 1;
    if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
        fprintf(stderr, "%s: not a WAV file\n", path);
        return 1;
    }
    uint32_t rate = 0, format = 0, channels = 0, bits = 0;
    const unsigned char *data = NULL;
    size_t data_len = 0;
    for (size_t at = 12; at + 8 <= len;) {
        uint32_t size = get32(buf + at + 4);
        const unsigned char *body = buf + at + 8;
        if (size > len - at - 8)
            size = (uint32_t)(len - at - 8);
        if (!memcmp(buf + at, "fmt ", 4) && size >= 16) {
            format = body[0] | body[1] << 8;
            channels = body[2] | body[3] << 8;
            rate = get32(body + 4);
            bits = body[14] | body[15] << 8;
        } else if (!memcmp(buf + at, "data", 4)) {
            data = body;
            data_len = size;
        }
        at += 8 + size + (size & 1);
    }
    if (format != 3 || channels != 1 || bits != 32 || !data) {
        fprintf(stderr, "%s: want mono 32-bit float, got format %u, %u channels, %u bits\n", path,
                format, channels, bits);
        return 1;
    }
    long frames = (long)(data_len / 4);
    if (to < 0 || to > frames)
        to = frames;
    if (from < 0 || from > to)
        from = to;
    uint64_t hash = 1469598103934665603ull;
    for (size_t i = 0; i < data_len; i++)
        hash = (hash ^ data[i]) * 1099511628211ull;
    float peak = 0.0f, prev = 0.0f;
    long nonzero = 0, crossings = 0;
    for (long i = from; i < to; i++) {
        float x;
        memcpy(&x, data + 4 * i, 4);
        if (x != 0.0f)
            nonzero++;
        if (fabsf(x) > peak)
            peak = fabsf(x);
        if (i > from && ((prev < 0.0f && x >= 0.0f) || (prev >= 0.0f && x < 0.0f)))
            crossings++;
        prev = x;
    }
    printf("frames: %ld\nrate: %" PRIu32 "\nhash: %016" PRIx64 "\npeak: %.6f\n"
           "nonzero: %ld\ncrossings: %ld\n",
           frames, rate, hash, peak, nonzero, crossings);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "silence"))
        return write_silence(argv[2], (uint32_t)strtoul(argv[3], NULL, 10),
                             (uint32_t)strtoul(argv[4], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "analyze"))
        return analyze(argv[2], 0, -1);
    if (argc == 5 && !strcmp(argv[1], "analyze"))
        return analyze(argv[2], strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10));
    fprintf(stderr, "usage: lv2_wav silence FILE FRAMES RATE | analyze FILE [FROM TO]\n");
    return 2;
}
