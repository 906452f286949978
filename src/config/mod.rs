//! Experiment configs: TOML in, a checked `Config` out.
//!
//! Parsing is two-staged: serde reads the raw shape (unknown keys rejected), then
//! `Config::from_raw` checks the values and resolves defaults, naming the field of
//! every problem (`parameters.primary_care_uptake.sd: must be > 0, got 0`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

mod ages;
pub mod sensitivity;

use crate::dist::{DistFields, Distribution};
use crate::error::Error;
use crate::lang::Lang;
pub use crate::model::{Guideline, IntakeChange, Training, MAX_DURATION_YEARS};
use crate::params::{Param, ParamSpec, Scope};
pub use ages::{retirement_of, Ages, DEFAULT_RECRUIT_AGE, DEFAULT_RETIREMENT_AGE};

/// How the year step treats chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Binomial/multinomial draws for every event of the year (demographic noise).
    Binomial,
    /// Expected values: parameter uncertainty only.
    Expected,
    /// DLF's deterministic back-of-envelope method, exactly.
    Dlf,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Binomial => "binomial",
            Mode::Expected => "expected",
            Mode::Dlf => "dlf",
        }
    }
}

pub const DEFAULT_CHECKPOINTS: [i32; 4] = [2030, 2035, 2040, 2050];

pub use crate::names::BASELINE_SCENARIO;

/// The most runs a config or `--runs` may ask for (run indices are 32-bit, and a
/// region-run's exact results are held: see `plan::MAX_REGION_RUNS`).
pub const MAX_RUNS: u32 = 100_000_000;

/// Cost rates for the extra cost of a scenario over the baseline. Defaults: a regional
/// strategy in the sources budgets 1 MSEK per trainee and 2 MSEK per specialist per
/// year at 2026 prices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Costs {
    pub msek_per_trainee_year: f64,
    pub msek_per_specialist_fte_year: f64,
    /// The year whose prices the rates are in.
    pub price_year: i32,
    /// Yearly change of the rates (0.02 = 2 % a year); 0 = fixed prices.
    pub index_per_year: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            msek_per_trainee_year: 1.0,
            msek_per_specialist_fte_year: 2.0,
            price_year: 2026,
            index_per_year: 0.0,
        }
    }
}

impl Costs {
    /// Cost of one year's stocks, in MSEK at that year's prices.
    pub fn of_year(&self, year: i32, trainees: f64, specialists_fte: f64) -> f64 {
        let index = (1.0 + self.index_per_year).powi(year - self.price_year);
        (self.msek_per_trainee_year * trainees
            + self.msek_per_specialist_fte_year * specialists_fte)
            * index
    }
}

/// The `[sensitivity]` table as written: defaults for `fastlakare sensitivity`, which
/// its flags override.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSensitivity {
    output: String,
    samples: u32,
    bootstrap: u32,
    confidence: f64,
    replicates: u32,
}

impl Default for RawSensitivity {
    fn default() -> Self {
        let d = sensitivity::Request::default();
        RawSensitivity {
            output: d.output.name(),
            samples: d.samples,
            bootstrap: d.bootstrap,
            confidence: d.confidence,
            replicates: d.replicates,
        }
    }
}

/// How a scenario changes a parameter. `Scale` multiplies the baseline's own draw, so
/// each run keeps its uncertainty and its pairing with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamChange {
    Replace(Distribution),
    Scale(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntakeRule {
    pub from_year: i32,
    pub to_year: i32,
    pub change: IntakeChange,
}

/// What a scenario changes, for the regions it applies to.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ScenarioChanges {
    pub parameters: BTreeMap<Param, ParamChange>,
    pub intake: Vec<IntakeRule>,
    pub intake_cap_per_year: Option<f64>,
    pub max_trainees_per_specialist_fte: Option<f64>,
    pub inhabitants_per_specialist: Option<f64>,
    pub inhabitants_per_trainee: Option<f64>,
}

impl ScenarioChanges {
    pub fn is_empty(&self) -> bool {
        *self == ScenarioChanges::default()
    }
}

/// A named what-if, run with the same random numbers as the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The regions `changes` apply to; `None` = every region.
    pub regions: Option<Vec<String>>,
    pub changes: ScenarioChanges,
    /// Per-region changes, applied after `changes`.
    pub overrides: BTreeMap<String, ScenarioChanges>,
}

