/* libguard_host: stands for a host library that allocates in every cycle
 * on the program's behalf (as jalv's sord_ask does): the suppression
 * tests silence it by function (fun:host_ask) or by module
 * (mod:libguard_host*), and the attribution tests expect its calls under
 * its own module. */
#include <stdlib.h>

void host_ask(void);

static void *(*volatile sys_calloc)(size_t, size_t) = calloc;
static void (*volatile sys_free)(void *) = free;

void host_ask(void)
{
    sys_free(sys_calloc(4, 16));
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}
