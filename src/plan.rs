//! A `RunPlan`: config + regional data + command-line overrides, checked together.
//! Everything that can be wrong with the input is found here, before any output
//! folder exists.

use std::path::PathBuf;

use crate::config::{Config, Mode};
use crate::data::{AgeTail, Region, RegionTable};
use crate::error::Error;
use crate::model::DlfInputs;
use crate::params::Param;
use crate::scenario::ScenarioPlan;

/// The most memory a command's exact per-run results may take. Each region-run (run x
/// unit x scenario) keeps its years to target and its costs at the checkpoints until
/// the summary is made: about [`bytes_per_region_run`] bytes (30 measured for the
/// baseline's four checkpoints: docs/performance.md). Everything else a run holds
/// does not grow with the runs.
pub const MAX_RESULT_BYTES: u64 = 8_000_000_000;

/// An upper estimate of what one region-run keeps, with `checkpoints` checkpoints.
pub fn bytes_per_region_run(checkpoints: usize) -> u64 {
    32 + 8 * checkpoints as u64
}

/// Command-line values that replace the config's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub runs: Option<u32>,
    /// The language of the charts (`--lang`).
    pub lang: Option<crate::lang::Lang>,
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct RunPlan {
    pub config: Config,
    pub table: RegionTable,
    /// The regions to simulate, in data order.
    pub regions: Vec<Region>,
    /// Regions of the data left out, with the reason (for `validate` and the manifest).
    pub skipped: Vec<(String, String)>,
    pub out_dir: PathBuf,
    /// Worker threads; `None` = one per core.
    pub threads: Option<usize>,
    /// The baseline, then the config's scenarios in order.
    pub scenarios: Vec<ScenarioPlan>,
}

/// A region's stated age tail that the initial profile cannot meet under the config's
/// retirement ages: the data's line, and what to change, the data or the config.
fn unmet_age_tail(config: &Config, table: &RegionTable, r: &Region, tail: AgeTail) -> Error {
    let ages = config.ages.retirement.profile_ages();
    let whose = if config.ages.retirement_age == crate::config::DEFAULT_RETIREMENT_AGE {
        "the default retirement ages".to_string()
    } else {
        format!("{}'s retirement ages", config.source)
    };
    let share_there = if tail.threshold_age <= *ages.start() {
        "100 %"
    } else {
        "0 %"
    };
    let fix = if ages.start() < ages.end() {
        format!(
            "give an age from {} to {}, or other retirement ages ([ages] retirement_age)",
            ages.start() + 1,
            ages.end()
        )
    } else {
        "no age can be met under them: give other retirement ages ([ages] retirement_age)".into()
    };
    Error::Data {
        file: table.source.clone(),
        line: tail.line,
        column: crate::data::OPTIONAL_COLUMNS[0].into(),
        problem: format!(
            "region {} ({}): under {whose} ({}) today's specialists are aged {} to {}, so the share aged {} or over is always {share_there}, not the stated {}: {fix}",
            r.code,
            r.name,
            config.ages.retirement_age.describe(),
            ages.start(),
            ages.end(),
            tail.threshold_age,
            tail.share_at_or_over,
        ),
    }
}

impl RunPlan {
    /// The threads the run will use: `threads`, or one per core.
    pub fn thread_count(&self) -> usize {
        self.threads.unwrap_or_else(rayon::current_num_threads)
    }

    pub fn load(config_path: &std::path::Path, o: &Overrides) -> Result<RunPlan, Error> {
        let config = Config::load(config_path)?;
        let table = RegionTable::load_or_builtin(config.data.as_deref())?;
        RunPlan::new(config, table, o)
    }

