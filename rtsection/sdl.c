/* SDL2: an audio callback runs on SDL's audio thread, so each call of it
 * is a cycle (rtsection.h).  SDL_OpenAudio and SDL_OpenAudioDevice are
 * wrapped: the desired spec is copied with the program's callback
 * replaced by a trampoline whose user data is a slot holding the
 * program's callback and user data.  Slots are not reused (an audio
 * device is rarely reopened 64 times); past that, callbacks pass
 * unwrapped and the guard says so.  SDL_AudioSpec is declared here (its
 * layout is part of SDL2's stable ABI), so no SDL headers are needed. */
#include "config.h"

#include "rtsection.h"

#include <stddef.h>
#include <stdint.h>

typedef void (*SDL_AudioCallback)(void *user, uint8_t *stream, int len);
typedef struct SDL_AudioSpec {
    int freq;
    uint16_t format;
    uint8_t channels;
    uint8_t silence;
    uint16_t samples;
    uint16_t padding;
    uint32_t size;
    SDL_AudioCallback callback;
    void *userdata;
} SDL_AudioSpec;

typedef int (*open_audio_fn)(SDL_AudioSpec *, SDL_AudioSpec *);
typedef uint32_t (*open_device_fn)(const char *, int, const SDL_AudioSpec *, SDL_AudioSpec *,
                                   int);

/* SDL2's prototypes, as SDL_audio.h has them. */
int SDL_OpenAudio(SDL_AudioSpec *desired, SDL_AudioSpec *obtained);
uint32_t SDL_OpenAudioDevice(const char *device, int capture, const SDL_AudioSpec *desired,
                             SDL_AudioSpec *obtained, int allowed);

#define MAX_DEVICES 64

struct sdl_slot {
    SDL_AudioCallback callback;
    void *user;
    uint64_t cycles;
};
static struct sdl_slot slots[MAX_DEVICES];
static unsigned slots_used;

static void *real(void **cache, const char *name)
{
    void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!f) {
        f = rtsection_next(name, "libSDL2");
        __atomic_store_n(cache, f, __ATOMIC_RELEASE);
    }
    return f;
}

static void trampoline(void *arg, uint8_t *stream, int len)
{
    struct sdl_slot *s = arg;
    struct rtsection_cycle c = {RTSECTION_SDL, s->cycles++, 0, 0};
    rtsection_cycle_begin(&c);
    s->callback(s->user, stream, len);
    rtsection_cycle_end(&c);
}

/* The spec to hand SDL: the program's, or a copy calling the trampoline. */
static const SDL_AudioSpec *wrap(const SDL_AudioSpec *desired, SDL_AudioSpec *copy)
{
    if (!desired || !desired->callback || !rtsection_wanted())
        return desired;
    unsigned i = __atomic_fetch_add(&slots_used, 1, __ATOMIC_ACQ_REL);
    if (i >= MAX_DEVICES) {
        rtsection_say("sdl: more audio devices opened than can be watched: this one's "
                      "callbacks are not RT sections\n");
        return desired;
    }
    slots[i].callback = desired->callback;
    slots[i].user = desired->userdata;
    *copy = *desired;
    copy->callback = trampoline;
    copy->userdata = &slots[i];
    return copy;
}

/* SDL fills `obtained` from the spec it was given: give the program back
 * its own callback and user data. */
static void unwrap(const SDL_AudioSpec *desired, SDL_AudioSpec *obtained)
{
    if (obtained && desired) {
        obtained->callback = desired->callback;
        obtained->userdata = desired->userdata;
    }
}

RTSECTION_EXPORT int SDL_OpenAudio(SDL_AudioSpec *desired, SDL_AudioSpec *obtained)
{
    static void *cache;
    rtsection_init();
    open_audio_fn f = (open_audio_fn)real(&cache, "SDL_OpenAudio");
    if (!f) {
        rtsection_say("sdl: libSDL2's own SDL_OpenAudio not found\n");
        return -1;
    }
    SDL_AudioSpec copy;
    const SDL_AudioSpec *spec = wrap(desired, &copy);
    if (spec == desired)
        return f(desired, obtained);
    /* SDL_OpenAudio writes the obtained spec into desired when obtained
     * is NULL: let it write into the copy, then copy the fields back. */
    int r = f(&copy, obtained);
    if (r == 0 && !obtained) {
        SDL_AudioCallback cb = desired->callback;
        void *user = desired->userdata;
        *desired = copy;
        desired->callback = cb;
        desired->userdata = user;
    }
    unwrap(desired, obtained);
    return r;
}

RTSECTION_EXPORT uint32_t SDL_OpenAudioDevice(const char *device, int capture,
                                              const SDL_AudioSpec *desired,
                                              SDL_AudioSpec *obtained, int allowed)
{
    static void *cache;
    rtsection_init();
    open_device_fn f = (open_device_fn)real(&cache, "SDL_OpenAudioDevice");
    if (!f) {
        rtsection_say("sdl: libSDL2's own SDL_OpenAudioDevice not found\n");
        return 0;
    }
    SDL_AudioSpec copy;
    const SDL_AudioSpec *spec = wrap(desired, &copy);
    uint32_t id = f(device, capture, spec, obtained, allowed);
    if (spec != desired)
        unwrap(desired, obtained);
    return id;
}
