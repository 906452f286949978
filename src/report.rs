//! `report.html`: one self-contained page with the summary table and every chart, for
//! a region's board. Inline SVG, no scripts, no network: it opens offline in any
//! browser and prints cleanly.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::chart::{draw_all, ChartData, FanMetric, Format};
use crate::error::Error;
use crate::output::{read_summary, CHARTS_DIR, MANIFEST_FILE, SUMMARY_FILE};
use crate::summary::SummaryRow;

pub const REPORT_FILE: &str = "report.html";

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `report.html` into a results folder (charts are redrawn as SVG first) and
/// returns its path.
pub fn write_report(dir: &Path) -> Result<PathBuf, Error> {
    let data = ChartData::load(dir, FanMetric::Coverage)?;
    let charts = dir.join(CHARTS_DIR);
    let files = draw_all(&data, &charts, Format::Svg)?;
    let rows = read_summary(&dir.join(SUMMARY_FILE))?;
    let manifest: serde_json::Value =
        crate::input::read_bytes(&dir.join(MANIFEST_FILE), 64 << 20, "read")
            .ok()
            .and_then(|t| serde_json::from_slice(&t).ok())
            .unwrap_or(serde_json::Value::Null);

    let mut html = String::new();
    let name = manifest["config"]["name"]
        .as_str()
        .unwrap_or("fastlakare results");
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} – fastlakare</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(name)
    );
    let _ = writeln!(
        html,
        "<h1>GP workforce against the 1/1100 guideline: {}</h1>",
        escape(name)
    );
    let _ = writeln!(
        html,
        "<p class=\"meta\">fastlakare {} · mode {} · {} runs · seed {} · base year {} · horizon {} years</p>",
        escape(manifest["version"].as_str().unwrap_or("?")),
        escape(manifest["config"]["mode"].as_str().unwrap_or("?")),
        manifest["runs"],
        manifest["seed"],
        manifest["config"]["base_year"],
        manifest["config"]["horizon_years"],
    );
    html.push_str(INTRO);
    write_table(&mut html, &rows);

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
    html.push_str("<h2>Charts</h2>\n");
    for path in svgs {
        inline_svg(&mut html, path)?;
    }
    // `fastlakare sensitivity` results in the same folder: heat-maps, then tornados.
    let sensitivity = dir.join(crate::output::SENSITIVITY_FILE);
    if sensitivity.exists() {
        let rows = crate::output::read_sensitivity(&sensitivity)?;
        let mut files = crate::chart::draw_sensitivity(&rows, &charts, Format::Svg)?;
        files.sort_by_key(|f| !f.to_string_lossy().ends_with("_heatmap.svg"));
        html.push_str(SENSITIVITY_INTRO);
        for path in &files {
            inline_svg(&mut html, path)?;
        }
    }
    html.push_str("</body>\n</html>\n");

    let out = dir.join(REPORT_FILE);
    let work = crate::output::WorkDir::create(dir, "report")?;
    let partial = work.path().join(REPORT_FILE);
    let io = |p: &Path, e| Error::Io {
        path: p.to_path_buf(),
        what: "write the report",
        source: e,
    };
    std::fs::write(&partial, html).map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, &out).map_err(|e| io(&out, e))?;
    Ok(out)
}

const SENSITIVITY_INTRO: &str = "<h2>Which uncertainty matters</h2>\n<p>Sobol indices from <code>fastlakare sensitivity</code>: the share of the output's variance across runs that each uncertain parameter explains, alone (first order) or with its interactions (total order). See docs/sensitivity.md.</p>\n";

/// Appends an SVG file as an inline figure.
fn inline_svg(html: &mut String, path: &Path) -> Result<(), Error> {
    let svg = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        what: "read",
        source: e,
    })?;
    let svg = svg.replacen("<svg ", "<svg class=\"chart\" role=\"img\" ", 1);
    let _ = writeln!(html, "<figure>\n{svg}\n</figure>");
    Ok(())
}

/// One table per scenario (the baseline first), in the summary's row order.
fn write_table(html: &mut String, rows: &[SummaryRow]) {
    html.push_str("<h2>Summary</h2>\n");
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !names.contains(&r.scenario.as_str()) {
            names.push(&r.scenario);
        }
    }
    for name in &names {
        if names.len() > 1 {
            let _ = writeln!(html, "<h3>Scenario: {}</h3>", escape(name));
        }
        let group: Vec<SummaryRow> = rows
            .iter()
            .filter(|r| r.scenario == *name)
            .cloned()
            .collect();
        write_scenario_table(html, &group);
    }
}

fn write_scenario_table(html: &mut String, rows: &[SummaryRow]) {
    html.push_str("<table>\n<thead><tr><th>code</th><th>region</th><th>runs</th>");
    html.push_str("<th>P5 years</th><th>P25 years</th><th>median years</th><th>P75 years</th><th>P95 years</th><th>never within horizon</th>");
    for (year, _) in rows.first().map_or(&[][..], |r| &r.prob_by[..]) {
        let _ = write!(html, "<th>reached by {year}</th>");
    }
    html.push_str("<th>own goal</th><th>reached by own goal</th></tr></thead>\n<tbody>\n");
    let pct = |p: f64| format!("{:.1} %", 100.0 * p);
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
                    let _ = write!(html, "<td>{y:.1}</td>");
                }
                None => html.push_str("<td class=\"cens\">beyond horizon</td>"),
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

const INTRO: &str = "<p>Coverage is the guideline's own measure, (1100 × specialist FTE + 550 × ST trainees) / population; \
the target is met in the first year it reaches 100 %. Years count from the base year. \
Quantiles of years to target that fall among runs which never reach the target within the horizon \
are shown as <em>beyond horizon</em>, never as a number. \
Sverige is the run-by-run sum of the regions.</p>\n";

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}.meta{color:#555}\
table{border-collapse:collapse;font-size:.8em;width:100%}th,td{border-bottom:1px solid #ccc;padding:3px 5px;text-align:right}\
th:nth-child(2),td:nth-child(2){text-align:left}td.cens{color:#777;font-style:italic}\
figure{margin:1.5em 0;break-inside:avoid;page-break-inside:avoid}svg.chart{max-width:100%;height:auto}\
@media print{body{margin:0;max-width:none}h2{break-before:auto}thead{display:table-header-group}tr{break-inside:avoid}}";
