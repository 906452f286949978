//! Hostile and careless input, end to end: nothing written outside the output folder,
//! nothing of the user's replaced, no panic, no hang, no unbounded allocation, every
//! long command stoppable, and what `merge` reads checked.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use predicates::prelude::*;

use crate::common::*;

/// Every file and folder under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            if e.file_type().unwrap().is_dir() {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The paths under `dir` (relative) whose text passes `keep`.
fn tree_where(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    tree(dir)
        .into_iter()
        .filter(|p| keep(&p.to_string_lossy()))
        .collect()
}

/// A copy of the shipped data with region 06's code replaced.
fn data_with_code(s: &Scratch, code: &str) {
    let text = std::fs::read_to_string(DATA).unwrap();
    std::fs::write(
        s.path("regions.csv"),
        text.replacen("\n06,", &format!("\n\"{code}\","), 1),
    )
    .unwrap();
}

#[test]
fn a_region_code_cannot_make_a_path_outside_the_output_folder() {
    let s = Scratch::new();
    // Deep inside the scratch folder, so `../..` lands inside it where a test can see.
    let work = s.path("a/b/c/d");
    std::fs::create_dir_all(&work).unwrap();
    data_with_code(&s, "../../../../escaped");
    let cfg = s.small(20, "");
    let before = tree(s.dir.path());
    for extra in [
        &["--runs-layout", "hive"][..],
        &["--trajectories"][..],
        &["--shard", "1/2"][..],
    ] {
        s.cmd()
            .current_dir(&work)
            .args(["run", cfg.to_str().unwrap(), "--quiet"])
            .args(extra)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("regions.csv: line 6: column code")
                    .and(predicate::str::contains("is not a region code")),
            );
    }
    assert_eq!(tree(s.dir.path()), before, "nothing was written anywhere");
    // Two digits, letters, _ and - are fine; SE is the national total's.
    data_with_code(&s, "SE");
    s.cmd()
        .args(["validate", cfg.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reserved for the national total"));
}

#[test]
fn names_that_cannot_be_folders_are_refused_by_validate() {
    let s = Scratch::new();
    for (name, says) in [
        ("a\\nb".to_string(), "cannot name an output folder"),
        ("x".repeat(241), "at most 100"),
        ("../up".to_string(), "cannot name an output folder"),
    ] {
        let cfg = s.config(
            "n.toml",
            &format!("name = \"{name}\"\nseed = 1\nruns = 2\ndata = \"regions.csv\"\n{NORRBOTTEN}"),
        );
        s.cmd()
            .args(["validate", cfg.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("n.toml: name:").and(predicate::str::contains(says)));
    }
}

#[test]
fn force_replaces_only_what_fastlakare_wrote() {
    let s = Scratch::new();
    // A user's project folder: config, data, notes.
    let proj = s.path("proj");
    std::fs::create_dir(&proj).unwrap();
    std::fs::copy(DATA, proj.join("regions.csv")).unwrap();
    std::fs::write(
        proj.join("baseline.toml"),
        format!("name = \"p\"\nseed = 1\nruns = 5\nhorizon_years = 30\ndata = \"regions.csv\"\n{NORRBOTTEN}"),
    )
    .unwrap();
    std::fs::write(proj.join("notes.md"), "my notes").unwrap();
    let before = tree(&proj);
    s.cmd()
        .args([
            "run",
            "proj/baseline.toml",
            "--out",
            "proj",
            "--force",
            "--quiet",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "not an output folder fastlakare wrote",
        ));
    assert_eq!(tree(&proj), before);
    assert_eq!(
        std::fs::read_to_string(proj.join("notes.md")).unwrap(),
        "my notes"
    );

    // A regular file: refused, not hidden.
    std::fs::write(s.path("f"), "data").unwrap();
    s.cmd()
        .args([
            "run",
            "proj/baseline.toml",
            "--out",
            "f",
            "--force",
            "--quiet",
        ])
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(s.path("f")).unwrap(), "data");
    let hidden = tree_where(s.dir.path(), |p| p.starts_with(".f."));
    assert!(hidden.is_empty(), "{hidden:?}");

    // A folder fastlakare wrote: replaced.
    for _ in 0..2 {
        s.cmd()
            .args([
                "run",
                "proj/baseline.toml",
                "--out",
                "out",
                "--force",
                "--quiet",
                "--no-charts",
            ])
            .assert()
            .success();
    }
    assert!(s.path("out/summary.csv").is_file());
    // sensitivity and solve add to their own folders only.
    s.cmd()
        .args([
            "solve",
            "proj/baseline.toml",
            "--by-year",
            "2030",
            "--probability",
            "0.5",
            "--regions",
            "06",
            "--out",
            "proj",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "not an output folder fastlakare wrote",
        ));
    assert_eq!(tree(&proj), before);
}

#[test]
fn betas_validate_accepts_are_sampled_and_the_rest_refused() {
    let s = Scratch::new();
    for (mean, sd) in [(0.001, 0.03), (0.5, 1e-6)] {
        let cfg = s.small(
            5,
            &format!("[parameters]\nprimary_care_uptake = {{ dist = \"beta\", mean = {mean}, sd = {sd} }}\n"),
        );
        for args in [
            vec!["validate", cfg.to_str().unwrap()],
            vec!["run", cfg.to_str().unwrap(), "--quiet"],
        ] {
            s.cmd()
                .args(&args)
                .timeout(Duration::from_secs(60))
                .assert()
                .code(2)
                .stderr(
                    predicate::str::contains("parameters.primary_care_uptake.sd")
                        .and(predicate::str::contains("shapes")),
                );
        }
    }
    // Near both ends of what is accepted, `run` and `sensitivity` finish.
    // Mean 0.001 with sd 0.0095 has shapes 0.0104 and 10.4; mean 0.5 with sd 0.0036,
    // 9 645 and 9 645.
    for (mean, sd) in [(0.001, 0.0095), (0.5, 0.0036)] {
        let cfg = s.small(
            20,
            &format!("[parameters]\nprimary_care_uptake = {{ dist = \"beta\", mean = {mean}, sd = {sd} }}\n"),
        );
        s.cmd()
            .args([
                "run",
                cfg.to_str().unwrap(),
                "--quiet",
                "--no-charts",
                "--force",
                "--out",
                "edge",
            ])
            .timeout(Duration::from_secs(120))
            .assert()
            .success();
        s.cmd()
            .args([
                "sensitivity",
                cfg.to_str().unwrap(),
                "--quiet",
                "--no-charts",
                "--samples",
                "16",
                "--bootstrap",
                "5",
                "--regions",
                "06",
                "--out",
                "edge",
            ])
            .timeout(Duration::from_secs(120))
            .assert()
            .success();
    }
}

/// A sharded run of `runs` in `n` shards into s1..sN.
fn shards(s: &Scratch, cfg: &Path, n: u32, trajectories: bool) {
    for k in 1..=n {
        let mut c = s.cmd();
        c.args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--shard",
            &format!("{k}/{n}"),
            "--out",
            &format!("s{k}"),
        ]);
        if trajectories {
            c.arg("--trajectories");
        }
        c.assert().success();
    }
}

