//! The summary as named, typed columns: one description that both the Parquet and the
//! CSV writer follow, so the two files cannot drift apart.

use super::parquet::QUANTILE_COLUMNS;
use crate::summary::SummaryRow;

pub enum Values {
    Str(Vec<String>),
    Int(Vec<Option<i32>>),
    Float(Vec<Option<f64>>),
}

pub struct Col {
    pub name: String,
    pub values: Values,
    /// Whether the column may hold nulls (its schema says so even when it holds none).
    pub nullable: bool,
}

impl Values {
    /// The cell of row `i` as CSV text; null is the empty string.
    pub fn cell(&self, i: usize) -> String {
        match self {
            Values::Str(v) => v[i].clone(),
            Values::Int(v) => v[i].map_or_else(String::new, |x| x.to_string()),
            Values::Float(v) => v[i].map_or_else(String::new, |x| x.to_string()),
        }
    }
}

/// Column names of the summary's comparison and cost block, per checkpoint year.
pub fn delta_prob_column(year: i32) -> String {
    format!("delta_prob_by_{year}")
}
pub const COST_STATS: [&str; 4] = ["mean", "p05", "p50", "p95"];
pub fn extra_cost_column(stat: &str, year: i32) -> String {
    format!("extra_cost_msek_{stat}_by_{year}")
}

/// The coverage's quantile columns at a checkpoint, in `summary::LEVELS` order.
pub const COVERAGE_QUANTILES: [&str; 5] = ["p05", "p25", "p50", "p75", "p95"];
pub fn coverage_column(stat: &str, year: i32) -> String {
    format!("coverage_{stat}_{year}")
}

/// Every column of `summary.parquet` / `summary.csv`, in order.
pub fn summary_columns(rows: &[SummaryRow], checkpoints: &[i32]) -> Vec<Col> {
    let col = |name: &str, values: Values, nullable: bool| Col {
        name: name.to_string(),
        values,
        nullable,
    };
    let strs = |f: &dyn Fn(&SummaryRow) -> &str| {
        Values::Str(rows.iter().map(|r| f(r).to_string()).collect())
    };
    let floats =
        |f: &dyn Fn(&SummaryRow) -> Option<f64>| Values::Float(rows.iter().map(f).collect());
    let mut cols = vec![
        col("scenario", strs(&|r| &r.scenario), false),
        col("region_code", strs(&|r| &r.region_code), false),
        col("region", strs(&|r| &r.region), false),
        col(
            "runs",
            Values::Int(rows.iter().map(|r| Some(r.years.runs as i32)).collect()),
            false,
        ),
    ];
    for (i, name) in QUANTILE_COLUMNS.iter().enumerate() {
        cols.push(col(name, floats(&|r| r.years.q[i]), true));
    }
    cols.push(col(
        "share_never",
        floats(&|r| Some(r.years.share_never)),
        false,
    ));
    cols.push(col(
        "share_fell_back",
        floats(&|r| Some(r.share_fell_back)),
        false,
    ));
    cols.push(col("q_clamped", floats(&|r| r.q_clamped), true));
    for (i, y) in checkpoints.iter().enumerate() {
        cols.push(col(
            &format!("prob_by_{y}"),
            floats(&|r| Some(r.prob_by[i].1)),
            false,
        ));
    }
    for (i, y) in checkpoints.iter().enumerate() {
        cols.push(col(
            &coverage_column("mean", *y),
            floats(&|r| Some(r.coverage_at[i].mean)),
            false,
        ));
    }
    for (k, stat) in COVERAGE_QUANTILES.iter().enumerate() {
        for (i, y) in checkpoints.iter().enumerate() {
            cols.push(col(
                &coverage_column(stat, *y),
                floats(&|r| Some(r.coverage_at[i].q[k])),
                false,
            ));
        }
    }
    cols.push(col(
        "policy_target_year",
        Values::Int(rows.iter().map(|r| r.policy_target_year).collect()),
        true,
    ));
    cols.push(col(
        "prob_by_policy_target",
        floats(&|r| r.prob_by_policy_target),
        true,
    ));
    cols.push(col(
        "delta_p50_years",
        floats(&|r| r.vs_baseline.delta_p50_years),
        true,
    ));
    for (i, y) in checkpoints.iter().enumerate() {
        cols.push(col(
            &delta_prob_column(*y),
            floats(&|r| Some(r.vs_baseline.delta_prob_by[i])),
            false,
        ));
    }
    for stat in COST_STATS {
        for (i, y) in checkpoints.iter().enumerate() {
            cols.push(col(
                &extra_cost_column(stat, *y),
                floats(&|r| {
                    let c = r.vs_baseline.extra_cost[i];
                    Some(match stat {
                        "mean" => c.mean,
                        "p05" => c.p05,
                        "p50" => c.p50,
                        _ => c.p95,
                    })
                }),
                false,
            ));
        }
    }
    cols
}
