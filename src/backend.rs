//! Which of the model's fast paths run: one switch, `FASTLAKARE_BACKEND`.
//!
//! - `auto` (or unset): the fastest this processor has.
//! - `portable`: none of the AVX-512 paths; what a processor without AVX-512 (Apple
//!   silicon, most AMD before Zen 4) runs, one region-run at a time.
//! - `avx512`: eight region-runs side by side (AVX-512 F, DQ, BW and popcnt).
//! - `avx512-lookups`: also each region-run's intake years side by side, with byte
//!   lookups (AVX-512 VBMI, GFNI, BITALG).
//!
//! Every backend gives the same bits (tests compare them; `.ci/run` runs the
//! integration tests and the golden output with `portable` and with `auto`). Asking by
//! name for one the processor cannot run is an error, not a quiet fallback.

use std::sync::OnceLock;

use crate::error::Error;

/// The environment variable that chooses the backend.
pub const ENV: &str = "FASTLAKARE_BACKEND";

/// The model's fast paths, slowest first: each includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Backend {
    Portable,
    Avx512,
    Avx512Lookups,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Portable, Backend::Avx512, Backend::Avx512Lookups];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Avx512 => "avx512",
            Backend::Avx512Lookups => "avx512-lookups",
        }
    }

    /// The fastest backend this processor can run.
    pub fn best() -> Backend {
        if cpu_has_lookups() {
            Backend::Avx512Lookups
        } else if cpu_has_avx512() {
            Backend::Avx512
        } else {
            Backend::Portable
        }
    }

    /// The backend `value` of [`ENV`] asks for, checked against this processor.
    pub fn parse(value: &str) -> Result<Backend, String> {
        let value = value.trim();
        if value.is_empty() || value == "auto" {
            return Ok(Backend::best());
        }
        let asked = Backend::ALL
            .into_iter()
            .find(|b| b.name() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = Backend::ALL.iter().map(|b| b.name()).collect();
                format!(
                    "{ENV}={value:?} is not a backend (auto, {})",
                    names.join(", ")
                )
            })?;
        if asked > Backend::best() {
            return Err(format!(
                "{ENV}={value}: this processor cannot run it (it has {}); use auto or portable",
                Backend::best().name()
            ));
        }
        Ok(asked)
    }
}

/// The backend in force, from [`ENV`]; the command line calls this first, so a bad
/// value is refused before anything runs.
pub fn from_env() -> Result<Backend, Error> {
    match std::env::var(ENV) {
        Err(std::env::VarError::NotPresent) => Ok(Backend::best()),
        Err(std::env::VarError::NotUnicode(v)) => {
            Err(Error::Usage(format!("{ENV}={v:?} is not a backend")))
        }
        Ok(v) => Backend::parse(&v).map_err(Error::Usage),
    }
}

/// The backend the model uses, read once. A value [`from_env`] refuses means the
/// fastest this processor has (the command line has stopped before this is asked).
pub fn active() -> Backend {
    static ACTIVE: OnceLock<Backend> = OnceLock::new();
    *ACTIVE.get_or_init(|| from_env().unwrap_or_else(|_| Backend::best()))
}

/// Whether this processor has what eight region-runs side by side need.
pub fn cpu_has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether it also has the byte lookups of the intake years side by side.
pub fn cpu_has_lookups() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        cpu_has_avx512()
            && std::arch::is_x86_feature_detected!("avx512vbmi")
            && std::arch::is_x86_feature_detected!("gfni")
            && std::arch::is_x86_feature_detected!("avx512bitalg")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_parsed_and_checked_against_the_processor() {
        assert_eq!(Backend::parse("auto"), Ok(Backend::best()));
        assert_eq!(Backend::parse(""), Ok(Backend::best()));
        assert_eq!(Backend::parse("portable"), Ok(Backend::Portable));
        for b in Backend::ALL {
            match Backend::parse(b.name()) {
                Ok(got) => assert!(got == b && b <= Backend::best()),
                Err(e) => assert!(b > Backend::best() && e.contains("cannot run it"), "{e}"),
            }
        }
        let e = Backend::parse("avx2").unwrap_err();
        assert!(
            e.contains("is not a backend") && e.contains("portable"),
            "{e}"
        );
    }
}
