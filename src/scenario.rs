//! Scenarios resolved per region: what each region-run changes against the baseline.
//!
//! Common random numbers come from the streams, not from here: a region-run's
//! parameter uniforms and noise sub-streams depend only on (seed, run, region), so a
//! scenario sees the same dice as the baseline and differs only by what it changes.
//! A changed parameter is the new distribution's quantile of the *same* uniform, or the
//! baseline's own draw scaled; every other parameter keeps the baseline's value.

use std::collections::BTreeMap;

use crate::config::BASELINE_SCENARIO;
use crate::config::{
    Config, Guideline, IntakeChange, Mode, ParamChange, Scenario, ScenarioChanges,
};
use crate::data::Region;
use crate::error::Error;
use crate::model::{AgeInputs, IntakePolicy};
use crate::params::Param;

/// One scenario (the baseline included) as every region of the plan sees it.
#[derive(Debug, Clone)]
pub struct ScenarioPlan {
    pub name: String,
    pub description: String,
    /// Aligned with `RunPlan::regions`.
    pub regions: Vec<RegionScenario>,
    /// The guideline of the Sverige rows: the scenario's own where it changes the
    /// guideline for every region, else the config's.
    pub national_guideline: Guideline,
}

/// What one region changes under a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionScenario {
    pub parameters: BTreeMap<Param, ParamChange>,
    pub intake: IntakePolicy,
    pub guideline: Guideline,
    /// The region's age model, shared by its runs.
    pub ages: AgeInputs,
}

impl ScenarioPlan {
    pub fn baseline(cfg: &Config, regions: &[Region]) -> ScenarioPlan {
        ScenarioPlan {
            name: BASELINE_SCENARIO.into(),
            description: "the config as written".into(),
            regions: regions
                .iter()
                .map(|r| RegionScenario {
                    parameters: BTreeMap::new(),
                    intake: IntakePolicy {
                        max_trainees_per_specialist_fte: cfg.max_trainees_per_specialist_fte,
                        ..IntakePolicy::default()
                    },
                    guideline: cfg.guideline,
                    ages: AgeInputs::of(r, &cfg.ages),
                })
                .collect(),
            national_guideline: cfg.guideline,
        }
    }

    /// Resolves `s` for `regions`, checking what needs the data: region codes, and a
    /// scaled `fte_initial` against the ratios the data reports.
    pub fn resolve(
        cfg: &Config,
        s: &Scenario,
        regions: &[Region],
        known: &dyn Fn(&str) -> bool,
    ) -> Result<ScenarioPlan, Error> {
        let bad = |field: String, problem: String| Error::Config {
            file: cfg.source.clone(),
            field,
            problem,
        };
        if cfg.mode == Mode::Dlf {
            return Err(bad(
                format!("scenarios.{}", s.name),
                "dlf mode is DLF's fixed method and takes no scenarios; use binomial or expected"
                    .into(),
            ));
        }
        for code in s.regions.iter().flatten() {
            if !known(code) {
                return Err(bad(
                    format!("scenarios.{}.regions", s.name),
                    format!("region code {code} is not in the data"),
                ));
            }
        }
        for code in s.overrides.keys() {
            if !known(code) {
                return Err(bad(
                    format!("scenarios.{}.overrides.{code}", s.name),
                    format!("region code {code} is not in the data"),
                ));
            }
        }
        let mut out = Vec::with_capacity(regions.len());
        for r in regions {
            let applies = s.regions.as_ref().is_none_or(|l| l.contains(&r.code));
            let mut merged = ScenarioChanges::default();
            if applies {
                merge(&mut merged, &s.changes);
            }
            if let Some(o) = s.overrides.get(&r.code) {
                merge(&mut merged, o);
            }
            if let Some(ParamChange::Scale(k)) = merged.parameters.get(&Param::FteInitial) {
                let overridden = cfg
                    .overrides
                    .get(&r.code)
                    .is_some_and(|o| o.contains_key(&Param::FteInitial));
                if let (Some(ratio), false) = (r.fte_ratio(), overridden) {
                    if ratio * k > 1.0 {
                        return Err(bad(
                            format!("scenarios.{}.fte_initial.scale", s.name),
                            format!(
                                "{k} x region {}'s reported FTE ratio {ratio:.3} exceeds 1",
                                r.code
                            ),
                        ));
                    }
                }
            }
            out.push(RegionScenario {
                intake: IntakePolicy {
                    rules: merged
                        .intake
                        .iter()
                        .map(|rule| {
                            (
                                (rule.from_year - cfg.base_year) as u32,
                                (rule.to_year - cfg.base_year) as u32,
                                rule.change,
                            )
                        })
                        .collect(),
                    cap_per_year: merged.intake_cap_per_year,
                    max_trainees_per_specialist_fte: merged
                        .max_trainees_per_specialist_fte
                        .or(cfg.max_trainees_per_specialist_fte),
                },
                guideline: guideline(cfg.guideline, &merged),
                ages: AgeInputs::of(r, &cfg.ages),
                parameters: merged.parameters,
            });
        }
        let national_guideline = if s.regions.is_none() {
            guideline(cfg.guideline, &s.changes)
        } else {
            cfg.guideline
        };
        Ok(ScenarioPlan {
            name: s.name.clone(),
            description: s.description.clone(),
            regions: out,
            national_guideline,
        })
    }

    /// Whether the scenario changes nothing anywhere (then it equals the baseline).
    pub fn is_baseline_like(&self, cfg: &Config) -> bool {
        self.national_guideline == cfg.guideline
            && self.regions.iter().all(|r| {
                r.parameters.is_empty()
                    && r.intake == IntakePolicy::default()
                    && r.guideline == cfg.guideline
            })
    }
}

/// Later changes win key by key; intake rules add up in order.
fn merge(into: &mut ScenarioChanges, from: &ScenarioChanges) {
    into.parameters
        .extend(from.parameters.iter().map(|(k, v)| (*k, v.clone())));
    into.intake.extend(from.intake.iter().copied());
    into.intake_cap_per_year = from.intake_cap_per_year.or(into.intake_cap_per_year);
    into.max_trainees_per_specialist_fte = from
        .max_trainees_per_specialist_fte
        .or(into.max_trainees_per_specialist_fte);
    into.inhabitants_per_specialist = from
        .inhabitants_per_specialist
        .or(into.inhabitants_per_specialist);
    into.inhabitants_per_trainee = from
        .inhabitants_per_trainee
        .or(into.inhabitants_per_trainee);
}

fn guideline(base: Guideline, c: &ScenarioChanges) -> Guideline {
    Guideline {
        inhabitants_per_specialist: c
            .inhabitants_per_specialist
            .unwrap_or(base.inhabitants_per_specialist),
        inhabitants_per_trainee: c
            .inhabitants_per_trainee
            .unwrap_or(base.inhabitants_per_trainee),
    }
}

/// Describes an intake rule for `validate`.
pub fn describe_change(c: IntakeChange) -> String {
    match c {
        IntakeChange::Multiply(m) => format!("x{m}"),
        IntakeChange::TraineesPerYear(n) => format!("{n} a year"),
    }
}
