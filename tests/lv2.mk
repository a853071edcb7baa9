# tests/lv2.mk: rtalloc-synth, the LV2 plugin of examples/lv2 (issue 16).
#
# lv2_render.sh  lv2ls/lv2info see the bundle of the build tree; lv2apply
#                renders the built-in sequence to the same samples twice,
#                with the sine's period, silences and note counts the
#                sequence implies (also in the ASan/TSan builds)
# lv2_guard.sh   the same under librtalloc_guard (trap and count): run()
#                makes no system-heap call, and a planted malloc is
#                counted the same by the guard and by the plugin itself
# lv2_jalv.sh    jalv hosts the plugin on a real jackd -R -d dummy under
#                the guard (count mode, jalv's own calls suppressed):
#                notes, voices and worker tables go by, and the plugin's
#                module makes no system-heap call
# lv2_wav        writes and analyzes the float WAV files of those tests
# lv2_midi_source  a JACK MIDI client that plays notes into jalv
LV2_TESTS = tests/lv2_render.sh tests/lv2_guard.sh tests/lv2_jalv.sh
EXTRA_DIST += $(LV2_TESTS) tests/lv2_lib.sh tests/lv2_jalv.supp
if HAVE_LV2
check_PROGRAMS += tests/lv2_wav
tests_lv2_wav_SOURCES = tests/lv2_wav.c
if HAVE_JACK
check_PROGRAMS += tests/lv2_midi_source
tests_lv2_midi_source_SOURCES = tests/lv2_midi_source.c
tests_lv2_midi_source_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
tests_lv2_midi_source_LDADD = $(JACK_LIBS)
endif
TESTS += $(LV2_TESTS)
endif
CLEANFILES += tests/lv2_*.wav tests/lv2_*.log tests/lv2_*.out