/// A checked experiment config with every default resolved.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub name: String,
    pub seed: u64,
    pub runs: u32,
    pub base_year: i32,
    pub horizon_years: u32,
    pub mode: Mode,
    /// The regional data file, resolved against the config's folder; `None` = built in.
    pub data: Option<PathBuf>,
    pub checkpoint_years: Vec<i32>,
    /// A subset of region codes to run; `None` = every region in the data.
    pub regions: Option<Vec<String>>,
    pub guideline: Guideline,
    pub training: Training,
    /// Every parameter that has a spec (defaults merged with the config).
    pub parameters: BTreeMap<Param, ParamSpec>,
    /// Per-region replacements of a parameter's distribution (scope is kept).
    pub overrides: BTreeMap<String, BTreeMap<Param, Distribution>>,
    /// Named scenarios beside the baseline, in the config's order.
    pub scenarios: Vec<Scenario>,
    pub costs: Costs,
    /// Defaults of `fastlakare sensitivity` (the `[sensitivity]` table).
    pub sensitivity: sensitivity::Request,
    /// Retirement and recruits' ages (`[ages]`).
    pub ages: Ages,
    /// Years in a row at or above the target before the first of them counts.
    pub sustain_years: u32,
    /// Supervision capacity: trainees in post at most this multiple of the
    /// specialists' FTE (none: no cap).
    pub max_trainees_per_specialist_fte: Option<f64>,
    /// The language of the charts and reports (`language = "sv"`; English by default).
    /// A way of showing results, not of making them: left out of the resolved config
    /// that Parquet metadata records (the manifest has it on its own).
    #[serde(skip)]
    pub language: Lang,
    /// Where the config came from and its text, for messages and metadata.
    #[serde(skip)]
    pub source: String,
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    seed: u64,
    runs: i64,
    #[serde(default = "default_base_year")]
    base_year: i32,
    #[serde(default = "default_horizon")]
    horizon_years: i64,
    #[serde(default = "default_mode")]
    mode: Mode,
    data: Option<PathBuf>,
    checkpoint_years: Option<Vec<i32>>,
    regions: Option<Vec<String>>,
    #[serde(default)]
    guideline: Guideline,
    #[serde(default)]
    training: Training,
    #[serde(default)]
    parameters: BTreeMap<String, RawParam>,
    #[serde(default)]
    overrides: BTreeMap<String, BTreeMap<String, RawParam>>,
    #[serde(default)]
    scenarios: toml::Table,
    #[serde(default)]
    costs: Costs,
    #[serde(default)]
    sensitivity: RawSensitivity,
    #[serde(default)]
    ages: ages::RawAges,
    sustain_years: Option<i64>,
    max_trainees_per_specialist_fte: Option<f64>,
    language: Option<String>,
}

fn default_base_year() -> i32 {
    2023
}
fn default_horizon() -> i64 {
    100
}
fn default_mode() -> Mode {
    Mode::Binomial
}

