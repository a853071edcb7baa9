//! `Error`: an `RTA_ERR_*` code with `rta_strerror`'s words.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use crate::ffi;

/// Why a heap or arena could not be made: one of librtalloc's negative
/// `RTA_ERR_*` codes.  `Display` gives `rta_strerror`'s words, which name
/// what to change.
///
/// ```
/// let cfg = rtalloc::Config { pool_bytes: 0, ..Default::default() };
/// let err = rtalloc::Heap::new(&cfg).unwrap_err();
/// assert_eq!(err.code(), -1); // RTA_ERR_CONFIG
/// assert!(!err.to_string().is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error {
    code: c_int,
}

impl Error {
    pub(crate) fn from_code(code: c_int) -> Error {
        Error { code }
    }

    /// The `RTA_ERR_*` code (negative).
    pub fn code(&self) -> i32 {
        self.code
    }

    fn words(&self) -> &'static str {
        // rta_strerror returns static strings of the library.
        let p = unsafe { ffi::rta_strerror(self.code) };
        if p.is_null() {
            return "unknown rtalloc error";
        }
        unsafe { CStr::from_ptr(p) }
            .to_str()
            .unwrap_or("unknown rtalloc error")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.code, self.words())
    }
}

impl std::error::Error for Error {}
