/* Samples of one operation, measured in chunks, and the chunk brackets.
 *
 * A shared machine preempts the measuring thread every millisecond or
 * so, and a preemption inside a timed call costs the scheduler's time
 * slice, not the allocator's.  So each measured pass runs in short chunks
 * (at most RB_CHUNK_SAMPLES timed calls of a kind, 0.1 to 0.5 ms): samples
 * go to a buffer, and after the chunk the thread's involuntary context
 * switches (getrusage RUSAGE_THREAD) tell whether it was preempted.  Every
 * sample goes to the "all" histogram; samples of chunks without a
 * preemption also go to the "clean" one.  Both are reported, nothing is
 * thrown away, because the clean figures lean optimistic: a chunk in which
 * the allocator itself was slow (or entered the kernel, where the
 * scheduler gets its chance) is a little more likely to be preempted.
 *
 * Each chunk is bracketed by rb_chunk_begin/rb_chunk_end: page faults
 * (getrusage RUSAGE_SELF) are summed over the chunks only, and a marker
 * write to /dev/null at each edge lets the strace pass count only the
 * system calls made inside chunks; the harness's own calls between chunks
 * are outside the markers. */
#ifndef RTABENCH_SERIES_H
#define RTABENCH_SERIES_H

#include <stdint.h>

#include "rtabench_hist.h"

#define RB_CHUNK_SAMPLES 2048u

typedef struct rb_series {
    rb_hist *all, *clean;
    unsigned n; /* samples in buf, this chunk */
    uint32_t *buf;
} rb_series;

/* Set-up: histograms and buffer allocated and written (no faults later). */
void rb_series_init(rb_series *s);
void rb_series_destroy(rb_series *s);
/* After a chunk: buffer into the histograms (clean too when clean). */
void rb_series_flush(rb_series *s, int clean);
/* Warm-up: forgets the buffer. */
static inline void rb_series_discard(rb_series *s)
{
    s->n = 0;
}
/* Forgets everything recorded so far. */
void rb_series_clear(rb_series *s);

static inline void rb_series_add(rb_series *s, uint64_t ticks)
{
    s->buf[s->n++] = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

/* Per-thread chunk accounting. */
typedef struct rb_chunk_stats {
    long faults;      /* minor + major, whole process, inside chunks */
    long preemptions; /* involuntary context switches of this thread */
    long chunks, clean_chunks;
} rb_chunk_stats;

/* The measuring thread's brackets: thread preemptions, process faults and
 * the strace markers.  rb_chunk_end returns 1 if the chunk was clean. */
typedef struct rb_chunk {
    int marker_fd;
    long faults0, nivcsw0;
} rb_chunk;
void rb_chunk_begin(rb_chunk *c, int marker_fd);
int rb_chunk_end(rb_chunk *c, rb_chunk_stats *st);

/* For a helper thread (no markers, no faults): preemptions since the last
 * call; the first call sets the baseline. */
long rb_thread_preemptions(void);

#endif
