//! Golden check against DLF's published table ("Fast läkare – hur lång tid tar det?",
//! Sept 2024), through both the `dlf` command and `run configs/dlf2024.toml`.

use predicates::prelude::*;

use crate::common::*;

/// DLF's published years to full staffing, copied from its table (not from our
/// data file), so a changed data file cannot move the target of this test.
const PUBLISHED: [(&str, Option<u32>); 16] = [
    ("01", Some(201)),
    ("04", Some(39)),
    ("06", Some(14)),
    ("07", None),
    ("08", Some(31)),
    ("09", Some(16)),
    ("10", None),
    ("12", Some(28)),
    ("13", Some(40)),
    ("14", Some(24)),
    ("17", None),
    ("18", None),
    ("19", Some(27)),
    ("21", Some(298)),
    ("22", Some(66)),
    ("23", Some(0)),
];

#[test]
fn dlf_command_reproduces_every_published_figure() {
    let s = Scratch::new();
    s.cmd().arg("dlf").assert().success().stdout(
        predicate::str::contains("16 of 16 published figures reproduced")
            .and(predicate::str::contains(" NO").not()),
    );
}

#[test]
fn dlf_mode_run_reproduces_the_published_table() {
    let s = Scratch::new();
    let cfg = configs_dir().join("dlf2024.toml");
    s.cmd()
        .args(["run", cfg.to_str().unwrap(), "--quiet", "--out", "dlf"])
        .assert()
        .success();
    let summary = read_parquet(&s.path("dlf/summary.parquet"));
    assert_eq!(
        summary.height(),
        16,
        "regions with DLF figures; no Sverige row"
    );
    let codes = strs(&summary, "region_code");
    let p50 = f64s(&summary, "p50_years");
    for (code, published) in PUBLISHED {
        let i = codes
            .iter()
            .position(|c| c.as_deref() == Some(code))
            .unwrap_or_else(|| panic!("{code} missing"));
        let model = p50[i];
        match (published, model) {
            (None, None) => {}
            (Some(p), Some(m)) if code == "21" => {
                assert!(
                    (m - f64::from(p)).abs() <= 0.1 * f64::from(p),
                    "Gävleborg: {m} vs {p}"
                )
            }
            (Some(p), Some(m)) => assert!((m - f64::from(p)).abs() <= 1.0, "{code}: {m} vs {p}"),
            _ => panic!("{code}: model {model:?}, published {published:?}"),
        }
    }
}
