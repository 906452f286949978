//! Scenarios: common random numbers against the baseline, the summary's comparison and
//! cost columns, and the config's checks.

use std::collections::HashMap;

use polars::prelude::*;

use crate::common::*;

/// Rows of runs.parquet keyed by (scenario, region_code, run): (years_to_target, params, costs).
type RunKey = (String, String, i32);
type RunVal = (Option<i32>, Vec<Option<f64>>, Vec<f64>);

fn runs_by_key(df: &DataFrame) -> HashMap<RunKey, RunVal> {
    let sc = strs(df, "scenario");
    let code = strs(df, "region_code");
    let run = i32s(df, "run");
    let ytt = i32s(df, "years_to_target");
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let params: Vec<Vec<Option<f64>>> = names
        .iter()
        .filter(|c| c.starts_with("param_"))
        .map(|c| f64s(df, c))
        .collect();
    let costs: Vec<Vec<Option<f64>>> = names
        .iter()
        .filter(|c| c.starts_with("cost_msek_by_"))
        .map(|c| f64s(df, c))
        .collect();
    (0..df.height())
        .map(|i| {
            (
                (
                    sc[i].clone().unwrap(),
                    code[i].clone().unwrap(),
                    run[i].unwrap(),
                ),
                (
                    ytt[i],
                    params.iter().map(|p| p[i]).collect(),
                    costs.iter().map(|c| c[i].unwrap()).collect(),
                ),
            )
        })
        .collect()
}

fn run_small(s: &Scratch, runs: u32, extra: &str, out: &str) -> std::path::PathBuf {
    run_small_with(s, runs, extra, out, &[])
}

/// [`run_small`] with more of `run`'s flags (e.g. `--trajectories`).
fn run_small_with(
    s: &Scratch,
    runs: u32,
    extra: &str,
    out: &str,
    flags: &[&str],
) -> std::path::PathBuf {
    let cfg = s.small(runs, extra);
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--out",
            out,
        ])
        .args(flags)
        .assert()
        .success();
    s.path(out)
}

#[test]
fn a_scenario_that_changes_nothing_equals_the_baseline_run_for_run() {
    let s = Scratch::new();
    // `same` restates the baseline's own distribution: same uniforms, same values.
    let out = run_small(
        &s,
        60,
        "[scenarios.same]\nattrition_per_year = { dist = \"uniform\", min = 0.0, max = 0.02 }\n\
         [scenarios.only_jonkoping]\nregions = [\"06\"]\nintake = [{ from = 2025, to = 2034, multiply = 2.0 }]\n",
        "out",
    );
    let runs = runs_by_key(&read_parquet(&out.join("runs.parquet")));
    let mut compared = 0;
    for ((sc, code, run), v) in &runs {
        if sc == "baseline" {
            continue;
        }
        let base = &runs[&("baseline".to_string(), code.clone(), *run)];
        assert_eq!(base.1, v.1, "{sc} {code} run {run}: parameters differ");
        let untouched = sc == "same" || (code != "06" && code != "SE");
        if untouched {
            assert_eq!(base, v, "{sc} {code} run {run} differs from the baseline");
            compared += 1;
        }
    }
    assert_eq!(compared, 60 * 22 + 60 * 20);
    // Jönköping's doubled intake does change its runs, and reaches the target no later
    // in most of them; the summary says by how much.
    let changed = (0..60)
        .filter(|&r| {
            runs[&("only_jonkoping".into(), "06".into(), r)]
                != runs[&("baseline".into(), "06".into(), r)]
        })
        .count();
    assert_eq!(changed, 60);

    let bands = read_parquet(&out.join("bands.parquet"));
    let by_scenario = |name: &str| {
        let mask = bands.column("scenario").unwrap().str().unwrap().equal(name);
        bands
            .filter(&mask)
            .unwrap()
            .select(["region_code", "year", "metric", "mean", "p05", "p50", "p95"])
            .unwrap()
    };
    let same = by_scenario("same");
    assert!(same.height() > 0);
    assert!(same.equals_missing(&by_scenario("baseline")));

    let summary = read_parquet(&out.join("summary.parquet"));
    let sc = strs(&summary, "scenario");
    let code = strs(&summary, "region_code");
    let d50 = f64s(&summary, "delta_p50_years");
    let cost = f64s(&summary, "extra_cost_msek_p50_by_2050");
    let cost_mean = f64s(&summary, "extra_cost_msek_mean_by_2050");
    for i in 0..summary.height() {
        let (sc, code) = (sc[i].as_deref().unwrap(), code[i].as_deref().unwrap());
        if sc == "baseline" || sc == "same" || (code != "06" && code != "SE") {
            assert_eq!(cost[i], Some(0.0), "{sc} {code}");
            assert_eq!(cost_mean[i], Some(0.0), "{sc} {code}");
            if let Some(d) = d50[i] {
                assert_eq!(d, 0.0, "{sc} {code}");
            }
        } else {
            assert!(
                cost[i].unwrap() > 0.0,
                "{sc} {code}: more trainees cost more"
            );
        }
    }
}

