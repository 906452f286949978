//! DLF's published method beside its published table: the `dlf` command.

use crate::data::{DlfYears, Region, RegionTable};
use crate::model::{run_dlf, DlfInputs, Trajectory, STOCKS};

/// Horizon long enough for DLF's slowest finite answer (Gävleborg, 298 years).
pub const DLF_HORIZON_YEARS: u32 = 400;

#[derive(Debug, Clone)]
pub struct DlfRow {
    pub code: String,
    pub region: String,
    pub inputs: Option<DlfInputs>,
    /// DLF's closed form `(need - S) / gain`, unrounded; None = never.
    pub formula_years: Option<f64>,
    /// First whole year at `S >= need` in the yearly recursion; None = never.
    pub model_years: Option<u32>,
    pub published: Option<DlfYears>,
    /// Whether the model reproduces the published figure; None where none is published.
    pub matches: Option<bool>,
}

/// The match rule of MODEL.md: `never` for `never`; otherwise within 1 year, or within
/// 10 percent (Gävleborg's 298 rests on unrounded inputs DLF did not publish).
pub fn reproduces(model_years: Option<u32>, published: DlfYears) -> bool {
    match (model_years, published) {
        (None, DlfYears::Never) => true,
        (Some(m), DlfYears::Years(p)) => {
            let diff = (f64::from(m) - f64::from(p)).abs();
            diff <= 1.0 || diff <= 0.1 * f64::from(p)
        }
        _ => false,
    }
}

pub fn dlf_row(region: &Region) -> DlfRow {
    let inputs = DlfInputs::of(region);
    let model_years = inputs.map(|inp| {
        let years = DLF_HORIZON_YEARS as usize + 1;
        let mut buf = vec![0.0; STOCKS * years];
        run_dlf(
            &inp,
            DLF_HORIZON_YEARS,
            &mut Trajectory::new(years, &mut buf),
        )
    });
    DlfRow {
        code: region.code.clone(),
        region: region.name.clone(),
        inputs,
        formula_years: inputs.and_then(|i| i.formula_years()),
        model_years: model_years.flatten(),
        published: region.dlf_years_to_full,
        matches: match (model_years, region.dlf_years_to_full) {
            (Some(m), Some(p)) => Some(reproduces(m, p)),
            _ => None,
        },
    }
}

pub fn dlf_table(table: &RegionTable) -> Vec<DlfRow> {
    table.regions.iter().map(dlf_row).collect()
}

/// The table as text, one region a line.
pub fn render(rows: &[DlfRow]) -> String {
    use std::fmt::Write;
    let mut s = format!(
        "{:<4} {:<20} {:>6} {:>6} {:>6} {:>7} {:>8} {:>9} {:>6} {:>9}  {}\n",
        "code",
        "region",
        "need",
        "S",
        "ST",
        "ST_bal",
        "gain/yr",
        "formula",
        "model",
        "published",
        "match"
    );
    let years = |y: Option<u32>| y.map_or_else(|| "never".to_string(), |y| y.to_string());
    for r in rows {
        let Some(i) = r.inputs else {
            let _ = writeln!(
                s,
                "{:<4} {:<20} {:>6} (no DLF figures: public-only count)",
                r.code, r.region, ""
            );
            continue;
        };
        let formula = r
            .formula_years
            .map_or_else(|| "never".to_string(), |y| format!("{y:.1}"));
        let published = match r.published {
            Some(DlfYears::Years(y)) => y.to_string(),
            Some(DlfYears::Never) => "never".into(),
            None => "-".into(),
        };
        let mark = match r.matches {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        let _ = writeln!(
            s,
            "{:<4} {:<20} {:>6.0} {:>6.1} {:>6.1} {:>7.1} {:>8.2} {:>9} {:>6} {:>9}  {}",
            r.code,
            r.region,
            i.need,
            i.specialists,
            i.trainees,
            i.st_balance(),
            i.gain_per_year(),
            formula,
            years(r.model_years),
            published,
            mark
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_rule() {
        assert!(reproduces(Some(15), DlfYears::Years(14)));
        assert!(!reproduces(Some(16), DlfYears::Years(14)));
        assert!(reproduces(Some(276), DlfYears::Years(298)));
        assert!(!reproduces(Some(260), DlfYears::Years(298)));
        assert!(reproduces(None, DlfYears::Never));
        assert!(!reproduces(Some(300), DlfYears::Never));
        assert!(!reproduces(None, DlfYears::Years(40)));
    }
}