/// A parameter as written: a bare number (fixed) or a table with `dist` and its fields.
#[derive(Debug, Clone)]
struct RawParam {
    fields: DistFields,
    scope: Option<Scope>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDistTable {
    dist: String,
    value: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    mode: Option<f64>,
    mean: Option<f64>,
    sd: Option<f64>,
    scope: Option<Scope>,
}

impl<'de> Deserialize<'de> for RawParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawParam;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number or a table such as { dist = \"beta\", mean = 0.6, sd = 0.08 }",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawParam, E> {
                Ok(RawParam {
                    fields: DistFields {
                        dist: "fixed".into(),
                        value: Some(v),
                        ..Default::default()
                    },
                    scope: None,
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawParam, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawParam, E> {
                self.visit_f64(v as f64)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawParam, A::Error> {
                let t = RawDistTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawParam {
                    fields: DistFields {
                        dist: t.dist,
                        value: t.value,
                        min: t.min,
                        max: t.max,
                        mode: t.mode,
                        mean: t.mean,
                        sd: t.sd,
                    },
                    scope: t.scope,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Config {
    /// Reads and checks a config file. Relative `data` paths are resolved against the
    /// config's own folder, so a config works from any working directory.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = crate::input::read_text(path, "read the config")?;
        let mut cfg = Config::parse(&text, &path.display().to_string())?;
        if let Some(data) = &cfg.data {
            if data.is_relative() {
                let dir = path.parent().unwrap_or(Path::new(""));
                cfg.data = Some(dir.join(data));
            }
        }
        Ok(cfg)
    }

    /// Parses config text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Config, Error> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            });
            let line = if e
                .span()
                .is_some_and(|s| text[..s.start.min(text.len())].ends_with('\n'))
            {
                line + 1
            } else {
                line
            };
            Error::ConfigSyntax {
                file: source.to_string(),
                line,
                problem: e.message().replace('\n', " "),
            }
        })?;
        Config::from_raw(raw, text, source)
    }

    fn from_raw(raw: RawConfig, text: &str, source: &str) -> Result<Config, Error> {
        let bad = |field: &str, problem: String| Error::Config {
            file: source.to_string(),
            field: field.to_string(),
            problem,
        };
        crate::names::check_name(&raw.name).map_err(|e| bad("name", e))?;
        let runs = u32::try_from(raw.runs)
            .ok()
            .filter(|&r| r > 0 && r <= MAX_RUNS)
            .ok_or_else(|| {
                bad(
                    "runs",
                    format!(
                        "must be a whole number from 1 to {MAX_RUNS}, got {}",
                        raw.runs
                    ),
                )
            })?;
        let horizon_years = u32::try_from(raw.horizon_years)
            .ok()
            .filter(|&h| (1..=1000).contains(&h))
            .ok_or_else(|| {
                bad(
                    "horizon_years",
                    format!("must lie in 1..=1000, got {}", raw.horizon_years),
                )
            })?;
        check_guideline(&raw.guideline, &bad)?;
        check_training(&raw.training, &bad)?;
        let last_year = raw.base_year + horizon_years as i32;
        let checkpoint_years = checkpoints(&raw, last_year, &bad)?;
        let parameters = parameters(&raw, &bad)?;
        let overrides = overrides(&raw, &parameters, &bad)?;
        check_duration_means(&parameters, &overrides, &raw.training, &bad)?;
        check_costs(&raw.costs, &bad)?;
        let sensitivity = sensitivity_request(&raw, last_year, &bad)?;
        let ages = ages::ages(&raw.ages, &bad)?;
        let language = match raw.language.as_deref() {
            None => Lang::default(),
            Some(code) => Lang::from_code(code).ok_or_else(|| {
                let codes: Vec<String> = Lang::all()
                    .iter()
                    .map(|l| format!("\"{}\"", l.code()))
                    .collect();
                bad(
                    "language",
                    format!(
                        "must be {}, got \"{}\"",
                        codes.join(" or "),
                        code.escape_debug()
                    ),
                )
            })?,
        };
        let sustain_years = u32::try_from(raw.sustain_years.unwrap_or(1))
            .ok()
            .filter(|&k| (1..=horizon_years).contains(&k))
            .ok_or_else(|| {
                bad(
                    "sustain_years",
                    format!(
                        "must be a whole number of years from 1 to the horizon ({horizon_years}), got {}",
                        raw.sustain_years.unwrap_or(1)
                    ),
                )
            })?;
        let max_trainees_per_specialist_fte = match raw.max_trainees_per_specialist_fte {
            Some(r) => Some(check_supervision_cap(
                r,
                "max_trainees_per_specialist_fte",
                &bad,
            )?),
            None => None,
        };
        let years = raw.base_year..=last_year;
        let mut scenarios = Vec::new();
        for (name, value) in &raw.scenarios {
            scenarios.push(scenario::parse(
                name,
                value,
                &parameters,
                &overrides,
                &years,
                &bad,
            )?);
        }

        Ok(Config {
            name: raw.name,
            seed: raw.seed,
            runs,
            base_year: raw.base_year,
            horizon_years,
            mode: raw.mode,
            data: raw.data,
            checkpoint_years,
            regions: raw.regions,
            guideline: raw.guideline,
            training: raw.training,
            parameters,
            overrides,
            scenarios,
            costs: raw.costs,
            sensitivity,
            ages,
            sustain_years,
            max_trainees_per_specialist_fte,
            language,
            source: source.to_string(),
            text: text.to_string(),
        })
    }

    /// The distribution a region uses for a parameter: its override, else the common one.
    pub fn dist_for(&self, region_code: &str, param: Param) -> Option<&Distribution> {
        self.overrides
            .get(region_code)
            .and_then(|o| o.get(&param))
            .or_else(|| self.parameters.get(&param).map(|s| &s.dist))
    }

    pub fn last_year(&self) -> i32 {
        self.base_year + self.horizon_years as i32
    }
}

/// Parsing of `[scenarios.NAME]` tables. They are read by hand from TOML values
/// rather than by serde, because parameter names sit beside the scenario's own keys.
mod scenario {
    use std::collections::BTreeMap;
    use std::ops::RangeInclusive;

    use super::*;

    pub(super) fn parse(
        name: &str,
        value: &toml::Value,
        parameters: &BTreeMap<Param, ParamSpec>,
        overrides: &BTreeMap<String, BTreeMap<Param, Distribution>>,
        years: &RangeInclusive<i32>,
        bad: Bad<'_>,
    ) -> Result<Scenario, Error> {
        let field = format!("scenarios.{}", name.escape_debug());
        if name == BASELINE_SCENARIO
            || name.is_empty()
            || name.len() > crate::names::MAX_NAME_BYTES
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad(
                &field,
                format!(
                    "`{}` cannot name a scenario (1 to {} bytes of letters, digits, _ and -; not `baseline`)",
                    name.escape_debug(),
                    crate::names::MAX_NAME_BYTES
                ),
            ));
        }
        let table = value
            .as_table()
            .ok_or_else(|| bad(&field, "must be a table".into()))?;
        let mut description = String::new();
        let mut regions = None;
        let mut region_overrides = BTreeMap::new();
        let mut rest = toml::Table::new();
        for (key, v) in table {
            let f = format!("{field}.{key}");
            match key.as_str() {
                "description" => {
                    description = v
                        .as_str()
                        .ok_or_else(|| bad(&f, "must be a string".into()))?
                        .to_string();
                }
                "regions" => regions = Some(codes(v, &f, bad)?),
                "overrides" => {
                    let t = v
                        .as_table()
                        .ok_or_else(|| bad(&f, "must be a table of region codes".into()))?;
                    for (code, changes) in t {
                        let cf = format!("{f}.{code}");
                        let ct = changes
                            .as_table()
                            .ok_or_else(|| bad(&cf, "must be a table".into()))?;
                        region_overrides.insert(
                            code.clone(),
                            changes_of(ct, &cf, parameters, overrides, years, bad)?,
                        );
                    }
                }
                _ => {
                    rest.insert(key.clone(), v.clone());
                }
            }
        }
        let changes = changes_of(&rest, &field, parameters, overrides, years, bad)?;
        Ok(Scenario {
            name: name.to_string(),
            description,
            regions,
            changes,
            overrides: region_overrides,
        })
    }