#[test]
fn in_expected_mode_more_intake_is_never_later_and_costs_add_up() {
    let s = Scratch::new();
    let out = run_small(
        &s,
        80,
        "mode = \"expected\"\n\
         [scenarios.more]\nintake = [{ from = 2024, to = 2040, multiply = 1.5 }]\n\
         [scenarios.jamtland_1500]\nregions = [\"23\"]\ninhabitants_per_specialist = 1500\n",
        "out",
    );
    let df = read_parquet(&out.join("runs.parquet"));
    let runs = runs_by_key(&df);
    let never = |y: Option<i32>| y.unwrap_or(i32::MAX);
    let mut strictly_earlier = 0;
    for ((sc, code, run), (y, _, _)) in &runs {
        let base = runs[&("baseline".to_string(), code.clone(), *run)].0;
        match sc.as_str() {
            "more" => {
                assert!(
                    never(*y) <= never(base),
                    "{code} run {run}: {y:?} later than {base:?}"
                );
                strictly_earlier += usize::from(never(*y) < never(base));
            }
            // A laxer guideline for Jämtland: never later there, nothing else moves.
            "jamtland_1500" if code == "23" => assert!(never(*y) <= never(base)),
            "jamtland_1500" if code != "SE" => assert_eq!(*y, base, "{code}"),
            _ => {}
        }
    }
    assert!(strictly_earlier > 0, "more intake changed nothing");

    // The summary's paired extra cost is the distribution of per-run differences.
    let summary = read_parquet(&out.join("summary.parquet"));
    let sc = strs(&summary, "scenario");
    let code = strs(&summary, "region_code");
    let p50 = f64s(&summary, "extra_cost_msek_p50_by_2050");
    let mean = f64s(&summary, "extra_cost_msek_mean_by_2050");
    let k2050 = 3; // checkpoints 2030, 2035, 2040, 2050
    for i in 0..summary.height() {
        if sc[i].as_deref() != Some("more") {
            continue;
        }
        let c = code[i].clone().unwrap();
        let mut d: Vec<f64> = (0..80)
            .map(|r| {
                runs[&("more".into(), c.clone(), r)].2[k2050]
                    - runs[&("baseline".into(), c.clone(), r)].2[k2050]
            })
            .collect();
        let m = d.iter().sum::<f64>() / d.len() as f64;
        d.sort_by(f64::total_cmp);
        let median = 0.5 * (d[39] + d[40]); // type 7 with 80 values
        assert!(
            (mean[i].unwrap() - m).abs() < 1e-9 * m.abs().max(1.0),
            "{c}"
        );
        assert!(
            (p50[i].unwrap() - median).abs() < 1e-9 * median.abs().max(1.0),
            "{c}"
        );
        assert!(
            median > 0.0,
            "{c}: 50 % more trainees for 17 years cost more"
        );
    }
}

