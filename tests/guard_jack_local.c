/* guard_jack_local: a program that does not link libjack; its JACK code
 * is in a module it opens with dlopen(RTLD_LOCAL) (libguard_jackmod).
 *
 *   guard_jack_local MODULE SERVER N    runs N cycles through the module;
 *                                       prints "status: S" (what
 *                                       jack_set_process_callback
 *                                       returned) and "cycles: C"
 *   guard_jack_local --no-libjack       calls jack_set_process_callback
 *                                       (the guard's, found by name) with
 *                                       no libjack loaded at all: prints
 *                                       "status: S" */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*run_fn)(const char *, unsigned long, unsigned long *);
typedef int (*set_fn)(void *, int (*)(unsigned, void *), void *);

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--no-libjack") == 0) {
        set_fn set = (set_fn)dlsym(RTLD_DEFAULT, "jack_set_process_callback");
        if (!set) {
            printf("no jack_set_process_callback at all\n");
            return 1;
        }
        printf("status: %d\n", set(NULL, NULL, NULL));
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: guard_jack_local MODULE SERVER N | --no-libjack\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "guard_jack_local: %s\n", dlerror());
        return 1;
    }
    run_fn run = (run_fn)dlsym(h, "guard_jackmod_run");
    unsigned long ran = 0;
    int status = run(argv[2], strtoul(argv[3], NULL, 10), &ran);
    printf("status: %d\ncycles: %lu\n", status, ran);
    return status == 0 ? 0 : 1;
}
