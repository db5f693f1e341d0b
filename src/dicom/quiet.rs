//! Running third-party parsers and codecs on hostile bytes: a panic inside becomes an error,
//! and no panic text reaches the terminal.
//!
//! `catch_unwind` alone stops the unwinding but the default panic hook has already printed
//! "thread … panicked at …" to stderr. [`catch`] marks the current thread while it runs; a hook
//! installed once (wrapping whatever hook was there) stays silent for marked threads and passes
//! every other panic on unchanged.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Runs `f`; a panic inside becomes `Err(what)` without printing anything.
pub(crate) fn catch<R>(what: &str, f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get().saturating_sub(1)));
    result.map_err(|_| what.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_caught_panic_is_an_error() {
        let r: Result<(), String> = super::catch("the codec failed", || panic!("boom"));
        assert_eq!(r, Err("the codec failed".to_owned()));
        assert_eq!(super::catch("x", || 7), Ok(7));
    }
}
