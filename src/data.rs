//! The regional data table (one row per region), read from the project's CSV.
//!
//! The table is the only place model inputs come from besides the config, so every
//! figure is checked on the way in and a bad row is reported with its line and column.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;

/// The table shipped with the project, compiled in so `dlf` and `regions` work from
/// any directory without a path.
pub const BUILTIN_CSV: &str = include_str!("../configs/regions_2023.csv");
pub const BUILTIN_NAME: &str = "configs/regions_2023.csv (built in)";

/// Whether a region's specialist figures cover all primary care or only region-run care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountScope {
    Total,
    PublicOnly,
}

/// DLF's published years to full staffing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DlfYears {
    Years(u32),
    Never,
}

#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// SCB county code, two digits kept as text ("01").
    pub code: String,
    pub name: String,
    pub population_2023: f64,
    pub population_2018: f64,
    /// Yearly growth 2018-2023, the base of the default population projection.
    pub growth_per_year: f64,
    pub specialists_headcount: Option<f64>,
    pub specialists_fte: Option<f64>,
    pub fte_ratio_reported: Option<f64>,
    pub scope: CountScope,
    pub st_trainees: f64,
    pub dlf_need_fte: Option<f64>,
    pub dlf_table_specialists: Option<f64>,
    pub dlf_years_to_full: Option<DlfYears>,
    pub policy_target_year: Option<i32>,
    /// What the region said of its specialists' ages, where it did.
    pub age_tail: Option<AgeTail>,
    pub notes: String,
}

/// A region's statement about its specialists' ages: the share aged `threshold_age`
/// or more (Kronoberg: 27 of 86 are 58 or older). The initial age profile is scaled to
/// it (docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AgeTail {
    pub threshold_age: u32,
    pub share_at_or_over: f64,
    /// The data file's line that stated it, for a message about it once the config's
    /// age model is known (`RunPlan::new`).
    #[serde(skip)]
    pub line: u64,
}

/// The ages a specialist can have in the model, and so an age threshold's range.
pub const AGE_RANGE: std::ops::RangeInclusive<u32> = 25..=75;

impl Region {
    /// FTE per head as the region reported it: FTE/headcount when both are given,
    /// else the reported ratio, else unknown.
    pub fn fte_ratio(&self) -> Option<f64> {
        match (self.specialists_fte, self.specialists_headcount) {
            (Some(fte), Some(heads)) if heads > 0.0 => Some(fte / heads),
            _ => self.fte_ratio_reported,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RegionTable {
    /// Where the table came from, for messages and the manifest.
    pub source: String,
    /// The table's text as read: the manifest keeps it, so a report shows a region's
    /// row as the run saw it.
    pub text: String,
    pub regions: Vec<Region>,
}

const COLUMNS: [&str; 15] = [
    "code",
    "region",
    "population_2023",
    "population_2018",
    "growth_2018_2023",
    "specialists_headcount",
    "specialists_fte",
    "fte_ratio_reported",
    "specialists_scope",
    "st_trainees",
    "dlf_need_fte",
    "dlf_table_specialists",
    "dlf_years_to_full",
    "policy_target_year",
    "notes",
];

/// Columns a table may leave out (tables written before they existed): empty cells.
pub(crate) const OPTIONAL_COLUMNS: [&str; 2] = ["age_threshold", "age_share_at_or_over"];

impl RegionTable {
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_CSV, BUILTIN_NAME).expect("the shipped table is valid")
    }

    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = crate::input::read_text(path, "read the regional data")?;
        Self::parse(&text, &path.display().to_string())
    }

    /// `--data FILE` if given, else the built-in table.
    pub fn load_or_builtin(path: Option<&Path>) -> Result<Self, Error> {
        path.map_or_else(|| Ok(Self::builtin()), Self::load)
    }