    fn codes(v: &toml::Value, f: &str, bad: Bad<'_>) -> Result<Vec<String>, Error> {
        v.as_array()
            .and_then(|a| {
                a.iter()
                    .map(|c| c.as_str().map(String::from))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| {
                bad(
                    f,
                    "must be a list of region codes such as [\"06\", \"23\"]".into(),
                )
            })
    }

    fn number(v: &toml::Value, f: &str, bad: Bad<'_>) -> Result<f64, Error> {
        let x = v
            .as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .ok_or_else(|| bad(f, format!("must be a number, got {v}")))?;
        if x.is_finite() {
            Ok(x)
        } else {
            Err(bad(f, format!("must be a finite number, got {x}")))
        }
    }

    fn changes_of(
        table: &toml::Table,
        field: &str,
        parameters: &BTreeMap<Param, ParamSpec>,
        overrides: &BTreeMap<String, BTreeMap<Param, Distribution>>,
        years: &RangeInclusive<i32>,
        bad: Bad<'_>,
    ) -> Result<ScenarioChanges, Error> {
        let mut c = ScenarioChanges::default();
        for (key, v) in table {
            let f = format!("{field}.{key}");
            match key.as_str() {
                "intake" => c.intake = intake_rules(v, &f, years, bad)?,
                "intake_cap_per_year" => {
                    let x = number(v, &f, bad)?;
                    if x < 0.0 {
                        return Err(bad(&f, format!("must be >= 0, got {x}")));
                    }
                    c.intake_cap_per_year = Some(x);
                }
                "max_trainees_per_specialist_fte" => {
                    let x = number(v, &f, bad)?;
                    c.max_trainees_per_specialist_fte =
                        Some(super::check_supervision_cap(x, &f, bad)?);
                }
                "inhabitants_per_specialist" | "inhabitants_per_trainee" => {
                    let x = number(v, &f, bad)?;
                    if x <= 0.0 {
                        return Err(bad(&f, format!("must be a positive number, got {x}")));
                    }
                    if key == "inhabitants_per_specialist" {
                        c.inhabitants_per_specialist = Some(x);
                    } else {
                        c.inhabitants_per_trainee = Some(x);
                    }
                }
                "description" | "regions" | "overrides" => {
                    return Err(bad(&f, "belongs at the top of the scenario".into()));
                }
                _ => {
                    let param = Param::from_name(key).ok_or_else(|| {
                        bad(
                            &f,
                            format!(
                                "{}; a scenario also takes description, regions, intake, intake_cap_per_year, max_trainees_per_specialist_fte, inhabitants_per_specialist, inhabitants_per_trainee, overrides",
                                unknown_param(key)
                            ),
                        )
                    })?;
                    if param == Param::ShareInPrimaryCare {
                        return Err(bad(
                            &f,
                            "is the calibration of today's stock, not a policy: a scenario \
                             changes behaviour (primary_care_uptake, attrition_per_year, \
                             return_rate, recruits_per_year)"
                                .into(),
                        ));
                    }
                    // The uptake is always used: drawn where the config gives it, else
                    // derived.
                    let used = parameters.contains_key(&param)
                        || matches!(param, Param::PublicHeadcount | Param::PrimaryCareUptake);
                    if !used {
                        return Err(bad(&f, not_used(param, &format!("changes {key}"))));
                    }
                    c.parameters.insert(
                        param,
                        param_change(param, v, &f, parameters, overrides, bad)?,
                    );
                }
            }
        }
        Ok(c)
    }

    fn param_change(
        param: Param,
        v: &toml::Value,
        f: &str,
        parameters: &BTreeMap<Param, ParamSpec>,
        overrides: &BTreeMap<String, BTreeMap<Param, Distribution>>,
        bad: Bad<'_>,
    ) -> Result<ParamChange, Error> {
        if let Some(t) = v.as_table().filter(|t| t.contains_key("scale")) {
            if t.len() != 1 {
                return Err(bad(f, "`scale` stands alone: { scale = 0.5 }".into()));
            }
            let k = number(&t["scale"], &format!("{f}.scale"), bad)?;
            if k < 0.0 {
                return Err(bad(&format!("{f}.scale"), format!("must be >= 0, got {k}")));
            }
            // The scaled draws must stay valid wherever the baseline can draw.
            let (vlo, vhi) = param.valid_range();
            let derived = param == Param::PrimaryCareUptake && !parameters.contains_key(&param);
            if derived && k > vhi {
                return Err(bad(
                    &format!("{f}.scale"),
                    format!(
                        "{k} x the derived uptake (up to 1) can reach {k}, outside the valid range [{vlo}, {vhi}]"
                    ),
                ));
            }
            let dists = parameters
                .get(&param)
                .map(|s| &s.dist)
                .into_iter()
                .chain(overrides.values().filter_map(|o| o.get(&param)));
            for d in dists {
                let (lo, hi) = d.support();
                if lo * k < vlo || hi * k > vhi {
                    return Err(bad(
                        &format!("{f}.scale"),
                        format!(
                            "{k} x {} can reach [{}, {}], outside the valid range [{vlo}, {vhi}]",
                            d.describe(),
                            lo * k,
                            hi * k
                        ),
                    ));
                }
            }
            return Ok(ParamChange::Scale(k));
        }
        let rp: RawParam = v
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| bad(f, e.message().replace('\n', " ")))?;
        if rp.scope.is_some() {
            return Err(bad(
                f,
                "a scenario takes no scope: it keeps the baseline's, so its runs stay paired with the baseline's".into(),
            ));
        }
        Ok(ParamChange::Replace(check_dist(param, &rp, f, &bad)?))
    }

