/* The control thread: plays the built-in sequence by sending event
 * messages, allocated from the rtalloc pools, to the process callback
 * through the lock-free event ring.  Not real-time. */
#ifndef JACK_DEMO_CONTROL_H
#define JACK_DEMO_CONTROL_H

#include <pthread.h>
#include <stdatomic.h>

struct demo;

struct control {
    struct demo *demo;
    pthread_t thread;
    _Atomic int stop;
    int started;
};

/* Starts the thread.  0, or -1 with a message on stderr. */
int control_start(struct control *c, struct demo *d);
/* Asks the thread to stop and joins it.  No-op if it never started. */
void control_stop(struct control *c);

#endif
