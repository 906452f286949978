//! The command line end to end: outputs, their schema, and every kind of bad input.

use polars::prelude::*;
use predicates::prelude::*;

use crate::common::*;

#[test]
fn run_writes_every_output_with_its_schema() {
    let s = Scratch::new();
    let cfg = s.small(50, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .assert()
        .success();
    let out = s.path("results/small");
    for f in [
        "runs.parquet",
        "bands.parquet",
        "ages.parquet",
        "summary.parquet",
        "summary.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // No staging folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(s.path("results"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");

    let runs = read_parquet(&out.join("runs.parquet"));
    assert_eq!(
        runs.height(),
        22 * 50,
        "21 regions and Sverige, 50 runs each"
    );
    let schema = runs.schema();
    assert_eq!(schema.get("scenario"), Some(&DataType::String));
    assert_eq!(schema.get("region_code"), Some(&DataType::String));
    assert_eq!(schema.get("run"), Some(&DataType::Int32));
    assert_eq!(schema.get("years_to_target"), Some(&DataType::Int32));
    assert_eq!(schema.get("year_reached"), Some(&DataType::Int32));
    assert_eq!(
        schema.get("param_st_duration_mean_years"),
        Some(&DataType::Float64)
    );
    assert_eq!(
        schema.get("param_primary_care_uptake"),
        Some(&DataType::Float64)
    );
    let codes = strs(&runs, "region_code");
    assert_eq!(
        codes.iter().filter(|c| c.as_deref() == Some("SE")).count(),
        50
    );
    // year_reached = base year + years_to_target, null together.
    let y = i32s(&runs, "years_to_target");
    let r = i32s(&runs, "year_reached");
    for (a, b) in y.into_iter().zip(r) {
        assert_eq!(a.map(|a| a + 2023), b);
    }

    let bands = read_parquet(&out.join("bands.parquet"));
    assert_eq!(bands.height(), 22 * 41 * 8);
    for c in ["mean", "p05", "p25", "p50", "p75", "p95"] {
        assert_eq!(bands.schema().get(c), Some(&DataType::Float64));
    }
    assert_eq!(bands.schema().get("year"), Some(&DataType::Int32));
    // Quantiles are ordered and stocks never negative.
    let col = |n: &str| f64s(&bands, n);
    let metric = strs(&bands, "metric");
    let (p05, p25, p50, p75, p95) = (col("p05"), col("p25"), col("p50"), col("p75"), col("p95"));
    for i in 0..bands.height() {
        let q = [
            p05[i].unwrap(),
            p25[i].unwrap(),
            p50[i].unwrap(),
            p75[i].unwrap(),
            p95[i].unwrap(),
        ];
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "row {i}: {q:?}");
        if matches!(
            metric[i].as_deref(),
            Some(
                "specialists"
                    | "trainees"
                    | "specialists_fte"
                    | "outside_primary_care"
                    | "retirements"
            )
        ) {
            assert!(q[0] >= 0.0, "row {i}: negative stock");
        }
    }

    // ages.parquet: 51 ages in the base year and each checkpoint; each year's ages add
    // up to the `specialists` band's mean, and the quantiles are ordered.
    let ages = read_parquet(&out.join("ages.parquet"));
    let checkpoints = 4;
    assert_eq!(ages.height(), 22 * (1 + checkpoints) * 51);
    let (a_code, a_year, a_mean) = (
        strs(&ages, "region_code"),
        i32s(&ages, "year"),
        f64s(&ages, "mean"),
    );
    let (a05, a50, a95) = (f64s(&ages, "p05"), f64s(&ages, "p50"), f64s(&ages, "p95"));
    for i in 0..ages.height() {
        let q = [a05[i].unwrap(), a50[i].unwrap(), a95[i].unwrap()];
        assert!(
            q[0] >= 0.0 && q[0] <= q[1] && q[1] <= q[2],
            "row {i}: {q:?}"
        );
    }
    let (b_code, b_year) = (strs(&bands, "region_code"), i32s(&bands, "year"));
    for code in ["06", "SE"] {
        for year in [2023, 2035] {
            let sum: f64 = (0..ages.height())
                .filter(|&i| a_code[i].as_deref() == Some(code) && a_year[i] == Some(year))
                .map(|i| a_mean[i].unwrap())
                .sum();
            let band = (0..bands.height())
                .find(|&j| {
                    b_code[j].as_deref() == Some(code)
                        && b_year[j] == Some(year)
                        && metric[j].as_deref() == Some("specialists")
                })
                .map(|j| col("mean")[j].unwrap())
                .unwrap();
            assert!(
                (sum - band).abs() < 1e-6 * band.max(1.0),
                "{code} {year}: {sum} against {band}"
            );
        }
    }

    // The summary's coverage at a checkpoint is the band's: mean and quantiles.
    let summary = read_parquet(&out.join("summary.parquet"));
    let (s_code, s_scenario) = (strs(&summary, "region_code"), strs(&summary, "scenario"));
    let (band_code, band_year, band_scenario) = (
        strs(&bands, "region_code"),
        i32s(&bands, "year"),
        strs(&bands, "scenario"),
    );
    for stat in ["mean", "p05", "p25", "p50", "p75", "p95"] {
        let at = f64s(&summary, &format!("coverage_{stat}_2035"));
        for code in ["06", "SE"] {
            let i = (0..summary.height())
                .find(|&i| {
                    s_code[i].as_deref() == Some(code)
                        && s_scenario[i].as_deref() == Some("baseline")
                })
                .unwrap();
            let j = (0..bands.height())
                .find(|&j| {
                    band_code[j].as_deref() == Some(code)
                        && band_year[j] == Some(2035)
                        && metric[j].as_deref() == Some("coverage")
                        && band_scenario[j].as_deref() == Some("baseline")
                })
                .unwrap();
            assert_eq!(at[i], col(stat)[j], "{code} {stat}");
        }
    }

    // The mean of `reached` is the share of runs at target by the year, from the runs.
    let (codes_r, ytt) = (strs(&runs, "region_code"), i32s(&runs, "years_to_target"));
    let (b_code, b_year, b_mean) = (
        strs(&bands, "region_code"),
        i32s(&bands, "year"),
        col("mean"),
    );
    for code in ["01", "06", "SE"] {
        for t in [0, 7, 40] {
            let hits = (0..runs.height())
                .filter(|&i| codes_r[i].as_deref() == Some(code))
                .filter(|&i| ytt[i].is_some_and(|y| y <= t))
                .count();
            let row = (0..bands.height())
                .find(|&i| {
                    b_code[i].as_deref() == Some(code)
                        && b_year[i] == Some(2023 + t)
                        && metric[i].as_deref() == Some("reached")
                })
                .expect("a reached row");
            assert_eq!(b_mean[row], Some(hits as f64 / 50.0), "{code} year {t}");
        }
    }

    let summary = read_parquet(&out.join("summary.parquet"));
    assert_eq!(summary.height(), 22);
    for c in [
        "p05_years",
        "p50_years",
        "p95_years",
        "share_never",
        "prob_by_2030",
        "prob_by_2050",
        "prob_by_policy_target",
    ] {
        assert_eq!(summary.schema().get(c), Some(&DataType::Float64), "{c}");
    }
    assert_eq!(
        summary.schema().get("policy_target_year"),
        Some(&DataType::Int32)
    );
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 23);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("scenario,region_code,region,runs,p05_years"));
    assert!(csv.contains(",SE,Sverige,50,"));

    let meta = parquet_metadata(&out.join("runs.parquet"));
    let get = |k: &str| {
        meta.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("fastlakare.seed").as_deref(), Some("7"));
    assert_eq!(
        get("fastlakare.version").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert!(get("fastlakare.config")
        .unwrap()
        .contains("name = \"small\""));

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["runs"], 50);
    assert_eq!(manifest["rows"]["runs.parquet"], 22 * 50);
    assert_eq!(manifest["config"]["mode"], "binomial");
    assert!(manifest["wall_seconds"].as_f64().unwrap() >= 0.0);
}

