/* librtalloc_malloc's side of rtsection/ (rtsection.h): each cycle of a
 * watched audio callback (a JACK process cycle, ...) is an RT section, so
 * a request there that the pools serve passes unreported and one that
 * takes the system path is counted or trapped (rt.c).  The wrapping itself
 * is rtsection/'s, the same code librtalloc_guard compiles. */
#include "malloc.h"

#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "rtsection.h"

void rtsection_init(void)
{
    rta__malloc_start();
}

int rtsection_wanted(void)
{
    return rta__malloc.rt_mode != RTA__RT_OFF;
}

/* The folder's own look-ups (dlsym) run outside cycles, where nothing is
 * reported anyway. */
void rtsection_busy(int delta)
{
    (void)delta;
}

void rtsection_say(const char *line)
{
    struct rta__fmt f = {.len = 0};
    rta__fmt_str(&f, "rtalloc: ");
    rta__fmt_str(&f, line);
    rta__fmt_flush(&f, 2);
}

void rtsection_cycle_begin(struct rtsection_cycle *c)
{
    c->entered = 1;
    rta_rt_enter();
}

void rtsection_cycle_end(struct rtsection_cycle *c)
{
    if (c->entered)
        rta_rt_leave();
}
