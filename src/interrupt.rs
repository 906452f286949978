//! Ctrl-C: the CLI registers SIGINT (and SIGTERM, which Slurm sends at a time limit)
//! to set a flag; long loops check it between chunks and stop with
//! [`Error::Interrupted`], so every staging folder is dropped and removed on the way
//! out and no output is left half-written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use crate::error::Error;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Sets the flag on SIGINT and SIGTERM. A second signal ends the process at once
/// (exit 130), for a user who will not wait for the cleanup.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for sig in [SIGINT, SIGTERM] {
        // Runs before the flag is set, so it fires only on the second signal.
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(flag))?;
        signal_hook::flag::register(sig, Arc::clone(flag))?;
    }
    Ok(())
}

/// Whether a signal has arrived.
pub fn is_set() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

/// `Err(Interrupted)` once a signal has arrived.
pub fn check() -> Result<(), Error> {
    if is_set() {
        return Err(Error::Interrupted);
    }
    Ok(())
}