    fn intake_rules(
        v: &toml::Value,
        f: &str,
        years: &RangeInclusive<i32>,
        bad: Bad<'_>,
    ) -> Result<Vec<IntakeRule>, Error> {
        let example = "a list such as [{ from = 2026, to = 2035, multiply = 2.0 }] or [{ from = 2026, to = 2030, trainees_per_year = 60 }]";
        let list = v
            .as_array()
            .ok_or_else(|| bad(f, format!("must be {example}")))?;
        let mut rules = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let rf = format!("{f}[{i}]");
            let t = item
                .as_table()
                .ok_or_else(|| bad(&rf, format!("must be {example}")))?;
            for k in t.keys() {
                if !matches!(k.as_str(), "from" | "to" | "multiply" | "trainees_per_year") {
                    return Err(bad(
                        &format!("{rf}.{k}"),
                        "unknown key (from, to, and one of multiply, trainees_per_year)".into(),
                    ));
                }
            }
            let year = |k: &str| -> Result<i32, Error> {
                let yf = format!("{rf}.{k}");
                let y = t
                    .get(k)
                    .and_then(toml::Value::as_integer)
                    .ok_or_else(|| bad(&yf, "a calendar year is required".into()))?;
                let first = years.start() + 1;
                if y < i64::from(first) || y > i64::from(*years.end()) {
                    return Err(bad(
                        &yf,
                        format!(
                            "{y} lies outside the years with intake, {first}..={}",
                            years.end()
                        ),
                    ));
                }
                Ok(y as i32)
            };
            let (from_year, to_year) = (year("from")?, year("to")?);
            if from_year > to_year {
                return Err(bad(&rf, format!("from {from_year} is after to {to_year}")));
            }
            let change = match (t.get("multiply"), t.get("trainees_per_year")) {
                (Some(m), None) => {
                    IntakeChange::Multiply(number(m, &format!("{rf}.multiply"), bad)?)
                }
                (None, Some(n)) => IntakeChange::TraineesPerYear(number(
                    n,
                    &format!("{rf}.trainees_per_year"),
                    bad,
                )?),
                _ => {
                    return Err(bad(
                        &rf,
                        "give exactly one of multiply, trainees_per_year".into(),
                    ))
                }
            };
            let x = match change {
                IntakeChange::Multiply(x) | IntakeChange::TraineesPerYear(x) => x,
            };
            if x < 0.0 {
                return Err(bad(&rf, format!("must not be negative, got {x}")));
            }
            rules.push(IntakeRule {
                from_year,
                to_year,
                change,
            });
        }
        Ok(rules)
    }
}

/// What names a config field and its problem (`Error::Config` of the config's file).
type Bad<'a> = &'a dyn Fn(&str, String) -> Error;

fn check_guideline(g: &Guideline, bad: Bad<'_>) -> Result<(), Error> {
    for (field, v) in [
        (
            "guideline.inhabitants_per_specialist",
            g.inhabitants_per_specialist,
        ),
        (
            "guideline.inhabitants_per_trainee",
            g.inhabitants_per_trainee,
        ),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(field, format!("must be a positive number, got {v}")));
        }
    }
    Ok(())
}

fn check_training(tr: &Training, bad: Bad<'_>) -> Result<(), Error> {
    if tr.min_years < 1 || tr.min_years > tr.max_years || tr.max_years as usize > MAX_DURATION_YEARS
    {
        return Err(bad(
            "training",
            format!(
                "need 1 <= min_years <= max_years <= {}, got {}..{}",
                MAX_DURATION_YEARS, tr.min_years, tr.max_years
            ),
        ));
    }
    Ok(())
}

/// The checkpoint years: the config's, or the defaults; inside the simulated years,
/// each once.
fn checkpoints(raw: &RawConfig, last_year: i32, bad: Bad<'_>) -> Result<Vec<i32>, Error> {
    let checkpoint_years = raw
        .checkpoint_years
        .clone()
        .unwrap_or_else(|| DEFAULT_CHECKPOINTS.to_vec());
    for &y in &checkpoint_years {
        if y < raw.base_year || y > last_year {
            return Err(bad(
                "checkpoint_years",
                format!(
                    "{y} lies outside the simulated years {}..={last_year}",
                    raw.base_year
                ),
            ));
        }
    }
    let mut sorted = checkpoint_years.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != checkpoint_years.len() {
        return Err(bad("checkpoint_years", "a year appears twice".into()));
    }

    Ok(checkpoint_years)
}

