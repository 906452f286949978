//! Same seed, same bytes, whatever the thread count; another seed, other numbers.

use polars::prelude::*;

use crate::common::*;

#[test]
fn same_seed_same_bytes_with_one_and_two_threads() {
    let s = Scratch::new();
    let cfg = s.small(300, "");
    for t in ["1", "2"] {
        s.cmd()
            .args([
                "run",
                cfg.to_str().unwrap(),
                "--quiet",
                "--threads",
                t,
                "--trajectories",
                "--out",
                &format!("t{t}"),
            ])
            .assert()
            .success();
    }
    for f in [
        "runs.parquet",
        "bands.parquet",
        "ages.parquet",
        "summary.parquet",
        "summary.csv",
        "trajectories/region_code=01/part-0.parquet",
        "trajectories/region_code=SE/part-0.parquet",
    ] {
        let a = std::fs::read(s.path("t1").join(f)).unwrap();
        let b = std::fs::read(s.path("t2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--seed",
            "8",
            "--out",
            "other",
        ])
        .assert()
        .success();
    let a = read_parquet(&s.path("t1/runs.parquet"));
    let b = read_parquet(&s.path("other/runs.parquet"));
    assert!(!a.equals_missing(&b), "another seed gave the same runs");
}

#[test]
fn a_region_run_does_not_depend_on_which_regions_run() {
    let s = Scratch::new();
    let all = s.small(40, "");
    s.cmd()
        .args(["run", all.to_str().unwrap(), "--quiet", "--out", "all"])
        .assert()
        .success();
    let one = s.small(40, "regions = [\"13\"]");
    s.cmd()
        .args(["run", one.to_str().unwrap(), "--quiet", "--out", "one"])
        .assert()
        .success();
    let pick = |dir: &str| {
        let df = read_parquet(&s.path(dir).join("runs.parquet"));
        let rows: Vec<u32> = strs(&df, "region_code")
            .iter()
            .enumerate()
            .filter(|(_, c)| c.as_deref() == Some("13"))
            .map(|(i, _)| i as u32)
            .collect();
        df.take(&IdxCa::from_vec("idx".into(), rows)).unwrap()
    };
    assert!(pick("all").equals_missing(&pick("one")));
}
