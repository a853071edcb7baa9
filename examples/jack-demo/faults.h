/* Page faults of one thread, read from /proc/self/task/TID/stat.
 *
 * The main thread reads the process thread's counts after a warm-up and at
 * the end of the run: the difference shows whether the steady-state cycles
 * touched a page for the first time (locked, prefaulted memory should not),
 * without adding anything to the callback. */
#ifndef JACK_DEMO_FAULTS_H
#define JACK_DEMO_FAULTS_H

#include <stdint.h>

/* 0 and the minor and major fault counts of thread tid, or -1. */
int thread_faults(int tid, uint64_t *minor, uint64_t *major);

#endif