fn merge(s: &Scratch, n: u32) -> assert_cmd::assert::Assert {
    let mut c = s.cmd();
    c.args(["merge", "merged", "--quiet", "--no-charts", "--force"]);
    for k in 1..=n {
        c.arg(format!("s{k}"));
    }
    c.assert()
}

#[test]
fn merge_refuses_damaged_or_misplaced_shard_files() {
    let s = Scratch::new();
    let cfg = s.small(40, "");
    shards(&s, &cfg, 2, true);
    merge(&s, 2).success();

    // A flipped bit in the sketches.
    let sketch = s.path("s2/bands.sketch");
    let good = std::fs::read(&sketch).unwrap();
    for at in [20, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x04;
        std::fs::write(&sketch, &bad).unwrap();
        merge(&s, 2).code(2).stderr(
            predicate::str::contains("bands.sketch").and(predicate::str::contains("checksum")),
        );
    }
    std::fs::write(&sketch, &good).unwrap();

    // A part copied from another shard or region: its checksum is not the one recorded.
    // Copied with its recorded checksum, the part's own rows give it away.
    for (from, to, says) in [
        (
            "s1/runs/region_code=06/part-0.parquet",
            "s2/runs/region_code=06/part-0.parquet",
            "another shard",
        ),
        (
            "s2/runs/region_code=07/part-0.parquet",
            "s2/runs/region_code=06/part-0.parquet",
            "another scenario or region",
        ),
        (
            "s2/trajectories/region_code=13/part-0.parquet",
            "s1/trajectories/region_code=13/part-0.parquet",
            "another shard",
        ),
        // Trajectories have no region column: the checksum alone tells the regions apart.
        (
            "s1/trajectories/region_code=14/part-0.parquet",
            "s1/trajectories/region_code=13/part-0.parquet",
            "",
        ),
    ] {
        let (from_shard, from_key) = from.split_once('/').unwrap();
        let (to_shard, to_key) = to.split_once('/').unwrap();
        let keep_part = std::fs::read(s.path(to)).unwrap();
        let info = s.path(&format!("{to_shard}/shard.json"));
        let keep_info = std::fs::read(&info).unwrap();
        std::fs::copy(s.path(from), s.path(to)).unwrap();
        merge(&s, 2)
            .code(2)
            .stderr(predicate::str::contains(to_key).and(predicate::str::contains("checksum")));
        let sums = |shard: &str| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(s.path(&format!("{shard}/shard.json"))).unwrap())
                .unwrap()
        };
        let recorded = sums(from_shard)["part_checksums"][from_key].clone();
        let mut json = sums(to_shard);
        json["part_checksums"][to_key] = recorded;
        std::fs::write(&info, serde_json::to_vec(&json).unwrap()).unwrap();
        if !says.is_empty() {
            merge(&s, 2).code(2).stderr(predicate::str::contains(says));
        }
        std::fs::write(s.path(to), keep_part).unwrap();
        std::fs::write(&info, keep_info).unwrap();
    }

    // shard.json edited: another config, a shard count of 0.
    let info = s.path("s1/shard.json");
    let text = std::fs::read_to_string(&info).unwrap();
    for (edit, says) in [
        (text.replacen("seed = 7", "seed = 8", 1), "fingerprint"),
        (
            text.replacen("\"shards\": 2", "\"shards\": 0", 1),
            "is not K/N",
        ),
    ] {
        assert_ne!(edit, text);
        std::fs::write(&info, edit).unwrap();
        merge(&s, 2).code(2).stderr(predicate::str::contains(says));
    }
    std::fs::write(&info, &text).unwrap();

    // A unit list edited to name a path: refused before anything is read or written.
    let info = s.path("s1/shard.json");
    let text = std::fs::read_to_string(&info).unwrap();
    std::fs::write(&info, text.replacen("\"06\"", "\"../../x\"", 1)).unwrap();
    merge(&s, 2)
        .code(2)
        .stderr(predicate::str::contains("shard.json").and(predicate::str::contains("damaged")));
    std::fs::write(&info, text).unwrap();
    merge(&s, 2).success();
}

