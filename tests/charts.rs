//! Charts: drawn by `run`, redrawn by `plot` from the Parquet files alone.

use std::collections::BTreeSet;
use std::path::Path;

use predicates::prelude::*;

use crate::common::*;

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

fn svg(path: &Path, width: u32, height: u32) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.starts_with(&format!("<svg width=\"{width}\" height=\"{height}\"")),
        "{}",
        path.display()
    );
    assert!(text.trim_end().ends_with("</svg>"));
    text
}

#[test]
fn run_draws_every_chart_and_plot_redraws_the_same_set() {
    let s = Scratch::new();
    let cfg = s.small(30, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .assert()
        .success();
    let charts = s.path("results/small/charts");
    let drawn = files(&charts);
    let codes = [
        "01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19",
        "20", "21", "22", "23", "24", "25", "SE",
    ];
    for code in codes {
        for ext in ["png", "svg"] {
            assert!(
                drawn.contains(&format!("ages_{code}.{ext}")),
                "age pyramid {code}.{ext} missing"
            );
        }
    }
    // The pyramid names its region and both years (the base year and 2035).
    let kronoberg = svg(&charts.join("ages_07.svg"), 960, 800);
    assert!(
        kronoberg.contains("Kronoberg") && kronoberg.contains("2023") && kronoberg.contains("2035")
    );
    assert_eq!(png_size(&charts.join("ages_SE.png")), (960, 800));
    for code in codes {
        for ext in ["png", "svg"] {
            assert!(
                drawn.contains(&format!("fan_coverage_{code}.{ext}")),
                "fan chart {code}.{ext} missing"
            );
        }
    }
    assert!(drawn.contains("years_to_target.png") && drawn.contains("years_to_target.svg"));

    assert_eq!(png_size(&charts.join("fan_coverage_23.png")), (960, 600));
    assert_eq!(png_size(&charts.join("years_to_target.png")), (960, 800));
    let fan = svg(&charts.join("fan_coverage_23.svg"), 960, 600);
    for text in [
        "Jämtland Härjedalen",
        "Coverage of the guideline (%)",
        "Year",
        "median",
        "2030",
    ] {
        assert!(fan.contains(text), "fan SVG lacks `{text}`");
    }
    let years = svg(&charts.join("years_to_target.svg"), 960, 800);
    for text in [
        "Östergötland",
        "Västra Götaland",
        "Sverige",
        "never:",
        "Years to target",
    ] {
        assert!(years.contains(text), "years SVG lacks `{text}`");
    }

    assert_eq!(
        png_size(&charts.join("overview_coverage.png")),
        (1500, 1000)
    );
    let overview = svg(&charts.join("overview_coverage.svg"), 1500, 1000);
    for code_name in ["Stockholm", "Norrbotten", "Sverige", "All regions"] {
        assert!(
            overview.contains(code_name),
            "overview SVG lacks `{code_name}`"
        );
    }
    assert_eq!(png_size(&charts.join("prob_by_year.png")), (1100, 800));
    let prob = svg(&charts.join("prob_by_year.svg"), 1100, 800);
    for text in ["Uppsala", "% of runs", "Year", "Share of runs"] {
        assert!(prob.contains(text), "probability SVG lacks `{text}`");
    }

    // `plot` from the Parquet files alone gives the same set, the same bytes on one
    // thread as on all.
    std::fs::remove_dir_all(&charts).unwrap();
    s.cmd().args(["plot", "results/small"]).assert().success();
    assert_eq!(files(&charts), drawn);
    let fan_png = std::fs::read(charts.join("fan_coverage_23.png")).unwrap();
    s.cmd()
        .args(["plot", "results/small", "--threads", "1"])
        .assert()
        .success();
    assert_eq!(files(&charts), drawn);
    assert_eq!(
        std::fs::read(charts.join("fan_coverage_23.png")).unwrap(),
        fan_png
    );
    for command in ["plot", "report"] {
        s.cmd()
            .args([command, "results/small", "--threads", "0"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--threads must be at least 1"));
    }
    s.cmd()
        .args([
            "plot",
            "results/small",
            "--format",
            "svg",
            "--metric",
            "inhabitants_per_fte",
        ])
        .assert()
        .success();
    let per_fte = svg(&charts.join("fan_inhabitants_per_fte_06.svg"), 960, 600);
    assert!(per_fte.contains("Inhabitants per specialist FTE"));
    assert!(
        !charts.join("fan_inhabitants_per_fte_06.png").exists(),
        "--format svg writes no PNG"
    );
}

#[test]
fn no_charts_skips_them_and_plot_needs_results() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--no-charts"])
        .assert()
        .success();
    assert!(!s.path("results/small/charts").exists());
    s.cmd().args(["plot", "nowhere"]).assert().failure().stderr(
        predicates::str::contains("nowhere").and(predicates::str::contains("bands.parquet")),
    );
}
