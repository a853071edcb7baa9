# tests/guard.mk: librtalloc_guard (issue 4).
#
# check_guard        counting: sections, nesting, threads, every entry
#                    point, strict mode, rtalloc's own fallback not counted
# check_guard_trap   reports in child processes: trap (SIGABRT + text),
#                    count-mode exit line, log mode (each site once)
# guard_symbols.sh   the library exports nothing but the interposed names
#                    and rta_guard_*
# guard_preload.sh   LD_PRELOAD into ordinary programs, the rtalloc-guard
#                    script, addr2line on a trap report's module+offset,
#                    calls from a thread that runs before the guard's
#                    constructor
# guard_jack.sh      a real jackd (dummy driver) and two plain libjack
#                    clients, preloaded: clean (0, the guard's cycle count
#                    is the client's), naughty (counted, trapped, skipped
#                    cycles), summaries on SIGTERM and SIGINT
GUARD_TEST_LIBS = guard/librtalloc_guard.la src/librtalloc.la

check_PROGRAMS += tests/check_guard tests/check_guard_trap tests/guard_preload_client
TESTS += tests/check_guard tests/check_guard_trap tests/guard_symbols.sh \
	tests/guard_preload.sh
EXTRA_DIST += tests/guard_symbols.sh tests/guard_preload.sh tests/guard_jack.sh \
	tests/guard_jack_lib.sh

tests_check_guard_SOURCES = tests/check_guard.c
tests_check_guard_CFLAGS = $(AM_CFLAGS) @CHECK_CFLAGS@
tests_check_guard_LDADD = $(GUARD_TEST_LIBS) @CHECK_LIBS@

tests_check_guard_trap_SOURCES = tests/check_guard_trap.c
tests_check_guard_trap_CFLAGS = $(AM_CFLAGS) @CHECK_CFLAGS@
tests_check_guard_trap_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_check_guard_trap_LDADD = $(GUARD_TEST_LIBS) @CHECK_LIBS@

# Preloaded after the guard, so its constructor (and the thread it starts)
# runs before the guard's constructor.  A libtool module: -rpath makes it
# shared although it is never installed.
check_LTLIBRARIES += tests/libguard_early.la
tests_libguard_early_la_SOURCES = tests/guard_early_lib.c
tests_libguard_early_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere
tests_libguard_early_la_LIBADD = src/librtalloc.la

# guard_sites.sh: attribution of calls to sites and modules, and
# RTALLOC_GUARD_SUPPRESS, _ALLOW, _EXIT_CODE, on a plain program whose
# "host library" allocates on its behalf.
check_PROGRAMS += tests/guard_sites_client
TESTS += tests/guard_sites.sh
EXTRA_DIST += tests/guard_sites.sh
check_LTLIBRARIES += tests/libguard_host.la
tests_libguard_host_la_SOURCES = tests/guard_host_lib.c
tests_libguard_host_la_LDFLAGS = $(AM_LDFLAGS) -avoid-version -rpath /nowhere
tests_guard_sites_client_SOURCES = tests/guard_sites_client.c
tests_guard_sites_client_LDADD = tests/libguard_host.la src/librtalloc.la

# A plain program (no rtalloc, no guard linked) for the preload test.
tests_guard_preload_client_SOURCES = tests/guard_preload_client.c
tests_guard_preload_client_LDADD = src/librtalloc.la

if HAVE_JACK
check_PROGRAMS += tests/guard_jack_clean tests/guard_jack_naughty
TESTS += tests/guard_jack.sh
tests_guard_jack_clean_SOURCES = tests/guard_jack_clean.c tests/guard_jack_wait.h tests/jack_test_open.h
tests_guard_jack_clean_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
tests_guard_jack_clean_LDADD = $(JACK_LIBS) -lm
tests_guard_jack_naughty_SOURCES = tests/guard_jack_naughty.c tests/guard_jack_wait.h tests/jack_test_open.h
tests_guard_jack_naughty_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
tests_guard_jack_naughty_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
tests_guard_jack_naughty_LDADD = $(JACK_LIBS)

# guard_jack_more.sh: timebase and sync callbacks, libjack opened by an
# RTLD_LOCAL module (and not loaded at all), log mode's sites under a
# 300-malloc burst.
check_PROGRAMS += tests/guard_jack_cases tests/guard_jack_local
check_LTLIBRARIES += tests/libguard_jackmod.la
TESTS += tests/guard_jack_more.sh
tests_guard_jack_cases_SOURCES = tests/guard_jack_cases.c tests/guard_jack_wait.h tests/jack_test_open.h
tests_guard_jack_cases_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
tests_guard_jack_cases_LDADD = $(JACK_LIBS)
tests_guard_jack_local_SOURCES = tests/guard_jack_local.c
tests_guard_jack_local_LDADD = -ldl
tests_libguard_jackmod_la_SOURCES = tests/guard_jack_module.c tests/guard_jack_wait.h
tests_libguard_jackmod_la_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
tests_libguard_jackmod_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -rpath /nowhere
tests_libguard_jackmod_la_LIBADD = $(JACK_LIBS)
endif
EXTRA_DIST += tests/guard_jack_more.sh

# guard_audio_libs.sh: PortAudio stream callbacks (through its JACK host
# API, on the dummy server) and SDL2 audio callbacks (SDL's dummy driver).
check_PROGRAMS += tests/guard_pa_client tests/guard_sdl_client
TESTS += tests/guard_audio_libs.sh
EXTRA_DIST += tests/guard_audio_libs.sh

# guard_programs.sh: real Debian programs under the guard (jalv hosting an
# LV2 plugin, fluidsynth, jack-play), attribution by module.
TESTS += tests/guard_programs.sh tests/guard_man.sh
EXTRA_DIST += tests/guard_programs.sh tests/guard_man.sh
tests_guard_pa_client_SOURCES = tests/guard_pa_client.c tests/guard_jack_wait.h
tests_guard_pa_client_LDADD = -ldl
tests_guard_sdl_client_SOURCES = tests/guard_sdl_client.c tests/guard_jack_wait.h
tests_guard_sdl_client_LDADD = -ldl