#[test]
fn censored_runs_are_null_and_met_targets_are_zero() {
    let s = Scratch::new();
    // A guideline of 1 specialist per 20 000 inhabitants is met everywhere today.
    let cfg = s.small(
        20,
        "[guideline]\ninhabitants_per_specialist = 20000\ninhabitants_per_trainee = 40000\n",
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", "easy"])
        .assert()
        .success();
    let runs = read_parquet(&s.path("easy/runs.parquet"));
    assert!(i32s(&runs, "years_to_target")
        .into_iter()
        .all(|v| v == Some(0)));

    // One per 100 inhabitants is out of reach within 40 years: every run is null.
    let cfg = s.small(
        20,
        "[guideline]\ninhabitants_per_specialist = 100\ninhabitants_per_trainee = 100\n",
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", "hard"])
        .assert()
        .success();
    let runs = read_parquet(&s.path("hard/runs.parquet"));
    assert_eq!(
        runs.column("years_to_target").unwrap().null_count(),
        runs.height()
    );
    assert_eq!(
        runs.column("year_reached").unwrap().null_count(),
        runs.height()
    );
    let summary = read_parquet(&s.path("hard/summary.parquet"));
    assert_eq!(summary.column("p50_years").unwrap().null_count(), 22);
    assert!(f64s(&summary, "share_never")
        .into_iter()
        .all(|v| v == Some(1.0)));
}

#[test]
fn existing_output_needs_force() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .assert()
        .success();
    let marker = s.path("results/small/marker");
    std::fs::write(&marker, "x").unwrap();
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("results/small").and(predicate::str::contains("--force")));
    assert!(marker.exists(), "refused run must not touch the folder");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--force"])
        .assert()
        .success();
    assert!(!marker.exists(), "--force replaces the folder whole");
    assert!(s.path("results/small/runs.parquet").exists());
}

