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
        let pct = |v: &str| format!("{:.1} %", 100.0 * v.parse::<f64>().unwrap());
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
