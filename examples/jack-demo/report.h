/* The exit report: a summary of the run, the five lines fixed by the API
 * contract (shared/spec/api.md), then rta_stats_write.  Not real-time:
 * called after the callback stopped. */
#ifndef JACK_DEMO_REPORT_H
#define JACK_DEMO_REPORT_H

struct demo;
struct wav_writer;

/* Writes the report to stdout (and why the run failed, if it did, to
 * stderr); returns the exit status: 0 only when the callback ran, reset
 * the arena every cycle and made no system-heap call. */
int report_write(const struct demo *d, double seconds_run, const struct wav_writer *wav);

#endif
