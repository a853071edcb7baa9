# rtalloc-jack-demo: the JACK client of issue 5, built only when
# configure found JACK.  It links the guard so that every system-heap call
# inside the process callback is counted (and, by default, trapped).
JACK_DEMO_SOURCES = \
	examples/jack-demo/control.c \
	examples/jack-demo/control.h \
	examples/jack-demo/demo.h \
	examples/jack-demo/faults.c \
	examples/jack-demo/faults.h \
	examples/jack-demo/latency.c \
	examples/jack-demo/latency.h \
	examples/jack-demo/main.c \
	examples/jack-demo/messages.h \
	examples/jack-demo/options.c \
	examples/jack-demo/options.h \
	examples/jack-demo/process.c \
	examples/jack-demo/process.h \
	examples/jack-demo/report.c \
	examples/jack-demo/report.h \
	examples/jack-demo/spsc_ring.c \
	examples/jack-demo/spsc_ring.h \
	examples/jack-demo/synth.c \
	examples/jack-demo/synth.h \
	examples/jack-demo/wav.c \
	examples/jack-demo/wav.h

if HAVE_JACK
bin_PROGRAMS += examples/rtalloc-jack-demo
examples_rtalloc_jack_demo_SOURCES = $(JACK_DEMO_SOURCES)
examples_rtalloc_jack_demo_CFLAGS = $(AM_CFLAGS) $(JACK_CFLAGS)
examples_rtalloc_jack_demo_LDADD = guard/librtalloc_guard.la src/librtalloc.la $(JACK_LIBS) -lm
# Exported symbols let a guard trap report name the callback frame.
examples_rtalloc_jack_demo_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
endif
