//! Finds librtalloc to link against, in this order:
//!
//! 1. `RTALLOC_BUILD_DIR`: the top of a configured and built rtalloc build
//!    tree (`make check` sets it).  The library is taken from its
//!    `src/.libs`, and the test binaries get that directory as their
//!    run path.
//! 2. `pkg-config rtalloc`: an installed rtalloc (`make install`).
//!
//! Only std: no `cc` or `pkg-config` crate, so the crate builds offline.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RTALLOC_BUILD_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    if let Some(dir) = env::var_os("RTALLOC_BUILD_DIR") {
        let libs = PathBuf::from(dir).join("src").join(".libs");
        if !libs.join("librtalloc.so").exists() && !libs.join("librtalloc.a").exists() {
            panic!(
                "RTALLOC_BUILD_DIR: no librtalloc in {} (run `make` in the build tree first)",
                libs.display()
            );
        }
        println!("cargo:rustc-link-search=native={}", libs.display());
        println!("cargo:rustc-link-lib=rtalloc");
        // The uninstalled shared library: found at run time without
        // LD_LIBRARY_PATH by the test and example binaries.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", libs.display());
        println!(
            "cargo:rerun-if-changed={}",
            libs.join("librtalloc.so").display()
        );
        return;
    }

    let pkg_config = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(&pkg_config)
        .args(["--libs", "rtalloc"])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!(
            "librtalloc not found: `{} --libs rtalloc` failed ({}). Install rtalloc \
             (make install) or set RTALLOC_BUILD_DIR to a built rtalloc build tree.",
            pkg_config,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "librtalloc not found: cannot run {} ({}). Install pkg-config and rtalloc, \
             or set RTALLOC_BUILD_DIR to a built rtalloc build tree.",
            pkg_config, e
        ),
    };
    let flags = String::from_utf8_lossy(&out.stdout).into_owned();
    for flag in flags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={}", lib);
        }
    }
}