/// Every parameter that has a spec: the defaults, then the config's replacements.
fn parameters(raw: &RawConfig, bad: Bad<'_>) -> Result<BTreeMap<Param, ParamSpec>, Error> {
    let mut parameters: BTreeMap<Param, ParamSpec> = Param::ALL
        .iter()
        .filter_map(|&p| p.default_spec().map(|s| (p, s)))
        .collect();
    for (name, rp) in &raw.parameters {
        let field = format!("parameters.{name}");
        let param = Param::from_name(name).ok_or_else(|| bad(&field, unknown_param(name)))?;
        if param == Param::PublicHeadcount {
            return Err(bad(
                &field,
                "is a per-region prior: give it under [overrides.CODE]".into(),
            ));
        }
        if param == Param::CareerYears {
            return Err(bad(
                &field,
                "is no longer a parameter (model version 2): specialists retire at an age \
                 drawn from [ages] retirement_age, and leave primary care by \
                 attrition_per_year (docs/model.md); dlf mode keeps DLF's 25 years"
                    .into(),
            ));
        }
        let dist = check_dist(param, rp, &field, &bad)?;
        let scope = rp
            .scope
            .or_else(|| param.default_spec().map(|s| s.scope))
            .unwrap_or(Scope::Region);
        parameters.insert(param, ParamSpec { dist, scope });
    }
    if raw.parameters.contains_key("pop_growth_per_year") {
        if raw.parameters.contains_key("pop_growth_multiplier") {
            return Err(bad(
                "parameters.pop_growth_per_year",
                "give either pop_growth_per_year or pop_growth_multiplier, not both".into(),
            ));
        }
        parameters.remove(&Param::PopGrowthMultiplier);
    }

    Ok(parameters)
}

/// The per-region replacements of `[overrides.CODE]`.
fn overrides(
    raw: &RawConfig,
    parameters: &BTreeMap<Param, ParamSpec>,
    bad: Bad<'_>,
) -> Result<BTreeMap<String, BTreeMap<Param, Distribution>>, Error> {
    let mut overrides = BTreeMap::new();
    for (code, table) in &raw.overrides {
        let mut region = BTreeMap::new();
        for (name, rp) in table {
            let field = format!("overrides.{code}.{name}");
            let param = Param::from_name(name).ok_or_else(|| bad(&field, unknown_param(name)))?;
            if rp.scope.is_some() {
                return Err(bad(
                    &field,
                    "a per-region override takes no scope (it keeps the parameter's)".into(),
                ));
            }
            if param != Param::PublicHeadcount && !parameters.contains_key(&param) {
                return Err(bad(&field, not_used(param, &format!("overrides {name}"))));
            }
            region.insert(param, check_dist(param, rp, &field, &bad)?);
        }
        overrides.insert(code.clone(), region);
    }

    Ok(overrides)
}

/// The mean ST duration's draws, common and per region, stay within the training's
/// bounds.
fn check_duration_means(
    parameters: &BTreeMap<Param, ParamSpec>,
    overrides: &BTreeMap<String, BTreeMap<Param, Distribution>>,
    tr: &Training,
    bad: Bad<'_>,
) -> Result<(), Error> {
    let dur = &parameters[&Param::StDurationMeanYears].dist;
    let (lo, hi) = dur.support();
    let mut mean_ranges = vec![("parameters.st_duration_mean_years".to_string(), lo, hi)];
    for (code, o) in overrides {
        if let Some(d) = o.get(&Param::StDurationMeanYears) {
            let (lo, hi) = d.support();
            mean_ranges.push((format!("overrides.{code}.st_duration_mean_years"), lo, hi));
        }
    }
    for (field, lo, hi) in mean_ranges {
        if lo < f64::from(tr.min_years) || hi > f64::from(tr.max_years) {
            return Err(bad(
                &field,
                format!(
                    "draws must stay within training.min_years..max_years = {}..{}, but range over {lo}..{hi}",
                    tr.min_years, tr.max_years
                ),
            ));
        }
    }

    Ok(())
}

fn check_costs(costs: &Costs, bad: Bad<'_>) -> Result<(), Error> {
    for (field, v) in [
        ("costs.msek_per_trainee_year", costs.msek_per_trainee_year),
        (
            "costs.msek_per_specialist_fte_year",
            costs.msek_per_specialist_fte_year,
        ),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(bad(field, format!("must be a number >= 0, got {v}")));
        }
    }
    if !(costs.index_per_year.is_finite() && costs.index_per_year > -1.0) {
        return Err(bad(
            "costs.index_per_year",
            format!("must be a number > -1, got {}", costs.index_per_year),
        ));
    }

    Ok(())
}

