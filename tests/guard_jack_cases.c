/* guard_jack_cases: plain JACK clients for the guard's second-round tests
 * (guard_jack_more.sh).
 *
 *   guard_jack_cases SERVER timebase N
 *       timebase master and slow-sync client: its timebase and sync
 *       callbacks each malloc+free once per call; runs until N timebase
 *       calls and at least one sync call.  Prints "timebase calls: T" and
 *       "sync calls: S".
 *   guard_jack_cases SERVER sites N
 *       process callback: 300 malloc at one site, 300 free at another, and
 *       one calloc+free at a third, every cycle; runs N cycles.  Prints
 *       "cycles: C" and "callback ns: X", the time spent in its callbacks
 *       (CLOCK_MONOTONIC), for the log-mode overhead measurement.
 *
 * The process callback of both never allocates otherwise. */
#include <jack/jack.h>
#include <jack/transport.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guard_jack_wait.h"

#include "jack_test_open.h"

static jack_client_t *client;
static volatile unsigned long cycles, timebase_calls, sync_calls;
static uint64_t callback_ns;
static void *(*volatile sys_malloc)(size_t) = malloc;
static void *(*volatile sys_calloc)(size_t, size_t) = calloc;
static void (*volatile sys_free)(void *) = free;

static void touch_heap(void)
{
    sys_free(sys_malloc(24));
}

static int quiet_process(jack_nframes_t nframes, void *arg)
{
    (void)nframes;
    (void)arg;
    cycles++;
    return 0;
}

static void timebase(jack_transport_state_t state, jack_nframes_t nframes, jack_position_t *pos,
                     int new_pos, void *arg)
{
    (void)state;
    (void)nframes;
    (void)new_pos;
    (void)arg;
    touch_heap();
    pos->valid = JackPositionBBT;
    pos->bar = 1;
    pos->beat = 1;
    pos->tick = 0;
    pos->beats_per_bar = 4;
    pos->beat_type = 4;
    pos->ticks_per_beat = 1920;
    pos->beats_per_minute = 120;
    timebase_calls++;
}

static int sync_cb(jack_transport_state_t state, jack_position_t *pos, void *arg)
{
    (void)state;
    (void)pos;
    (void)arg;
    touch_heap();
    sync_calls++;
    return 1;
}

#define BURST 300
static void *burst[BURST];

static __attribute__((noinline)) void burst_alloc(void)
{
    for (int i = 0; i < BURST; i++)
        burst[i] = sys_malloc(64);
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void burst_free(void)
{
    for (int i = 0; i < BURST; i++)
        sys_free(burst[i]);
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void rare_site(void)
{
    sys_free(sys_calloc(2, 32));
    __asm__ volatile("" ::: "memory");
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int sites_process(jack_nframes_t nframes, void *arg)
{
    (void)nframes;
    (void)arg;
    uint64_t t0 = now_ns();
    burst_alloc();
    burst_free();
    rare_site();
    callback_ns += now_ns() - t0;
    cycles++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: guard_jack_cases SERVER timebase|sites N\n");
        return 2;
    }
    unsigned long n = strtoul(argv[3], NULL, 10);
    int tb = strcmp(argv[2], "timebase") == 0;
    client = jack_test_open("guard_cases", argv[1]);
    if (!client) {
        fprintf(stderr, "guard_jack_cases: no JACK server \"%s\"\n", argv[1]);
        return 1;
    }
    int rc = jack_set_process_callback(client, tb ? quiet_process : sites_process, NULL);
    if (tb && rc == 0)
        rc = jack_set_timebase_callback(client, 0, timebase, NULL) ||
             jack_set_sync_callback(client, sync_cb, NULL);
    if (rc != 0 || jack_activate(client) != 0) {
        fprintf(stderr, "guard_jack_cases: could not set callbacks or activate\n");
        return 1;
    }
    int timed_out;
    if (tb) {
        jack_transport_locate(client, 0);
        jack_transport_start(client);
        timed_out = guard_jack_wait(&timebase_calls, n, argv[0]) ||
                    guard_jack_wait(&sync_calls, 1, argv[0]);
        jack_transport_stop(client);
    } else {
        timed_out = guard_jack_wait(&cycles, n, argv[0]);
    }
    jack_deactivate(client);
    jack_client_close(client);
    if (tb)
        printf("timebase calls: %lu\nsync calls: %lu\n", timebase_calls, sync_calls);
    else
        printf("cycles: %lu\ncallback ns: %llu\n", cycles, (unsigned long long)callback_ns);
    return timed_out;
}
