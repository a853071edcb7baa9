/* Command-line options of rtalloc-jack-demo.
 *
 * Parsing is kept apart from everything else so that a bad option is
 * rejected before the demo touches JACK or reserves any memory. */
#ifndef JACK_DEMO_OPTIONS_H
#define JACK_DEMO_OPTIONS_H

enum record_format {
    RECORD_FLOAT32, /* IEEE float samples (WAVE_FORMAT_IEEE_FLOAT) */
    RECORD_PCM16    /* 16-bit integer samples (WAVE_FORMAT_PCM) */
};

struct demo_options {
    unsigned seconds;        /* run time; 0 never happens after parsing */
    const char *server;      /* JACK server name, NULL: the default one */
    int naughty;             /* call malloc inside the callback now and then */
    const char *record_path; /* WAV file to write, NULL: no recording */
    enum record_format record_format;
    int no_connect; /* leave the output ports unconnected */
    const char *profile_path; /* --profile: JSON profile (RTA_PROFILE), or NULL */
};

enum options_result {
    OPTIONS_RUN,  /* options parsed, run the demo */
    OPTIONS_EXIT, /* --help or --version printed, exit 0 */
    OPTIONS_ERROR /* message printed on stderr, exit 2 */
};

/* Fills opts from argv.  Prints --help/--version on stdout and errors
 * (with a hint to --help) on stderr. */
enum options_result options_parse(struct demo_options *opts, int argc, char **argv);

#endif
