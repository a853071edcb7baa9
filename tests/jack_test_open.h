/* jack_test_open.h: the JACK test clients are started right after the
 * test's private jackd, so they retry until the server answers (up to
 * 10 s) rather than fail on the first try. */
#ifndef JACK_TEST_OPEN_H
#define JACK_TEST_OPEN_H

#include <jack/jack.h>
#include <unistd.h>

static inline jack_client_t *jack_test_open(const char *name, const char *server)
{
    for (int i = 0; i < 100; i++) {
        jack_status_t status;
        jack_client_t *c =
            jack_client_open(name, JackNoStartServer | JackServerName, &status, server);
        if (c)
            return c;
        usleep(100 * 1000);
    }
    return NULL;
}

#endif