#[test]
fn run_costs_are_the_yearly_stocks_at_the_configs_rates() {
    let s = Scratch::new();
    run_small_with(
        &s,
        5,
        "checkpoint_years = [2030]\n[costs]\nmsek_per_trainee_year = 1.5\nmsek_per_specialist_fte_year = 2.5\nprice_year = 2026\nindex_per_year = 0.03\n",
        "o",
        &["--trajectories"],
    );
    let runs = read_parquet(&s.path("o/runs.parquet"));
    let traj = read_parquet(&s.path("o/trajectories/region_code=06/part-0.parquet"));
    let (year, run) = (i32s(&traj, "year"), i32s(&traj, "run"));
    let (t, fte) = (f64s(&traj, "trainees"), f64s(&traj, "specialists_fte"));
    let codes = strs(&runs, "region_code");
    let rr = i32s(&runs, "run");
    let cost = f64s(&runs, "cost_msek_by_2030");
    for r in 0..5 {
        let want: f64 = (0..traj.height())
            .filter(|&i| run[i] == Some(r) && (2024..=2030).contains(&year[i].unwrap()))
            .map(|i| {
                (1.5 * t[i].unwrap() + 2.5 * fte[i].unwrap())
                    * 1.03f64.powi(year[i].unwrap() - 2026)
            })
            .sum();
        let got = (0..runs.height())
            .find(|&i| codes[i].as_deref() == Some("06") && rr[i] == Some(r))
            .map(|i| cost[i].unwrap())
            .unwrap();
        assert!((got - want).abs() < 1e-9 * want, "run {r}: {got} vs {want}");
    }
}

#[test]
fn bad_scenarios_are_refused_naming_the_field() {
    let s = Scratch::new();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("unknown key", "[scenarios.x]\ncolour = 1\n".into(), vec!["scenarios.x.colour", "unknown parameter"]),
        ("scope", "[scenarios.x]\nfte_new = { dist = \"beta\", mean = 0.9, sd = 0.03, scope = \"region\" }\n".into(), vec!["scenarios.x.fte_new", "scope"]),
        ("scale out of range", "[scenarios.x]\nprimary_care_uptake = { scale = 3 }\n".into(), vec!["scenarios.x.primary_care_uptake.scale", "valid range"]),
        ("intake year", "[scenarios.x]\nintake = [{ from = 2020, to = 2030, multiply = 2 }]\n".into(), vec!["scenarios.x.intake[0].from", "2020"]),
        ("intake both", "[scenarios.x]\nintake = [{ from = 2025, to = 2030, multiply = 2, trainees_per_year = 3 }]\n".into(), vec!["scenarios.x.intake[0]", "exactly one"]),
        ("negative cap", "[scenarios.x]\nintake_cap_per_year = -1\n".into(), vec!["scenarios.x.intake_cap_per_year", ">= 0"]),
        ("calibration", "[scenarios.x]\nshare_in_primary_care = { scale = 0 }\n".into(), vec!["scenarios.x.share_in_primary_care", "calibration"]),
        ("supervision", "[scenarios.x]\nmax_trainees_per_specialist_fte = 0\n".into(), vec!["scenarios.x.max_trainees_per_specialist_fte", "above 0"]),
        ("guideline", "[scenarios.x]\ninhabitants_per_specialist = 0\n".into(), vec!["scenarios.x.inhabitants_per_specialist", "positive"]),
        ("unknown region", "[scenarios.x]\nregions = [\"77\"]\nfte_new = 1\n".into(), vec!["scenarios.x.regions", "77"]),
        ("baseline name", "[scenarios.baseline]\nfte_new = 1\n".into(), vec!["scenarios.baseline", "cannot name"]),
        ("cost", "[costs]\nmsek_per_trainee_year = -2\n".into(), vec!["costs.msek_per_trainee_year", ">= 0"]),
        ("dlf mode", "mode = \"dlf\"\n[scenarios.x]\nfte_new = 1\n".into(), vec!["scenarios.x", "dlf mode"]),
    ];
    for (what, extra, needles) in cases {
        let cfg = s.small(5, &extra);
        let out = s
            .cmd()
            .args(["run", cfg.to_str().unwrap(), "--quiet"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{what}: not one line: {err}");
        for n in needles {
            assert!(err.contains(n), "{what}: `{n}` missing from: {err}");
        }
        assert!(!s.path("results").exists(), "{what}: output folder created");
    }
}

#[test]
fn the_shipped_scenarios_config_is_valid() {
    Scratch::new()
        .cmd()
        .args([
            "validate",
            configs_dir().join("scenarios.toml").to_str().unwrap(),
        ])
        .assert()
        .success();
}

#[test]
fn scenarios_get_a_comparison_chart_and_report_tables() {
    let s = Scratch::new();
    let cfg = s.small(
        30,
        "[scenarios.uptake_80]\ndescription = \"more uptake\"\nprimary_care_uptake = 0.8\n",
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", "o"])
        .assert()
        .success();
    for code in ["06", "SE"] {
        let svg =
            std::fs::read_to_string(s.path(&format!("o/charts/scenarios_coverage_{code}.svg")))
                .unwrap();
        assert!(
            svg.contains("\nbaseline\n") && svg.contains("\nuptake_80\n"),
            "{code}: legend"
        );
        assert!(s
            .path(&format!("o/charts/scenarios_coverage_{code}.png"))
            .is_file());
    }
    s.cmd().args(["report", "o"]).assert().success();
    let html = std::fs::read_to_string(s.path("o/report.html")).unwrap();
    assert!(html.contains("<h3>Scenario: uptake_80</h3>"));

    // Without scenarios there is nothing to compare.
    let plain = s.small(10, "");
    s.cmd()
        .args(["run", plain.to_str().unwrap(), "--quiet", "--out", "p"])
        .assert()
        .success();
    let any = std::fs::read_dir(s.path("p/charts")).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("scenarios_")
    });
    assert!(!any);
}

