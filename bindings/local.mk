# Language bindings (issue 12): the Rust crate and the C++17 header.
include bindings/rust/local.mk
include bindings/cxx/local.mk