    pub fn parse(text: &str, source: &str) -> Result<Self, Error> {
        let bad = |line: u64, column: &str, problem: String| Error::Data {
            file: source.to_string(),
            line,
            column: column.to_string(),
            problem,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| bad(1, "header", e.to_string()))?
            .clone();
        let mut index = [0usize; COLUMNS.len()];
        for (i, name) in COLUMNS.iter().enumerate() {
            index[i] = headers
                .iter()
                .position(|h| h.trim() == *name)
                .ok_or_else(|| bad(1, name, "column is missing from the header".into()))?;
        }
        let optional: [Option<usize>; OPTIONAL_COLUMNS.len()] =
            std::array::from_fn(|i| headers.iter().position(|h| h.trim() == OPTIONAL_COLUMNS[i]));
        let mut regions: Vec<Region> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                bad(line, "row", format!("malformed CSV row: {e}"))
            })?;
            let mut region = parse_row(&record, &index, &regions, &bad)?;
            region.age_tail = parse_age_tail(&record, &optional, &bad)?;
            regions.push(region);
        }
        if regions.is_empty() {
            return Err(bad(1, "row", "the table has no regions".into()));
        }
        Ok(RegionTable {
            source: source.to_string(),
            text: text.to_string(),
            regions,
        })
    }

    pub fn get(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    pub fn total_population(&self) -> f64 {
        self.regions.iter().map(|r| r.population_2023).sum()
    }
}

/// One row of the table, every cell checked; `bad(line, column, problem)` names what is
/// wrong.
fn parse_row(
    record: &csv::StringRecord,
    index: &[usize; COLUMNS.len()],
    earlier: &[Region],
    bad: &dyn Fn(u64, &str, String) -> Error,
) -> Result<Region, Error> {
    let line = record.position().map_or(0, csv::Position::line);
    let cell = |c: usize| record.get(index[c]).unwrap_or("").trim();
    let number = |c: usize| -> Result<Option<f64>, Error> {
        let s = cell(c);
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(bad(
                line,
                COLUMNS[c],
                format!("`{s}` is not a finite number"),
            )),
        }
    };
    let non_negative = |c: usize| -> Result<Option<f64>, Error> {
        match number(c)? {
            Some(x) if x < 0.0 => Err(bad(
                line,
                COLUMNS[c],
                format!("must not be negative, got {x}"),
            )),
            v => Ok(v),
        }
    };
    let required = |c: usize, v: Option<f64>| {
        v.ok_or_else(|| bad(line, COLUMNS[c], "is empty but required".into()))
    };

    let code = cell(0).to_string();
    crate::names::check_region_code(&code).map_err(|e| bad(line, "code", e))?;
    if earlier.iter().any(|r| r.code == code) {
        return Err(bad(
            line,
            "code",
            format!("region code {code} appears twice"),
        ));
    }
    let name = cell(1).to_string();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(bad(
            line,
            "region",
            format!(
                "`{}` is not a region name: 1 to 100 bytes, no line breaks or control characters",
                name.escape_debug()
            ),
        ));
    }
    let population_2023 = required(2, non_negative(2)?)?;
    let population_2018 = required(3, non_negative(3)?)?;
    if population_2023 <= 0.0 {
        return Err(bad(line, COLUMNS[2], "must be positive".into()));
    }
    let growth_per_year = required(4, number(4)?)?;
    if growth_per_year <= -1.0 {
        return Err(bad(
            line,
            COLUMNS[4],
            format!("must be above -1, got {growth_per_year}"),
        ));
    }
    let fte_ratio_reported = non_negative(7)?;
    if let Some(r) = fte_ratio_reported {
        if !(r > 0.0 && r <= 1.0) {
            return Err(bad(
                line,
                COLUMNS[7],
                format!("must lie in (0, 1], got {r}"),
            ));
        }
    }
    let scope = match cell(8) {
        "total" => CountScope::Total,
        "public_only" => CountScope::PublicOnly,
        other => {
            return Err(bad(
                line,
                COLUMNS[8],
                format!("`{other}` is neither `total` nor `public_only`"),
            ))
        }
    };
    let dlf_years_to_full = match cell(12) {
        "" => None,
        "never" => Some(DlfYears::Never),
        s => Some(DlfYears::Years(s.parse().map_err(|_| {
            bad(
                line,
                COLUMNS[12],
                format!("`{s}` is neither a whole number of years nor `never`"),
            )
        })?)),
    };
    let policy_target_year = match cell(13) {
        "" => None,
        s => Some(
            s.parse()
                .map_err(|_| bad(line, COLUMNS[13], format!("`{s}` is not a year")))?,
        ),
    };
    let region = Region {
        code,
        name,
        population_2023,
        population_2018,
        growth_per_year,
        specialists_headcount: non_negative(5)?,
        specialists_fte: non_negative(6)?,
        fte_ratio_reported,
        scope,
        st_trainees: required(9, non_negative(9)?)?,
        dlf_need_fte: non_negative(10)?,
        dlf_table_specialists: non_negative(11)?,
        dlf_years_to_full,
        policy_target_year,
        age_tail: None,
        notes: cell(14).to_string(),
    };
    if let Some(r) = region.fte_ratio() {
        if !(r > 0.0 && r <= 1.0) {
            return Err(bad(
                line,
                COLUMNS[6],
                format!("FTE/headcount must lie in (0, 1], got {r:.3}"),
            ));
        }
    }
    Ok(region)
}

