//! The `[sensitivity]` table of a config and the flags of `fastlakare sensitivity`:
//! what to compute. Here, beside the rest of the config, so the config does not
//! depend on the analysis; `crate::sensitivity` runs it.

use std::str::FromStr;

use crate::config::Mode;

/// The output whose variance is apportioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Coverage (1 = at the guideline) in a calendar year.
    CoverageAt { year: i32 },
    /// Years from the base year to the first year at target, censored at horizon + 1.
    YearsToTarget,
}

impl Output {
    pub fn name(self) -> String {
        match self {
            Output::CoverageAt { year } => format!("coverage_at:{year}"),
            Output::YearsToTarget => "years_to_target".into(),
        }
    }
}

impl serde::Serialize for Output {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl FromStr for Output {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "years_to_target" {
            return Ok(Output::YearsToTarget);
        }
        match s.strip_prefix("coverage_at:").map(str::parse::<i32>) {
            Some(Ok(year)) => Ok(Output::CoverageAt { year }),
            _ => Err(format!(
                "{s:?} is not an output; use coverage_at:YEAR (e.g. coverage_at:2035) or years_to_target"
            )),
        }
    }
}

/// What to compute (from the config's `[sensitivity]` table and the command line).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Request {
    pub output: Output,
    /// N, the rows of each sample matrix; the model runs N x (factors + 2) times.
    pub samples: u32,
    pub bootstrap: u32,
    pub confidence: f64,
    /// 0: expected mode. R > 0: mean of R binomial replicates per design point.
    pub replicates: u32,
}

pub const DEFAULT_SAMPLES: u32 = 4096;
pub const DEFAULT_BOOTSTRAP: u32 = 1000;
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
pub const DEFAULT_OUTPUT: Output = Output::CoverageAt { year: 2035 };

/// The largest design: each sample row holds an output per factor and unit (about
/// 14 x 22 x 16 bytes), so 10^5 rows take about 0.5 GB; Sobol indices settle long
/// before (the default is 4 096).
pub const MAX_SAMPLES: u32 = 100_000;
/// Bootstrap resamples: each costs a pass over the design per unit and factor.
pub const MAX_BOOTSTRAP: u32 = 100_000;
/// Binomial replicates per design point: the model runs samples x (factors + 2) x R
/// times.
pub const MAX_REPLICATES: u32 = 1_000;

impl Default for Request {
    fn default() -> Self {
        Request {
            output: DEFAULT_OUTPUT,
            samples: DEFAULT_SAMPLES,
            bootstrap: DEFAULT_BOOTSTRAP,
            confidence: DEFAULT_CONFIDENCE,
            replicates: 0,
        }
    }
}

impl Request {
    /// What is wrong with the request for a config's years and mode, as (field,
    /// problem); shared by the config's `[sensitivity]` table and the flags.
    pub fn problem(
        &self,
        base_year: i32,
        last_year: i32,
        mode: Mode,
    ) -> Option<(&'static str, String)> {
        if let Output::CoverageAt { year } = self.output {
            if year < base_year || year > last_year {
                return Some((
                    "output",
                    format!(
                        "coverage_at:{year} lies outside the config's years {base_year}..={last_year}"
                    ),
                ));
            }
        }
        if self.samples < 2 {
            return Some((
                "samples",
                format!("must be at least 2, got {}", self.samples),
            ));
        }
        if self.samples > MAX_SAMPLES {
            return Some((
                "samples",
                format!(
                    "at most {MAX_SAMPLES} (the design's outputs are held in memory: about 5 KB a sample), got {}",
                    self.samples
                ),
            ));
        }
        if self.bootstrap < 1 {
            return Some(("bootstrap", "must be at least 1 resample".into()));
        }
        if self.bootstrap > MAX_BOOTSTRAP {
            return Some((
                "bootstrap",
                format!("at most {MAX_BOOTSTRAP} resamples, got {}", self.bootstrap),
            ));
        }
        if self.replicates > MAX_REPLICATES {
            return Some((
                "replicates",
                format!(
                    "at most {MAX_REPLICATES} (each design point runs the model R times), got {}",
                    self.replicates
                ),
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Some((
                "confidence",
                format!("must lie in (0, 1), got {}", self.confidence),
            ));
        }
        if self.replicates > 0 && mode != Mode::Binomial {
            return Some((
                "replicates",
                format!(
                    "average binomial noise, but the config runs in mode \"{}\"",
                    mode.as_str()
                ),
            ));
        }
        None
    }
}
