# The JACK demo on a real JACK server (issue 5).  Each script starts its
# own private jackd (dummy backend) and skips (77) only when jackd cannot
# run; without JACK at configure time the demo is not built and they skip.
JACK_DEMO_TESTS = \
	tests/jack_demo.sh \
	tests/jack_demo_naughty.sh \
	tests/jack_demo_midi.sh \
	tests/jack_demo_errors.sh \
	tests/jack_demo_profile.sh
TESTS += $(JACK_DEMO_TESTS)
EXTRA_DIST += $(JACK_DEMO_TESTS) tests/jack_demo_lib.sh
CLEANFILES += tests/jack_demo*.out tests/jack_demo*.err tests/jack_demo*.wav \
	tests/jack_demo*.jackd.log
