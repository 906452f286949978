//! The reports: `report.html`, one self-contained page with the summary table and
//! every chart, and `report_CODE.html`, one region's own (`region`). Inline SVG, no
//! scripts, no network: they open offline in any browser and print cleanly.

mod region;

pub use region::write_region_report;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::chart::{draw_all, ChartData, FanMetric, Format};
use crate::error::Error;
use crate::lang::{Lang, Text};
use crate::output::{read_summary, CHARTS_DIR, SUMMARY_FILE};
use crate::summary::SummaryRow;

pub const REPORT_FILE: &str = "report.html";

/// A JSON value as text: a string without its quotes.
fn plain(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), String::from)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `report.html` into a results folder, in `lang`, and returns its path. The
/// charts are drawn anew as SVG into a work folder that goes when the report is
/// written: the folder's own `charts/` stay in the language they were drawn in.
pub fn write_report(dir: &Path, lang: Lang) -> Result<PathBuf, Error> {
    let data = ChartData::load(dir, FanMetric::Coverage, lang)?;
    let work = crate::output::WorkDir::create(dir, "report-charts")?;
    let charts = work.path().join(CHARTS_DIR);
    let files = draw_all(&data, &charts, Format::Svg)?;
    let rows = read_summary(&dir.join(SUMMARY_FILE))?;
    let manifest = crate::output::read_manifest(dir);

    let mut html = String::new();
    let name = manifest["config"]["name"]
        .as_str()
        .unwrap_or("fastlakare results");
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} – fastlakare</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        lang.code(),
        escape(name)
    );
    let _ = writeln!(
        html,
        "<h1>{}</h1>",
        escape(&lang.fill(Text::ReportTitle, &[&name]))
    );
    let m = |v: &serde_json::Value| escape(&plain(v));
    let _ = writeln!(
        html,
        "<p class=\"meta\">{}</p>",
        lang.fill(
            Text::ReportMeta,
            &[
                &m(&manifest["version"]),
                &lang.mode(&m(&manifest["config"]["mode"])),
                &manifest["runs"]
                    .as_f64()
                    .map_or_else(|| m(&manifest["runs"]), |n| lang.number(n, 0)),
                &m(&manifest["seed"]),
                &m(&manifest["config"]["base_year"]),
                &m(&manifest["config"]["horizon_years"]),
            ]
        )
    );
    let _ = writeln!(html, "<p>{}</p>", lang.get(Text::ReportIntro));
    write_table(&mut html, &rows, lang);

    let order = [
        "overview_coverage.svg",
        "years_to_target.svg",
        "prob_by_year.svg",
    ];
    let mut svgs: Vec<&PathBuf> = order
        .iter()
        .filter_map(|o| files.iter().find(|f| f.ends_with(o)))
        .collect();
    for prefix in ["fan_", "ages_", "scenarios_"] {
        svgs.extend(files.iter().filter(|f| {
            f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        }));
    }
    let _ = writeln!(html, "<h2>{}</h2>", lang.get(Text::Charts));
    for path in svgs {
        inline_svg(&mut html, path)?;
    }
    // `fastlakare sensitivity` results in the same folder: heat-maps, then tornados.
    let sensitivity = dir.join(crate::output::SENSITIVITY_FILE);
    if sensitivity.exists() {
        let rows = crate::output::read_sensitivity(&sensitivity)?;
        let mut files = crate::chart::draw_sensitivity(&rows, &charts, Format::Svg, lang)?;
        files.sort_by_key(|f| !f.to_string_lossy().ends_with("_heatmap.svg"));
        let _ = writeln!(
            html,
            "<h2>{}</h2>\n<p>{}</p>",
            lang.get(Text::SensitivityHeading),
            lang.get(Text::SensitivityIntro)
        );
        for path in &files {
            inline_svg(&mut html, path)?;
        }
    }
    html.push_str("</body>\n</html>\n");
    put(dir, REPORT_FILE, &html)
}

/// Writes `html` to `dir/file` whole or not at all: into a work folder, then renamed.
fn put(dir: &Path, file: &str, html: &str) -> Result<PathBuf, Error> {
    let out = dir.join(file);
    let work = crate::output::WorkDir::create(dir, "report")?;
    let partial = work.path().join(file);
    let io = |p: &Path, e| Error::Io {
        path: p.to_path_buf(),
        what: "write the report",
        source: e,
    };
    std::fs::write(&partial, html).map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, &out).map_err(|e| io(&out, e))?;
    Ok(out)
}

