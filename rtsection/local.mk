# rtsection/: audio libraries' real-time callbacks made RT sections, compiled
# into each rtalloc library that needs them (librtalloc_guard, and a library
# making rtalloc the process's malloc).  Not a library of its own: each user
# adds $(RTSECTION_SOURCES) to its sources and defines the hooks of
# rtsection/rtsection.h.  The JACK part only when configure found JACK.
RTSECTION_SOURCES = rtsection/rtsection.h rtsection/next.c rtsection/portaudio.c rtsection/sdl.c
if HAVE_JACK
RTSECTION_SOURCES += rtsection/jack.c
endif
EXTRA_DIST += rtsection/jack.c
