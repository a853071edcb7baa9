# bindings/rust/local.mk: the Rust crate `rtalloc` (issue 12).  Cargo
# builds it; `make check` runs bindings/rust/rust-tests, which calls
# `cargo test` against this build tree's librtalloc (skipped with a message
# when cargo is missing or the build is sanitized).  Cargo's output goes to
# bindings/rust/target in the build tree.
#
#   make rust-bench   RtAlloc against Rust's default allocator on one
#                     allocation-heavy loop (release build, about a minute)
RUST_CRATE_FILES = \
	bindings/rust/Cargo.toml \
	bindings/rust/Cargo.lock \
	bindings/rust/build.rs \
	bindings/rust/README.md \
	bindings/rust/src/lib.rs \
	bindings/rust/src/arena.rs \
	bindings/rust/src/count.rs \
	bindings/rust/src/error.rs \
	bindings/rust/src/ffi.rs \
	bindings/rust/src/global.rs \
	bindings/rust/src/heap.rs \
	bindings/rust/src/rt.rs \
	bindings/rust/src/stats.rs \
	bindings/rust/tests/counting.rs \
	bindings/rust/tests/exhaustion.rs \
	bindings/rust/tests/global.rs \
	bindings/rust/tests/heap.rs \
	bindings/rust/tests/or_system.rs \
	bindings/rust/examples/audio_callback.rs \
	bindings/rust/examples/alloc_loop_rtalloc.rs \
	bindings/rust/examples/alloc_loop_system.rs \
	bindings/rust/examples/common/alloc_loop.rs
EXTRA_DIST += $(RUST_CRATE_FILES) bindings/rust/rust-tests.in bindings/rust/rust-bench.sh \
	bindings/rust/layout-probe.c

# Prints the C layout of the structs src/ffi.rs mirrors, for the crate's
# layout test.
check_PROGRAMS += bindings/rust/layout-probe
bindings_rust_layout_probe_SOURCES = bindings/rust/layout-probe.c

check_SCRIPTS += bindings/rust/rust-tests
TESTS += bindings/rust/rust-tests
CLEANFILES += bindings/rust/rust-tests bindings/rust/naughty.out
bindings/rust/rust-tests: $(srcdir)/bindings/rust/rust-tests.in Makefile
	$(AM_V_GEN)$(MKDIR_P) bindings/rust && \
	$(SED) -e 's|@abs_top_srcdir[@]|$(abs_top_srcdir)|g' \
	    -e 's|@abs_top_builddir[@]|$(abs_top_builddir)|g' \
	    -e 's|@SANITIZE_CFLAGS[@]|$(SANITIZE_CFLAGS)|g' \
	    $(srcdir)/bindings/rust/rust-tests.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

rust-bench: src/librtalloc.la
	RTALLOC_BUILD_DIR=$(abs_top_builddir) CARGO_TARGET_DIR=$(abs_top_builddir)/bindings/rust/target \
	    $(SHELL) $(srcdir)/bindings/rust/rust-bench.sh $(srcdir)/bindings/rust/Cargo.toml
.PHONY: rust-bench

# Cargo's build directory (a tree: CLEANFILES only removes files).
mostlyclean-local: mostlyclean-rust
mostlyclean-rust:
	-rm -rf bindings/rust/target
.PHONY: mostlyclean-rust
