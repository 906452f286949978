//! Fuzzing the input side: generated configs (TOML) and regional tables (CSV), and
//! mutations of the shipped ones, through the parsers, `validate`'s checks and
//! description, every parameter's sampler, and a one-run simulation of whatever is
//! accepted. Never a panic, never a hang: each case runs on a thread of its own and
//! fails the test if it has not finished within [`CASE_LIMIT`].
//!
//! proptest's generators, not cargo-fuzz (which needs a nightly toolchain). The test
//! generates cases for `FASTLAKARE_FUZZ_SECONDS` (default 10; `.ci/run` gives it
//! longer) and shrinks a failing case before it reports it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use fastlakare::config::Config;
use fastlakare::data::RegionTable;
use fastlakare::plan::{Overrides, RunPlan};
use fastlakare::simulate::{simulate, RunRange};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PtConfig, TestCaseError, TestRunner};

use crate::common::configs_dir;

/// A case that takes longer than this has hung (a case takes milliseconds).
const CASE_LIMIT: Duration = Duration::from_secs(60);

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "-0.0",
            "1",
            "-1",
            "2",
            "5",
            "12",
            "13",
            "100",
            "1000",
            "1001",
            "2022",
            "2023",
            "2030",
            "2123",
            "4096",
            "4294967295",
            "4294967296",
            "9223372036854775807",
            "-9223372036854775808",
            "1e-300",
            "1e-6",
            "0.001",
            "0.03",
            "0.5",
            "0.6",
            "0.999999",
            "1.5",
            "1e15",
            "1e308",
            "nan",
            "inf",
            "-inf",
        ])
        .prop_map(String::from),
        any::<f64>().prop_map(|x| format!("{x:?}").replace("NaN", "nan")),
        any::<i64>().prop_map(|x| x.to_string()),
        (0.0f64..1.0).prop_map(|x| format!("{x}")),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "t",
            "baseline",
            "binomial",
            "expected",
            "dlf",
            "06",
            "25",
            "SE",
            "../x",
            "../../../../tmp/x",
            "a/b",
            ".hidden",
            "a\nb",
            "coverage_at:2035",
            "coverage_at:1900",
            "years_to_target",
            "national",
            "region",
            "beta",
            "normal",
            "uniform",
            "triangular",
            "fixed",
            "lognormal",
            "gamma",
        ])
        .prop_map(String::from),
        "[a-zA-Z0-9_./\\- ]{0,12}",
        Just("x".repeat(300)),
    ]
    .prop_map(|s| format!("{s:?}"))
}

