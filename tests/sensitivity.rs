//! `fastlakare sensitivity` end to end: the file and its schema, the charts,
//! reproducibility across thread counts, a one-factor check, and bad input.

use std::path::Path;

use crate::common::*;

const COLUMNS: [&str; 15] = [
    "scenario",
    "region_code",
    "region",
    "output",
    "parameter",
    "s1",
    "s1_lo",
    "s1_hi",
    "st",
    "st_lo",
    "st_hi",
    "samples",
    "output_mean",
    "output_variance",
    "censored_share",
];

fn sensitivity(s: &Scratch, cfg: &Path, out: &str, extra: &[&str]) -> std::path::PathBuf {
    s.cmd()
        .args([
            "sensitivity",
            cfg.to_str().unwrap(),
            "--quiet",
            "--out",
            out,
        ])
        .args(extra)
        .assert()
        .success();
    s.path(out)
}

#[test]
fn writes_indices_for_every_region_and_sverige_with_charts() {
    let s = Scratch::new();
    let cfg = s.small(10, "");
    let out = sensitivity(
        &s,
        &cfg,
        "sens",
        &["--samples", "128", "--bootstrap", "100"],
    );
    let df = read_parquet(&out.join("sensitivity.parquet"));
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(names, COLUMNS);
    let codes = strs(&df, "region_code");
    let mut regions: Vec<String> = codes.iter().flatten().cloned().collect();
    regions.dedup();
    assert_eq!(regions.len(), 22, "21 regions and Sverige: {regions:?}");
    assert_eq!(regions.last().map(String::as_str), Some("SE"));
    assert!(strs(&df, "output")
        .iter()
        .all(|o| o.as_deref() == Some("coverage_at:2035")));
    assert!(i32s(&df, "samples").iter().all(|n| *n == Some(128)));
    // Coverage varies everywhere: every index is present, and its interval holds it.
    let (s1, lo, hi) = (f64s(&df, "s1"), f64s(&df, "s1_lo"), f64s(&df, "s1_hi"));
    let (st, st_lo, st_hi) = (f64s(&df, "st"), f64s(&df, "st_lo"), f64s(&df, "st_hi"));
    for i in 0..df.height() {
        assert!(lo[i].unwrap() <= hi[i].unwrap());
        assert!(st_lo[i].unwrap() <= st[i].unwrap() + 1e-12);
        assert!(st[i].unwrap() <= st_hi[i].unwrap() + 1e-12);
        assert!(s1[i].is_some());
    }
    assert!(f64s(&df, "censored_share").iter().all(Option::is_none));
    let meta = parquet_metadata(&out.join("sensitivity.parquet"));
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        get("fastlakare.sensitivity.output").as_deref(),
        Some("coverage_at:2035")
    );
    assert_eq!(
        get("fastlakare.sensitivity.noise").as_deref(),
        Some("expected mode (no model noise)")
    );
    for stem in [
        "sensitivity_baseline_06",
        "sensitivity_baseline_SE",
        "sensitivity_baseline_heatmap",
    ] {
        for ext in ["png", "svg"] {
            let p = out.join("charts").join(format!("{stem}.{ext}"));
            assert!(p.metadata().unwrap().len() > 1000, "{}", p.display());
        }
    }
    // Nothing left behind from staging; the marker of a folder fastlakare made stays.
    assert!(out.join(".fastlakare").is_file());
    let hidden: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with('.') && name != ".fastlakare"
        })
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn same_seed_same_file_whatever_the_threads() {
    let s = Scratch::new();
    let cfg = s.small(10, "regions = [\"06\", \"25\"]");
    let args = |t: &'static str| {
        [
            "--samples",
            "200",
            "--bootstrap",
            "50",
            "--no-charts",
            "--threads",
            t,
        ]
    };
    let one = sensitivity(&s, &cfg, "one", &args("1"));
    let two = sensitivity(&s, &cfg, "two", &args("2"));
    let a = std::fs::read(one.join("sensitivity.parquet")).unwrap();
    let b = std::fs::read(two.join("sensitivity.parquet")).unwrap();
    assert!(
        a == b,
        "sensitivity.parquet differs between 1 and 2 threads"
    );
    // Only two regions: no Sverige total.
    let df = read_parquet(&one.join("sensitivity.parquet"));
    assert!(strs(&df, "region_code")
        .iter()
        .all(|c| c.as_deref() != Some("SE")));
}