#[test]
fn more_shards_than_runs_still_merge() {
    let s = Scratch::new();
    let cfg = s.small(2, "");
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--out",
            "full",
        ])
        .assert()
        .success();
    shards(&s, &cfg, 3, false);
    merge(&s, 3).success();
    for f in ["summary.csv", "bands.parquet", "runs.parquet"] {
        assert_eq!(
            std::fs::read(s.path("full").join(f)).unwrap(),
            std::fs::read(s.path("merged").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn limits_are_refused_before_anything_is_allocated() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    let c = cfg.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "solve",
                c,
                "--by-year",
                "2147483646",
                "--probability",
                "0.5",
            ],
            "beyond the config's last simulated year",
        ),
        (
            vec![
                "solve",
                c,
                "--by-year",
                "2030",
                "--probability",
                "0.5",
                "--max-factor",
                "1e9",
            ],
            "--max-factor",
        ),
        (
            vec!["sensitivity", c, "--samples", "4294967295"],
            "at most 100000",
        ),
        (
            vec!["sensitivity", c, "--bootstrap", "4294967295"],
            "at most 100000 resamples",
        ),
        (
            vec!["sensitivity", c, "--replicates", "4294967295"],
            "at most 1000",
        ),
        (vec!["run", c, "--threads", "100000"], "more than 1024"),
        (
            vec![
                "solve",
                c,
                "--by-year",
                "2030",
                "--probability",
                "0.5",
                "--threads",
                "100000",
            ],
            "more than 1024",
        ),
        (
            vec!["run", c, "--runs", "4294967295"],
            "--runs must be at most 100000000",
        ),
        (vec!["validate", "/dev/zero"], "not a regular file"),
    ];
    for (args, says) in cases {
        s.cmd()
            .args(&args)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}