/// The `[sensitivity]` table as a checked request.
fn sensitivity_request(
    raw: &RawConfig,
    last_year: i32,
    bad: Bad<'_>,
) -> Result<sensitivity::Request, Error> {
    let rs = &raw.sensitivity;
    let sensitivity = sensitivity::Request {
        output: rs
            .output
            .parse()
            .map_err(|e: String| bad("sensitivity.output", e))?,
        samples: rs.samples,
        bootstrap: rs.bootstrap,
        confidence: rs.confidence,
        replicates: rs.replicates,
    };
    if let Some((field, problem)) = sensitivity.problem(raw.base_year, last_year, raw.mode) {
        return Err(bad(&format!("sensitivity.{field}"), problem));
    }

    Ok(sensitivity)
}

/// Why a scenario or an override may not name `param`: this config does not draw it.
fn not_used(param: Param, what: &str) -> String {
    match param {
        Param::CareerYears => format!(
            "{what}, which is no longer a parameter (model version 2): retirement follows \
             [ages] retirement_age"
        ),
        Param::PrimaryCareUptake => format!(
            "{what}, which this config derives from share_in_primary_care: give \
             primary_care_uptake under [parameters] to draw it instead"
        ),
        _ => format!("{what}, which this config does not use"),
    }
}

fn unknown_param(name: &str) -> String {
    let names: Vec<&str> = Param::ALL.iter().map(|p| p.name()).collect();
    format!("unknown parameter `{name}` (known: {})", names.join(", "))
}

/// The supervision cap: trainees per specialist FTE, above 0.
fn check_supervision_cap(r: f64, field: &str, bad: Bad<'_>) -> Result<f64, Error> {
    if r.is_finite() && r > 0.0 {
        Ok(r)
    } else {
        Err(bad(
            field,
            format!("must be a number of trainees per specialist FTE above 0, got {r}"),
        ))
    }
}

/// A distribution as written, checked in itself (not against a parameter's range).
fn parse_dist(
    rp: &RawParam,
    field: &str,
    bad: &impl Fn(&str, String) -> Error,
) -> Result<Distribution, Error> {
    Distribution::from_fields(&rp.fields).map_err(|(f, problem)| {
        // A bare number has no sub-field to name.
        if rp.fields.dist == "fixed" && f == "value" {
            bad(field, problem)
        } else {
            bad(&format!("{field}.{f}"), problem)
        }
    })
}

