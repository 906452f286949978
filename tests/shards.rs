//! Sharded runs: `run --shard K/N` then `merge` equals the unsharded run byte for
//! byte; merges of shards that do not belong together are refused; Ctrl-C leaves
//! nothing half-written.

use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::*;

const SCENARIO: &str = "[scenarios.more]\ndescription = \"more intake\"\nintake = [{ from = 2025, to = 2060, multiply = 1.3 }]\n";

fn same_bytes(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let x = std::fs::read(a.join(f)).unwrap_or_else(|e| panic!("{}: {e}", a.join(f).display()));
        let y = std::fs::read(b.join(f)).unwrap_or_else(|e| panic!("{}: {e}", b.join(f).display()));
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn run(s: &Scratch, args: &[&str]) {
    s.cmd().args(args).arg("--quiet").assert().success();
}

#[test]
fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
    let s = Scratch::new();
    let cfg = s.small(300, SCENARIO);
    let cfg = cfg.to_str().unwrap();
    run(
        &s,
        &["run", cfg, "--out", "full", "--trajectories", "--no-charts"],
    );
    for k in 1..=3 {
        run(
            &s,
            &[
                "run",
                cfg,
                "--shard",
                &format!("{k}/3"),
                "--out",
                &format!("s{k}"),
                "--trajectories",
            ],
        );
        assert!(s.path(&format!("s{k}")).join("shard.json").exists());
    }
    // Any order on the command line.
    run(&s, &["merge", "merged", "s3", "s1", "s2", "--no-charts"]);
    same_bytes(
        &s.path("full"),
        &s.path("merged"),
        &[
            "runs.parquet",
            "bands.parquet",
            "ages.parquet",
            "summary.parquet",
            "summary.csv",
        ],
    );
    // Hive parts hold the same rows, in row groups cut where the shards ended.
    for part in [
        "trajectories/region_code=01/part-0.parquet",
        "trajectories/region_code=SE/part-1.parquet",
    ] {
        let a = read_parquet(&s.path("full").join(part));
        assert_eq!(a.height(), 300 * 41);
        assert!(
            a.equals_missing(&read_parquet(&s.path("merged").join(part))),
            "{part}"
        );
    }
    let summary = read_parquet(&s.path("merged/summary.parquet"));
    assert_eq!(
        summary.height(),
        44,
        "baseline and scenario, 21 regions and SE"
    );
}

/// 5000 runs: the unsharded run crosses a chunk boundary (4096) that the two shards
/// (2500 each) do not share, in the Hive layout large runs get.
#[test]
fn chunk_and_shard_boundaries_do_not_change_the_result() {
    let s = Scratch::new();
    let cfg = s.config(
        "short.toml",
        &format!(
            "name = \"short\"\nseed = 3\nruns = 5000\nhorizon_years = 12\ncheckpoint_years = [2030, 2035]\ndata = \"regions.csv\"\n{NORRBOTTEN}"
        ),
    );
    let cfg = cfg.to_str().unwrap();
    let hive = ["--runs-layout", "hive", "--no-charts"];
    let mut full = vec!["run", cfg, "--out", "full", "--threads", "2"];
    full.extend(hive);
    run(&s, &full);
    for k in 1..=2 {
        let out = format!("s{k}");
        let shard = format!("{k}/2");
        run(
            &s,
            &[
                "run",
                cfg,
                "--shard",
                &shard,
                "--out",
                &out,
                "--threads",
                "1",
            ],
        );
    }
    let mut merge = vec!["merge", "merged", "s1", "s2"];
    merge.extend(hive);
    run(&s, &merge);
    same_bytes(
        &s.path("full"),
        &s.path("merged"),
        &[
            "bands.parquet",
            "ages.parquet",
            "summary.parquet",
            "summary.csv",
        ],
    );
    // Hive parts are concatenated shard by shard, so their row groups differ; their
    // rows do not.
    for code in ["01", "25", "SE"] {
        let part = format!("runs/region_code={code}/part-0.parquet");
        let a = read_parquet(&s.path("full").join(&part));
        let b = read_parquet(&s.path("merged").join(&part));
        assert_eq!(a.height(), 5000);
        assert!(a.equals_missing(&b), "{part} differs");
    }
    assert!(!s.path("merged/runs.parquet").exists());
}

fn refused(s: &Scratch, args: &[&str], says: &str) {
    let out = s.cmd().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(says),
        "{args:?} should say {says:?}, said: {err}"
    );
    assert!(!s.path("merged").exists(), "{args:?} left an output");
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together() {
    let s = Scratch::new();
    let cfg = s.small(60, "");
    let cfg = cfg.to_str().unwrap();
    let other = s.config(
        "other.toml",
        &format!("name = \"small\"\nseed = 7\nruns = 60\nhorizon_years = 30\ndata = \"regions.csv\"\n{NORRBOTTEN}"),
    );
    for k in 1..=3 {
        run(
            &s,
            &[
                "run",
                cfg,
                "--shard",
                &format!("{k}/3"),
                "--out",
                &format!("s{k}"),
            ],
        );
    }
    run(
        &s,
        &[
            "run", cfg, "--shard", "2/3", "--seed", "8", "--out", "seed8",
        ],
    );
    run(
        &s,
        &[
            "run",
            other.to_str().unwrap(),
            "--shard",
            "2/3",
            "--out",
            "other",
        ],
    );
    run(&s, &["run", cfg, "--shard", "2/4", "--out", "of4"]);

    refused(&s, &["merge", "merged", "s1", "seed8", "s3"], "seed 8");
    refused(
        &s,
        &["merge", "merged", "s1", "other", "s3"],
        "another config",
    );
    refused(&s, &["merge", "merged", "s1", "of4", "s3"], "shard count 4");
    refused(&s, &["merge", "merged", "s1", "s3"], "shard 2/3 missing");
    refused(
        &s,
        &["merge", "merged", "s1", "s2", "s2", "s3"],
        "given twice",
    );
    refused(
        &s,
        &["merge", "merged", "s1", "s2", "regions.csv"],
        "not a shard folder",
    );
    std::fs::write(s.path("s3/bands.sketch"), b"fastlakare-sk-01 cut").unwrap();
    refused(&s, &["merge", "merged", "s1", "s2", "s3"], "damaged");
    for bad in ["0/3", "4/3", "2", "a/b"] {
        let out = s.cmd().args(["run", cfg, "--shard", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("K/N"));
    }
}

/// Ctrl-C in the middle of a long run: exit 130, no output folder, no staging folder.
#[test]
fn sigint_leaves_nothing_half_written() {
    let s = Scratch::new();
    let mut child = start_long_run(&s, "big");
    let kill = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(!s.path("big").exists(), "an output folder was left");
    assert!(
        staging_of(&s, "big").is_none(),
        "the staging folder was left"
    );
}