    pub fn new(mut config: Config, table: RegionTable, o: &Overrides) -> Result<RunPlan, Error> {
        let bad = |field: &str, problem: String| Error::Config {
            file: config.source.clone(),
            field: field.to_string(),
            problem,
        };
        if let Some(runs) = o.runs {
            if runs == 0 {
                return Err(Error::Usage("--runs must be at least 1".into()));
            }
            if runs > crate::config::MAX_RUNS {
                return Err(Error::Usage(format!(
                    "--runs must be at most {}, got {runs}",
                    crate::config::MAX_RUNS
                )));
            }
            config.runs = runs;
        }
        if let Some(seed) = o.seed {
            config.seed = seed;
        }
        if let Some(lang) = o.lang {
            config.language = lang;
        }
        crate::pool::check(o.threads)?;

        let known = |code: &str| table.get(code).is_some();
        if let Some(list) = &config.regions {
            if list.is_empty() {
                return Err(bad("regions", "lists no region".into()));
            }
            for code in list {
                if !known(code) {
                    return Err(bad(
                        "regions",
                        format!("region code {code} is not in {}", table.source),
                    ));
                }
            }
        }
        for code in config.overrides.keys() {
            if !known(code) {
                return Err(bad(
                    &format!("overrides.{code}"),
                    format!("region code {code} is not in {}", table.source),
                ));
            }
        }

        let chosen = |r: &Region| config.regions.as_ref().is_none_or(|l| l.contains(&r.code));
        let mut regions = Vec::new();
        let mut skipped = Vec::new();
        for r in table.regions.iter().filter(|r| chosen(r)) {
            match config.mode {
                Mode::Dlf if DlfInputs::of(r).is_none() => {
                    let why = "DLF's table has no figures for it (public-only count)".to_string();
                    if config.regions.is_some() {
                        return Err(bad(
                            "regions",
                            format!("region {} ({}): {why}", r.code, r.name),
                        ));
                    }
                    skipped.push((r.code.clone(), why));
                    continue;
                }
                Mode::Dlf => {}
                _ => {
                    if let Some(tail) = r.age_tail {
                        if !config.ages.retirement.tail_can_be_set(tail.threshold_age) {
                            return Err(unmet_age_tail(&config, &table, r, tail));
                        }
                    }
                    let has_prior = config
                        .overrides
                        .get(&r.code)
                        .is_some_and(|o| o.contains_key(&Param::PublicHeadcount));
                    if r.specialists_headcount.is_none() && !has_prior {
                        return Err(bad(
                            &format!("overrides.{}.public_headcount", r.code),
                            format!(
                                "region {} ({}) has no specialist count in {}: state a prior for it",
                                r.code, r.name, table.source
                            ),
                        ));
                    }
                }
            }
            regions.push(r.clone());
        }
        for r in table.regions.iter().filter(|r| !chosen(r)) {
            skipped.push((r.code.clone(), "not listed in `regions`".into()));
        }
        let mut scenarios = vec![ScenarioPlan::baseline(&config, &regions)];
        for s in &config.scenarios {
            scenarios.push(ScenarioPlan::resolve(&config, s, &regions, &known)?);
        }
        let units = regions.len() as u64 + 1;
        let region_runs = u64::from(config.runs) * units * scenarios.len() as u64;
        let bytes = region_runs * bytes_per_region_run(config.checkpoint_years.len());
        if bytes > MAX_RESULT_BYTES {
            return Err(bad(
                "runs",
                format!(
                    "{} runs x {units} units x {} scenarios keep about {:.1} GB of exact per-run results in memory (years to target, costs at {} checkpoints); at most {} GB: run fewer runs, scenarios or regions at a time",
                    config.runs,
                    scenarios.len(),
                    bytes as f64 / 1e9,
                    config.checkpoint_years.len(),
                    MAX_RESULT_BYTES / 1_000_000_000
                ),
            ));
        }
        let out_dir = o
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("results").join(&config.name));
        Ok(RunPlan {
            config,
            table,
            regions,
            skipped,
            out_dir,
            threads: o.threads,
            scenarios,
        })
    }

    /// What the user should know before reading the results, one line each: regions
    /// whose own target year lies outside the simulated years (their
    /// `prob_by_policy_target` is null).
    pub fn warnings(&self) -> Vec<String> {
        let c = &self.config;
        self.regions
            .iter()
            .filter_map(|r| {
                let y = r.policy_target_year?;
                (y < c.base_year || y > c.last_year()).then(|| {
                    format!(
                        "region {} ({}): its target year {y} lies outside the simulated years {}..={}, so prob_by_policy_target is left empty",
                        r.code,
                        r.name,
                        c.base_year,
                        c.last_year()
                    )
                })
            })
            .collect()
    }

    /// The Sweden total is only meaningful when every region of the data ran.
    pub fn has_national(&self) -> bool {
        self.regions.len() == self.table.regions.len()
    }

    /// What `validate` prints: the run, the regions and every parameter.
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let c = &self.config;
        let mut s = String::new();
        let _ = writeln!(s, "config      {}", c.source);
        let _ = writeln!(s, "name        {}", c.name);
        let _ = writeln!(s, "mode        {}", c.mode.as_str());
        let _ = writeln!(s, "runs        {}", c.runs);
        let _ = writeln!(s, "seed        {}", c.seed);
        let _ = writeln!(
            s,
            "years       {}..={} ({} years)",
            c.base_year,
            c.last_year(),
            c.horizon_years
        );
        let _ = writeln!(s, "data        {}", self.table.source);
        let _ = writeln!(
            s,
            "guideline   1 specialist FTE per {} inhabitants, 1 trainee per {}",
            c.guideline.inhabitants_per_specialist, c.guideline.inhabitants_per_trainee
        );
        let cps: Vec<String> = c.checkpoint_years.iter().map(ToString::to_string).collect();
        let _ = writeln!(s, "checkpoints {}", cps.join(", "));
        let _ = writeln!(s, "output      {}", self.out_dir.display());
        let sa = &c.sensitivity;
        let _ = writeln!(
            s,
            "sensitivity {}, {} samples, {} bootstrap resamples, {} % intervals, {}",
            sa.output.name(),
            sa.samples,
            sa.bootstrap,
            100.0 * sa.confidence,
            sa.noise_treatment()
        );
        let _ = writeln!(
            s,
            "regions     {} of {}{}",
            self.regions.len(),
            self.table.regions.len(),
            if self.has_national() {
                " (plus the Sverige total)"
            } else {
                ""
            }
        );
        for (code, why) in &self.skipped {
            let _ = writeln!(s, "  skipped {code}: {why}");
        }
        if c.mode != Mode::Dlf {
            let _ = writeln!(
                s,
                "ages        retirement age {} (each person's), recruits join at {}",
                c.ages.retirement_age.describe(),
                c.ages.recruit_age
            );
            let _ = writeln!(
                s,
                "target      reached once coverage >= 1 for {} year(s) in a row{}",
                c.sustain_years,
                match c.max_trainees_per_specialist_fte {
                    Some(r) => format!("; intake capped at {r} trainees per specialist FTE"),
                    None => String::new(),
                }
            );
            let _ = writeln!(s, "\nparameters");
            for (p, spec) in &c.parameters {
                let _ = writeln!(
                    s,
                    "  {:<24} {:<8} {:<34} {}",
                    p.name(),
                    spec.scope.as_str(),
                    spec.dist.describe(),
                    p.meaning()
                );
            }
            if !c
                .parameters
                .contains_key(&crate::params::Param::PrimaryCareUptake)
            {
                let _ = writeln!(
                    s,
                    "  {:<24} {:<8} {:<34} the uptake that makes s the share of a career in primary care",
                    "primary_care_uptake", "", "derived: q = s / M(a)",
                );
            }
            for (code, o) in &c.overrides {
                for (p, d) in o {
                    let _ = writeln!(
                        s,
                        "  {:<24} {:<8} {:<34} override for region {code}",
                        p.name(),
                        "",
                        d.describe()
                    );
                }
            }
        }
        if !c.scenarios.is_empty() {
            let _ = writeln!(s, "\nscenarios (common random numbers with the baseline)");
            for sc in &c.scenarios {
                let _ = writeln!(s, "  {:<24} {}", sc.name, sc.description);
                if let Some(r) = &sc.regions {
                    let _ = writeln!(s, "    regions: {}", r.join(", "));
                }
                let mut lines = describe_changes(&sc.changes);
                for (code, o) in &sc.overrides {
                    lines.extend(
                        describe_changes(o)
                            .into_iter()
                            .map(|l| format!("{l} (region {code})")),
                    );
                }
                for l in lines {
                    let _ = writeln!(s, "    {l}");
                }
            }
        }
        s
    }
}

fn describe_changes(c: &crate::config::ScenarioChanges) -> Vec<String> {
    use crate::config::ParamChange;
    let mut out = Vec::new();
    for (p, ch) in &c.parameters {
        out.push(match ch {
            ParamChange::Replace(d) => format!("{} = {}", p.name(), d.describe()),
            ParamChange::Scale(k) => format!("{} = {k} x the baseline's draw", p.name()),
        });
    }
    for r in &c.intake {
        out.push(format!(
            "intake {}..={}: {}",
            r.from_year,
            r.to_year,
            crate::scenario::describe_change(r.change)
        ));
    }
    if let Some(cap) = c.intake_cap_per_year {
        out.push(format!("intake capped at {cap} a year"));
    }
    if let Some(r) = c.max_trainees_per_specialist_fte {
        out.push(format!(
            "intake capped at {r} trainees in post per specialist FTE (supervision)"
        ));
    }
    if let Some(g) = c.inhabitants_per_specialist {
        out.push(format!("guideline: 1 specialist FTE per {g} inhabitants"));
    }
    if let Some(g) = c.inhabitants_per_trainee {
        out.push(format!("guideline: 1 trainee per {g} inhabitants"));
    }
    out
}
