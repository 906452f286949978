//! report.html: self-contained, and its table matches summary.csv row for row.

use crate::common::*;

/// The cells of every body row of the report's table.
fn table_rows(html: &str) -> Vec<Vec<String>> {
    let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let start = cell.find('>').unwrap() + 1;
                    let end = cell.find("</td>").unwrap();
                    cell[start..end].to_string()
                })
                .collect()
        })
        .collect()
}

#[test]
fn report_is_self_contained_and_matches_summary_csv() {
    let s = Scratch::new();
    let cfg = s.small(40, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--no-charts"])
        .assert()
        .success();
    s.cmd().args(["report", "results/small"]).assert().success();
    let html = std::fs::read_to_string(s.path("results/small/report.html")).unwrap();
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import"),
        "no network"
    );
    assert!(html.matches("<svg").count() >= 22 + 3, "every chart inline");
    assert!(html.contains("Jämtland Härjedalen"));

    let csv = std::fs::read_to_string(s.path("results/small/summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows = table_rows(&html);
    let csv_rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), csv_rows.len(), "one table row per summary row");
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (cells, rec) in rows.iter().zip(&csv_rows) {
        assert_eq!(cells[0], rec[col("region_code")]);
        assert_eq!(cells[1], rec[col("region")]);
        assert_eq!(cells[2], rec[col("runs")]);
        for (k, q) in [
            "p05_years",
            "p25_years",
            "p50_years",
            "p75_years",
            "p95_years",
        ]
        .iter()
        .enumerate()
        {
            let cell = &cells[3 + k];
            match rec[col(q)] {
                "" => assert_eq!(cell, "beyond horizon", "{} {q}", rec[1]),
                v => assert_eq!(
                    cell,
                    &format!("{:.1}", v.parse::<f64>().unwrap()),
                    "{} {q}",
                    rec[1]
                ),
            }
        }
        let pct = |v: &str| format!("{:.1}\u{a0}%", 100.0 * v.parse::<f64>().unwrap());
        assert_eq!(cells[8], pct(rec[col("share_never")]));
        for (k, year) in [2030, 2035, 2040, 2050].iter().enumerate() {
            assert_eq!(
                cells[9 + k],
                pct(rec[col(&format!("prob_by_{year}"))]),
                "{} {year}",
                rec[1]
            );
        }
        assert_eq!(cells[13], rec[col("policy_target_year")]);
        match rec[col("prob_by_policy_target")] {
            "" => assert_eq!(cells[14], ""),
            v => assert_eq!(cells[14], pct(v)),
        }
    }
}

/// A small run with a scenario, in Swedish by its config: what a planner's folder holds.
pub(crate) fn swedish_results(s: &Scratch) -> std::path::PathBuf {
    let cfg = s.small(
        60,
        "language = \"sv\"\n[scenarios.double_st]\ndescription = \"ST intake doubled\"\nintake = [{ from = 2026, to = 2035, multiply = 2.0 }]\n",
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .assert()
        .success();
    s.path("results/small")
}

/// A number as the Swedish report writes it: decimal comma, no-break spaces.
fn swedish_percent(share: f64) -> String {
    format!("{:.0}\u{a0}%", 100.0 * share).replace('.', ",")
}

/// The summary.csv row of `code` in the baseline, by column name.
pub(crate) fn summary_row(
    dir: &std::path::Path,
    code: &str,
) -> std::collections::HashMap<String, String> {
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| {
            r[header.iter().position(|h| *h == "region_code").unwrap()] == code
                && r[header.iter().position(|h| *h == "scenario").unwrap()] == "baseline"
        })
        .unwrap();
    header
        .iter()
        .map(|h| h.to_string())
        .zip(row.iter().map(|v| v.to_string()))
        .collect()
}

