//! Which strings may become part of a file or folder name.
//!
//! Region codes, experiment names and scenario names are read from files a user (or
//! anyone who sent them a config or a dataset) wrote, and they end up in paths:
//! `results/NAME/`, `runs/region_code=CODE/`, `charts/fan_coverage_CODE.png`. Each is
//! checked here where it is read, so that no such string can name a path outside the
//! output folder, hide a file (a leading dot), or break a line in a log. The chart
//! writer checks every file stem again, since `plot` reads codes back from Parquet.

/// The region code of the Sweden total, which no region of a dataset may take.
pub const NATIONAL_CODE: &str = "SE";

/// The longest experiment or scenario name, in bytes. The staging folder beside the
/// output adds `.` and `.partial-PID` (up to 17 bytes) to the name, and file systems
/// refuse names over 255 bytes; 100 leaves room for `-shard-K-of-N` too.
pub const MAX_NAME_BYTES: usize = 100;

/// The longest region code, in bytes (the shipped data's are two digits).
pub const MAX_CODE_BYTES: usize = 16;

/// A region code: 1 to [`MAX_CODE_BYTES`] ASCII letters, digits, `_` or `-`, and not
/// the national total's code.
pub fn check_region_code(code: &str) -> Result<(), String> {
    if code.is_empty() || code.len() > MAX_CODE_BYTES {
        return Err(format!(
            "`{}` is not a region code: 1 to {MAX_CODE_BYTES} ASCII letters, digits, _ or - (the shipped data uses two digits, e.g. 06)",
            code.escape_debug()
        ));
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "`{}` is not a region code: only ASCII letters, digits, _ and - (it becomes part of file names)",
            code.escape_debug()
        ));
    }
    if code == NATIONAL_CODE {
        return Err(format!(
            "`{code}` is reserved for the national total, which fastlakare sums itself"
        ));
    }
    Ok(())
}

/// An experiment or scenario name: 1 to [`MAX_NAME_BYTES`] bytes of letters, digits,
/// `_`, `-` and `.`, not starting with `.` (it names a folder or part of a file name).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(ok_char) {
        return Err(format!(
            "`{}` cannot name an output folder or file: use letters, digits, _, - and . (not first)",
            name.escape_debug()
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "is {} bytes long; at most {MAX_NAME_BYTES} (it names folders and files)",
            name.len()
        ));
    }
    Ok(())
}

/// Whether `stem` is one plain file name: no separator, not `.` or `..`, not hidden,
/// nothing a shell or a log would read as a line break. Every chart's file stem passes
/// this before a file is created.
pub fn is_plain_file_stem(stem: &str) -> bool {
    !stem.is_empty()
        && stem.len() <= 200
        && !stem.starts_with('.')
        && stem
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '='))
}

/// The scenario name of a config's main run; no named scenario may take it.
pub const BASELINE_SCENARIO: &str = "baseline";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::{Component, Path};

    /// A path made of `root` and `rest` stays inside `root`: `rest` has only plain
    /// components.
    fn stays_inside(rest: &str) -> bool {
        Path::new(rest)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    }

    /// `s` as one CSV cell.
    fn csv_cell(s: &str) -> String {
        format!("\"{}\"", s.replace('"', "\"\""))
    }

    #[test]
    fn shipped_codes_pass_and_paths_are_refused() {
        for r in crate::data::RegionTable::builtin().regions {
            check_region_code(&r.code).unwrap();
        }
        for bad in [
            "",
            "..",
            "../../../../tmp/x",
            "a/b",
            "a\\b",
            "SE",
            "0\n1",
            "ö1",
            "01 ",
            "x".repeat(17).as_str(),
        ] {
            assert!(check_region_code(bad).is_err(), "{bad:?}");
        }
        for good in ["baseline", "double_st-10y", "run.2", "Jönköping"] {
            check_name(good).unwrap();
        }
        for bad in [
            "",
            ".hidden",
            "..",
            "a/b",
            "a\nb",
            "a b",
            "x\0",
            "é".repeat(51).as_str(),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"x".repeat(MAX_NAME_BYTES)).is_ok());
        assert!(check_name(&"x".repeat(MAX_NAME_BYTES + 1)).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever string a config or data file holds, if it is accepted as a code or
        /// a name, every path built from it stays inside the output folder.
        #[test]
        fn accepted_strings_make_paths_inside_the_output_folder(
            s in prop_oneof![
                any::<String>(),
                "[./\\\\a-zA-Z0-9_=\\-\n\r\t ]{0,24}",
                Just("..".to_string()),
                Just("../../etc".to_string()),
            ]
        ) {
            let root = Path::new("out");
            if check_region_code(&s).is_ok() {
                let part = crate::output::parts::part_path(root, 3, &s);
                let rest = part.strip_prefix(root).unwrap().to_str().unwrap();
                prop_assert!(stays_inside(rest), "{part:?}");
                for stem in [format!("fan_coverage_{s}"), format!("sensitivity_baseline_{s}")] {
                    prop_assert!(is_plain_file_stem(&stem), "{stem:?}");
                    prop_assert!(stays_inside(&stem));
                }
            }
            if check_name(&s).is_ok() {
                prop_assert!(stays_inside(&s), "{s:?}");
                prop_assert!(Path::new(&s).components().count() == 1);
                let stem = format!("scenarios_{s}");
                prop_assert!(is_plain_file_stem(&stem));
                let staging = format!(".{s}.partial-4194304");
                prop_assert!(stays_inside(&staging));
                let shard = format!(".{s}-shard-4294967295-of-4294967295.partial-4194304");
                prop_assert!(shard.len() <= 255);
            }
            if is_plain_file_stem(&s) {
                let png = format!("{s}.png");
                prop_assert!(stays_inside(&png));
            }
        }

        /// The same through the parsers: a region code in the data, an experiment and a
        /// scenario name in a config, accepted only as paths inside the output folder.
        #[test]
        fn parsed_codes_and_names_make_paths_inside_the_output_folder(
            s in prop_oneof![
                any::<String>(),
                r"[./\\a-zA-Z0-9_=\-\n ]{0,24}",
            ]
        ) {
            let csv = crate::data::BUILTIN_CSV.replacen("\n06,", &format!("\n{},", csv_cell(&s)), 1);
            if let Ok(t) = crate::data::RegionTable::parse(&csv, "x.csv") {
                for r in &t.regions {
                    let part = crate::output::parts::part_path(Path::new("out"), 0, &r.code);
                    prop_assert!(stays_inside(part.strip_prefix("out").unwrap().to_str().unwrap()));
                }
            }
            let toml_str = toml::Value::String(s.clone()).to_string();
            let cfg = format!("name = {toml_str}\nseed = 1\nruns = 1\n[scenarios.{toml_str}]\nintake_cap_per_year = 1\n");
            if let Ok(c) = crate::config::Config::parse(&cfg, "x.toml") {
                prop_assert!(stays_inside(&c.name) && Path::new(&c.name).components().count() == 1);
                for sc in &c.scenarios {
                    let stem = format!("scenarios_{}", sc.name);
                    prop_assert!(is_plain_file_stem(&stem));
                }
            }
        }
    }
}
