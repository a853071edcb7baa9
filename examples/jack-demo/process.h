/* The JACK callbacks of the demo: the process callback (an RT section)
 * and the small non-RT ones (thread init, xrun, buffer size, shutdown). */
#ifndef JACK_DEMO_PROCESS_H
#define JACK_DEMO_PROCESS_H

#include <jack/jack.h>

/* Registers every callback below on d->client (before jack_activate).
 * 0, or -1 with a message on stderr. */
struct demo;
int process_install_callbacks(struct demo *d);

/* How many event messages the callback takes from the ring per cycle:
 * bounds its work whatever the control thread does. */
#define PROCESS_MAX_MESSAGES_PER_CYCLE 64

/* --naughty: one malloc/free pair inside the callback every this many
 * cycles (about every 0.2 s at 64 frames, 48 kHz). */
#define PROCESS_NAUGHTY_INTERVAL 150

#endif