#[test]
fn a_region_report_is_swedish_self_contained_and_matches_the_summary() {
    let s = Scratch::new();
    let dir = swedish_results(&s);
    s.cmd()
        .args(["report", "results/small", "--region", "07"])
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.join("report_07.html")).unwrap();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import")
    );
    assert!(html.contains("Kronoberg"));
    assert!(!html.contains("Gotland"), "one region only");
    for heading in [
        "Når regionen riktvärdet?",
        "Åldrar, pensionsavgångar och specialister utanför primärvården",
        "Scenarier mot basfallet",
        "Antagandena bakom",
        "Regionens data",
        "Ursprung",
    ] {
        assert!(html.contains(heading), "heading {heading}");
    }
    // The coverage fan, the pyramid, the outside stock, retirements, the scenarios.
    assert_eq!(html.matches("<svg").count(), 5);
    let row = summary_row(&dir, "07");
    for year in [2030, 2035, 2040, 2050] {
        let p: f64 = row[&format!("prob_by_{year}")].parse().unwrap();
        let median: f64 = row[&format!("coverage_p50_{year}")].parse().unwrap();
        let line = format!(
            "<tr><td>{year}</td><td>{}</td><td>{}</td>",
            swedish_percent(p),
            swedish_percent(median)
        );
        assert!(html.contains(&line), "{line}");
    }
    // Kronoberg states no goal year of its own; Gotland's is 2027.
    assert!(!html.contains("Regionens eget mål"));
    s.cmd()
        .args(["report", "results/small", "--region", "09"])
        .assert()
        .success();
    let gotland = std::fs::read_to_string(dir.join("report_09.html")).unwrap();
    let row = summary_row(&dir, "09");
    let goal: f64 = row["prob_by_policy_target"].parse().unwrap();
    assert_eq!(row["policy_target_year"], "2027");
    assert!(gotland.contains(&format!(
        "Regionens eget mål är 2027: {} av körningarna",
        swedish_percent(goal)
    )));
    // The data row, with its notes, and the config's hash.
    assert!(html.contains("anteckningar"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let sha = manifest["config_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(html.contains(sha));

    // English on request, and Sverige by its code.
    s.cmd()
        .args(["report", "results/small", "--region", "SE", "--lang", "en"])
        .assert()
        .success();
    let en = std::fs::read_to_string(dir.join("report_SE.html")).unwrap();
    assert!(
        en.contains("<html lang=\"en\">") && en.contains("Does the region reach the guideline?")
    );
}

#[test]
fn a_region_report_of_an_unknown_code_is_refused_and_writes_nothing() {
    let s = Scratch::new();
    let cfg = s.small(20, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--no-charts"])
        .assert()
        .success();
    for code in ["99", "../x"] {
        s.cmd()
            .args(["report", "results/small", "--region", code])
            .assert()
            .failure()
            .stderr(predicates::str::contains("--region"));
    }
    let names: Vec<String> = std::fs::read_dir(s.path("results/small"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("report")), "{names:?}");
}

/// Every string a chart or report shows has its Swedish version: a Swedish folder's
/// charts (run, plot of another metric, sensitivity) and both reports contain none of
/// the English table's phrases where the Swedish differs.
#[test]
fn swedish_charts_and_reports_have_no_english_left() {
    let s = Scratch::new();
    let dir = swedish_results(&s);
    s.cmd()
        .args([
            "plot",
            "results/small",
            "--metric",
            "retirements",
            "--format",
            "svg",
        ])
        .assert()
        .success();
    let sens = s.small(
        60,
        "language = \"sv\"\n[sensitivity]\nsamples = 16\nbootstrap = 20\n",
    );
    s.cmd()
        .args([
            "sensitivity",
            sens.to_str().unwrap(),
            "--regions",
            "07,09",
            "--out",
            "results/small",
            "--quiet",
        ])
        .assert()
        .success();
    s.cmd().args(["report", "results/small"]).assert().success();
    s.cmd()
        .args(["report", "results/small", "--region", "09"])
        .assert()
        .success();
    // Config keys and file names (`<code>`) are names, not English; the data file's
    // row and the provenance (`table.data`) are the data's and the run's own words.
    let without = |html: String, open: &str, close: &str| {
        let mut out = String::new();
        let mut rest = html.as_str();
        while let Some(i) = rest.find(open) {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            rest = &rest[rest.find(close).unwrap() + close.len()..];
        }
        out + rest
    };
    let without_code = |html: String| {
        without(
            without(html, "<code>", "</code>"),
            "<table class=\"data\">",
            "</table>",
        )
    };
    let mut texts = vec![
        without_code(std::fs::read_to_string(dir.join("report.html")).unwrap()),
        without_code(std::fs::read_to_string(dir.join("report_09.html")).unwrap()),
    ];
    for e in std::fs::read_dir(dir.join("charts")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "svg") {
            texts.push(std::fs::read_to_string(p).unwrap());
        }
    }
    assert!(texts.len() > 40, "{} files", texts.len());
    // As a reader sees the text: plotters and the report escape some characters.
    let texts: Vec<String> = texts
        .into_iter()
        .map(|t| {
            t.replace("&apos;", "'")
                .replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect();
    let phrases = fastlakare::lang::english_phrases();
    assert!(phrases.len() > 100);
    for text in &texts {
        for phrase in &phrases {
            if let Some(i) = text.find(phrase.as_str()) {
                let from = text.floor_char_boundary(i.saturating_sub(120));
                panic!(
                    "English left: {phrase:?} in …{}",
                    &text[from..i + phrase.len()]
                );
            }
        }
    }
}