fn value() -> impl Strategy<Value = String> {
    let dist = (
        prop::sample::select(vec![
            "beta",
            "normal",
            "uniform",
            "triangular",
            "fixed",
            "lognormal",
            "gamma",
            "cauchy",
        ]),
        prop::collection::vec(
            (
                prop::sample::select(vec!["mean", "sd", "min", "max", "mode", "value", "scope"]),
                number(),
            ),
            0..5,
        ),
    )
        .prop_map(|(d, fields)| {
            let mut s = format!("{{ dist = \"{d}\"");
            let mut seen = Vec::new();
            for (k, v) in fields {
                if !seen.contains(&k) {
                    seen.push(k);
                    s.push_str(&format!(", {k} = {v}"));
                }
            }
            s + " }"
        });
    // Distributions of shares that pass most checks, so that many configs get past
    // parsing to the plan, the samplers and the model.
    let share = prop_oneof![
        (0.0001f64..0.9999, 0.0001f64..0.5)
            .prop_map(|(m, sd)| format!("{{ dist = \"beta\", mean = {m}, sd = {sd} }}")),
        (0.0f64..0.5, 0.0001f64..0.5)
            .prop_map(|(lo, w)| format!("{{ dist = \"uniform\", min = {lo}, max = {} }}", lo + w)),
        (0.0f64..1.0).prop_map(|v| format!("{v}")),
    ];
    prop_oneof![
        4 => number(),
        2 => text(),
        3 => dist,
        6 => share,
        1 => prop::collection::vec(number(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => prop::collection::vec(text(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => (number(), number(), prop::sample::select(vec!["multiply", "trainees_per_year", "x"]), number())
            .prop_map(|(a, b, k, v)| format!("[{{ from = {a}, to = {b}, {k} = {v} }}]")),
        1 => Just("{ scale = 0.5 }".to_string()),
    ]
}

/// A config built from the keys fastlakare knows (and a few it does not), with
/// generated values, in generated tables.
fn config_text() -> impl Strategy<Value = String> {
    let top = prop::sample::select(vec![
        "seed",
        "runs",
        "base_year",
        "horizon_years",
        "mode",
        "checkpoint_years",
        "regions",
        "data",
        "name",
        "bogus",
    ]);
    let section = prop::sample::select(vec![
        "[guideline]",
        "[training]",
        "[parameters]",
        "[overrides.25]",
        "[overrides.06]",
        "[overrides.SE]",
        "[scenarios.a]",
        "[scenarios.\"../b\"]",
        "[scenarios.c.overrides.13]",
        "[costs]",
        "[sensitivity]",
        "[ages]",
    ]);
    let inner = prop::sample::select(vec![
        "inhabitants_per_specialist",
        "inhabitants_per_trainee",
        "min_years",
        "max_years",
        "st_duration_mean_years",
        "st_duration_sd_years",
        "dropout_share",
        "primary_care_uptake",
        "career_years",
        "share_in_primary_care",
        "age_at_st_start",
        "intake_growth_years",
        "return_rate",
        "recruits_per_year",
        "retirement_age",
        "recruit_age",
        "sustain_years",
        "max_trainees_per_specialist_fte",
        "attrition_per_year",
        "fte_new",
        "fte_initial",
        "intake_growth_per_year",
        "pop_growth_multiplier",
        "pop_growth_per_year",
        "public_share",
        "public_headcount",
        "intake",
        "intake_cap_per_year",
        "description",
        "regions",
        "msek_per_trainee_year",
        "index_per_year",
        "price_year",
        "output",
        "samples",
        "bootstrap",
        "confidence",
        "replicates",
        "unknown_key",
    ]);
    (
        prop::collection::vec((top, value()), 0..3),
        prop::collection::vec(
            (section, prop::collection::vec((inner, value()), 0..3)),
            0..3,
        ),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(tops, sections, minimal)| {
            let mut s = String::new();
            if minimal {
                s.push_str("name = \"f\"\nseed = 1\nruns = 3\nhorizon_years = 30\n");
            }
            let mut keys = Vec::new();
            if minimal {
                keys.extend(["name", "seed", "runs", "horizon_years"]);
            }
            for (k, v) in tops {
                if !keys.contains(&k) {
                    keys.push(k);
                    s.push_str(&format!("{k} = {v}\n"));
                }
            }
            let mut heads = Vec::new();
            for (head, entries) in sections {
                if heads.contains(&head) {
                    continue;
                }
                heads.push(head);
                s.push_str(head);
                s.push('\n');
                let mut keys = Vec::new();
                for (k, v) in entries {
                    if !keys.contains(&k) {
                        keys.push(k);
                        s.push_str(&format!("{k} = {v}\n"));
                    }
                }
            }
            s
        })
}

/// Byte-level edits of a text: cut, overwrite, insert, delete.
fn mutated(base: String) -> impl Strategy<Value = String> {
    let len = base.len();
    prop::collection::vec(
        (
            0..=len,
            prop::sample::select(vec![0u8, 1, 2, 3]),
            prop::collection::vec(
                prop::sample::select(vec![
                    b'0', b'9', b'-', b'.', b',', b'"', b'\n', b'=', b'[', b']', b'{', b'}', b'/',
                    b'e', b' ', 0xc3, 0xff,
                ]),
                1..4,
            ),
        ),
        1..6,
    )
    .prop_map(move |edits| {
        let mut bytes = base.clone().into_bytes();
        for (at, kind, insert) in edits {
            let at = at.min(bytes.len());
            match kind {
                0 => bytes.truncate(at),
                1 => {
                    for (i, b) in insert.iter().enumerate() {
                        if let Some(x) = bytes.get_mut(at + i) {
                            *x = *b;
                        }
                    }
                }
                2 => {
                    bytes.splice(at..at, insert);
                }
                _ => {
                    let end = (at + insert.len()).min(bytes.len());
                    bytes.drain(at..end);
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The shipped table with cells replaced by generated ones, rows dropped or repeated.
fn data_text() -> impl Strategy<Value = String> {
    let shipped = std::fs::read_to_string(configs_dir().join("regions_2023.csv")).unwrap();
    let cell = prop_oneof![
        number(),
        prop::sample::select(vec![
            "",
            "never",
            "total",
            "public_only",
            "all",
            "../../../../tmp/x",
            "SE",
            "06",
            "\"a,b\"",
            "x\ny",
            "9999999999",
            "2030",
            "1800",
        ])
        .prop_map(String::from),
    ];
    let edits = prop::collection::vec((0usize..22, 0usize..15, cell), 0..6);
    prop_oneof![
        3 => (Just(shipped.clone()), edits, prop::option::of(0usize..22)).prop_map(|(t, edits, drop)| {
            let mut rows: Vec<Vec<String>> = t
                .lines()
                .map(|l| {
                    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(l.as_bytes());
                    r.records().next().map(|r| r.unwrap().iter().map(String::from).collect()).unwrap_or_default()
                })
                .collect();
            for (row, col, v) in edits {
                if let Some(c) = rows.get_mut(row).and_then(|r| r.get_mut(col)) {
                    *c = v;
                }
            }
            if let Some(d) = drop {
                if d < rows.len() {
                    let r = rows.remove(d);
                    rows.push(r);
                }
            }
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in rows {
                w.write_record(&r).unwrap();
            }
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        }),
        1 => mutated(shipped),
    ]
}

/// Everything a user's input goes through before and at the start of a run; returns
/// how far the input got (0: refused config, 1: refused data, 2: refused plan, 3: ran).
fn exercise(config: &str, data: &str) -> usize {
    let Ok(mut cfg) = Config::parse(config, "fuzz.toml") else {
        return 0;
    };
    cfg.data = None;
    for spec in cfg.parameters.values() {
        for u in [1e-12, 0.001, 0.5, 0.999, 1.0 - 1e-12] {
            let x = spec.dist.quantile(u);
            assert!(!x.is_nan(), "{:?} at {u}", spec.dist);
        }
    }
    let Ok(table) = RegionTable::parse(data, "fuzz.csv") else {
        return 1;
    };
    let o = Overrides {
        runs: Some(1),
        threads: Some(1),
        ..Overrides::default()
    };
    let Ok(plan) = RunPlan::new(cfg, table, &o) else {
        return 2;
    };
    let _ = plan.describe();
    let _ = plan.warnings();
    simulate(&plan, RunRange::all(1), &|_| {}, None).expect("an accepted plan runs");
    3
}

/// Runs `exercise` on a thread of its own: a panic or a hang fails the case.
fn guarded(config: String, data: String) -> Result<usize, TestCaseError> {
    let (tx, rx) = mpsc::channel();
    let (c, d) = (config.clone(), data.clone());
    let worker = std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| exercise(&c, &d));
        let _ = tx.send(outcome.ok());
    });
    match rx.recv_timeout(CASE_LIMIT) {
        Ok(Some(stage)) => {
            let _ = worker.join();
            Ok(stage)
        }
        Ok(None) => Err(TestCaseError::fail(format!(
            "panicked on config:\n{config}\n--- data:\n{data}"
        ))),
        Err(_) => panic!("hung (over {CASE_LIMIT:?}) on config:\n{config}\n--- data:\n{data}"),
    }
}

#[test]
fn no_config_or_data_makes_a_panic_or_a_hang() {
    let seconds: u64 = std::env::var("FASTLAKARE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let budget = Duration::from_secs(seconds);
    let shipped = std::fs::read_to_string(configs_dir().join("baseline.toml")).unwrap();
    let scenarios = std::fs::read_to_string(configs_dir().join("scenarios.toml")).unwrap();
    let configs = prop_oneof![
        3 => config_text(),
        1 => mutated(shipped.replace("runs = 10000", "runs = 3")),
        1 => mutated(scenarios),
    ];
    let strategy = (configs, data_text());
    let mut runner = TestRunner::new(PtConfig {
        failure_persistence: None,
        ..PtConfig::default()
    });
    let started = Instant::now();
    let mut n = 0u64;
    let mut reached = [0u64; 4];
    while started.elapsed() < budget {
        n += 1;
        let mut tree = strategy.new_tree(&mut runner).unwrap();
        let (config, data) = tree.current();
        let first = match guarded(config, data) {
            Ok(stage) => {
                reached[stage] += 1;
                continue;
            }
            Err(e) => e,
        };
        // Shrink: simpler cases while they still fail, back a step where one passes.
        let mut failure = first;
        while tree.simplify() {
            let (config, data) = tree.current();
            match guarded(config, data) {
                Err(e) => failure = e,
                Ok(_) => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
        panic!("after {n} cases: {failure}");
    }
    eprintln!(
        "fuzz: {n} cases in {:.1} s; refused as config {}, as data {}, as a plan {}; ran {}",
        started.elapsed().as_secs_f64(),
        reached[0],
        reached[1],
        reached[2],
        reached[3]
    );
    // The generators must reach every stage, or the test checks less than it says.
    assert!(reached.iter().all(|&r| r >= 20), "{reached:?} of {n}");
}
