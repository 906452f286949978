//! The age pyramid of a region: its specialists in primary care by age in the base
//! year beside a checkpoint, read back from `ages.parquet`.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{column_err, font, read, titled, upper_left_legend, RegionChart, BAND};
use crate::error::Error;
use crate::lang::{Lang, Text};
use crate::output::AGES_FILE;

/// One region's pyramid: mean heads by age in two years, and the later year's 5-95 %
/// range over runs.
#[derive(Debug, Clone)]
pub(super) struct Pyramid {
    pub(super) base_year: i32,
    pub(super) year: i32,
    /// `(age, mean)` in the base year.
    pub(super) base: Vec<(i32, f64)>,
    /// `(age, mean, p05, p95)` in `year`.
    pub(super) later: Vec<(i32, f64, f64, f64)>,
}

/// The later year a pyramid shows: the first kept year at least ten years after the
/// base year (2035 with the default checkpoints), else the last.
fn later_year(years: &[i32]) -> Option<i32> {
    let base = *years.iter().min()?;
    years
        .iter()
        .copied()
        .filter(|&y| y >= base + 10)
        .min()
        .or_else(|| years.iter().copied().filter(|&y| y > base).max())
}

/// Fills each region's pyramid from the folder's `ages.parquet`, where there is one
/// (a `dlf` run, or a folder written before it existed, has none).
pub(super) fn load(dir: &Path, regions: &mut [RegionChart]) -> Result<(), Error> {
    if !dir.join(AGES_FILE).is_file() {
        return Ok(());
    }
    let df = read(dir, AGES_FILE)?;
    let e = |x| column_err(dir, AGES_FILE, x);
    let strs = |c: &str| df.column(c).and_then(|c| c.str().cloned()).map_err(e);
    let i32s = |c: &str| df.column(c).and_then(|c| c.i32().cloned()).map_err(e);
    let f64s = |c: &str| df.column(c).and_then(|c| c.f64().cloned()).map_err(e);
    let (scenario, code) = (strs("scenario")?, strs("region_code")?);
    let (year, age) = (i32s("year")?, i32s("age")?);
    let (mean, p05, p95) = (f64s("mean")?, f64s("p05")?, f64s("p95")?);
    let mut years: Vec<i32> = (0..df.height()).filter_map(|i| year.get(i)).collect();
    years.sort_unstable();
    years.dedup();
    let (Some(&base_year), Some(later)) = (years.first(), later_year(&years)) else {
        return Ok(());
    };
    for r in regions.iter_mut() {
        let mut p = Pyramid {
            base_year,
            year: later,
            base: Vec::new(),
            later: Vec::new(),
        };
        for i in 0..df.height() {
            if scenario.get(i) != Some(crate::config::BASELINE_SCENARIO)
                || code.get(i) != Some(r.code.as_str())
            {
                continue;
            }
            let (y, a) = (
                year.get(i).unwrap_or_default(),
                age.get(i).unwrap_or_default(),
            );
            let m = mean.get(i).unwrap_or(0.0);
            if y == base_year {
                p.base.push((a, m));
            } else if y == later {
                let q = (p05.get(i).unwrap_or(0.0), p95.get(i).unwrap_or(0.0));
                p.later.push((a, m, q.0, q.1));
            }
        }
        if !p.base.is_empty() {
            r.pyramid = Some(p);
        }
    }
    Ok(())
}

const BASE: RGBColor = RGBColor(150, 150, 150);

/// Back to back: the base year's mean heads by age to the left, the later year's to the
/// right with its 5-95 % range over runs as a line.
pub(super) fn pyramid_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &RegionChart,
    p: &Pyramid,
    lang: Lang,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let title = lang.fill(Text::AgesTitle, &[&r.name]);
    let subtitle = lang.fill(Text::AgesSubtitle, &[&p.base_year, &p.year, &p.year]);
    let body = titled(root, &title, &subtitle)?;
    let top = p
        .base
        .iter()
        .map(|b| b.1)
        .chain(p.later.iter().map(|l| l.3))
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.05;
    let (a0, a1) = (25.0 - 0.5, 75.0 + 0.5);
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .margin_top(4)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(-top..top, a0..a1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(lang.get(Text::AgesAxis))
        .y_desc(lang.get(Text::Age))
        .x_label_formatter(&|x| lang.number(x.abs(), 0))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(font(14))
        .axis_desc_style(font(16))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    let bar = |x0: f64, x1: f64, age: i32| {
        let a = f64::from(age);
        [(x0, a - 0.4), (x1, a + 0.4)]
    };
    chart
        .draw_series(
            p.base
                .iter()
                .map(|&(a, m)| Rectangle::new(bar(-m, 0.0, a), BASE.mix(0.7).filled())),
        )
        .map_err(e)?
        .label(format!("{}", p.base_year))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BASE.mix(0.7).filled()));
    chart
        .draw_series(
            p.later
                .iter()
                .map(|&(a, m, _, _)| Rectangle::new(bar(0.0, m, a), BAND.mix(0.6).filled())),
        )
        .map_err(e)?
        .label(lang.fill(Text::MeanOf, &[&p.year]))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BAND.mix(0.6).filled()));
    chart
        .draw_series(p.later.iter().filter(|l| l.3 > 0.0).map(|&(a, _, lo, hi)| {
            PathElement::new(
                vec![(lo, f64::from(a)), (hi, f64::from(a))],
                BLACK.stroke_width(1),
            )
        }))
        .map_err(e)?
        .label(lang.fill(Text::BandIn, &[&p.year]))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(1)));
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, a0), (0.0, a1)],
            BLACK.mix(0.6).stroke_width(1),
        )))
        .map_err(e)?;
    upper_left_legend(&mut chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_later_year_is_ten_years_on() {
        assert_eq!(later_year(&[2023, 2030, 2035, 2040, 2050]), Some(2035));
        assert_eq!(later_year(&[2023, 2030]), Some(2030));
        assert_eq!(later_year(&[2023]), None);
    }
}
