//! The golden output: a small run's files, byte for byte, pinned in
//! `tests/golden/scenarios-300.txt` as FNV-1a hashes. A change of any output byte for
//! the same seed fails here, so it is a deliberate, reviewed act: rerun with
//! `FASTLAKARE_BLESS=1` to write the new hashes, and say why in the commit.
//!
//! `.ci/run` runs it with every backend the processor has (`FASTLAKARE_BACKEND`),
//! which checks that the fast paths and the portable one write the same bytes. The
//! hashes hold on Linux with glibc: a few parameter draws go through the C library's
//! `log` and `exp` (docs/model.md), which other C libraries may round otherwise.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const PINNED: &str = "tests/golden/scenarios-300.txt";

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_small_runs_output_is_the_pinned_bytes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("golden");
    // From the project's folder with a relative config path, so the paths the files'
    // metadata records are the same on every machine.
    Command::cargo_bin("fastlakare")
        .unwrap()
        .current_dir(root)
        .args([
            "run",
            "configs/scenarios.toml",
            "--runs",
            "300",
            "--trajectories",
        ])
        .args(["--no-charts", "--quiet", "--out"])
        .arg(&results)
        .assert()
        .success();
    let mut lines = String::new();
    for f in files(&results) {
        let name = f.to_string_lossy();
        // The manifest holds the wall time and the thread count, the marker the
        // machine's name.
        if name == "manifest.json" || name == ".fastlakare" {
            continue;
        }
        let bytes = std::fs::read(results.join(&f)).unwrap();
        lines.push_str(&format!("{:016x} {name}\n", fnv(&bytes)));
    }
    let pinned = root.join(PINNED);
    if std::env::var_os("FASTLAKARE_BLESS").is_some() {
        std::fs::write(&pinned, &lines).unwrap();
        eprintln!("wrote {PINNED}");
        return;
    }
    let want = std::fs::read_to_string(&pinned).unwrap();
    assert!(
        lines == want,
        "the output differs from {PINNED} (backend {}):\n{}",
        fastlakare::backend::active().name(),
        diff(&want, &lines)
    );
}

/// The lines of `b` not in `a`, and of `a` not in `b`.
fn diff(a: &str, b: &str) -> String {
    let mut s = String::new();
    for l in a.lines().filter(|l| !b.contains(l)) {
        s.push_str(&format!("- {l}\n"));
    }
    for l in b.lines().filter(|l| !a.contains(l)) {
        s.push_str(&format!("+ {l}\n"));
    }
    s
}

#[test]
fn a_backend_this_processor_cannot_run_is_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = vec![("avx2", "is not a backend")];
    if fastlakare::backend::Backend::best() < fastlakare::backend::Backend::Avx512Lookups {
        cases.push(("avx512-lookups", "cannot run it"));
    }
    for (value, says) in cases {
        Command::cargo_bin("fastlakare")
            .unwrap()
            .current_dir(root)
            .env(fastlakare::backend::ENV, value)
            .args(["validate", "configs/baseline.toml"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says));
    }
}