#[test]
fn configs_that_cannot_fit_are_refused_by_validate() {
    let s = Scratch::new();
    let cases = [
        (
            "runs = 4294967295\n",
            "big.toml: runs: must be a whole number from 1 to 100000000",
        ),
        (
            "runs = 5000000\n[scenarios.a]\nintake_cap_per_year = 10\n",
            "GB of exact per-run results",
        ),
        (
            "runs = 5\ndata = \"/dev/zero\"\n",
            "/dev/zero: cannot read the regional data: not a regular file",
        ),
    ];
    for (body, says) in cases {
        let (top, tables) = body
            .split_once('[')
            .map_or((body, String::new()), |(a, b)| (a, format!("[{b}")));
        let data = if top.contains("data =") {
            ""
        } else {
            "data = \"regions.csv\"\n"
        };
        let cfg = s.config(
            "big.toml",
            &format!("name = \"big\"\nseed = 1\n{top}{data}{NORRBOTTEN}{tables}"),
        );
        s.cmd()
            .args(["validate", cfg.to_str().unwrap()])
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}

/// Starts `args`, waits `wait` (the command is then busy), sends SIGINT, and returns
/// the exit status and how long the command took to stop.
fn interrupted(s: &Scratch, args: &[&str], wait: Duration) -> (std::process::ExitStatus, Duration) {
    let bin = assert_cmd::cargo::cargo_bin("fastlakare");
    let mut child = StdCommand::new(bin)
        .current_dir(s.dir.path())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(wait);
    assert!(
        child.try_wait().unwrap().is_none(),
        "{args:?} ended before it was interrupted"
    );
    let sent = Instant::now();
    assert!(StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, sent.elapsed());
        }
        if sent.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{args:?} did not stop within a minute of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn solve_and_sensitivity_stop_at_the_first_ctrl_c_and_write_nothing() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    let c = cfg.to_str().unwrap();
    // "About a second": 5 s allows for a busy shared machine, and fails a command that
    // goes on to its end (a minute or more for these).
    for (args, out) in [
        (
            vec![
                "solve",
                c,
                "--by-year",
                "2060",
                "--probability",
                "0.8",
                "--runs",
                "1000000",
            ],
            "solved",
        ),
        (
            vec!["sensitivity", c, "--samples", "100000", "--quiet"],
            "sens",
        ),
    ] {
        // A results folder with a run in it, as a user's would be.
        s.cmd()
            .args(["run", c, "--quiet", "--no-charts", "--out", out])
            .assert()
            .success();
        let before = tree(&s.path(out));
        let mut args = args.clone();
        args.extend(["--out", out]);
        // Early (drawing the runs, building the design) and late (simulating).
        for wait in [300, 1500] {
            let (status, took) = interrupted(&s, &args, Duration::from_millis(wait));
            assert_eq!(status.code(), Some(130), "{args:?}: {status:?}");
            assert!(
                took < Duration::from_secs(5),
                "{args:?} took {took:?} to stop"
            );
            assert_eq!(tree(&s.path(out)), before, "{args:?} wrote something");
        }
    }
}