/// The optional age columns of a row (`optional`: where they are in the header):
/// both empty, or a whole age in [`AGE_RANGE`] and a share in (0, 1).
fn parse_age_tail(
    record: &csv::StringRecord,
    optional: &[Option<usize>; OPTIONAL_COLUMNS.len()],
    bad: &dyn Fn(u64, &str, String) -> Error,
) -> Result<Option<AgeTail>, Error> {
    let line = record.position().map_or(0, csv::Position::line);
    let cell = |c: usize| optional[c].and_then(|i| record.get(i)).unwrap_or("").trim();
    let (threshold, share) = (cell(0), cell(1));
    match (threshold.is_empty(), share.is_empty()) {
        (true, true) => return Ok(None),
        (false, true) | (true, false) => {
            let missing = if threshold.is_empty() { 0 } else { 1 };
            return Err(bad(
                line,
                OPTIONAL_COLUMNS[missing],
                format!(
                    "is empty, but {} is given: give both or neither",
                    OPTIONAL_COLUMNS[1 - missing]
                ),
            ));
        }
        (false, false) => {}
    }
    let threshold_age = match threshold.parse::<u32>() {
        Ok(a) if AGE_RANGE.contains(&a) => a,
        _ => {
            return Err(bad(
                line,
                OPTIONAL_COLUMNS[0],
                format!(
                    "`{threshold}` is not a whole age from {} to {}",
                    AGE_RANGE.start(),
                    AGE_RANGE.end()
                ),
            ))
        }
    };
    let share_at_or_over = match share.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => x,
        _ => {
            return Err(bad(
                line,
                OPTIONAL_COLUMNS[1],
                format!("`{share}` is not a share strictly between 0 and 1"),
            ))
        }
    };
    Ok(Some(AgeTail {
        threshold_age,
        share_at_or_over,
        line,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_has_sweden() {
        let t = RegionTable::builtin();
        assert_eq!(t.regions.len(), 21);
        // SCB: Sweden had 10 551 707 inhabitants on 31 Dec 2023.
        assert_eq!(t.total_population(), 10_551_707.0);
        let jkpg = t.get("06").unwrap();
        assert_eq!(jkpg.name, "Jönköping");
        assert!((jkpg.fte_ratio().unwrap() - 169.0 / 209.0).abs() < 1e-12);
        assert_eq!(jkpg.dlf_years_to_full, Some(DlfYears::Years(14)));
        assert_eq!(
            t.get("07").unwrap().dlf_years_to_full,
            Some(DlfYears::Never)
        );
        assert_eq!(t.get("25").unwrap().specialists_headcount, None);
        assert_eq!(t.get("03").unwrap().scope, CountScope::PublicOnly);
    }

    /// The ages the regions stated (SOURCES.md): Kronoberg 27 of 86 aged 58 or over,
    /// Västra Götaland about a fifth 60 or over, Uppsala a third over 60; nobody else.
    #[test]
    fn builtin_table_has_the_stated_ages() {
        let t = RegionTable::builtin();
        let tail = |code: &str| t.get(code).unwrap().age_tail;
        let kronoberg = tail("07").unwrap();
        assert_eq!(kronoberg.threshold_age, 58);
        assert!((kronoberg.share_at_or_over - 27.0 / 86.0).abs() < 0.005);
        let stated_as = |code: &str| tail(code).map(|t| (t.threshold_age, t.share_at_or_over));
        assert_eq!(stated_as("14"), Some((60, 0.2)));
        assert_eq!(stated_as("03"), Some((61, 0.33)));
        let stated = t.regions.iter().filter(|r| r.age_tail.is_some()).count();
        assert_eq!(stated, 3);
    }

    /// A table without the age columns (written before they existed) still reads;
    /// half an age statement, an age outside the model's or a share of 0 or 1 does not.
    #[test]
    fn age_columns_optional_and_checked() {
        let strip = |text: &str| -> String {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes());
            let mut writer = csv::Writer::from_writer(vec![]);
            for record in reader.records() {
                let mut cells: Vec<String> = record.unwrap().iter().map(String::from).collect();
                cells.drain(14..16);
                writer.write_record(&cells).unwrap();
            }
            String::from_utf8(writer.into_inner().unwrap()).unwrap()
        };
        let old = RegionTable::parse(&strip(BUILTIN_CSV), "old.csv").unwrap();
        assert!(old.regions.iter().all(|r| r.age_tail.is_none()));
        assert_eq!(old.regions.len(), 21);
        let kronoberg = BUILTIN_CSV.lines().find(|l| l.starts_with("07,")).unwrap();
        for (to, column) in [
            (",58,,", "age_share_at_or_over"),
            (",,0.31,", "age_threshold"),
            (",24,0.31,", "age_threshold"),
            (",76,0.31,", "age_threshold"),
            (",58.5,0.31,", "age_threshold"),
        ] {
            let changed = kronoberg.replacen(",58,0.31,", to, 1);
            assert_ne!(changed, kronoberg, "{to}");
            let text = BUILTIN_CSV.replacen(kronoberg, &changed, 1);
            let e = RegionTable::parse(&text, "x.csv").unwrap_err().to_string();
            assert!(e.contains(column) && e.contains("x.csv"), "{e}");
        }
        for share in ["0", "1", "1.2", "-0.1"] {
            let line = BUILTIN_CSV.lines().find(|l| l.starts_with("14,")).unwrap();
            let changed = line.replacen(",60,0.20,", &format!(",60,{share},"), 1);
            assert_ne!(changed, line);
            let e = RegionTable::parse(&BUILTIN_CSV.replacen(line, &changed, 1), "x.csv")
                .unwrap_err()
                .to_string();
            assert!(e.contains("age_share_at_or_over"), "{e}");
        }
    }

    #[test]
    fn growth_column_agrees_with_populations() {
        for r in RegionTable::builtin().regions {
            let g = (r.population_2023 / r.population_2018).powf(0.2) - 1.0;
            assert!(
                (g - r.growth_per_year).abs() < 6e-6,
                "{}: {g} vs {}",
                r.name,
                r.growth_per_year
            );
        }
    }

    #[test]
    fn bad_cell_names_line_and_column() {
        let bad = BUILTIN_CSV.replacen("2454821", "24x4821", 1);
        let e = RegionTable::parse(&bad, "x.csv").unwrap_err().to_string();
        assert!(
            e.contains("x.csv") && e.contains("line 2") && e.contains("population_2023"),
            "{e}"
        );
        let bad = BUILTIN_CSV.replacen(",total,650,", ",all,650,", 1);
        let e = RegionTable::parse(&bad, "x.csv").unwrap_err().to_string();
        assert!(e.contains("specialists_scope"), "{e}");
        let short = format!("{}\n99,Nowhere,1\n", BUILTIN_CSV.trim_end());
        let e = RegionTable::parse(&short, "x.csv").unwrap_err().to_string();
        assert!(e.contains("line 23") && e.contains("malformed"), "{e}");
    }
}
