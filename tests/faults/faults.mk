# tests/faults/faults.mk: fault injection (issue 15).  check_faults wraps
# mmap, munmap, mlock, pthread_key_create, pthread_setspecific and the
# system heap at link time (-Wl,--wrap) and links librtalloc statically so
# that the library's own calls go through the wrappers.
check_PROGRAMS += tests/faults/check_faults
TESTS += tests/faults/check_faults
tests_faults_check_faults_SOURCES = tests/faults/check_faults.c
tests_faults_check_faults_LDADD = src/librtalloc.la
tests_faults_check_faults_LDFLAGS = $(AM_LDFLAGS) -static \
	-Wl,--wrap=mmap -Wl,--wrap=munmap -Wl,--wrap=mlock \
	-Wl,--wrap=pthread_key_create -Wl,--wrap=pthread_setspecific \
	-Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=posix_memalign
