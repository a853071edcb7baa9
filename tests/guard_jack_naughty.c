/* guard_jack_naughty: a plain JACK client whose process callback calls
 * malloc and free every 50th cycle, the mistake the guard exists to
 * catch.  The guard test preloads librtalloc_guard into it: in count mode
 * the guard must count exactly those cycles, in trap mode it must stop the
 * client at the first one with a report naming naughty_process.
 *
 *   guard_jack_naughty SERVER CYCLES [--thread]
 *
 * Runs until its callback ran CYCLES times (guard_jack_wait.h).
 *
 * Prints "cycles: N" and "naughty cycles: K" (cycles that allocated). */
#include <jack/jack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guard_jack_wait.h"

#include "jack_test_open.h"

static jack_client_t *client;
static jack_port_t *port;
static volatile unsigned long cycles, naughty_cycles;
static void *(*volatile sys_malloc)(size_t) = malloc;
static void (*volatile sys_free)(void *) = free;

/* Not static: the trap report names it from the dynamic symbol table. */
int naughty_process(jack_nframes_t nframes, void *arg);
int naughty_process(jack_nframes_t nframes, void *arg)
{
    (void)arg;
    float *out = jack_port_get_buffer(port, nframes);
    memset(out, 0, nframes * sizeof *out);
    if (cycles % 50 == 49) {
        char *scratch = sys_malloc(nframes * sizeof(float));
        if (scratch) {
            memcpy(scratch, out, nframes * sizeof(float));
            sys_free(scratch);
        }
        naughty_cycles++;
    }
    cycles++;
    return 0;
}

static void *naughty_thread(void *arg)
{
    for (;;) {
        jack_nframes_t n = jack_cycle_wait(client);
        naughty_process(n, arg);
        jack_cycle_signal(client, 0);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: guard_jack_naughty SERVER CYCLES [--thread]\n");
        return 2;
    }
    int thread_mode = argc > 3 && strcmp(argv[3], "--thread") == 0;
    client = jack_test_open("guard_naughty", argv[1]);
    if (!client) {
        fprintf(stderr, "guard_jack_naughty: no JACK server \"%s\"\n", argv[1]);
        return 1;
    }
    port = jack_port_register(client, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    if (!port)
        return 1;
    int rc = thread_mode ? jack_set_process_thread(client, naughty_thread, NULL)
                         : jack_set_process_callback(client, naughty_process, NULL);
    if (rc != 0 || jack_activate(client) != 0) {
        fprintf(stderr, "guard_jack_naughty: could not activate\n");
        return 1;
    }
    /* "active" tells a test that may signal it that cycles are running. */
    printf("active\n");
    fflush(stdout);
    int timed_out = guard_jack_wait(&cycles, strtoul(argv[2], NULL, 10), argv[0]);
    jack_deactivate(client);
    jack_client_close(client);
    printf("cycles: %lu\nnaughty cycles: %lu\n", cycles, naughty_cycles);
    return cycles > 0 && !timed_out ? 0 : 1;
}
