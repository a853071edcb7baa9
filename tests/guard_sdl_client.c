/* guard_sdl_client: an SDL2 audio program (libSDL2, opened with dlopen so
 * no SDL headers are needed) on SDL's dummy audio driver, which calls the
 * callback on its own thread without any hardware.  The callback mallocs
 * and frees once per call.
 *
 *   guard_sdl_client N [device]
 *
 * Its functions are looked up in the global scope, as a program linked
 * with SDL calls them (a preloaded library's come first).
 * Runs until the callback ran N times; "device" opens with
 * SDL_OpenAudioDevice, else SDL_OpenAudio.  Prints "callbacks: C". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard_jack_wait.h"

typedef struct {
    int freq;
    uint16_t format;
    uint8_t channels, silence;
    uint16_t samples, padding;
    uint32_t size;
    void (*callback)(void *, uint8_t *, int);
    void *userdata;
} Spec;
#define SDL_INIT_AUDIO 0x10u
#define AUDIO_F32SYS 0x8120

static volatile unsigned long callbacks;
static void *(*volatile sys_malloc)(size_t) = malloc;
static void (*volatile sys_free)(void *) = free;

static void sdl_callback(void *user, uint8_t *stream, int len)
{
    (void)user;
    memset(stream, 0, (size_t)len);
    sys_free(sys_malloc(48));
    callbacks++;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
    int device = argc > 2 && strcmp(argv[2], "device") == 0;
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    void *h = dlopen("libSDL2-2.0.so.0", RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
        fprintf(stderr, "guard_sdl_client: %s (Debian: libsdl2-2.0-0)\n", dlerror());
        return 1;
    }
    int (*init)(uint32_t) = (int (*)(uint32_t))dlsym(RTLD_DEFAULT, "SDL_Init");
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "SDL_Quit");
    int (*open_audio)(Spec *, Spec *) = (int (*)(Spec *, Spec *))dlsym(RTLD_DEFAULT, "SDL_OpenAudio");
    uint32_t (*open_device)(const char *, int, const Spec *, Spec *, int) =
        (uint32_t(*)(const char *, int, const Spec *, Spec *, int))dlsym(RTLD_DEFAULT, "SDL_OpenAudioDevice");
    void (*pause_audio)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "SDL_PauseAudio");
    void (*pause_device)(uint32_t, int) = (void (*)(uint32_t, int))dlsym(RTLD_DEFAULT, "SDL_PauseAudioDevice");
    void (*close_audio)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "SDL_CloseAudio");
    void (*close_device)(uint32_t) = (void (*)(uint32_t))dlsym(RTLD_DEFAULT, "SDL_CloseAudioDevice");
    const char *(*get_error)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "SDL_GetError");
    if (init(SDL_INIT_AUDIO) != 0) {
        fprintf(stderr, "guard_sdl_client: SDL_Init: %s\n", get_error());
        return 1;
    }
    Spec want = {48000, AUDIO_F32SYS, 2, 0, 256, 0, 0, sdl_callback, NULL}, got;
    uint32_t id = 0;
    if (device) {
        id = open_device(NULL, 0, &want, &got, 0);
        if (!id) {
            fprintf(stderr, "guard_sdl_client: SDL_OpenAudioDevice: %s\n", get_error());
            return 1;
        }
        pause_device(id, 0);
    } else {
        if (open_audio(&want, &got) != 0) {
            fprintf(stderr, "guard_sdl_client: SDL_OpenAudio: %s\n", get_error());
            return 1;
        }
        pause_audio(0);
    }
    if (got.callback != sdl_callback) {
        fprintf(stderr, "guard_sdl_client: the obtained spec lost the callback\n");
        return 1;
    }
    int timed_out = guard_jack_wait(&callbacks, n, argv[0]);
    if (device)
        close_device(id);
    else
        close_audio();
    quit();
    printf("callbacks: %lu\n", callbacks);
    return timed_out;
}
