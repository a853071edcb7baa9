/* lv2_midi_source: the MIDI keyboard of tests/lv2_jalv.sh, a plain JACK
 * client with one MIDI output.
 *
 *   lv2_midi_source SERVER DEST_PORT
 *
 * Connects its output to DEST_PORT (retrying while the host starts), waits
 * 9600 frames so the connection is live in the graph, then every 3000
 * frames sends a note-on (a C major scale, velocity 100) and 1500 frames
 * later its note-off; before every 8th note, a program change (0-3 in
 * turn).  At the end of its stdin it stops sending at a cycle boundary,
 * leaves, and prints "notes sent: N" and "program changes sent: M", so
 * the test can compare them with what the plugin counted, and "xruns: X",
 * the server's overruns while it ran: in a cycle where a client misses
 * its deadline, JACK may not run the clients after it, and the MIDI of
 * that cycle never reaches the host. */
#include <jack/jack.h>
#include <jack/midiport.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define START 9600
#define STEP 3000

static jack_port_t *out;
static atomic_int sending, stopped;
static atomic_uint_fast64_t notes, programs, xruns;
static uint64_t frame; /* frames since sending began; process thread only */

static const unsigned char scale[8] = {60, 62, 64, 65, 67, 69, 71, 72};

static void send(void *buf, jack_nframes_t at, unsigned char a, unsigned char b, unsigned char c,
                 int len)
{
    unsigned char msg[3] = {a, b, c};
    jack_midi_event_write(buf, at, msg, (size_t)len);
}

static int process(jack_nframes_t n, void *arg)
{
    (void)arg;
    void *buf = jack_port_get_buffer(out, n);
    jack_midi_clear_buffer(buf);
    if (!atomic_load(&sending)) {
        if (frame > 0)
            atomic_store(&stopped, 1);
        return 0;
    }
    for (jack_nframes_t i = 0; i < n; i++, frame++) {
        if (frame < START)
            continue;
        uint64_t t = frame - START, k = t / STEP;
        unsigned char note = scale[k % 8];
        if (t % STEP == 0) {
            if (k % 8 == 0 && k > 0) {
                send(buf, i, 0xC0, (unsigned char)(k / 8 % 4), 0, 2);
                atomic_fetch_add(&programs, 1);
            }
            send(buf, i, 0x90, note, 100, 3);
            atomic_fetch_add(&notes, 1);
        } else if (t % STEP == STEP / 2) {
            send(buf, i, 0x80, note, 0, 3);
        }
    }
    return 0;
}

static int on_xrun(void *arg)
{
    (void)arg;
    atomic_fetch_add(&xruns, 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: lv2_midi_source SERVER DEST_PORT\n");
        return 2;
    }
    jack_status_t status;
    jack_client_t *client =
        jack_client_open("rta-lv2-midi", JackServerName | JackNoStartServer, &status, argv[1]);
    if (!client) {
        fprintf(stderr, "lv2_midi_source: no JACK server %s (status 0x%x)\n", argv[1], status);
        return 1;
    }
    out = jack_port_register(client, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    if (!out || jack_set_process_callback(client, process, NULL) ||
        jack_set_xrun_callback(client, on_xrun, NULL) || jack_activate(client)) {
        fprintf(stderr, "lv2_midi_source: cannot set up the client\n");
        return 1;
    }
    int tries = 0;
    while (jack_connect(client, jack_port_name(out), argv[2]) != 0) {
        if (++tries == 200) {
            fprintf(stderr, "lv2_midi_source: cannot connect to %s\n", argv[2]);
            return 1;
        }
        usleep(50000);
    }
    printf("connected to %s\n", argv[2]);
    fflush(stdout);
    atomic_store(&sending, 1);
    char line[256];
    while (fgets(line, sizeof line, stdin))
        ;
    atomic_store(&sending, 0);
    /* Bounded: a server that stopped calling us must not hang the test. */
    for (int i = 0; i < 1000 && !atomic_load(&stopped); i++)
        usleep(10000);
    jack_deactivate(client);
    jack_client_close(client);
    printf("notes sent: %llu\nprogram changes sent: %llu\nxruns: %llu\n",
           (unsigned long long)atomic_load(&notes), (unsigned long long)atomic_load(&programs),
           (unsigned long long)atomic_load(&xruns));
    return 0;
}
