//! `report_CODE.html`: one region's report for its board and planners, laid out for
//! two to four A4 pages: whether and when it reaches the guideline, its ages and
//! flows, what it would take and what matters most (where `solve` and `sensitivity`
//! wrote their files into the folder), the scenarios, and every assumption behind it.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{escape, figure, plain, put};
use crate::chart::RegionSvgs;
use crate::config::BASELINE_SCENARIO;
use crate::error::Error;
use crate::lang::{Lang, Text};
use crate::output::{read_summary, SENSITIVITY_FILE, SUMMARY_FILE};
use crate::params::Param;
use crate::summary::SummaryRow;

/// The name of region `code`'s report.
pub fn region_report_file(code: &str) -> String {
    format!("report_{code}.html")
}

/// Writes `report_CODE.html` into a results folder, in `lang`, and returns its path.
/// Nothing is written for a code the folder has no results for.
pub fn write_region_report(dir: &Path, code: &str, lang: Lang) -> Result<PathBuf, Error> {
    if !crate::names::is_plain_file_stem(code) {
        return Err(Error::Usage(format!(
            "--region: `{}` is not a region code",
            code.escape_debug()
        )));
    }
    let rows = read_summary(&dir.join(SUMMARY_FILE))?;
    let known = || {
        let mut codes: Vec<&str> = rows.iter().map(|r| r.region_code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes.join(", ")
    };
    let Some(baseline) = rows
        .iter()
        .find(|r| r.region_code == code && r.scenario == BASELINE_SCENARIO)
    else {
        return Err(Error::Usage(format!(
            "--region {code}: {} has no results for that code (it has {})",
            dir.join(SUMMARY_FILE).display(),
            known()
        )));
    };
    let svgs = crate::chart::region_svgs(dir, code, lang)?.ok_or_else(|| {
        Error::Usage(format!(
            "--region {code}: the folder's bands have no rows for that code"
        ))
    })?;
    let manifest = crate::output::read_manifest(dir);
    let report = Report {
        lang,
        dir,
        code,
        baseline,
        rows: &rows,
        svgs: &svgs,
        manifest: &manifest,
    };
    put(dir, &region_report_file(code), &report.html()?)
}

struct Report<'a> {
    lang: Lang,
    dir: &'a Path,
    code: &'a str,
    baseline: &'a SummaryRow,
    rows: &'a [SummaryRow],
    svgs: &'a RegionSvgs,
    manifest: &'a Value,
}

