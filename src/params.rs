//! The catalogue of uncertain parameters: their config names, default distributions,
//! default scopes and where the defaults come from. Config, sampling, output columns
//! and docs all read this one list, so a parameter cannot exist in one and not another.

use serde::Serialize;

use crate::dist::Distribution;

/// Whether a parameter is drawn once per run for all regions, or per region and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One draw per run shared by every region (so regions can be summed into Sweden).
    National,
    /// An independent draw per region and run.
    Region,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::National => "national",
            Scope::Region => "region",
        }
    }
}

/// An uncertain parameter of the model. The discriminant indexes the parameter's
/// uniform number in a run's stream, so the order below is part of the
/// reproducibility contract: append new parameters, never reorder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Param {
    StDurationMeanYears = 0,
    StDurationSdYears,
    DropoutShare,
    PrimaryCareUptake,
    CareerYears,
    AttritionPerYear,
    FteNew,
    FteInitial,
    IntakeGrowthPerYear,
    PopGrowthMultiplier,
    PopGrowthPerYear,
    PublicShare,
    PublicHeadcount,
    ShareInPrimaryCare,
    AgeAtStStart,
    IntakeGrowthYears,
    ReturnRate,
    RecruitsPerYear,
}

pub const PARAM_COUNT: usize = 18;

