/* libguard_jackmod: the JACK code of a program that opens it with
 * dlopen(RTLD_LOCAL), as csound opens its rtjack module: libjack is then
 * visible to this module only, not to the guard's dlsym(RTLD_NEXT).
 * guard_jackmod_run opens a client whose process callback mallocs and
 * frees once per cycle, runs `cycles` cycles, and returns what
 * jack_set_process_callback returned (-1 before issue 13's fix). */
#include <jack/jack.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "guard_jack_wait.h"

int guard_jackmod_run(const char *server, unsigned long cycles, unsigned long *ran);

static volatile unsigned long count;
static void *(*volatile sys_malloc)(size_t) = malloc;
static void (*volatile sys_free)(void *) = free;

static int module_process(jack_nframes_t nframes, void *arg)
{
    (void)nframes;
    (void)arg;
    sys_free(sys_malloc(16));
    count++;
    return 0;
}

int guard_jackmod_run(const char *server, unsigned long cycles, unsigned long *ran)
{
    jack_client_t *c = NULL;
    for (int i = 0; i < 100 && !c; i++) {
        jack_status_t status;
        c = jack_client_open("guard_local", JackNoStartServer | JackServerName, &status, server);
        if (!c)
            usleep(100 * 1000);
    }
    if (!c)
        return -2;
    int rc = jack_set_process_callback(c, module_process, NULL);
    if (rc == 0 && jack_activate(c) == 0) {
        if (guard_jack_wait(&count, cycles, "guard_jackmod") != 0)
            rc = -3;
        jack_deactivate(c);
    }
    jack_client_close(c);
    *ran = count;
    return rc;
}
