/* Command-line parsing for rtalloc-jack-demo (getopt_long).
 *
 * Numbers are checked strictly (digits only, in range) because a demo that
 * silently runs for 0 seconds on "--seconds 5s" would look like it works
 * while proving nothing. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtalloc.h"

#define DEFAULT_SECONDS 5u
#define MAX_SECONDS 86400u

static void print_usage(FILE *out)
{
    fputs("Usage: rtalloc-jack-demo [OPTION]...\n"
          "A small JACK synthesizer that allocates with rtalloc inside its\n"
          "process callback, resets a frame arena every cycle and proves that\n"
          "the callback never calls the system heap.\n"
          "\n"
          "  --seconds N           run N seconds, then print the report (default 5)\n"
          "  --server NAME         connect to the JACK server NAME (default: the\n"
          "                        default server); never starts a server\n"
          "  --record FILE         write the rendered stereo audio to FILE (WAV)\n"
          "  --record-format FMT   float (32-bit float, default) or s16 (16-bit)\n"
          "  --no-connect          do not connect the outputs to system:playback_*\n"
          "  --profile FILE        exact peaks (RTA_PROFILE), written to FILE as JSON\n"
          "                        at exit: the input of rtalloc-plan\n"
          "  --naughty             call malloc inside the callback now and then,\n"
          "                        to show the guard trapping it\n"
          "  --help                print this help and exit\n"
          "  --version             print the rtalloc version and exit\n"
          "\n"
          "Exit status: 0 when the callback ran, reset the arena every cycle and\n"
          "made no system-heap call; 1 otherwise or on a run-time error (no\n"
          "JACK server, ...); 2 on a bad option.\n",
          out);
}

static int parse_seconds(const char *text, unsigned *out)
{
    char *end = NULL;
    unsigned long value;

    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value == 0 || value > MAX_SECONDS)
        return -1;
    *out = (unsigned)value;
    return 0;
}

enum options_result options_parse(struct demo_options *opts, int argc, char **argv)
{
    enum {
        OPT_SECONDS = 256,
        OPT_SERVER,
        OPT_NAUGHTY,
        OPT_RECORD,
        OPT_RECORD_FORMAT,
        OPT_NO_CONNECT,
        OPT_PROFILE,
        OPT_HELP,
        OPT_VERSION
    };
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"server", required_argument, NULL, OPT_SERVER},
        {"naughty", no_argument, NULL, OPT_NAUGHTY},
        {"record", required_argument, NULL, OPT_RECORD},
        {"record-format", required_argument, NULL, OPT_RECORD_FORMAT},
        {"no-connect", no_argument, NULL, OPT_NO_CONNECT},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0}};
    int c;

    memset(opts, 0, sizeof *opts);
    opts->seconds = DEFAULT_SECONDS;
    opts->record_format = RECORD_FLOAT32;

    opterr = 0; /* our own messages; the leading ':' asks for ':' on a missing value */
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SECONDS:
            if (parse_seconds(optarg, &opts->seconds) != 0) {
                fprintf(stderr,
                        "rtalloc-jack-demo: --seconds wants a whole number "
                        "from 1 to %u, not '%s'\n",
                        MAX_SECONDS, optarg);
                return OPTIONS_ERROR;
            }
            break;
        case OPT_SERVER:
            if (optarg[0] == '\0') {
                fputs("rtalloc-jack-demo: --server wants a non-empty name\n", stderr);
                return OPTIONS_ERROR;
            }
            opts->server = optarg;
            break;
        case OPT_NAUGHTY:
            opts->naughty = 1;
            break;
        case OPT_RECORD:
            if (optarg[0] == '\0') {
                fputs("rtalloc-jack-demo: --record wants a file name\n", stderr);
                return OPTIONS_ERROR;
            }
            opts->record_path = optarg;
            break;
        case OPT_RECORD_FORMAT:
            if (strcmp(optarg, "float") == 0) {
                opts->record_format = RECORD_FLOAT32;
            } else if (strcmp(optarg, "s16") == 0) {
                opts->record_format = RECORD_PCM16;
            } else {
                fprintf(stderr,
                        "rtalloc-jack-demo: --record-format is 'float' or "
                        "'s16', not '%s'\n",
                        optarg);
                return OPTIONS_ERROR;
            }
            break;
        case OPT_NO_CONNECT:
            opts->no_connect = 1;
            break;
        case OPT_PROFILE:
            if (optarg[0] == '\0') {
                fputs("rtalloc-jack-demo: --profile wants a file name\n", stderr);
                return OPTIONS_ERROR;
            }
            opts->profile_path = optarg;
            break;
        case OPT_HELP:
            print_usage(stdout);
            return OPTIONS_EXIT;
        case OPT_VERSION:
            printf("rtalloc-jack-demo (rtalloc %s)\n", rta_version());
            return OPTIONS_EXIT;
        case ':':
            fprintf(stderr, "rtalloc-jack-demo: option '%s' needs a value\n", argv[optind - 1]);
            fputs("Try 'rtalloc-jack-demo --help'.\n", stderr);
            return OPTIONS_ERROR;
        default:
            /* optopt: the letter of an unknown short option, 0 for a long one. */
            if (optopt > 0 && optopt < 256)
                fprintf(stderr, "rtalloc-jack-demo: unknown option '-%c'\n", optopt);
            else
                fprintf(stderr, "rtalloc-jack-demo: unknown option '%s'\n", argv[optind - 1]);
            fputs("Try 'rtalloc-jack-demo --help'.\n", stderr);
            return OPTIONS_ERROR;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rtalloc-jack-demo: unexpected argument '%s'\n", argv[optind]);
        fputs("Try 'rtalloc-jack-demo --help'.\n", stderr);
        return OPTIONS_ERROR;
    }
    return OPTIONS_RUN;
}
