# bindings/cxx/local.mk: include/rtalloc.hpp, the C++17 header (issue 12),
# its tests and its example, all built with -std=c++17.
#   check_rtalloc_hpp  Check tests: pmr containers on pool_resource and
#                      arena_resource, STL containers with rta::allocator,
#                      arena reset, equality, alignment, failures
#   hpp_no_exceptions  the header alone with -fno-exceptions -Wpedantic:
#                      a failed allocation aborts
#   plugin_example     a plugin-style process function with std::pmr
#                      vectors on the frame arena, under the guard
include_HEADERS += include/rtalloc.hpp

CXX17_FLAGS = -std=c++17 $(AM_CXXFLAGS)

check_PROGRAMS += bindings/cxx/check_rtalloc_hpp bindings/cxx/hpp_no_exceptions
TESTS += bindings/cxx/check_rtalloc_hpp bindings/cxx/hpp_no_exceptions
bindings_cxx_check_rtalloc_hpp_SOURCES = bindings/cxx/check_rtalloc_hpp.cc
bindings_cxx_check_rtalloc_hpp_CXXFLAGS = $(CXX17_FLAGS) @CHECK_CFLAGS@
bindings_cxx_check_rtalloc_hpp_LDADD = src/librtalloc.la @CHECK_LIBS@
bindings_cxx_hpp_no_exceptions_SOURCES = bindings/cxx/hpp_no_exceptions.cc
bindings_cxx_hpp_no_exceptions_CXXFLAGS = $(CXX17_FLAGS) -fno-exceptions -Wpedantic
bindings_cxx_hpp_no_exceptions_LDADD = src/librtalloc.la

noinst_PROGRAMS += bindings/cxx/plugin_example
TESTS += bindings/cxx/plugin_example
bindings_cxx_plugin_example_SOURCES = bindings/cxx/plugin_example.cc
bindings_cxx_plugin_example_CXXFLAGS = $(CXX17_FLAGS)
bindings_cxx_plugin_example_LDADD = guard/librtalloc_guard.la src/librtalloc.la -lm