/// With every parameter but one fixed, that one explains all the variance.
#[test]
fn a_single_uncertain_parameter_takes_all_the_variance() {
    let s = Scratch::new();
    let fixed = "[parameters]\nst_duration_mean_years = 8.0\nprimary_care_uptake = 0.6\nshare_in_primary_care = 0.63\nage_at_st_start = 32.0\nfte_new = 0.8\nfte_initial = 0.8\nintake_growth_per_year = 0.01\nintake_growth_years = 10.0\npop_growth_multiplier = 0.5\npublic_share = 0.65\n";
    let cfg = s.config(
        "one.toml",
        &format!(
            "name = \"one\"\nseed = 5\nruns = 10\nmode = \"expected\"\ndata = \"regions.csv\"\n{fixed}[overrides.25]\npublic_headcount = 92.0\n"
        ),
    );
    let out = sensitivity(
        &s,
        &cfg,
        "one",
        &["--samples", "2048", "--bootstrap", "100", "--no-charts"],
    );
    let df = read_parquet(&out.join("sensitivity.parquet"));
    let params = strs(&df, "parameter");
    assert!(
        params
            .iter()
            .all(|p| p.as_deref() == Some("attrition_per_year")),
        "{params:?}"
    );
    // Each region's estimates carry sampling error of a few hundredths (S1's more
    // than ST's); over 22 nearly independent columns the mean must sit at 1.
    let (s1, st) = (f64s(&df, "s1"), f64s(&df, "st"));
    let n = s1.len() as f64;
    for (a, b) in s1.iter().zip(&st) {
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!((a - 1.0).abs() < 0.15, "S1 {a}");
        assert!((b - 1.0).abs() < 0.1, "ST {b}");
    }
    let mean = |v: &[Option<f64>]| v.iter().flatten().sum::<f64>() / n;
    assert!((mean(&s1) - 1.0).abs() < 0.03, "mean S1 {}", mean(&s1));
    assert!((mean(&st) - 1.0).abs() < 0.03, "mean ST {}", mean(&st));
}

#[test]
fn years_to_target_states_its_censoring_and_scenarios_each_get_rows() {
    let s = Scratch::new();
    let cfg = s.small(
        10,
        "regions = [\"06\", \"01\"]\n[scenarios.double]\nintake = [{ from = 2024, to = 2063, multiply = 2.0 }]\n",
    );
    let out = sensitivity(
        &s,
        &cfg,
        "ytt",
        &[
            "--output",
            "years_to_target",
            "--samples",
            "64",
            "--bootstrap",
            "50",
        ],
    );
    let df = read_parquet(&out.join("sensitivity.parquet"));
    let sc = strs(&df, "scenario");
    assert!(sc.iter().any(|s| s.as_deref() == Some("baseline")));
    assert!(sc.iter().any(|s| s.as_deref() == Some("double")));
    let censored = f64s(&df, "censored_share");
    assert!(censored
        .iter()
        .all(|c| c.is_some_and(|c| (0.0..=1.0).contains(&c))));
    // Stockholm rarely gets there in 40 years at today's pace.
    let codes = strs(&df, "region_code");
    let sthlm = codes
        .iter()
        .position(|c| c.as_deref() == Some("01"))
        .unwrap();
    assert!(censored[sthlm].unwrap() > 0.5, "{:?}", censored[sthlm]);
    assert!(out.join("charts/sensitivity_double_heatmap.svg").exists());
}

#[test]
fn plot_and_report_pick_up_sensitivity_results() {
    let s = Scratch::new();
    let cfg = s.small(20, "");
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--out",
            "both",
        ])
        .assert()
        .success();
    sensitivity(
        &s,
        &cfg,
        "both",
        &["--samples", "32", "--bootstrap", "20", "--no-charts"],
    );
    // The run's files are untouched and the new file sits beside them.
    assert!(s.path("both/summary.parquet").exists());
    s.cmd()
        .args(["plot", "both", "--format", "svg"])
        .assert()
        .success();
    assert!(s
        .path("both/charts/sensitivity_baseline_heatmap.svg")
        .exists());
    assert!(s.path("both/charts/fan_coverage_06.svg").exists());
    s.cmd().args(["report", "both"]).assert().success();
    let html = std::fs::read_to_string(s.path("both/report.html")).unwrap();
    assert!(html.contains("Which uncertainty matters"));
    assert!(html.contains("Total-order Sobol index"));

    // A folder with only sensitivity results still plots.
    sensitivity(
        &s,
        &cfg,
        "alone",
        &["--samples", "32", "--bootstrap", "20", "--no-charts"],
    );
    s.cmd()
        .args(["plot", "alone", "--format", "png"])
        .assert()
        .success();
    assert!(s.path("alone/charts/sensitivity_baseline_25.png").exists());
}