#[test]
fn solve_writes_its_table_and_agrees_with_dlf_by_hand() {
    let s = Scratch::new();
    let dlf = configs_dir().join("dlf2024.toml");
    s.cmd()
        .args([
            "solve",
            dlf.to_str().unwrap(),
            "--by-year",
            "2035",
            "--probability",
            "0.8",
            "--regions",
            "06,23",
            "--out",
            "o",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("Jönköping"));
    let df = read_parquet(&s.path("o/solve.parquet"));
    let names: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "region_code",
            "region",
            "by_year",
            "probability",
            "current_st_trainees",
            "required_st_trainees",
            "required_intake_per_year",
            "achieved_probability",
            "max_st_trainees",
            "probability_at_max"
        ]
    );
    let codes: Vec<String> = strs(&df, "region_code").into_iter().flatten().collect();
    assert_eq!(codes, ["06", "23"]);
    let required = i32s(&df, "required_st_trainees");
    // DLF's method by hand, from the data: by 2035 (12 years), the smallest whole st
    // with S + 12 (st/8 - need/25) >= need, i.e. st >= 8 ((need - S)/12 + need/25).
    let data = std::fs::read_to_string(DATA).unwrap();
    let header: Vec<&str> = data.lines().next().unwrap().split(',').collect();
    for (i, code) in ["06", "23"].iter().enumerate() {
        let row: Vec<&str> = data
            .lines()
            .find(|l| l.starts_with(&format!("{code},")))
            .unwrap()
            .split(',')
            .collect();
        let field = |n: &str| {
            row[header.iter().position(|h| *h == n).unwrap()]
                .parse::<f64>()
                .unwrap()
        };
        let (need, spec) = (field("dlf_need_fte"), field("dlf_table_specialists"));
        let by_hand = (8.0 * ((need - spec) / 12.0 + need / 25.0)).ceil() as i32;
        assert_eq!(required[i], Some(by_hand), "{code}");
    }

    // A probability outside (0, 1] is refused.
    s.cmd()
        .args([
            "solve",
            dlf.to_str().unwrap(),
            "--by-year",
            "2035",
            "--probability",
            "1.5",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--probability"));
}

/// `sustain_years`: a run counts as at target from the first of k covered years in a
/// row, so never earlier than with k = 1, and the same year where it never fell back
/// (and k years fit before the horizon); the summary's `share_fell_back` is the runs'.
#[test]
fn sustained_target_is_never_earlier_and_the_same_without_a_fall_back() {
    let s = Scratch::new();
    let one = run_small(&s, 40, "", "one");
    let five = run_small(&s, 40, "sustain_years = 5\n", "five");
    let read = |dir: &std::path::Path| read_parquet(&dir.join("runs.parquet"));
    let (a, b) = (read(&one), read(&five));
    let (ya, yb) = (i32s(&a, "years_to_target"), i32s(&b, "years_to_target"));
    let fell = bools(&a, "fell_back");
    let (mut same, mut later) = (0, 0);
    for i in 0..a.height() {
        let inf = |y: Option<i32>| y.unwrap_or(i32::MAX);
        assert!(
            inf(yb[i]) >= inf(ya[i]),
            "row {i}: {:?} before {:?}",
            yb[i],
            ya[i]
        );
        if let (Some(y), Some(false)) = (ya[i], fell[i]) {
            if y + 5 <= 41 {
                assert_eq!(yb[i], Some(y), "row {i}");
                same += 1;
            }
        }
        later += usize::from(inf(yb[i]) > inf(ya[i]));
    }
    assert!(same > 0 && later > 0, "{same} same, {later} later");
    let summary = read_parquet(&one.join("summary.parquet"));
    let (codes, shares) = (
        strs(&summary, "region_code"),
        f64s(&summary, "share_fell_back"),
    );
    for (code, share) in codes.iter().zip(&shares) {
        let rows = rows_of(&a, code.as_deref().unwrap());
        let fell_back = rows.iter().filter(|&&i| fell[i] == Some(true)).count();
        assert_eq!(
            share.unwrap(),
            fell_back as f64 / rows.len() as f64,
            "{code:?}"
        );
    }
}

/// The runs of `region_code` in a runs table, as row numbers.
fn rows_of(df: &DataFrame, code: &str) -> Vec<usize> {
    let codes = strs(df, "region_code");
    (0..df.height())
        .filter(|&i| codes[i].as_deref() == Some(code))
        .collect()
}

/// A config that gives `primary_care_uptake` itself turns the derivation off: every
/// run takes the value given, and none is clamped.
#[test]
fn a_given_uptake_turns_the_derivation_off() {
    let s = Scratch::new();
    let out = run_small(
        &s,
        20,
        "[parameters]\nprimary_care_uptake = 0.55\n",
        "given",
    );
    let runs = read_parquet(&out.join("runs.parquet"));
    let (codes, q) = (
        strs(&runs, "region_code"),
        f64s(&runs, "param_primary_care_uptake"),
    );
    let clamped = bools(&runs, "uptake_clamped");
    // Sverige's rows hold no parameters of their own.
    let regions: Vec<usize> = (0..runs.height())
        .filter(|&i| codes[i].as_deref() != Some("SE"))
        .collect();
    assert_eq!(regions.len(), 21 * 20);
    assert!(regions.iter().all(|&i| q[i] == Some(0.55)), "{q:?}");
    assert!(regions.iter().all(|&i| clamped[i] == Some(false)));
    // Sverige's share is null (output-schema.md): its runs draw no uptake of their own.
    let summary = read_parquet(&out.join("summary.parquet"));
    let (codes, shares) = (strs(&summary, "region_code"), f64s(&summary, "q_clamped"));
    for (code, share) in codes.iter().zip(&shares) {
        let want = if code.as_deref() == Some("SE") {
            None
        } else {
            Some(0.0)
        };
        assert_eq!(*share, want, "{code:?}");
    }
}

/// A draw whose derived uptake would pass 1 (a share in primary care above what even
/// full uptake gives, under heavy attrition) is clamped to 1 and counted: each
/// region's `q_clamped` is the share of its runs whose uptake was clamped, and those
/// runs hold 1 in `param_primary_care_uptake`, the others their derived value.
#[test]
fn infeasible_uptakes_are_clamped_and_counted() {
    let s = Scratch::new();
    let out = run_small(
        &s,
        40,
        "[parameters]\nshare_in_primary_care = { dist = \"uniform\", min = 0.5, max = 0.8, scope = \"national\" }\nattrition_per_year = { dist = \"uniform\", min = 0.02, max = 0.05, scope = \"region\" }\n",
        "clamped",
    );
    let runs = read_parquet(&out.join("runs.parquet"));
    let q = f64s(&runs, "param_primary_care_uptake");
    let clamped = bools(&runs, "uptake_clamped");
    let summary = read_parquet(&out.join("summary.parquet"));
    let (codes, shares) = (strs(&summary, "region_code"), f64s(&summary, "q_clamped"));
    let (mut some, mut none) = (false, false);
    for (code, share) in codes.iter().zip(&shares) {
        let code = code.as_deref().unwrap();
        if code == "SE" {
            continue;
        }
        let rows = rows_of(&runs, code);
        let n = rows.iter().filter(|&&i| clamped[i] == Some(true)).count();
        assert_eq!(share.unwrap(), n as f64 / rows.len() as f64, "{code}");
        for &i in &rows {
            let q = q[i].unwrap();
            if clamped[i] == Some(true) {
                assert_eq!(q, 1.0, "{code}, row {i}");
            } else {
                assert!(q > 0.0 && q < 1.0, "{code}, row {i}: {q}");
            }
        }
        some |= n > 0;
        none |= n < rows.len();
    }
    assert!(some && none, "clamped in some runs, not in all");
}

/// The supervision cap in expected mode: once a year's intake is admitted, the
/// trainees in post are at most the cap times the specialists' FTE, wherever they
/// started at or below it; and the cap binds (without it the doubled intake passes it).
#[test]
fn the_supervision_cap_holds_in_expected_mode() {
    let s = Scratch::new();
    run_small_with(
        &s,
        3,
        "mode = \"expected\"\n[scenarios.double]\ndescription = \"ST intake doubled\"\nintake = [{ from = 2024, to = 2060, multiply = 2.0 }]\n[scenarios.double_capped]\ndescription = \"the same, at most 1.2 trainees a specialist FTE\"\nintake = [{ from = 2024, to = 2060, multiply = 2.0 }]\nmax_trainees_per_specialist_fte = 1.2\n",
        "cap",
        &["--trajectories"],
    );
    let (mut capped_max, mut uncapped_max, mut checked) = (0.0f64, 0.0f64, 0);
    let parts = std::fs::read_dir(s.path("cap/trajectories"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|dir| !dir.ends_with("region_code=SE"))
        .flat_map(|dir| std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()));
    for part in parts {
        let t = read_parquet(&part);
        let (scenario, run, year) = (strs(&t, "scenario"), i32s(&t, "run"), i32s(&t, "year"));
        let (trainees, fte) = (f64s(&t, "trainees"), f64s(&t, "specialists_fte"));
        let ratio = |i: usize| trainees[i].unwrap() / fte[i].unwrap();
        let mut start: HashMap<(String, i32), f64> = HashMap::new();
        for i in 0..t.height() {
            if year[i] == Some(2023) {
                start.insert((scenario[i].clone().unwrap(), run[i].unwrap()), ratio(i));
            }
        }
        for i in 0..t.height() {
            let key = (scenario[i].clone().unwrap(), run[i].unwrap());
            let r = ratio(i);
            match key.0.as_str() {
                "double_capped" if start[&key] <= 1.2 => {
                    assert!(r <= 1.2 + 1e-9, "{part:?}, {key:?}, {:?}: {r}", year[i]);
                    capped_max = capped_max.max(r);
                    checked += 1;
                }
                "double" => uncapped_max = uncapped_max.max(r),
                _ => {}
            }
        }
    }
    assert!(checked > 0);
    assert!(
        uncapped_max > 1.3,
        "the doubled intake passes the cap: {uncapped_max}"
    );
    assert!(capped_max > 1.19, "the cap binds: {capped_max}");
}

/// The console table shows, per region, the share of runs at target by each
/// checkpoint and the median coverage there, and the share that never gets there.
#[test]
fn the_console_table_shows_shares_and_coverage_at_the_checkpoints() {
    let s = Scratch::new();
    let cfg = s.small(10, "checkpoint_years = [2030, 2045]\n");
    let out = s
        .cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--no-charts",
            "--out",
            "table",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let header = stdout
        .lines()
        .find(|l| l.starts_with("code"))
        .expect("a table");
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        columns,
        ["code", "region", "P2030", "P2045", "C2030", "C2045", "never"],
        "{stdout}"
    );
    // Gotland's cells are the summary's shares and median coverages, in per cent.
    let summary = read_parquet(&s.path("table/summary.parquet"));
    let row = strs(&summary, "region_code")
        .iter()
        .position(|c| c.as_deref() == Some("09"))
        .unwrap();
    let cell = |column: &str| format!("{:.0}%", 100.0 * f64s(&summary, column)[row].unwrap());
    let want: Vec<String> = [
        "prob_by_2030",
        "prob_by_2045",
        "coverage_p50_2030",
        "coverage_p50_2045",
        "share_never",
    ]
    .iter()
    .map(|c| cell(c))
    .collect();
    let gotland = stdout
        .lines()
        .find(|l| l.starts_with("09 "))
        .expect("Gotland's row");
    let cells: Vec<&str> = gotland.split_whitespace().skip(2).collect();
    assert_eq!(cells, want, "{gotland}");
}