impl Report<'_> {
    fn t(&self, text: Text) -> &'static str {
        self.lang.get(text)
    }

    fn pct(&self, p: f64) -> String {
        self.lang.percent(p, 0)
    }

    fn html(&self) -> Result<String, Error> {
        let mut h = String::new();
        let title = self.lang.fill(Text::RegionTitle, &[&self.svgs.name]);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            self.lang.code(),
            escape(&title),
            escape(&title)
        );
        let cfg = &self.manifest["config"];
        let _ = writeln!(
            h,
            "<p class=\"meta\">{}</p>",
            escape(&self.lang.fill(
                Text::RegionMeta,
                &[
                    &plain(&self.manifest["version"]),
                    &self.lang.number(f64::from(self.baseline.years.runs), 0),
                    &plain(&cfg["base_year"]),
                    &plain(&cfg["horizon_years"]),
                    &plain(&cfg["name"]),
                ]
            ))
        );
        self.reach(&mut h);
        self.solve(&mut h)?;
        self.drivers(&mut h)?;
        self.ages(&mut h);
        self.scenarios(&mut h);
        self.assumptions(&mut h);
        h.push_str("</body>\n</html>\n");
        Ok(h)
    }

    fn base_year(&self) -> i32 {
        self.manifest["config"]["base_year"]
            .as_i64()
            .map_or(2023, |y| y as i32)
    }

    fn last_year(&self) -> i32 {
        let h = self.manifest["config"]["horizon_years"]
            .as_i64()
            .unwrap_or(0);
        self.base_year() + h as i32
    }

    /// When the region reaches the guideline, in words and a table, and its fan chart.
    fn reach(&self, h: &mut String) {
        let (l, b) = (self.lang, self.baseline);
        let _ = writeln!(h, "<section>\n<h2>{}</h2>", self.t(Text::ReachHeading));
        let mut words = vec![self.t(Text::ReachTarget).to_string()];
        let base = self.base_year();
        match b.years.q[2] {
            _ if b.years.share_never >= 1.0 => {
                words.push(l.fill(Text::ReachNone, &[&self.last_year()]))
            }
            Some(m) => {
                // Whole years that keep the sentences true of the runs: "or later" from
                // the median rounded down, "or earlier" from P05 rounded up.
                let years = m.floor() as i32;
                words.push(l.fill(Text::ReachMedian, &[&(base + years), &years, &base]));
                if let Some(p05) = b.years.q[0] {
                    words.push(l.fill(Text::ReachEarly, &[&(base + p05.ceil() as i32)]));
                }
            }
            None => words.push(l.fill(Text::ReachMedianNever, &[&self.last_year()])),
        }
        if b.years.share_never > 0.0 && b.years.share_never < 1.0 {
            words.push(l.fill(Text::ReachNever, &[&share(l, b.years.share_never)]));
        }
        if let (Some(year), Some(p)) = (b.policy_target_year, b.prob_by_policy_target) {
            words.push(l.fill(Text::ReachOwnGoal, &[&year, &self.pct(p)]));
        }
        let _ = writeln!(h, "<p class=\"lead\">{}</p>", escape(&words.join(" ")));
        let _ = writeln!(
            h,
            "<table class=\"reach\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            self.t(Text::ColYear),
            self.t(Text::ColShareReached),
            self.t(Text::ColCoverageMedian),
            self.t(Text::ColCoverageBand)
        );
        // The checkpoints with their coverage, and the own goal among them in order.
        let mut lines: Vec<(i32, f64, Option<usize>)> = b
            .prob_by
            .iter()
            .enumerate()
            .map(|(i, &(year, p))| (year, p, Some(i)))
            .collect();
        if let (Some(year), Some(p)) = (b.policy_target_year, b.prob_by_policy_target) {
            if !lines.iter().any(|l| l.0 == year) {
                lines.push((year, p, None));
                lines.sort_by_key(|l| l.0);
            }
        }
        for (year, p, i) in lines {
            let label = if b.policy_target_year == Some(year) {
                l.fill(Text::OwnGoalMark, &[&year])
            } else {
                year.to_string()
            };
            let (median, band) = match i.and_then(|i| b.coverage_at.get(i)) {
                Some(c) => (
                    self.pct(c.q[2]),
                    format!("{}–{}", self.pct(c.q[0]), self.pct(c.q[4])),
                ),
                None => ("–".into(), "–".into()),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&label),
                self.pct(p),
                median,
                band
            );
        }
        h.push_str("</tbody>\n</table>\n");
        figure(h, &self.svgs.coverage, Some("wide"));
        h.push_str("</section>\n");
    }

    fn ages(&self, h: &mut String) {
        let _ = writeln!(
            h,
            "<section class=\"ages\">\n<h2>{}</h2>\n<p>{}</p>",
            self.t(Text::AgesHeading),
            self.t(Text::AgesIntro)
        );
        if let Some(p) = &self.svgs.pyramid {
            figure(h, p, Some("pyramid"));
        }
        h.push_str("<div class=\"pair\">\n");
        figure(h, &self.svgs.outside, Some("half"));
        figure(h, &self.svgs.retirements, Some("half"));
        h.push_str("</div>\n</section>\n");
    }

    /// `solve.parquet`'s row for the region, where `solve` wrote one into the folder.
    fn solve(&self, h: &mut String) -> Result<(), Error> {
        let path = self.dir.join(crate::solve::SOLVE_FILE);
        if !path.exists() {
            return Ok(());
        }
        let Some(row) = read_solve_row(&path, self.code)? else {
            return Ok(());
        };
        let l = self.lang;
        let sentence = match (row.required, row.intake) {
            (Some(n), Some(intake)) => l.fill(
                Text::SolveNeeded,
                &[
                    &row.by_year,
                    &self.pct(row.probability),
                    &l.number(n, 0),
                    &l.number(row.current, 0),
                    &l.number(intake, 0),
                ],
            ),
            _ => l.fill(
                Text::SolveNone,
                &[
                    &l.number(row.max, 0),
                    &row.by_year,
                    &self.pct(row.probability),
                    &self.pct(row.probability_at_max),
                ],
            ),
        };
        let _ = writeln!(
            h,
            "<section class=\"keep\">\n<h2>{}</h2>\n<p>{}</p>\n</section>",
            self.t(Text::SolveHeading),
            escape(&sentence)
        );
        Ok(())
    }

    /// The three parameters with the largest total-order index for the region.
    fn drivers(&self, h: &mut String) -> Result<(), Error> {
        let path = self.dir.join(SENSITIVITY_FILE);
        if !path.exists() {
            return Ok(());
        }
        let rows = crate::output::read_sensitivity(&path)?;
        let mut mine: Vec<_> = rows
            .iter()
            .filter(|r| r.region_code == self.code && r.indices.is_some())
            .filter(|r| r.scenario == rows[0].scenario)
            .collect();
        if mine.is_empty() {
            return Ok(());
        }
        let total =
            |r: &&crate::sensitivity::Row| r.indices.map_or(0.0, |i| i.total_order.estimate);
        mine.sort_by(|a, b| total(b).total_cmp(&total(a)));
        let l = self.lang;
        let output = crate::chart::output_words(l, &mine[0].output);
        let _ = writeln!(
            h,
            "<section class=\"keep\">\n<h2>{}</h2>\n<p>{}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            self.t(Text::DriversHeading),
            escape(&l.fill(Text::DriversIntro, &[&output])),
            self.t(Text::ColParameter),
            self.t(Text::ColTotalOrder),
            self.t(Text::ColFirstOrder)
        );
        let interval = |i: crate::sensitivity::sobol::Interval| {
            format!(
                "{} [{}, {}]",
                l.number(i.estimate, 2),
                l.number(i.lo, 2),
                l.number(i.hi, 2)
            )
        };
        for r in mine.iter().take(3) {
            let Some(i) = r.indices else { continue };
            let _ = writeln!(
                h,
                "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&l.param_words(r.parameter)),
                r.parameter.name(),
                interval(i.total_order),
                interval(i.first_order)
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
        Ok(())
    }

    /// Each scenario's chance of the goal and coverage beside the baseline's.
    fn scenarios(&self, h: &mut String) {
        let others: Vec<&SummaryRow> = self
            .rows
            .iter()
            .filter(|r| r.region_code == self.code && r.scenario != BASELINE_SCENARIO)
            .collect();
        if others.is_empty() {
            return;
        }
        let (l, b) = (self.lang, self.baseline);
        // The year to compare at: the region's own goal, else the last checkpoint.
        let goal = b
            .policy_target_year
            .or_else(|| b.prob_by.last().map(|&(y, _)| y));
        let p_at = |r: &SummaryRow| match b.policy_target_year {
            Some(_) => r.prob_by_policy_target,
            None => r.prob_by.last().map(|&(_, p)| p),
        };
        // Coverage at the first checkpoint ten years on, else the last.
        let k = b
            .prob_by
            .iter()
            .position(|&(y, _)| y >= self.base_year() + 10)
            .unwrap_or(b.prob_by.len().saturating_sub(1));
        let cov_year = b.prob_by.get(k).map(|&(y, _)| y);
        let cov = |r: &SummaryRow| r.coverage_at.get(k).map(|c| c.q[2]);
        let _ = writeln!(
            h,
            "<section>\n<div class=\"keep\">\n<h2>{}</h2>\n<p>{}</p>",
            self.t(Text::ScenariosHeading),
            self.t(Text::ScenariosIntro)
        );
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            self.t(Text::ColScenario),
            escape(&l.fill(Text::ColPByGoal, &[&goal.map_or("–".into(), |y| y.to_string())])),
            self.t(Text::ColChangePoints),
            escape(&l.fill(Text::ColCoverageIn, &[&cov_year.map_or("–".into(), |y| y.to_string())])),
            self.t(Text::ColChangePoints),
        );
        let fmt = |x: Option<f64>| x.map_or("–".into(), |x| self.pct(x));
        // Rounded first, so the sign is the shown number's: no "+0" or "-0".
        let delta = |x: Option<f64>, y: Option<f64>| match (x, y) {
            (Some(x), Some(y)) => {
                let d = (100.0 * (x - y)).round();
                if d > 0.0 {
                    format!("+{}", l.number(d, 0))
                } else if d < 0.0 {
                    l.number(d, 0)
                } else {
                    "0".to_string()
                }
            }
            _ => "–".into(),
        };
        for r in std::iter::once(b).chain(others.iter().copied()) {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&l.scenario(&r.scenario)),
                fmt(p_at(r)),
                delta(p_at(r), p_at(b)),
                fmt(cov(r)),
                delta(cov(r), cov(b)),
            );
        }
        h.push_str("</tbody>\n</table>\n</div>\n");
        if let Some(svg) = &self.svgs.scenarios {
            figure(h, svg, Some("scenarios"));
        }
        h.push_str("</section>\n");
    }

    /// Every parameter's distribution and source, the data row, and provenance.
    fn assumptions(&self, h: &mut String) {
        let l = self.lang;
        let cfg = &self.manifest["config"];
        let _ = writeln!(
            h,
            "<section class=\"assumptions\">\n<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            self.t(Text::AssumptionsHeading),
            self.t(Text::ColParameter),
            self.t(Text::ColDistribution),
            self.t(Text::ColScope),
            self.t(Text::ColSource)
        );
        let own = &cfg["overrides"][self.code];
        for p in Param::ALL {
            let spec = &cfg["parameters"][p.name()];
            let (dist, scope) = match (spec.is_object(), p) {
                (true, _) => (
                    match own.get(p.name()) {
                        Some(o) => l.fill(Text::RegionOverride, &[&dist_words(l, o)]),
                        None => dist_words(l, spec),
                    },
                    match spec["scope"].as_str() {
                        Some("national") => self.t(Text::ScopeNational),
                        _ => self.t(Text::ScopeRegion),
                    },
                ),
                (false, Param::PrimaryCareUptake) => (
                    self.t(Text::DistDerived).to_string(),
                    self.t(Text::ScopeRegion),
                ),
                (false, _) => continue,
            };
            let _ = writeln!(
                h,
                "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&l.param_words(p)),
                p.name(),
                escape(&dist),
                scope,
                escape(l.get(Text::Source(p)))
            );
        }
        for (text, value) in [
            (
                Text::RetirementAge,
                dist_words(l, &cfg["ages"]["retirement_age"]),
            ),
            (
                Text::RecruitAge,
                cfg["ages"]["recruit_age"]
                    .as_f64()
                    .map_or_else(|| plain(&cfg["ages"]["recruit_age"]), |a| short(l, a)),
            ),
        ] {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td></td><td>docs/model.md</td></tr>",
                self.t(text),
                escape(&value)
            );
        }
        h.push_str("</tbody>\n</table>\n");
        self.data_row(h);
        self.provenance(h);
        h.push_str("</section>\n");
    }

    /// The region's row of the data file the run read, column by column.
    fn data_row(&self, h: &mut String) {
        let _ = writeln!(h, "<h3>{}</h3>", self.t(Text::DataHeading));
        if self.code == "SE" {
            let _ = writeln!(h, "<p>{}</p>", self.t(Text::DataSum));
            return;
        }
        let file = self.manifest["data_file"].as_str().unwrap_or_default();
        // The text the run read, kept in its manifest.
        let row = self.manifest["data_text"].as_str().and_then(|t| {
            let mut r = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(t.as_bytes());
            let header = r.headers().ok()?.clone();
            let code = header.iter().position(|c| c == "code")?;
            r.records()
                .filter_map(Result::ok)
                .find(|rec| rec.get(code) == Some(self.code))
                .map(|rec| (header, rec))
        });
        let Some((header, rec)) = row else {
            let _ = writeln!(
                h,
                "<p>{}</p>",
                escape(&self.lang.fill(Text::DataMissing, &[&file]))
            );
            return;
        };
        h.push_str("<table class=\"data\">\n<tbody>\n");
        for (k, v) in header.iter().zip(rec.iter()) {
            if v.is_empty() {
                continue;
            }
            let k = if k == "notes" { self.t(Text::Notes) } else { k };
            // Numbers the language's way; codes, years and words as they are.
            let v = match v.parse::<f64>() {
                Ok(x) if k != "code" && !k.contains("year") && x.is_finite() => {
                    let decimals = v.split_once('.').map_or(0, |(_, f)| f.len());
                    self.lang.number(x, decimals)
                }
                _ => v.to_string(),
            };
            let _ = writeln!(
                h,
                "<tr><th><code>{}</code></th><td>{}</td></tr>",
                escape(k),
                escape(&v)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }

    fn provenance(&self, h: &mut String) {
        let m = self.manifest;
        let unknown = self.t(Text::Unknown);
        let or = |v: &Value| {
            if v.is_null() {
                unknown.to_string()
            } else {
                plain(v)
            }
        };
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<table class=\"data\">\n<tbody>",
            self.t(Text::ProvenanceHeading)
        );
        for (text, v) in [
            (Text::ProvVersion, or(&m["version"])),
            (Text::ProvCommit, or(&m["git_commit"])),
            (Text::ProvConfig, or(&m["config_file"])),
            (Text::ProvHash, or(&m["config_sha256"])),
            (Text::ProvData, or(&m["data_file"])),
            (Text::ProvSeed, or(&m["seed"])),
            (Text::ProvRuns, or(&m["runs"])),
            (Text::ProvMode, self.lang.mode(&or(&m["config"]["mode"]))),
        ] {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td><code>{}</code></td></tr>",
                self.t(text),
                escape(&v)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
}

/// A share of runs as a percentage: whole percent, but a decimal (or two) where
/// rounding would show 0 % or 100 % of a share that is neither.
fn share(l: Lang, s: f64) -> String {
    let decimals = (0..=3)
        .find(|&d| {
            let shown = (100.0 * s * 10f64.powi(d)).round() / 10f64.powi(d);
            (s <= 0.0 || shown > 0.0) && (s >= 1.0 || shown < 100.0)
        })
        .unwrap_or(3) as usize;
    l.percent(s, decimals)
}

/// A distribution from a config (`{"dist": "uniform", "min": 0.0, ...}`) in words.
fn dist_words(l: Lang, d: &Value) -> String {
    let n = |k: &str| d[k].as_f64().map_or("–".into(), |x| short(l, x));
    match d["dist"].as_str() {
        Some("fixed") => l.fill(Text::DistFixed, &[&n("value")]),
        Some("uniform") => l.fill(Text::DistUniform, &[&n("min"), &n("max")]),
        Some("triangular") => l.fill(Text::DistTriangular, &[&n("min"), &n("mode"), &n("max")]),
        Some("normal") if d["min"].is_number() || d["max"].is_number() => {
            let bound = |k: &str, none: &str| d[k].as_f64().map_or(none.into(), |x| short(l, x));
            l.fill(
                Text::DistNormalIn,
                &[
                    &n("mean"),
                    &n("sd"),
                    &bound("min", "−∞"),
                    &bound("max", "∞"),
                ],
            )
        }
        Some("normal") => l.fill(Text::DistNormal, &[&n("mean"), &n("sd")]),
        Some("lognormal") => l.fill(Text::DistLognormal, &[&n("mean"), &n("sd")]),
        Some("beta") => l.fill(Text::DistBeta, &[&n("mean"), &n("sd")]),
        Some("gamma") => l.fill(Text::DistGamma, &[&n("mean"), &n("sd")]),
        _ => plain(d),
    }
}

/// A parameter's value with as many decimals as it has (up to four).
fn short(l: Lang, x: f64) -> String {
    let decimals = (0..=4)
        .find(|&d| ((x * 10f64.powi(d)).round() - x * 10f64.powi(d)).abs() < 1e-9)
        .unwrap_or(4) as usize;
    l.number(x, decimals)
}

/// A region's row of `solve.parquet`.
struct SolveRow {
    by_year: i32,
    probability: f64,
    current: f64,
    required: Option<f64>,
    intake: Option<f64>,
    max: f64,
    probability_at_max: f64,
}

fn read_solve_row(path: &Path, code: &str) -> Result<Option<SolveRow>, Error> {
    let df = crate::output::read_frame(path)?;
    let pe = |e| Error::Parquet {
        path: path.to_path_buf(),
        source: e,
    };
    let codes = df
        .column("region_code")
        .and_then(|c| c.str().cloned())
        .map_err(pe)?;
    let Some(i) = (0..df.height()).find(|&i| codes.get(i) == Some(code)) else {
        return Ok(None);
    };
    let f = |name: &str| -> Result<Option<f64>, Error> {
        let c = df.column(name).map_err(pe)?;
        let c = c.cast(&polars::prelude::DataType::Float64).map_err(pe)?;
        Ok(c.f64().map_err(pe)?.get(i))
    };
    Ok(Some(SolveRow {
        by_year: f("by_year")?.unwrap_or_default() as i32,
        probability: f("probability")?.unwrap_or_default(),
        current: f("current_st_trainees")?.unwrap_or_default(),
        required: f("required_st_trainees")?,
        intake: f("required_intake_per_year")?,
        max: f("max_st_trainees")?.unwrap_or_default(),
        probability_at_max: f("probability_at_max")?.unwrap_or_default(),
    }))
}

/// A4 in print: the figures at the page's width (the pyramid narrower, two fans side
/// by side), tables that do not break across a row, sections that start where they fit.
const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:180mm;margin:1.5em auto;padding:0 1em;color:#222;font-size:10.5pt;line-height:1.35}\
h1{font-size:16pt;margin:0 0 .2em}h2{font-size:12.5pt;margin:1.2em 0 .4em;border-bottom:1px solid #bbb}h3{font-size:11pt;margin:1em 0 .3em}\
.meta{color:#555;margin-top:0}.lead{font-size:11pt}\
table{border-collapse:collapse;width:100%;font-size:9pt;margin:.4em 0}th,td{border-bottom:1px solid #ddd;padding:2px 5px;text-align:left;vertical-align:top}\
table.reach td:not(:first-child),table.reach th:not(:first-child){text-align:right}\
table.data th{width:38%;font-weight:normal;color:#444}td{overflow-wrap:anywhere}code{font-size:8pt;color:#555}\
.assumptions td:first-child{width:30%}.assumptions td:first-child code{display:block;overflow-wrap:anywhere}\
figure{margin:.6em 0;break-inside:avoid;page-break-inside:avoid}svg.chart{width:100%;height:auto;display:block}\
figure.pyramid{width:64%;margin-left:auto;margin-right:auto}figure.scenarios{width:72%;margin-left:auto;margin-right:auto}\
.keep{break-inside:avoid;page-break-inside:avoid}.assumptions table{font-size:7.8pt}.assumptions td,.assumptions th{padding:1px 4px}\
.pair{display:flex;gap:3%}.pair figure.half{width:48.5%}\
@page{size:A4;margin:14mm 14mm 16mm}\
\
@media print{body{margin:0;max-width:none;padding:0}h2{break-after:avoid}tr{break-inside:avoid}thead{display:table-header-group}}";
