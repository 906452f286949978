//! A region's report as a reader sees it: printed by headless Chromium to PDF (A4),
//! page one to PNG (pdftoppm), and its text read back (pdftotext). Checks the page
//! count, that nothing is wider than the page, that every chart is there and drawn,
//! the region's name and headings, and the numbers against summary.csv.
//!
//! Needs Debian's `chromium` and `poppler-utils`. `.ci/run` installs them and sets
//! `FASTLAKARE_BROWSER_TESTS=required`, so there a missing browser fails the test;
//! elsewhere the test says it was skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

const CHROMIUM: &str = "chromium";

/// Whether the tools are here; panics if they are required and are not.
fn tools_present() -> bool {
    let have = |tool: &str, arg: &str| {
        Command::new(tool)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let present = have(CHROMIUM, "--version") && have("pdfinfo", "-v") && have("pdftoppm", "-v");
    if !present {
        assert!(
            std::env::var("FASTLAKARE_BROWSER_TESTS").as_deref() != Ok("required"),
            "FASTLAKARE_BROWSER_TESTS=required, but chromium or poppler-utils is missing"
        );
        eprintln!("skipped: chromium and poppler-utils are not installed");
    }
    present
}

/// Headless Chromium with a fresh profile and no network chatter (it would be refused).
fn chromium(profile: &Path) -> Command {
    let mut c = Command::new(CHROMIUM);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Prints `html` to `pdf` as a reader's browser would.
fn print_to_pdf(scratch: &Path, html: &Path, pdf: &Path) {
    run(chromium(&scratch.join("profile"))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display())));
    assert!(pdf.exists(), "{} printed", pdf.display());
}

/// The layout Chromium gives the page at the A4 text width (210 mm less 2 x 14 mm of
/// margin, 688 CSS pixels): the document's scroll and client widths, and each chart's
/// drawn width and height. A copy of the report with a measuring script is loaded (the
/// report itself has none).
fn layout(scratch: &Path, html: &Path) -> (f64, f64, Vec<(f64, f64)>) {
    let page = std::fs::read_to_string(html).unwrap();
    let probe = "<script>document.title=JSON.stringify({s:document.documentElement.scrollWidth,c:document.documentElement.clientWidth,charts:[...document.querySelectorAll('svg.chart')].map(e=>{const r=e.getBoundingClientRect();return [r.width,r.height]})});</script>";
    let copy = scratch.join("measure.html");
    std::fs::write(&copy, page.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let dom = run(chromium(&scratch.join("profile"))
        .args(["--window-size=688,1000", "--dump-dom"])
        .arg(format!("file://{}", copy.display())));
    let title = &dom[dom.find("<title>").unwrap() + 7..dom.find("</title>").unwrap()];
    let v: serde_json::Value = serde_json::from_str(&title.replace("&quot;", "\"")).unwrap();
    let charts = v["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
        .collect();
    (v["s"].as_f64().unwrap(), v["c"].as_f64().unwrap(), charts)
}

/// The PDF's text, its no-break spaces as spaces.
fn pdf_text(pdf: &Path) -> String {
    run(Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-"))
    .replace('\u{a0}', " ")
}

fn pages(pdf: &Path) -> u32 {
    let info = run(Command::new("pdfinfo").arg(pdf));
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    line["Pages:".len()..].trim().parse().unwrap()
}

/// Page one as a PNG at 60 dpi; returns its path.
fn page_one_png(pdf: &Path) -> PathBuf {
    let stem = pdf.with_extension("");
    run(Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&stem));
    stem.with_extension("png")
}

#[test]
fn region_reports_print_on_two_to_four_a4_pages_with_every_chart() {
    if !tools_present() {
        return;
    }
    let s = Scratch::new();
    let dir = crate::report::swedish_results(&s);
    let cfg = s.path("small.toml");
    s.cmd()
        .args([
            "solve",
            cfg.to_str().unwrap(),
            "--by-year",
            "2035",
            "--probability",
            "0.8",
        ])
        .args(["--regions", "01,09", "--out", "results/small"])
        .assert()
        .success();
    assert!(dir.join("solve.parquet").exists());
    // A small region in Swedish, a large one in English.
    for (code, name, lang, headings, chart_title) in [
        (
            "09",
            "Gotland",
            "sv",
            &[
                "Når regionen riktvärdet?",
                "Vad som krävs",
                "Antagandena bakom",
                "Ursprung",
            ][..],
            "Gotland – täckning av riktvärdet",
        ),
        (
            "01",
            "Stockholm",
            "en",
            &[
                "Does the region reach the guideline?",
                "What it would take",
                "Provenance",
            ][..],
            "Stockholm – coverage of the GP guideline",
        ),
    ] {
        s.cmd()
            .args(["report", "results/small", "--region", code, "--lang", lang])
            .assert()
            .success();
        let html = dir.join(format!("report_{code}.html"));
        let pdf = s.path(&format!("report_{code}_{lang}.pdf"));
        print_to_pdf(s.dir.path(), &html, &pdf);

        let n = pages(&pdf);
        assert!((2..=4).contains(&n), "{code} {lang}: {n} pages");
        let png = page_one_png(&pdf);
        assert!(
            std::fs::metadata(&png).unwrap().len() > 20_000,
            "page one drawn"
        );

        let (scroll, client, charts) = layout(s.dir.path(), &html);
        assert!(scroll <= client, "{code}: {scroll} px wide in {client}");
        // Coverage, pyramid, outside, retirements, scenarios: each drawn and on the page.
        assert_eq!(charts.len(), 5, "{code}: {charts:?}");
        for (w, h) in &charts {
            assert!(
                *w > 200.0 && *w <= client && *h > 150.0,
                "{code}: a chart {w} x {h}"
            );
        }

        let text = pdf_text(&pdf);
        assert!(text.contains(name), "{code}: the name");
        for h in headings {
            assert!(text.contains(h), "{code}: heading {h}");
        }
        assert!(
            text.contains(chart_title),
            "{code}: the fan chart's title is text"
        );
        // The table's numbers are summary.csv's, written in the report's language.
        let row = crate::report::summary_row(&dir, code);
        for year in [2030, 2035, 2040, 2050] {
            let p: f64 = row[&format!("prob_by_{year}")].parse().unwrap();
            let median: f64 = row[&format!("coverage_p50_{year}")].parse().unwrap();
            // pdftotext keeps or drops the space before % as the glyphs fall.
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(&year.to_string()) && l.contains('%'))
                .unwrap_or_else(|| panic!("{code}: no line for {year}"))
                .replace(" %", "%");
            let cells: Vec<&str> = line.split_whitespace().collect();
            let (p, cov) = (
                format!("{:.0}%", 100.0 * p),
                format!("{:.0}%", 100.0 * median),
            );
            // The label may be "2030 (own goal)": the numbers are the last three cells.
            let k = cells.len() - 3;
            assert_eq!(
                (cells[k], cells[k + 1]),
                (p.as_str(), cov.as_str()),
                "{code} {year}: {line}"
            );
        }
    }
}
