/* guard_jack_clean: a plain JACK client whose process callback never
 * touches the system heap: it writes a sine into its output port.  The
 * guard test preloads librtalloc_guard into it (the client knows nothing
 * of rtalloc) and expects 0 system-heap calls in its cycles.
 *
 *   guard_jack_clean SERVER CYCLES [--thread]
 *
 * Runs until its callback ran CYCLES times (guard_jack_wait.h).
 *
 * --thread runs its own process thread (jack_set_process_thread,
 * jack_cycle_wait / jack_cycle_signal) instead of a process callback.
 * Prints "cycles: N"; exits 0 when it ran at least one cycle. */
#include <jack/jack.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guard_jack_wait.h"

#include "jack_test_open.h"

static jack_client_t *client;
static jack_port_t *port;
static volatile unsigned long cycles;
static float phase;

static int clean_process(jack_nframes_t nframes, void *arg)
{
    (void)arg;
    float *out = jack_port_get_buffer(port, nframes);
    for (jack_nframes_t i = 0; i < nframes; i++) {
        out[i] = 0.1f * sinf(phase);
        phase += 0.0577f;
        if (phase > 6.2832f)
            phase -= 6.2832f;
    }
    cycles++;
    return 0;
}

static void *clean_thread(void *arg)
{
    for (;;) {
        jack_nframes_t n = jack_cycle_wait(client);
        clean_process(n, arg);
        jack_cycle_signal(client, 0);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: guard_jack_clean SERVER CYCLES [--thread]\n");
        return 2;
    }
    int thread_mode = argc > 3 && strcmp(argv[3], "--thread") == 0;
    client = jack_test_open("guard_clean", argv[1]);
    if (!client) {
        fprintf(stderr, "guard_jack_clean: no JACK server \"%s\"\n", argv[1]);
        return 1;
    }
    port = jack_port_register(client, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    if (!port)
        return 1;
    int rc = thread_mode ? jack_set_process_thread(client, clean_thread, NULL)
                         : jack_set_process_callback(client, clean_process, NULL);
    if (rc != 0 || jack_activate(client) != 0) {
        fprintf(stderr, "guard_jack_clean: could not activate\n");
        return 1;
    }
    /* "active" tells a test that may signal it that cycles are running. */
    printf("active\n");
    fflush(stdout);
    int timed_out = guard_jack_wait(&cycles, strtoul(argv[2], NULL, 10), argv[0]);
    jack_deactivate(client);
    jack_client_close(client);
    printf("cycles: %lu\n", cycles);
    return cycles > 0 && !timed_out ? 0 : 1;
}
