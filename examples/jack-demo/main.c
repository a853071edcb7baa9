/* rtalloc-jack-demo: a JACK client that allocates inside its process
 * callback with rtalloc and proves it never touches the system heap there.
 *
 * main() does everything that is not real-time, in order: parse options,
 * open the JACK client (never starting a server), create the heap (memory
 * locked when RLIMIT_MEMLOCK allows), carve the long-lived buffers
 * (event ring, record ring, time histogram) from the heap, activate,
 * connect the outputs, start the control thread, then wait, draining the
 * record ring into the WAV file and reading the process thread's page-fault
 * count after a warm-up and at the end.  Then it stops the threads, frees
 * what is left and prints the report, whose verdict is the exit status. */
#include <errno.h>
#include <jack/jack.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "control.h"
#include "demo.h"
#include "faults.h"
#include "messages.h"
#include "options.h"
#include "process.h"
#include "report.h"
#include "wav.h"

#define CLIENT_NAME "rtalloc-demo"
#define POOL_BYTES (4u << 20)
#define FRAME_ARENA_BYTES (256u << 10)
#define EVENT_RING_CAPACITY 1024u
#define RECORD_RING_FRAMES 65536u /* 1.4 s at 48 kHz: the main thread drains every 10 ms */
#define DRAIN_FRAMES 4096u
/* Page faults of the process thread are counted from this long after
 * activation: its first cycles fault in its stack and JACK's buffers. */
#define WARMUP_SECONDS 0.5

static struct demo demo;
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static double monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void describe_memlock_limit(char *buf, size_t size)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        snprintf(buf, size, "unknown");
    else
        snprintf(buf, size, "%llu KiB", (unsigned long long)(rl.rlim_cur / 1024));
}

/* One heap for everything; locked when allowed, said so when not. */
static int create_heap(struct demo *d)
{
    rta_config cfg;
    int rc;

    rta_config_defaults(&cfg);
    cfg.pool_bytes = POOL_BYTES;
    cfg.arena_bytes = FRAME_ARENA_BYTES;
    cfg.max_threads = 8;
    cfg.flags |= RTA_LOCK_MEMORY;
    if (d->opts->profile_path != NULL)
        cfg.flags |= RTA_PROFILE; /* exact peaks for rtalloc-plan */
    rc = rta_heap_create(&d->heap, &cfg);
    if (rc == RTA_ERR_LOCK) {
        char limit[64];

        describe_memlock_limit(limit, sizeof limit);
        fprintf(stderr,
                "rtalloc-jack-demo: memory NOT locked (RLIMIT_MEMLOCK is %s): %s\n"
                "rtalloc-jack-demo: continuing unlocked: the callback may page-fault\n",
                limit, rta_strerror(rc));
        cfg.flags &= ~(unsigned)RTA_LOCK_MEMORY;
        rc = rta_heap_create(&d->heap, &cfg);
    }
    if (rc != 0) {
        fprintf(stderr, "rtalloc-jack-demo: cannot create the rtalloc heap: %s\n",
                rta_strerror(rc));
        return -1;
    }
    d->frame_arena = rta_heap_arena(d->heap);
    if (d->frame_arena == NULL) {
        fputs("rtalloc-jack-demo: the heap has no frame arena\n", stderr);
        return -1;
    }
    {
        rta_stats st;
        rta_stats_get(d->heap, &st);
        printf("rtalloc-jack-demo: rtalloc %s heap: %u KiB of pools, %u KiB frame arena, "
               "memory %s\n",
               rta_version(), POOL_BYTES >> 10, FRAME_ARENA_BYTES >> 10,
               st.memory_locked ? "locked" : "not locked");
    }
    return 0;
}

/* --profile: the heap's statistics, exact peaks, as JSON (rtalloc-plan). */
static int write_profile(struct demo *d, const char *path)
{
    FILE *f = fopen(path, "w");
    int rc = f ? rta_stats_write_json(d->heap, fileno(f)) : -1;
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "rtalloc-jack-demo: --profile %s: cannot write it\n", path);
        return -1;
    }
    printf("profile: %s (plan with: rtalloc-plan %s)\n", path, path);
    return 0;
}

