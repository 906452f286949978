//! `run --trajectories`: the Hive-partitioned per-run dataset, checked against the
//! other outputs of the same run.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::common::*;

const RUNS: usize = 40;
const YEARS: usize = 41; // horizon 40 in Scratch::small, base year included

#[test]
fn trajectories_are_written_only_when_asked() {
    let s = Scratch::new();
    let cfg = s.small(RUNS as u32, "");
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--out",
            "plain",
        ])
        .assert()
        .success();
    assert!(!s.path("plain/trajectories").exists());

    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--trajectories",
            "--out",
            "traj",
        ])
        .assert()
        .success();
    let out = s.path("traj");
    // Asking for trajectories changes nothing else.
    for f in ["runs.parquet", "bands.parquet", "summary.parquet"] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(s.path("plain").join(f)).unwrap(),
            "{f} differs with --trajectories"
        );
    }

    let runs = read_parquet(&out.join("runs.parquet"));
    let codes: Vec<String> = strs(&runs, "region_code").into_iter().flatten().collect();
    let reached = i32s(&runs, "year_reached");
    let run_idx = i32s(&runs, "run");
    let mut expected_reached: BTreeMap<(String, i32), Option<i32>> = BTreeMap::new();
    for ((c, r), y) in codes.iter().zip(&run_idx).zip(&reached) {
        expected_reached.insert((c.clone(), r.unwrap()), *y);
    }
    let mut partitions: Vec<String> = std::fs::read_dir(out.join("trajectories"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    partitions.sort();
    let mut want: Vec<String> = codes.iter().map(|c| format!("region_code={c}")).collect();
    want.sort();
    want.dedup();
    assert_eq!(partitions, want);
    assert_eq!(partitions.len(), 22, "21 regions and SE");

    let mut fte_sum = vec![0.0f64; RUNS * YEARS];
    let mut se_fte = Vec::new();
    let mut total_rows = 0;
    for p in &partitions {
        let code = p.strip_prefix("region_code=").unwrap();
        let file = out.join("trajectories").join(p).join("part-0.parquet");
        let df = read_parquet(&file);
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "scenario",
                "run",
                "year",
                "specialists",
                "specialists_fte",
                "trainees",
                "coverage"
            ],
            "{p}: the partition column lives in the folder name only"
        );
        assert_eq!(df.height(), RUNS * YEARS, "{p}");
        total_rows += df.height();
        assert_eq!(df.schema().get("run"), Some(&DataType::Int32));
        assert_eq!(df.schema().get("year"), Some(&DataType::Int32));
        let meta = parquet_metadata(&file);
        assert!(meta.iter().any(|(k, v)| k == "fastlakare.seed" && v == "7"));

        let run = i32s(&df, "run");
        let year = i32s(&df, "year");
        let cov = f64s(&df, "coverage");
        let fte = f64s(&df, "specialists_fte");
        for r in 0..RUNS {
            let rows = r * YEARS..(r + 1) * YEARS;
            assert!(run[rows.clone()].iter().all(|&x| x == Some(r as i32)));
            assert_eq!(year[rows.start], Some(2023));
            // The first year at coverage >= 1 is the run's year_reached in runs.parquet.
            let first = rows
                .clone()
                .find(|&i| cov[i].unwrap() >= 1.0)
                .map(|i| year[i].unwrap());
            assert_eq!(
                first,
                expected_reached[&(code.to_string(), r as i32)],
                "{p} run {r}"
            );
        }
        let fte: Vec<f64> = fte.into_iter().map(Option::unwrap).collect();
        assert!(fte.iter().all(|v| *v >= 0.0), "{p}: negative FTE");
        if code == "SE" {
            se_fte = fte;
        } else {
            for (acc, v) in fte_sum.iter_mut().zip(&fte) {
                *acc += v;
            }
        }
    }
    // Sverige is the run-by-run sum of the regions.
    for (i, (a, b)) in fte_sum.iter().zip(&se_fte).enumerate() {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "row {i}: {a} vs {b}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["rows"]["trajectories"], total_rows as u64);
}
