# examples/lv2: rtalloc-synth, an LV2 instrument built on rtalloc (issue
# 16), built when configure found lv2-dev.  `make install` puts the bundle
# rtalloc-synth.lv2 (module and .ttl files) in $(lv2dir), $(libdir)/lv2 by
# default.  `make` also assembles the bundle in the build tree, so that
# LV2_PATH=$(builddir)/lv2 finds it (the tests use it that way).
LV2_SYNTH_TTL = examples/lv2/manifest.ttl examples/lv2/rtalloc-synth.ttl
EXTRA_DIST += $(LV2_SYNTH_TTL)

if HAVE_LV2
lv2synthdir = $(lv2dir)/rtalloc-synth.lv2
lv2synth_LTLIBRARIES = examples/lv2/rtalloc_synth.la
lv2synth_DATA = $(LV2_SYNTH_TTL)
examples_lv2_rtalloc_synth_la_SOURCES = \
	examples/lv2/synth.h \
	examples/lv2/plugin.c \
	examples/lv2/voices.c \
	examples/lv2/wavetable.c \
	examples/lv2/worker.c \
	examples/lv2/demo.c \
	examples/lv2/stats.c
# Only lv2_descriptor is exported.
examples_lv2_rtalloc_synth_la_CFLAGS = $(AM_CFLAGS) $(LV2_CFLAGS) -fvisibility=hidden
examples_lv2_rtalloc_synth_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-no-undefined
examples_lv2_rtalloc_synth_la_LIBADD = src/librtalloc.la -lm

# The bundle in the build tree: the .ttl files next to a copy of the module.
LV2_SYNTH_BUNDLE = lv2/rtalloc-synth.lv2
noinst_DATA = $(LV2_SYNTH_BUNDLE)/rtalloc_synth.so
# rm first: in `make distcheck` the copies of the read-only sources are
# read-only too.
$(LV2_SYNTH_BUNDLE)/rtalloc_synth.so: examples/lv2/rtalloc_synth.la \
		$(srcdir)/examples/lv2/manifest.ttl $(srcdir)/examples/lv2/rtalloc-synth.ttl
	$(AM_V_GEN)$(MKDIR_P) $(LV2_SYNTH_BUNDLE) && \
	rm -f $(LV2_SYNTH_BUNDLE)/manifest.ttl $(LV2_SYNTH_BUNDLE)/rtalloc-synth.ttl $@ && \
	cp $(srcdir)/examples/lv2/manifest.ttl $(srcdir)/examples/lv2/rtalloc-synth.ttl \
		$(LV2_SYNTH_BUNDLE)/ && \
	cp examples/lv2/.libs/rtalloc_synth.so $@
CLEANFILES += $(LV2_SYNTH_BUNDLE)/rtalloc_synth.so $(LV2_SYNTH_BUNDLE)/manifest.ttl \
	$(LV2_SYNTH_BUNDLE)/rtalloc-synth.ttl
endif