static int open_client(struct demo *d)
{
    jack_options_t options = JackNoStartServer;
    jack_status_t status = 0;
    const char *server = d->opts->server;

    if (server != NULL)
        options |= JackServerName;
    d->client = jack_client_open(CLIENT_NAME, options, &status, server);
    if (d->client == NULL) {
        if (status & JackServerFailed)
            fprintf(stderr,
                    "rtalloc-jack-demo: cannot connect to the JACK server%s%s%s: "
                    "is it running?  Start one, e.g.: jackd%s%s -d dummy\n",
                    server ? " '" : "", server ? server : "", server ? "'" : "",
                    server ? " -n " : "", server ? server : "");
        else
            fprintf(stderr, "rtalloc-jack-demo: jack_client_open failed (status 0x%x)\n",
                    (unsigned)status);
        return -1;
    }
    d->sample_rate = jack_get_sample_rate(d->client);
    d->period = jack_get_buffer_size(d->client);
    return 0;
}

static int register_ports(struct demo *d)
{
    d->out_left =
        jack_port_register(d->client, "out_left", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    d->out_right =
        jack_port_register(d->client, "out_right", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    d->midi_in =
        jack_port_register(d->client, "midi_in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    if (d->out_left == NULL || d->out_right == NULL || d->midi_in == NULL) {
        fputs("rtalloc-jack-demo: cannot register the JACK ports\n", stderr);
        return -1;
    }
    return 0;
}

/* The buffers that live for the whole run come from one arena carved from
 * the heap: locked and touched like the rest, nothing to free one by one. */
static int carve_buffers(struct demo *d)
{
    size_t event_bytes = spsc_ring_storage_bytes(EVENT_RING_CAPACITY, sizeof(struct note_msg *));
    size_t record_bytes =
        d->recording ? spsc_ring_storage_bytes(RECORD_RING_FRAMES, 2 * sizeof(float)) : 0;
    size_t total = event_bytes + record_bytes + sizeof *d->latency + 3 * 64;
    rta_arena *long_lived;
    void *events, *record = NULL;
    int rc = rta_arena_create(d->heap, total, &long_lived);

    if (rc != 0) {
        fprintf(stderr, "rtalloc-jack-demo: cannot carve %zu bytes from the heap: %s\n", total,
                rta_strerror(rc));
        return -1;
    }
    events = rta_arena_alloc(long_lived, event_bytes, 64);
    d->latency = rta_arena_alloc(long_lived, sizeof *d->latency, 64);
    if (d->recording)
        record = rta_arena_alloc(long_lived, record_bytes, 64);
    if (events == NULL || d->latency == NULL || (d->recording && record == NULL)) {
        fputs("rtalloc-jack-demo: the long-lived arena is too small\n", stderr);
        return -1;
    }
    spsc_ring_init(&d->events, events, EVENT_RING_CAPACITY, sizeof(struct note_msg *));
    if (d->recording)
        spsc_ring_init(&d->record, record, RECORD_RING_FRAMES, 2 * sizeof(float));
    latency_init(d->latency);
    return 0;
}

static void connect_outputs(struct demo *d)
{
    const char **playback;
    jack_port_t *outs[2] = {d->out_left, d->out_right};
    int i;

    if (d->opts->no_connect)
        return;
    playback =
        jack_get_ports(d->client, "^system:playback_", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput);
    if (playback == NULL || playback[0] == NULL) {
        printf("rtalloc-jack-demo: no system:playback_* ports; outputs left unconnected\n");
        if (playback != NULL)
            jack_free(playback);
        return;
    }
    for (i = 0; i < 2; i++) {
        /* A mono system gets both channels on its one port. */
        const char *target = playback[1] != NULL ? playback[i] : playback[0];
        if (jack_connect(d->client, jack_port_name(outs[i]), target) == 0) {
            printf("rtalloc-jack-demo: %s -> %s\n", jack_port_short_name(outs[i]), target);
        } else {
            fprintf(stderr, "rtalloc-jack-demo: cannot connect %s to %s\n", jack_port_name(outs[i]),
                    target);
        }
    }
    jack_free(playback);
}

/* Moves what the callback recorded into the WAV file.  Main thread. */
static int drain_record(struct demo *d, struct wav_writer *wav)
{
    static float frames[2 * DRAIN_FRAMES];
    size_t n;

    while ((n = spsc_ring_pop(&d->record, frames, DRAIN_FRAMES)) > 0)
        if (wav_write(wav, frames, n) != 0)
            return -1;
    return 0;
}

/* Event messages the callback did not take before it stopped. */
static void free_pending_messages(struct demo *d)
{
    struct note_msg *m;

    while (spsc_ring_pop(&d->events, &m, 1) == 1)
        rta_free(d->heap, m);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* Everything before activation.  0, or -1 after a message. */
static int set_up(struct demo *d, struct wav_writer *wav)
{
    rta_arena_stats arena;

    if (open_client(d) != 0 || create_heap(d) != 0)
        return -1;
    if (carve_buffers(d) != 0 || register_ports(d) != 0 || process_install_callbacks(d) != 0)
        return -1;
    synth_init(&d->synth, d->heap, (float)d->sample_rate);
    rta_arena_stats_get(d->frame_arena, &arena);
    d->arena_resets_at_start = arena.resets;
    if (d->recording &&
        wav_open(wav, d->opts->record_path, d->opts->record_format, d->sample_rate, 2) != 0)
        return -1;
    return 0;
}

/* Activates, plays until the time is up (or a signal, or the server goes
 * away), deactivates.  Returns the seconds the client was active, or -1
 * when it could not start. */
static double run(struct demo *d, struct wav_writer *wav, int *record_failed)
{
    struct control control;
    double started, deadline;
    uint64_t minor0 = 0, major0 = 0;
    int warm = 0;

    memset(&control, 0, sizeof control);
    if (jack_activate(d->client) != 0) {
        fputs("rtalloc-jack-demo: cannot activate the JACK client\n", stderr);
        return -1;
    }
    started = monotonic_seconds();
    deadline = started + d->opts->seconds;
    connect_outputs(d);
    if (control_start(&control, d) == 0) {
        printf("rtalloc-jack-demo: playing for %u s on a %u Hz, %u-frame JACK server%s\n",
               d->opts->seconds, (unsigned)d->sample_rate, (unsigned)d->period,
               d->opts->naughty ? " (naughty: malloc inside the callback)" : "");
        fflush(stdout);
        while (!stop_requested && !atomic_load(&d->server_gone) && monotonic_seconds() < deadline) {
            if (d->recording && !*record_failed && drain_record(d, wav) != 0)
                *record_failed = 1;
            if (!warm && monotonic_seconds() >= started + WARMUP_SECONDS)
                warm = thread_faults(atomic_load(&d->process_tid), &minor0, &major0) == 0;
            sleep_ms(10);
        }
        if (warm &&
            thread_faults(atomic_load(&d->process_tid), &d->minor_faults, &d->major_faults) == 0) {
            d->minor_faults -= minor0;
            d->major_faults -= major0;
            d->faults_measured = 1;
        }
        control_stop(&control);
    }
    deadline = monotonic_seconds();
    jack_deactivate(d->client);
    return deadline - started;
}

int main(int argc, char **argv)
{
    struct demo_options opts;
    struct demo *d = &demo;
    struct wav_writer wav;
    double ran = -1;
    int status = 1, record_failed = 0;

    switch (options_parse(&opts, argc, argv)) {
    case OPTIONS_EXIT:
        return 0;
    case OPTIONS_ERROR:
        return 2;
    case OPTIONS_RUN:
        break;
    }
    d->opts = &opts;
    d->recording = opts.record_path != NULL;
    d->naughty_countdown = PROCESS_NAUGHTY_INTERVAL;
    memset(&wav, 0, sizeof wav);
    catch_signals();

    if (set_up(d, &wav) == 0)
        ran = run(d, &wav, &record_failed);
    /* Closing the client joins the process thread: from here on the
     * callback's state belongs to this thread. */
    if (d->client != NULL)
        jack_client_close(d->client);
    if (wav.file != NULL) {
        if (ran >= 0 && !record_failed && drain_record(d, &wav) != 0)
            record_failed = 1;
        if (wav_close(&wav) != 0)
            record_failed = 1;
    }
    if (ran >= 0) {
        free_pending_messages(d);
        synth_free_all(&d->synth);
        fflush(stdout);
        status = report_write(d, ran, d->recording ? &wav : NULL);
        if (atomic_load(&d->server_gone)) {
            fputs("rtalloc-jack-demo: FAILED: the JACK server shut down during the run\n", stderr);
            status = 1;
        }
        if (record_failed)
            status = 1;
        if (opts.profile_path != NULL && write_profile(d, opts.profile_path) != 0)
            status = 1;
    }
    rta_heap_destroy(d->heap);
    return status;
}