#[test]
fn a_killed_runs_staging_is_removed_by_the_next_run() {
    let s = Scratch::new();
    let mut child = start_long_run(&s, "big");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        staging_of(&s, "big").is_some(),
        "SIGKILL leaves the staging folder"
    );
    // Someone else's look-alike stays.
    std::fs::create_dir(s.path(".big.partial-notapid")).unwrap();
    let small = s.small(5, "");
    s.cmd()
        .args([
            "run",
            small.to_str().unwrap(),
            "--quiet",
            "--no-charts",
            "--out",
            "big",
        ])
        .assert()
        .success();
    assert!(
        staging_of(&s, "big").is_none(),
        "the dead run's staging folder is gone"
    );
    assert!(s.path(".big.partial-notapid").is_dir());
    assert!(s.path("big/summary.csv").is_file());

    // The work folders solve, sensitivity and report leave in a results folder when
    // killed: removed by the next command of the kind.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let marker = format!("killed\nhost: {}\n", host.trim());
    for kind in ["solve", "sensitivity", "report"] {
        let dead = s.path(&format!("big/.{kind}.partial-999999999-0badcafe"));
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join(".fastlakare"), &marker).unwrap();
    }
    let c = small.to_str().unwrap();
    for args in [
        vec![
            "solve",
            c,
            "--by-year",
            "2030",
            "--probability",
            "0.5",
            "--regions",
            "06",
            "--out",
            "big",
        ],
        vec![
            "sensitivity",
            c,
            "--quiet",
            "--samples",
            "16",
            "--bootstrap",
            "5",
            "--regions",
            "06",
            "--out",
            "big",
        ],
        vec!["report", "big"],
    ] {
        s.cmd().args(&args).assert().success();
    }
    let left = tree_where(&s.path("big"), |p| p.contains(".partial-"));
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_narrower_sensitivity_rerun_leaves_no_old_charts() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    let c = cfg.to_str().unwrap();
    let charts = |codes| {
        s.cmd()
            .args([
                "sensitivity",
                c,
                "--quiet",
                "--samples",
                "16",
                "--bootstrap",
                "5",
                "--regions",
                codes,
                "--out",
                "sens",
            ])
            .assert()
            .success();
        let mut names: Vec<String> = std::fs::read_dir(s.path("sens/charts"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let wide = charts("06,07");
    assert!(wide.iter().any(|n| n.contains("_07.")), "{wide:?}");
    let narrow = charts("06");
    assert!(!narrow.iter().any(|n| n.contains("_07.")), "{narrow:?}");
    assert!(narrow.iter().any(|n| n.contains("_06.png")), "{narrow:?}");
    // Without charts, none of the earlier analysis's stay beside its results.
    s.cmd()
        .args([
            "sensitivity",
            c,
            "--quiet",
            "--samples",
            "16",
            "--bootstrap",
            "5",
            "--regions",
            "07",
            "--out",
            "sens",
            "--no-charts",
        ])
        .assert()
        .success();
    let left = tree_where(&s.path("sens/charts"), |p| p.starts_with("sensitivity_"));
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn plot_writes_no_chart_through_a_link() {
    let s = Scratch::new();
    let cfg = s.small(10, "");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", "r"])
        .assert()
        .success();
    // A results folder from elsewhere, whose chart is a link to a file of the user's.
    let victim = s.path("victim.txt");
    std::fs::write(&victim, "mine").unwrap();
    let chart = s.path("r/charts/fan_coverage_06.png");
    std::fs::remove_file(&chart).unwrap();
    std::os::unix::fs::symlink(&victim, &chart).unwrap();
    // A hard link to it, and a FIFO (which would hang a writer that opened it).
    let hard = s.path("r/charts/fan_coverage_07.svg");
    std::fs::remove_file(&hard).unwrap();
    std::fs::hard_link(&victim, &hard).unwrap();
    let fifo = s.path("r/charts/fan_coverage_08.png");
    std::fs::remove_file(&fifo).unwrap();
    assert!(StdCommand::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    s.cmd()
        .args(["plot", "r"])
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
    assert!(std::fs::metadata(&fifo).unwrap().is_file());
    assert!(!std::fs::symlink_metadata(&chart)
        .unwrap()
        .file_type()
        .is_symlink());
    // A charts folder that is a link: refused.
    std::fs::rename(s.path("r/charts"), s.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink(s.path("elsewhere"), s.path("r/charts")).unwrap();
    s.cmd()
        .args(["plot", "r"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is a symbolic link"));
}

#[test]
fn other_names_that_cannot_be_paths_or_lines() {
    let s = Scratch::new();
    let cfg = s.small(5, "");
    // A region name with a line break.
    let text = std::fs::read_to_string(DATA).unwrap();
    std::fs::write(
        s.path("regions.csv"),
        text.replacen(",Jönköping,", ",\"Jön\nköping\",", 1),
    )
    .unwrap();
    s.cmd()
        .args(["validate", cfg.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("column region")
                .and(predicate::str::contains("not a region name")),
        );
    std::fs::copy(DATA, s.path("regions.csv")).unwrap();
    // An --out name too long for its work folder, and a shard count past the limit.
    let long = "x".repeat(240);
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", &long])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at most 200 bytes"));
    s.cmd()
        .args([
            "run",
            cfg.to_str().unwrap(),
            "--quiet",
            "--shard",
            "1/4000000000",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("N <= 10000"));
}

#[test]
fn missing_input_files_are_bad_input() {
    let s = Scratch::new();
    s.cmd()
        .args(["validate", "no-such.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no-such.toml: cannot read the config",
        ));
    let cfg = s.config(
        "m.toml",
        "name = \"m\"\nseed = 1\nruns = 2\ndata = \"missing.csv\"\n",
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "missing.csv: cannot read the regional data",
        ));
    s.cmd()
        .args(["dlf", "--data", "missing.csv"])
        .assert()
        .code(2);
}

#[test]
fn a_target_year_outside_the_simulated_years_has_no_probability() {
    let s = Scratch::new();
    // 2023..=2028: Jämtland's 2030 goal (and every other region's) lies beyond.
    let cfg = s.config(
        "short.toml",
        &format!("name = \"short\"\nseed = 1\nruns = 20\nhorizon_years = 5\ncheckpoint_years = [2025]\ndata = \"regions.csv\"\n[sensitivity]\noutput = \"coverage_at:2025\"\n{NORRBOTTEN}"),
    );
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--no-charts"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "region 23 (Jämtland Härjedalen): its target year 2030 lies outside",
        ));
    let summary = read_parquet(&s.path("results/short/summary.parquet"));
    let codes = strs(&summary, "region_code");
    let years = i32s(&summary, "policy_target_year");
    let probs = f64s(&summary, "prob_by_policy_target");
    let i = codes
        .iter()
        .position(|c| c.as_deref() == Some("23"))
        .unwrap();
    assert_eq!(years[i], Some(2030));
    assert_eq!(probs[i], None);
}
