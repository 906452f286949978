//! The `regions` command: the regional data as a table.

use crate::data::{CountScope, RegionTable};

pub fn render(table: &RegionTable) -> String {
    use std::fmt::Write;
    let mut s = format!("data: {}\n", table.source);
    let _ = writeln!(
        s,
        "{:<4} {:<20} {:>10} {:>8} {:>7} {:>6} {:>5} {:<11} {:>6} {:>7} {:>6}",
        "code",
        "region",
        "pop 2023",
        "growth",
        "heads",
        "FTE",
        "ratio",
        "scope",
        "ST",
        "inh/FTE",
        "target"
    );
    let num =
        |x: Option<f64>, prec: usize| x.map_or_else(|| "-".to_string(), |v| format!("{v:.prec$}"));
    for r in &table.regions {
        let ratio = r.fte_ratio();
        let fte = r
            .specialists_fte
            .or_else(|| Some(r.specialists_headcount? * ratio?));
        let scope = match r.scope {
            CountScope::Total => "total",
            CountScope::PublicOnly => "public_only",
        };
        let _ = writeln!(
            s,
            "{:<4} {:<20} {:>10.0} {:>7.2}% {:>7} {:>6} {:>5} {:<11} {:>6.1} {:>7} {:>6}",
            r.code,
            r.name,
            r.population_2023,
            100.0 * r.growth_per_year,
            num(r.specialists_headcount, 1),
            num(fte, 0),
            num(ratio, 2),
            scope,
            r.st_trainees,
            num(fte.map(|f| r.population_2023 / f), 0),
            r.policy_target_year
                .map_or_else(|| "-".to_string(), |y| y.to_string()),
        );
    }
    let _ = writeln!(
        s,
        "{} regions, {:.0} inhabitants",
        table.regions.len(),
        table.total_population()
    );
    s
}
