/* PortAudio: a stream callback runs on the audio thread, so each call of
 * it is a cycle (rtsection.h).  Pa_OpenStream and Pa_OpenDefaultStream
 * are wrapped: the program's callback and user data go into a slot, and
 * PortAudio gets a trampoline with the slot as its user data.  The slot
 * of a closed stream (Pa_CloseStream) is reused.  PortAudio's own types
 * are declared here (its ABI has been stable since v19), so no PortAudio
 * headers are needed to build this. */
#include "config.h"

#include "rtsection.h"

#include <stddef.h>
#include <string.h>

typedef int PaError;
typedef void PaStream;
typedef unsigned long PaSampleFormat;
typedef unsigned long PaStreamFlags;
typedef unsigned long PaStreamCallbackFlags;
typedef struct PaStreamCallbackTimeInfo PaStreamCallbackTimeInfo;
typedef int PaStreamCallback(const void *input, void *output, unsigned long frames,
                             const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags status,
                             void *user);

#define paUnanticipatedHostError (-9999)

typedef PaError (*open_fn)(PaStream **, const void *, const void *, double, unsigned long,
                           PaStreamFlags, PaStreamCallback *, void *);
typedef PaError (*open_default_fn)(PaStream **, int, int, PaSampleFormat, double, unsigned long,
                                   PaStreamCallback *, void *);
typedef PaError (*close_fn)(PaStream *);

/* PortAudio's prototypes, as portaudio.h has them. */
PaError Pa_OpenStream(PaStream **stream, const void *in, const void *out, double rate,
                      unsigned long frames, PaStreamFlags flags, PaStreamCallback *callback,
                      void *user);
PaError Pa_OpenDefaultStream(PaStream **stream, int nin, int nout, PaSampleFormat format,
                             double rate, unsigned long frames, PaStreamCallback *callback,
                             void *user);
PaError Pa_CloseStream(PaStream *stream);

#define MAX_STREAMS 32

struct pa_slot {
    int used;
    PaStream *stream;
    PaStreamCallback *callback;
    void *user;
    uint64_t cycles;
};
static struct pa_slot slots[MAX_STREAMS];

/* Set while Pa_OpenDefaultStream runs: PortAudio's implementation calls
 * Pa_OpenStream through its PLT, which must not wrap the callback twice. */
static __thread int in_open_default __attribute__((tls_model("initial-exec")));

static void *real(void **cache, const char *name)
{
    void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!f) {
        f = rtsection_next(name, "libportaudio.so");
        __atomic_store_n(cache, f, __ATOMIC_RELEASE);
    }
    return f;
}

static int trampoline(const void *input, void *output, unsigned long frames,
                      const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags status,
                      void *arg)
{
    struct pa_slot *s = arg;
    struct rtsection_cycle c = {RTSECTION_PORTAUDIO, s->cycles++, 0, 0};
    rtsection_cycle_begin(&c);
    int r = s->callback(input, output, frames, time, status, s->user);
    rtsection_cycle_end(&c);
    return r;
}

/* A free slot for a stream about to open, or NULL (then unwrapped). */
static struct pa_slot *claim(PaStreamCallback *callback, void *user)
{
    if (!callback || !rtsection_wanted())
        return NULL;
    for (int i = 0; i < MAX_STREAMS; i++) {
        int expected = 0;
        if (__atomic_compare_exchange_n(&slots[i].used, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            slots[i].stream = NULL;
            slots[i].callback = callback;
            slots[i].user = user;
            slots[i].cycles = 0;
            return &slots[i];
        }
    }
    rtsection_say("portaudio: more open streams than can be watched: this one's callbacks "
                  "are not RT sections\n");
    return NULL;
}

static PaError opened(struct pa_slot *s, PaError err, PaStream **stream)
{
    if (s) {
        if (err == 0 && stream)
            s->stream = *stream;
        else
            __atomic_store_n(&s->used, 0, __ATOMIC_RELEASE);
    }
    return err;
}

static PaError not_found(const char *name)
{
    char line[128] = "portaudio: libportaudio's own ";
    strncat(line, name, sizeof line - strlen(line) - 1);
    strncat(line, " not found\n", sizeof line - strlen(line) - 1);
    rtsection_say(line);
    return paUnanticipatedHostError;
}

RTSECTION_EXPORT PaError Pa_OpenStream(PaStream **stream, const void *in, const void *out,
                                       double rate, unsigned long frames, PaStreamFlags flags,
                                       PaStreamCallback *callback, void *user)
{
    static void *cache;
    rtsection_init();
    open_fn f = (open_fn)real(&cache, "Pa_OpenStream");
    if (!f)
        return not_found("Pa_OpenStream");
    struct pa_slot *s = in_open_default ? NULL : claim(callback, user);
    if (!s)
        return f(stream, in, out, rate, frames, flags, callback, user);
    return opened(s, f(stream, in, out, rate, frames, flags, trampoline, s), stream);
}

RTSECTION_EXPORT PaError Pa_OpenDefaultStream(PaStream **stream, int nin, int nout,
                                              PaSampleFormat format, double rate,
                                              unsigned long frames, PaStreamCallback *callback,
                                              void *user)
{
    static void *cache;
    rtsection_init();
    open_default_fn f = (open_default_fn)real(&cache, "Pa_OpenDefaultStream");
    if (!f)
        return not_found("Pa_OpenDefaultStream");
    struct pa_slot *s = claim(callback, user);
    if (!s)
        return f(stream, nin, nout, format, rate, frames, callback, user);
    in_open_default = 1;
    PaError err = f(stream, nin, nout, format, rate, frames, trampoline, s);
    in_open_default = 0;
    return opened(s, err, stream);
}

RTSECTION_EXPORT PaError Pa_CloseStream(PaStream *stream)
{
    static void *cache;
    close_fn f = (close_fn)real(&cache, "Pa_CloseStream");
    if (!f)
        return not_found("Pa_CloseStream");
    PaError err = f(stream);
    if (err == 0)
        for (int i = 0; i < MAX_STREAMS; i++)
            if (__atomic_load_n(&slots[i].used, __ATOMIC_ACQUIRE) && slots[i].stream == stream) {
                slots[i].stream = NULL;
                __atomic_store_n(&slots[i].used, 0, __ATOMIC_RELEASE);
            }
    return err;
}
