/* malloc_jack_client: a plain JACK client (it knows nothing of rtalloc)
 * whose process callback allocates: every cycle a few small blocks, which
 * it frees at once, and in cycle BIG_AT (when asked) one block of 1 MiB.
 * tests/malloc_jack.sh preloads librtalloc_malloc into it: the small
 * blocks come from the pools (nothing reported), the large one takes the
 * system path (counted: its malloc and its free).
 *
 *   malloc_jack_client SERVER SECONDS [--big]
 *
 * Prints "cycles: N" and, with --big, "big blocks: 1"; exits 0 when it
 * ran at least BIG_AT + 1 cycles. */
#include <jack/jack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jack_test_open.h"

#define BIG_AT 100
#define BIG_BYTES ((size_t)1 << 20)

static jack_client_t *client;
static jack_port_t *port;
static volatile unsigned long cycles, big_blocks;
static int want_big;
static void *volatile sink;

static int process(jack_nframes_t nframes, void *arg)
{
    (void)arg;
    float *out = jack_port_get_buffer(port, nframes);
    memset(out, 0, nframes * sizeof *out);
    for (size_t n = 16; n <= 4096; n *= 2) {
        sink = malloc(n);
        if (sink)
            memset(sink, 1, n);
        free(sink);
    }
    if (want_big && cycles == BIG_AT) {
        sink = malloc(BIG_BYTES);
        if (sink) {
            ((char *)sink)[0] = 1;
            big_blocks++;
        }
        free(sink);
    }
    cycles++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: malloc_jack_client SERVER SECONDS [--big]\n");
        return 2;
    }
    want_big = argc > 3 && strcmp(argv[3], "--big") == 0;
    client = jack_test_open("malloc_client", argv[1]);
    if (!client) {
        fprintf(stderr, "malloc_jack_client: no JACK server \"%s\"\n", argv[1]);
        return 1;
    }
    port = jack_port_register(client, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    if (!port || jack_set_process_callback(client, process, NULL) != 0 ||
        jack_activate(client) != 0) {
        fprintf(stderr, "malloc_jack_client: could not activate\n");
        return 1;
    }
    /* Run at least the given seconds and until the big cycle has passed. */
    for (int waited = 0; waited < 10 * atoi(argv[2]) || (cycles <= BIG_AT && waited < 300);
         waited++)
        usleep(100 * 1000);
    jack_deactivate(client);
    jack_client_close(client);
    printf("cycles: %lu\n", cycles);
    if (want_big)
        printf("big blocks: %lu\n", big_blocks);
    return cycles > BIG_AT ? 0 : 1;
}