fn check_dist(
    param: Param,
    rp: &RawParam,
    field: &str,
    bad: &impl Fn(&str, String) -> Error,
) -> Result<Distribution, Error> {
    let dist = parse_dist(rp, field, bad)?;
    let (lo, hi) = dist.support();
    // A beta's support is [0, 1] but it never draws either end.
    let open_ends =
        param == Param::ShareInPrimaryCare && !matches!(dist, Distribution::Beta { .. });
    if open_ends && (lo <= 0.0 || hi >= 1.0) {
        return Err(bad(
            field,
            format!(
                "{} can produce {}: a share must lie strictly between 0 and 1",
                dist.describe(),
                if lo <= 0.0 { lo } else { hi }
            ),
        ));
    }
    let (vlo, vhi) = param.valid_range();
    if lo < vlo || hi > vhi {
        return Err(bad(
            field,
            format!(
                "{} can produce values in [{lo}, {hi}], outside the valid range [{vlo}, {vhi}]",
                dist.describe()
            ),
        ));
    }
    Ok(dist)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "name = \"t\"\nseed = 1\nruns = 10\n";

    fn err(text: &str) -> String {
        Config::parse(text, "t.toml").unwrap_err().to_string()
    }

    #[test]
    fn minimal_config_gets_model_defaults() {
        let c = Config::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(c.mode, Mode::Binomial);
        assert_eq!(c.horizon_years, 100);
        assert_eq!(c.checkpoint_years, DEFAULT_CHECKPOINTS);
        assert_eq!(
            c.parameters[&Param::ShareInPrimaryCare].dist,
            Distribution::Beta {
                mean: 0.63,
                sd: 0.04
            }
        );
        // The uptake is derived unless a config fixes it; career_years is retired.
        assert!(!c.parameters.contains_key(&Param::PrimaryCareUptake));
        assert!(!c.parameters.contains_key(&Param::CareerYears));
        assert!(!c.parameters.contains_key(&Param::PopGrowthPerYear));
        assert_eq!(c.ages.retirement_age, DEFAULT_RETIREMENT_AGE);
        assert_eq!(
            (c.sustain_years, c.max_trainees_per_specialist_fte),
            (1, None)
        );
    }

    #[test]
    fn bare_numbers_are_fixed_and_overrides_apply() {
        let c = Config::parse(
            &format!("{MINIMAL}[parameters]\ndropout_share = 0.1\n[overrides.13]\nintake_growth_per_year = 0.02\n"),
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            c.parameters[&Param::DropoutShare].dist,
            Distribution::Fixed { value: 0.1 }
        );
        assert_eq!(
            c.dist_for("13", Param::IntakeGrowthPerYear),
            Some(&Distribution::Fixed { value: 0.02 })
        );
        assert_eq!(
            c.dist_for("14", Param::IntakeGrowthPerYear),
            Some(&Distribution::Uniform {
                min: 0.0,
                max: 0.05
            })
        );
    }

    #[test]
    fn language_is_english_swedish_or_refused() {
        let c = Config::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(c.language, Lang::En);
        let c = Config::parse(&format!("language = \"sv\"\n{MINIMAL}"), "t.toml").unwrap();
        assert_eq!(c.language, Lang::Sv);
        let e = Config::parse(&format!("language = \"fr\"\n{MINIMAL}"), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.toml")
                && e.contains("language")
                && e.contains("must be \"en\" or \"sv\", got \"fr\""),
            "{e}"
        );
    }

    /// Version 2's settings: the target held for some years, the supervision cap.
    #[test]
    fn sustain_years_and_supervision_cap_are_checked() {
        let c = Config::parse(
            &format!("sustain_years = 3\nmax_trainees_per_specialist_fte = 0.9\n{MINIMAL}"),
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            (c.sustain_years, c.max_trainees_per_specialist_fte),
            (3, Some(0.9))
        );
        for (line, field) in [
            ("sustain_years = 0", "sustain_years"),
            ("sustain_years = 101", "sustain_years"),
            (
                "max_trainees_per_specialist_fte = 0",
                "max_trainees_per_specialist_fte",
            ),
            (
                "max_trainees_per_specialist_fte = -1",
                "max_trainees_per_specialist_fte",
            ),
        ] {
            let e = err(&format!("{line}\n{MINIMAL}"));
            assert!(e.starts_with(&format!("t.toml: {field}:")), "{line}: {e}");
        }
        let e = err(&format!(
            "{MINIMAL}[scenarios.x]\nmax_trainees_per_specialist_fte = -2\n"
        ));
        assert!(
            e.contains("scenarios.x.max_trainees_per_specialist_fte"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}[scenarios.x]\nrecruits_per_year = -2\n"));
        assert!(e.contains("scenarios.x.recruits_per_year"), "{e}");
    }

    #[test]
    fn errors_name_file_and_field() {
        let e = err(&format!("{MINIMAL}sed = 3\n"));
        assert!(e.starts_with("t.toml: line 4:") && e.contains("sed"), "{e}");
        let e = err("name = \"t\"\nseed = 1\nruns = 0\n");
        assert!(e.starts_with("t.toml: runs:"), "{e}");
        let e = err(&format!(
            "{MINIMAL}[parameters]\nfte_new = {{ dist = \"beta\", mean = 1.5, sd = 0.1 }}\n"
        ));
        assert!(e.starts_with("t.toml: parameters.fte_new.mean:"), "{e}");
        let e = err(&format!(
            "{MINIMAL}[parameters]\nage_at_st_start = {{ dist = \"normal\", mean = 32, sd = 0 }}\n"
        ));
        assert!(
            e.starts_with("t.toml: parameters.age_at_st_start.sd: must be > 0"),
            "{e}"
        );
        let e = err(&format!(
            "{MINIMAL}[parameters]\nage_at_st_start = {{ dist = \"uniform\", min = 38, max = 29 }}\n"
        ));
        assert!(e.contains("parameters.age_at_st_start.min"), "{e}");
        let e = err(&format!(
            "{MINIMAL}[overrides.06]\nprimary_care_uptake = 0.7\n"
        ));
        assert!(
            e.contains("overrides.06.primary_care_uptake") && e.contains("derives"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}[scenarios.x]\ncareer_years = 25\n"));
        assert!(e.contains("no longer a parameter"), "{e}");
        let e = err(&format!("{MINIMAL}[parameters]\ncareer_years = 25\n"));
        assert!(
            e.starts_with("t.toml: parameters.career_years: is no longer a parameter"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}[parameters]\nage_at_st_start = nan\n"));
        assert!(
            e.contains("parameters.age_at_st_start") && e.contains("finite"),
            "{e}"
        );
        for s in ["0", "1", "{ dist = \"uniform\", min = 0.5, max = 1.0 }"] {
            let e = err(&format!(
                "{MINIMAL}[parameters]\nshare_in_primary_care = {s}\n"
            ));
            assert!(
                e.contains("parameters.share_in_primary_care") && e.contains("strictly between"),
                "{e}"
            );
        }
        let e = err(&format!("{MINIMAL}[parameters]\nwarp = 1\n"));
        assert!(
            e.contains("parameters.warp") && e.contains("unknown parameter"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}[parameters]\nfte_new = {{ dist = \"beta\", mean = 0.8, sd = 0.1, foo = 1 }}\n"));
        assert!(e.contains("line 5") && e.contains("foo"), "{e}");
        let e = err(&format!("{MINIMAL}checkpoint_years = [2200]\n"));
        assert!(e.contains("checkpoint_years"), "{e}");
        let e = err(&format!(
            "{MINIMAL}[parameters]\nst_duration_mean_years = 13\n"
        ));
        assert!(
            e.contains("st_duration_mean_years") && e.contains("min_years"),
            "{e}"
        );
    }
}