/// Appends an SVG file as an inline figure.
fn inline_svg(html: &mut String, path: &Path) -> Result<(), Error> {
    let svg = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        what: "read",
        source: e,
    })?;
    figure(html, &svg, None);
    Ok(())
}

/// Appends an inline SVG chart as a figure (of `class`, if any).
fn figure(html: &mut String, svg: &str, class: Option<&str>) {
    let svg = svg.replacen("<svg ", "<svg class=\"chart\" role=\"img\" ", 1);
    let _ = match class {
        Some(class) => writeln!(html, "<figure class=\"{class}\">\n{svg}\n</figure>"),
        None => writeln!(html, "<figure>\n{svg}\n</figure>"),
    };
}

/// One table per scenario (the baseline first), in the summary's row order.
fn write_table(html: &mut String, rows: &[SummaryRow], lang: Lang) {
    let _ = writeln!(html, "<h2>{}</h2>", lang.get(Text::Summary));
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !names.contains(&r.scenario.as_str()) {
            names.push(&r.scenario);
        }
    }
    for name in &names {
        if names.len() > 1 {
            let _ = writeln!(
                html,
                "<h3>{}</h3>",
                escape(&lang.fill(Text::ScenarioHeading, &[&lang.scenario(name)]))
            );
        }
        let group: Vec<SummaryRow> = rows
            .iter()
            .filter(|r| r.scenario == *name)
            .cloned()
            .collect();
        write_scenario_table(html, &group, lang);
    }
}

fn write_scenario_table(html: &mut String, rows: &[SummaryRow], lang: Lang) {
    let t = |text| lang.get(text);
    let _ = write!(
        html,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th>",
        t(Text::ColCode),
        t(Text::ColRegion),
        t(Text::ColRuns)
    );
    for q in ["P5", "P25"] {
        let _ = write!(html, "<th>{}</th>", lang.fill(Text::ColYearsQ, &[&q]));
    }
    let _ = write!(html, "<th>{}</th>", t(Text::ColMedianYears));
    for q in ["P75", "P95"] {
        let _ = write!(html, "<th>{}</th>", lang.fill(Text::ColYearsQ, &[&q]));
    }
    let _ = write!(html, "<th>{}</th>", t(Text::ColNever));
    for (year, _) in rows.first().map_or(&[][..], |r| &r.prob_by[..]) {
        let _ = write!(html, "<th>{}</th>", lang.fill(Text::ColReachedBy, &[year]));
    }
    let _ = write!(
        html,
        "<th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        t(Text::ColOwnGoal),
        t(Text::ColReachedByOwnGoal)
    );
    let pct = |p: f64| lang.percent(p, 1);
    for r in rows {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            escape(&r.region_code),
            escape(&r.region),
            r.years.runs
        );
        for y in r.years.q {
            match y {
                Some(y) => {
                    let _ = write!(html, "<td>{}</td>", lang.number(y, 1));
                }
                None => {
                    let _ = write!(html, "<td class=\"cens\">{}</td>", t(Text::BeyondHorizon));
                }
            }
        }
        let _ = write!(html, "<td>{}</td>", pct(r.years.share_never));
        for (_, p) in &r.prob_by {
            let _ = write!(html, "<td>{}</td>", pct(*p));
        }
        match (r.policy_target_year, r.prob_by_policy_target) {
            (Some(y), Some(p)) => {
                let _ = write!(html, "<td>{y}</td><td>{}</td>", pct(p));
            }
            _ => html.push_str("<td></td><td></td>"),
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}.meta{color:#555}\
table{border-collapse:collapse;font-size:.8em;width:100%}th,td{border-bottom:1px solid #ccc;padding:3px 5px;text-align:right}\
th:nth-child(2),td:nth-child(2){text-align:left}td.cens{color:#777;font-style:italic}\
figure{margin:1.5em 0;break-inside:avoid;page-break-inside:avoid}svg.chart{max-width:100%;height:auto}\
@media print{body{margin:0;max-width:none}h2{break-before:auto}thead{display:table-header-group}tr{break-inside:avoid}}";