#[test]
fn bad_requests_fail_clearly_and_write_nothing() {
    let s = Scratch::new();
    let cfg = s.small(10, "");
    let fail = |args: &[&str], needle: &str| {
        let out = s
            .cmd()
            .arg("sensitivity")
            .args(args)
            .args(["--out", "bad"])
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8_lossy(&out).to_string();
        assert!(err.contains(needle), "{err:?} lacks {needle:?}");
        assert!(!s.path("bad").exists(), "output written after: {err}");
    };
    let c = cfg.to_str().unwrap();
    fail(&[c, "--output", "coverage"], "coverage_at:YEAR");
    fail(&[c, "--output", "coverage_at:2300"], "coverage_at:2300");
    fail(&[c, "--samples", "1"], "--samples");
    fail(&[c, "--confidence", "1.5"], "--confidence");

    let bad_table = s.config(
        "bad.toml",
        &format!(
            "name = \"b\"\nseed = 1\nruns = 5\ndata = \"regions.csv\"\n[sensitivity]\nsamples = 1\n{NORRBOTTEN}"
        ),
    );
    fail(
        &[bad_table.to_str().unwrap()],
        "bad.toml: sensitivity.samples",
    );
    let unknown = s.config(
        "unknown.toml",
        &format!(
            "name = \"u\"\nseed = 1\nruns = 5\ndata = \"regions.csv\"\n[sensitivity]\nsample = 10\n{NORRBOTTEN}"
        ),
    );
    fail(&[unknown.to_str().unwrap()], "sample");
    let dlf = s.config(
        "dlf.toml",
        "name = \"d\"\nseed = 1\nruns = 1\nmode = \"dlf\"\ndata = \"regions.csv\"\n",
    );
    fail(&[dlf.to_str().unwrap()], "no uncertain parameters");
    let expected = s.small(10, "mode = \"expected\"");
    fail(
        &[expected.to_str().unwrap(), "--replicates", "2"],
        "replicates",
    );
}

#[test]
fn replicates_average_binomial_noise() {
    let s = Scratch::new();
    let cfg = s.small(10, "");
    let out = sensitivity(
        &s,
        &cfg,
        "reps",
        &[
            "--regions",
            "09",
            "--samples",
            "128",
            "--bootstrap",
            "50",
            "--replicates",
            "4",
            "--no-charts",
        ],
    );
    let meta = parquet_metadata(&out.join("sensitivity.parquet"));
    assert!(meta.iter().any(|(k, v)| k == "fastlakare.sensitivity.noise"
        && v == "mean of 4 binomial replicates per design point"));
    let df = read_parquet(&out.join("sensitivity.parquet"));
    // Gotland is small, so noise is a visible share of the variance: the first-order
    // indices of the parameters leave more unexplained than in expected mode.
    let sum_noisy: f64 = f64s(&df, "s1").iter().flatten().sum();
    let exp = sensitivity(
        &s,
        &cfg,
        "exp",
        &[
            "--regions",
            "09",
            "--samples",
            "128",
            "--bootstrap",
            "50",
            "--no-charts",
        ],
    );
    let dfe = read_parquet(&exp.join("sensitivity.parquet"));
    // --regions kept only Gotland, so no Sverige either.
    assert!(strs(&df, "region_code")
        .iter()
        .all(|c| c.as_deref() == Some("09")));
    let var_noisy = f64s(&df, "output_variance")[0].unwrap();
    let var_exp = f64s(&dfe, "output_variance")[0].unwrap();
    assert!(
        var_noisy > var_exp,
        "noise adds variance: {var_noisy} vs {var_exp}"
    );
    assert!(sum_noisy < 1.0, "{sum_noisy}");
}

/// `sensitivity` asks about version 2's uncertain parameters (the share in primary
/// care, the ST start age, the years of intake growth) and not `career_years`, which
/// only `dlf` mode has; the derived uptake is no factor of its own.
#[test]
fn sensitivity_factors_are_version_2s_parameters() {
    let s = Scratch::new();
    let cfg = s.small(1, "");
    let out = sensitivity(
        &s,
        &cfg,
        "sens",
        &[
            "--no-charts",
            "--samples",
            "16",
            "--bootstrap",
            "10",
            "--regions",
            "09",
        ],
    );
    let df = read_parquet(&out.join("sensitivity.parquet"));
    let params: std::collections::BTreeSet<String> =
        strs(&df, "parameter").into_iter().flatten().collect();
    for p in [
        "share_in_primary_care",
        "age_at_st_start",
        "intake_growth_years",
        "attrition_per_year",
    ] {
        assert!(params.contains(p), "{p} missing from {params:?}");
    }
    for p in ["career_years", "primary_care_uptake"] {
        assert!(!params.contains(p), "{p} in {params:?}");
    }
}
