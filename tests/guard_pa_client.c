/* guard_pa_client: a PortAudio program (libportaudio2, opened with dlopen
 * so no PortAudio headers are needed), playing through PortAudio's JACK
 * host API on the server JACK_DEFAULT_SERVER names.  Its stream callback
 * mallocs and frees once per call.
 *
 *   guard_pa_client N [default]
 *
 * Runs until the callback ran N times; "default" opens the stream with
 * Pa_OpenDefaultStream (PortAudio's default output is then JACK's, when
 * ALSA has no device), else Pa_OpenStream on the JACK host API's device.
 * Prints "callbacks: C". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard_jack_wait.h"

typedef struct {
    int device, channels;
    unsigned long format;
    double latency;
    void *host;
} PaStreamParameters;
typedef struct {
    int version, type;
    const char *name;
    int devices, default_in, default_out;
} PaHostApiInfo;
typedef int PaCallback(const void *, void *, unsigned long, const void *, unsigned long, void *);
#define paJACK 12
#define paFloat32 1ul

static volatile unsigned long callbacks;
static void *(*volatile sys_malloc)(size_t) = malloc;
static void (*volatile sys_free)(void *) = free;

static int pa_callback(const void *in, void *out, unsigned long frames, const void *time,
                       unsigned long status, void *user)
{
    (void)in;
    (void)time;
    (void)status;
    (void)user;
    memset(out, 0, frames * 2 * sizeof(float));
    sys_free(sys_malloc(32));
    callbacks++;
    return 0; /* paContinue */
}

/* Looked up in the global scope, as a program linked with PortAudio
 * calls them (a preloaded library's come first). */
#define SYM(h, name) ((void)(h), dlsym(RTLD_DEFAULT, name))

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
    int use_default = argc > 2 && strcmp(argv[2], "default") == 0;
    void *h = dlopen("libportaudio.so.2", RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
        fprintf(stderr, "guard_pa_client: %s (Debian: libportaudio2)\n", dlerror());
        return 1;
    }
    int (*init)(void) = (int (*)(void))SYM(h, "Pa_Initialize");
    int (*term)(void) = (int (*)(void))SYM(h, "Pa_Terminate");
    int (*api_index)(int) = (int (*)(int))SYM(h, "Pa_HostApiTypeIdToHostApiIndex");
    const PaHostApiInfo *(*api_info)(int) = (const PaHostApiInfo *(*)(int))SYM(h, "Pa_GetHostApiInfo");
    int (*open)(void **, const PaStreamParameters *, const PaStreamParameters *, double,
                unsigned long, unsigned long, PaCallback *, void *) =
        (int (*)(void **, const PaStreamParameters *, const PaStreamParameters *, double,
                 unsigned long, unsigned long, PaCallback *, void *))SYM(h, "Pa_OpenStream");
    int (*open_default)(void **, int, int, unsigned long, double, unsigned long, PaCallback *,
                        void *) = (int (*)(void **, int, int, unsigned long, double,
                                           unsigned long, PaCallback *, void *))
        SYM(h, "Pa_OpenDefaultStream");
    int (*start)(void *) = (int (*)(void *))SYM(h, "Pa_StartStream");
    int (*stop)(void *) = (int (*)(void *))SYM(h, "Pa_StopStream");
    int (*close)(void *) = (int (*)(void *))SYM(h, "Pa_CloseStream");
    const char *(*error_text)(int) = (const char *(*)(int))SYM(h, "Pa_GetErrorText");
    if (init() != 0) {
        fprintf(stderr, "guard_pa_client: Pa_Initialize failed\n");
        return 1;
    }
    void *stream = NULL;
    int err;
    if (use_default) {
        err = open_default(&stream, 0, 2, paFloat32, 48000, 128, pa_callback, NULL);
    } else {
        int api = api_index(paJACK);
        const PaHostApiInfo *info = api >= 0 ? api_info(api) : NULL;
        if (!info || info->default_out < 0) {
            fprintf(stderr, "guard_pa_client: PortAudio has no JACK output device\n");
            return 1;
        }
        PaStreamParameters out = {info->default_out, 2, paFloat32, 0.01, NULL};
        err = open(&stream, NULL, &out, 48000, 128, 0, pa_callback, NULL);
    }
    if (err != 0 || start(stream) != 0) {
        fprintf(stderr, "guard_pa_client: cannot open or start the stream: %s\n",
                error_text(err));
        return 1;
    }
    int timed_out = guard_jack_wait(&callbacks, n, argv[0]);
    stop(stream);
    close(stream);
    term();
    printf("callbacks: %lu\n", callbacks);
    return timed_out;
}
