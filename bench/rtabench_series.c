/* Chunked sample series and chunk brackets; see rtabench_series.h. */
#include "config.h"

#include "rtabench_series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rtabench_run.h"

void rb_series_init(rb_series *s)
{
    s->all = rb_hist_new();
    s->clean = rb_hist_new();
    s->n = 0;
    s->buf = malloc(RB_CHUNK_SAMPLES * sizeof s->buf[0]);
    if (!s->buf) {
        fprintf(stderr, "rtabench: out of memory for samples\n");
        exit(2);
    }
    memset(s->buf, 0, RB_CHUNK_SAMPLES * sizeof s->buf[0]);
}

void rb_series_destroy(rb_series *s)
{
    rb_hist_free(s->all);
    rb_hist_free(s->clean);
    free(s->buf);
}

void rb_series_flush(rb_series *s, int clean)
{
    for (unsigned i = 0; i < s->n; i++) {
        rb_hist_add(s->all, s->buf[i]);
        if (clean)
            rb_hist_add(s->clean, s->buf[i]);
    }
    s->n = 0;
}

void rb_series_clear(rb_series *s)
{
    rb_hist_clear(s->all);
    rb_hist_clear(s->clean);
    s->n = 0;
}

static long process_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt + ru.ru_majflt;
}

static long thread_nivcsw(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nivcsw;
}

void rb_chunk_begin(rb_chunk *c, int marker_fd)
{
    c->marker_fd = marker_fd;
    c->nivcsw0 = thread_nivcsw();
    c->faults0 = process_faults();
    if (write(marker_fd, RB_MARK_BEGIN, sizeof RB_MARK_BEGIN - 1) < 0)
        perror("rtabench: marker");
}

int rb_chunk_end(rb_chunk *c, rb_chunk_stats *st)
{
    if (write(c->marker_fd, RB_MARK_END, sizeof RB_MARK_END - 1) < 0)
        perror("rtabench: marker");
    st->faults += process_faults() - c->faults0;
    long pre = thread_nivcsw() - c->nivcsw0;
    st->preemptions += pre;
    st->chunks++;
    st->clean_chunks += pre == 0;
    return pre == 0;
}

long rb_thread_preemptions(void)
{
    static __thread long last;
    long now = thread_nivcsw(), d = now - last;
    last = now;
    return d;
}