#[test]
fn flags_override_the_config() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--runs",
            "3",
            "--seed",
            "99",
            "--out",
            "o",
            "--threads",
            "1",
        ])
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("o/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"], 3);
    assert_eq!(manifest["seed"], 99);
    assert_eq!(manifest["threads"], 1);
    assert_eq!(read_parquet(&s.path("o/runs.parquet")).height(), 22 * 3);
}

/// Every kind of bad input: one line naming the file and the field or row, a
/// non-zero exit, and no output folder.
#[test]
fn bad_input_is_refused_with_a_clear_line() {
    let s = Scratch::new();
    let base = "name = \"bad\"\nseed = 1\nruns = 5\ndata = \"regions.csv\"\n".to_string();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("unknown key", format!("{base}colour = 3\n{NORRBOTTEN}"), vec!["bad.toml", "line 5", "colour"]),
        ("sd <= 0", format!("{base}[parameters]\nfte_new = {{ dist = \"beta\", mean = 0.8, sd = 0 }}\n{NORRBOTTEN}"), vec!["bad.toml", "parameters.fte_new.sd", "> 0"]),
        ("beta mean", format!("{base}[parameters]\nprimary_care_uptake = {{ dist = \"beta\", mean = 1.2, sd = 0.1 }}\n{NORRBOTTEN}"), vec!["parameters.primary_care_uptake.mean", "between 0 and 1"]),
        ("min > max", format!("{base}[parameters]\nage_at_st_start = {{ dist = \"uniform\", min = 38, max = 29 }}\n{NORRBOTTEN}"), vec!["parameters.age_at_st_start.min", "below max"]),
        ("runs = 0", format!("name = \"bad\"\nseed = 1\nruns = 0\ndata = \"regions.csv\"\n{NORRBOTTEN}"), vec!["bad.toml", "runs", "1 to"]),
        ("NaN", format!("{base}[parameters]\nattrition_per_year = nan\n{NORRBOTTEN}"), vec!["parameters.attrition_per_year", "finite"]),
        ("unknown region", format!("{base}{NORRBOTTEN}[overrides.99]\nfte_new = 0.9\n"), vec!["overrides.99", "not in"]),
        ("unknown region in list", format!("{base}regions = [\"06\", \"42\"]\n{NORRBOTTEN}"), vec!["regions", "42"]),
        ("missing prior", base.clone(), vec!["overrides.25.public_headcount", "Norrbotten"]),
        ("bad data path", "name = \"bad\"\nseed = 1\nruns = 5\ndata = \"nowhere.csv\"\n".to_string(), vec!["nowhere.csv", "cannot read"]),
        // Version 2's fields.
        ("return rate above 1", format!("{base}[parameters]\nreturn_rate = {{ dist = \"uniform\", min = 0.0, max = 1.5, scope = \"region\" }}\n{NORRBOTTEN}"), vec!["bad.toml", "parameters.return_rate", "[0, 1]"]),
        ("negative growth years", format!("{base}[parameters]\nintake_growth_years = -1.0\n{NORRBOTTEN}"), vec!["bad.toml", "parameters.intake_growth_years", "outside the valid range"]),
        ("ST start age", format!("{base}[parameters]\nage_at_st_start = {{ dist = \"triangular\", min = 10.0, mode = 32.0, max = 38.0 }}\n{NORRBOTTEN}"), vec!["bad.toml", "parameters.age_at_st_start", "[20, 60]"]),
        ("negative recruits", format!("{base}[parameters]\nrecruits_per_year = -2.0\n{NORRBOTTEN}"), vec!["bad.toml", "parameters.recruits_per_year", "outside the valid range"]),
        ("share of 1", format!("{base}[parameters]\nshare_in_primary_care = 1.0\n{NORRBOTTEN}"), vec!["bad.toml", "parameters.share_in_primary_care", "strictly between 0 and 1"]),
        ("negative cap", format!("{base}max_trainees_per_specialist_fte = -1.0\n{NORRBOTTEN}"), vec!["bad.toml", "max_trainees_per_specialist_fte", "above 0"]),
        ("sustain 0 years", format!("{base}sustain_years = 0\n{NORRBOTTEN}"), vec!["bad.toml", "sustain_years", "from 1"]),
        ("retirement past 75", format!("{base}[ages]\nretirement_age = {{ dist = \"uniform\", min = 60.0, max = 80.0 }}\n{NORRBOTTEN}"), vec!["bad.toml", "ages.retirement_age", "25-75"]),
        ("recruit age", format!("{base}[ages]\nrecruit_age = 90\n{NORRBOTTEN}"), vec!["bad.toml", "ages.recruit_age", "90"]),
    ];
    for (what, text, needles) in cases {
        let cfg = s.config("bad.toml", &text);
        let out = s
            .cmd()
            .args(["run", cfg.to_str().unwrap(), "--quiet"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}: accepted");
        assert_eq!(err.trim().lines().count(), 1, "{what}: not one line: {err}");
        for n in needles {
            assert!(err.contains(n), "{what}: `{n}` missing from: {err}");
        }
        assert!(!s.path("results").exists(), "{what}: output folder created");
    }

    // A malformed CSV row names the data file and its line.
    let mut data = std::fs::read_to_string(DATA).unwrap();
    data.push_str("99,Nowhere,12\n");
    std::fs::write(s.path("broken.csv"), data).unwrap();
    let cfg = s.config(
        "bad.toml",
        &format!("name = \"bad\"\nseed = 1\nruns = 5\ndata = \"broken.csv\"\n{NORRBOTTEN}"),
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("broken.csv").and(predicate::str::contains("line 23")));
    assert!(!s.path("results").exists());

    // An age threshold the age profile cannot meet (today's specialists are 40 to 71
    // under the default retirement ages) names the data file, its line and column.
    let data = std::fs::read_to_string(DATA).unwrap();
    for (threshold, always) in [("30", "100 %"), ("40", "100 %"), ("72", "0 %")] {
        let moved: String = data
            .lines()
            .map(|l| match l.strip_prefix("07,") {
                Some(_) => l.replacen(",58,0.31,", &format!(",{threshold},0.31,"), 1),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(moved.trim(), data.trim(), "Kronoberg's threshold replaced");
        std::fs::write(s.path("ages.csv"), moved).unwrap();
        let cfg = s.config(
            "bad.toml",
            &format!("name = \"bad\"\nseed = 1\nruns = 5\ndata = \"ages.csv\"\n{NORRBOTTEN}"),
        );
        s.cmd()
            .args(["run", cfg.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("ages.csv: line 7: column age_threshold")
                    .and(predicate::str::contains(format!(
                        "aged {threshold} or over is always {always}, not the stated 0.31"
                    )))
                    .and(predicate::str::contains(
                        "under the default retirement ages",
                    ))
                    .and(predicate::str::contains("from 41 to 71")),
            );
        assert!(!s.path("results").exists());
    }

    // A missing config file, and --runs 0.
    s.cmd()
        .args(["run", "absent.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("absent.toml"));
    let cfg = s.small(5, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--runs", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--runs"));
    assert!(!s.path("results").exists());
}

#[test]
fn validate_regions_and_dlf_print_tables() {
    let s = Scratch::new();
    let baseline = configs_dir().join("baseline.toml");
    s.cmd()
        .args(["validate", baseline.to_str().unwrap()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("runs        10000")
                .and(predicate::str::contains("primary_care_uptake")),
        );
    assert!(!s.path("results").exists(), "validate writes nothing");
    s.cmd().arg("regions").assert().success().stdout(
        predicate::str::contains("Jämtland Härjedalen")
            .and(predicate::str::contains("21 regions, 10551707 inhabitants")),
    );
    s.cmd()
        .args(["regions", "--data", "regions.csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("data: regions.csv"));
}

/// A reader who stops early (`fastlakare validate CONFIG | head`) closes the pipe: the
/// command ends quietly with success, not a panic about a broken pipe.
#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    for args in [
        vec!["validate", cfg.to_str().unwrap()],
        vec!["regions"],
        vec!["dlf"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fastlakare"))
            .args(&args)
            .current_dir(s.dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Nobody reads: the command's first write finds the pipe closed.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