impl Param {
    pub const ALL: [Param; PARAM_COUNT] = [
        Param::StDurationMeanYears,
        Param::StDurationSdYears,
        Param::DropoutShare,
        Param::PrimaryCareUptake,
        Param::CareerYears,
        Param::AttritionPerYear,
        Param::FteNew,
        Param::FteInitial,
        Param::IntakeGrowthPerYear,
        Param::PopGrowthMultiplier,
        Param::PopGrowthPerYear,
        Param::PublicShare,
        Param::PublicHeadcount,
        Param::ShareInPrimaryCare,
        Param::AgeAtStStart,
        Param::IntakeGrowthYears,
        Param::ReturnRate,
        Param::RecruitsPerYear,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Param::StDurationMeanYears => "st_duration_mean_years",
            Param::StDurationSdYears => "st_duration_sd_years",
            Param::DropoutShare => "dropout_share",
            Param::PrimaryCareUptake => "primary_care_uptake",
            Param::CareerYears => "career_years",
            Param::AttritionPerYear => "attrition_per_year",
            Param::FteNew => "fte_new",
            Param::FteInitial => "fte_initial",
            Param::IntakeGrowthPerYear => "intake_growth_per_year",
            Param::PopGrowthMultiplier => "pop_growth_multiplier",
            Param::PopGrowthPerYear => "pop_growth_per_year",
            Param::PublicShare => "public_share",
            Param::PublicHeadcount => "public_headcount",
            Param::ShareInPrimaryCare => "share_in_primary_care",
            Param::AgeAtStStart => "age_at_st_start",
            Param::IntakeGrowthYears => "intake_growth_years",
            Param::ReturnRate => "return_rate",
            Param::RecruitsPerYear => "recruits_per_year",
        }
    }

    pub fn from_name(name: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The default distribution and scope, or `None` where the model has no default
    /// (`pop_growth_per_year` replaces the multiplier only when given;
    /// `public_headcount` is a per-region prior that a config must state;
    /// `primary_care_uptake` is derived from `share_in_primary_care` unless a config
    /// fixes it; `career_years` is retired: retirement follows `[ages]`).
    pub fn default_spec(self) -> Option<ParamSpec> {
        let spec = |dist, scope| Some(ParamSpec { dist, scope });
        use Distribution as D;
        use Scope::{National, Region};
        match self {
            Param::StDurationMeanYears => spec(
                D::Triangular {
                    min: 7.0,
                    mode: 8.0,
                    max: 9.5,
                },
                National,
            ),
            Param::StDurationSdYears => spec(D::Fixed { value: 1.5 }, National),
            Param::DropoutShare => spec(D::Fixed { value: 0.05 }, National),
            Param::AttritionPerYear => spec(
                D::Uniform {
                    min: 0.0,
                    max: 0.02,
                },
                Region,
            ),
            Param::FteNew => spec(
                D::Beta {
                    mean: 0.8,
                    sd: 0.06,
                },
                National,
            ),
            Param::FteInitial => spec(
                D::Beta {
                    mean: 0.8,
                    sd: 0.08,
                },
                Region,
            ),
            Param::IntakeGrowthPerYear => spec(
                D::Uniform {
                    min: 0.0,
                    max: 0.05,
                },
                Region,
            ),
            Param::IntakeGrowthYears => spec(
                D::Uniform {
                    min: 0.0,
                    max: 15.0,
                },
                Region,
            ),
            Param::ShareInPrimaryCare => spec(
                D::Beta {
                    mean: 0.63,
                    sd: 0.04,
                },
                National,
            ),
            Param::AgeAtStStart => spec(
                D::Triangular {
                    min: 29.0,
                    mode: 32.0,
                    max: 38.0,
                },
                National,
            ),
            Param::ReturnRate => spec(D::Fixed { value: 0.0 }, Region),
            Param::RecruitsPerYear => spec(D::Fixed { value: 0.0 }, Region),
            Param::PopGrowthMultiplier => spec(D::Uniform { min: 0.2, max: 1.0 }, National),
            Param::PublicShare => spec(
                D::Beta {
                    mean: 0.65,
                    sd: 0.08,
                },
                Region,
            ),
            Param::PopGrowthPerYear
            | Param::PublicHeadcount
            | Param::PrimaryCareUptake
            | Param::CareerYears => None,
        }
    }

    /// The values a draw may take; a distribution reaching outside is a config error.
    pub fn valid_range(self) -> (f64, f64) {
        match self {
            Param::StDurationMeanYears | Param::StDurationSdYears => (0.0, 100.0),
            Param::DropoutShare | Param::AttritionPerYear => (0.0, 1.0),
            Param::PrimaryCareUptake | Param::FteNew | Param::FteInitial => (0.0, 1.0),
            Param::PublicShare => (0.0, 1.0),
            Param::CareerYears => (1.0, 100.0),
            Param::IntakeGrowthPerYear | Param::PopGrowthPerYear => (-0.5, 0.5),
            Param::PopGrowthMultiplier => (-10.0, 10.0),
            Param::PublicHeadcount => (0.0, 1e6),
            Param::ShareInPrimaryCare => (0.0, 1.0),
            Param::AgeAtStStart => (20.0, 60.0),
            Param::IntakeGrowthYears => (0.0, 1000.0),
            Param::ReturnRate => (0.0, 1.0),
            Param::RecruitsPerYear => (0.0, 1e5),
        }
    }

    /// One line for `validate` and the docs.
    pub fn meaning(self) -> &'static str {
        match self {
            Param::StDurationMeanYears => "mean effective ST duration D (years)",
            Param::StDurationSdYears => "sd of D across trainees (years)",
            Param::DropoutShare => "share of trainees who never complete",
            Param::PrimaryCareUptake => {
                "q: share of new specialists who take up primary-care work (derived from s unless given)"
            }
            Param::CareerYears => "retired: retirement follows [ages] retirement_age",
            Param::AttritionPerYear => "yearly probability of leaving primary care for other work",
            Param::FteNew => "FTE per head of specialists who join during the run",
            Param::FteInitial => "FTE per head of today's stock where the data has no ratio",
            Param::IntakeGrowthPerYear => "r: yearly growth of trainee intake",
            Param::PopGrowthMultiplier => "m: scales each region's 2018-2023 growth",
            Param::PopGrowthPerYear => "g: yearly population growth (replaces m x recent growth)",
            Param::PublicShare => "share of specialists in region-run care (public_only regions)",
            Param::PublicHeadcount => "prior for region-run specialist heads where data has none",
            Param::ShareInPrimaryCare => "s: share of GP specialists' working years in primary care",
            Param::AgeAtStStart => "age on starting ST (years)",
            Param::IntakeGrowthYears => "L: years the intake grows at r before it levels off",
            Param::ReturnRate => "yearly probability that a specialist outside primary care returns",
            Param::RecruitsPerYear => "specialists recruited into primary care from outside the pipeline, a year",
        }
    }
}

/// A parameter's distribution and scope as resolved from defaults and config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamSpec {
    #[serde(flatten)]
    pub dist: Distribution,
    pub scope: Scope,
}
