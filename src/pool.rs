//! The worker threads of a command (`--threads`).

use crate::error::Error;

/// The most worker threads a command starts. More than this is never faster on a
/// machine of today, and a typo (`--threads 100000`) would start them all.
pub const MAX_THREADS: usize = 1024;

/// Refuses a `--threads` of 0 or above [`MAX_THREADS`].
pub fn check(threads: Option<usize>) -> Result<(), Error> {
    match threads {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) if n > MAX_THREADS => Err(Error::Usage(format!(
            "--threads {n} is more than {MAX_THREADS}; use at most one per core (this machine has {})",
            std::thread::available_parallelism().map_or(1, usize::from)
        ))),
        _ => Ok(()),
    }
}

/// Runs `work` on a pool of `threads` workers, or, with `None`, on rayon's global pool
/// (one worker per core). Every command that takes `--threads` goes through here, so
/// each builds its pool and reports a failure to start one the same way. No result
/// depends on the number of threads; only the wall time does.
pub fn install<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, Error> {
    check(threads)?;
    match threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {n} threads: {e}")))?
            .install(work)),
        None => Ok(work()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_the_number_of_threads_asked_for() {
        assert_eq!(install(Some(3), rayon::current_num_threads).unwrap(), 3);
        assert_eq!(install(Some(1), rayon::current_num_threads).unwrap(), 1);
        assert_eq!(
            install(None, rayon::current_num_threads).unwrap(),
            rayon::ThreadPoolBuilder::new()
                .build()
                .unwrap()
                .current_num_threads()
        );
        // rayon would take 0 for "one per core"; a user who typed it meant something else.
        let err = install(Some(0), || ()).unwrap_err().to_string();
        assert!(err.contains("--threads must be at least 1"), "{err}");
        let err = install(Some(MAX_THREADS + 1), || ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 1024"), "{err}");
    }
}
