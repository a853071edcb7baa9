/* guard_jack_wait.h: the guard's JACK test clients run until their own
 * count reaches a target, not for a time, so what the tests check holds
 * on any machine; the only clock is a hang guard far above any run. */
#ifndef GUARD_JACK_WAIT_H
#define GUARD_JACK_WAIT_H

#include <stdio.h>
#include <time.h>

#define GUARD_JACK_HANG_SECONDS 120

/* 0 once *counter >= target, -1 (with a message) after the hang guard. */
static inline int guard_jack_wait(const volatile unsigned long *counter, unsigned long target,
                                  const char *who)
{
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (long waited_ms = 0; *counter < target; waited_ms += 5) {
        if (waited_ms >= GUARD_JACK_HANG_SECONDS * 1000L) {
            fprintf(stderr, "%s: only %lu of %lu after %d s: JACK stalled?\n", who, *counter,
                    target, GUARD_JACK_HANG_SECONDS);
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    return 0;
}

#endif
