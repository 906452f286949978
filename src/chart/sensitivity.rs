//! Charts of `sensitivity.parquet`: a tornado per region (parameters by total-order
//! index, first order inside, bootstrap intervals as whiskers) and one heat-map of
//! regions x parameters (total order) per scenario. Indices are drawn on a fixed 0..1
//! scale so regions compare at a glance.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, font, heat, register_font, Format, BAND, POLICY};
use crate::error::Error;
use crate::lang::{Lang, Text};
use crate::params::Param;
use crate::sensitivity::Row;

/// Light fill of the total-order bar; the first-order bar uses `BAND`.
const TOTAL: RGBColor = RGBColor(158, 196, 230);

/// One region's rows, in the order they were written.
struct Unit<'a> {
    code: &'a str,
    name: &'a str,
    rows: Vec<&'a Row>,
}

fn units<'a>(rows: &[&'a Row]) -> Vec<Unit<'a>> {
    let mut out: Vec<Unit<'a>> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|u| u.code == r.region_code) {
            Some(u) => u.rows.push(r),
            None => out.push(Unit {
                code: &r.region_code,
                name: &r.region,
                rows: vec![r],
            }),
        }
    }
    out
}

/// What the output is, in words for a title.
pub(crate) fn output_words(lang: Lang, output: &str) -> String {
    match output.strip_prefix("coverage_at:") {
        Some(year) => lang.fill(Text::CoverageIn, &[&year]),
        None => lang.get(Text::YearsToTarget).into(),
    }
}

/// Draws the tornado charts and heat-map of every scenario; returns the files.
pub fn draw_sensitivity(
    rows: &[Row],
    out_dir: &Path,
    format: Format,
    lang: Lang,
) -> Result<Vec<PathBuf>, Error> {
    register_font();
    crate::output::prepare_charts_dir(out_dir)?;
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    let mut written = Vec::new();
    for sc in scenarios {
        let of: Vec<&Row> = rows.iter().filter(|r| r.scenario == sc).collect();
        let units = units(&of);
        for u in &units {
            let height = 150 + 46 * u.rows.len() as u32;
            emit!(
                out_dir,
                format!("sensitivity_{sc}_{}", u.code),
                (960, height),
                format,
                written,
                |root| tornado(root, sc, u, lang)
            );
        }
        emit!(
            out_dir,
            format!("sensitivity_{sc}_heatmap"),
            (1500, 170 + 34 * units.len() as u32),
            format,
            written,
            |root| heatmap(root, sc, &units, lang)
        );
    }
    Ok(written)
}

fn tornado<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scenario: &str,
    u: &Unit<'_>,
    lang: Lang,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (head, body) = root.split_vertically(70);
    let (w, _) = head.dim_in_pixel();
    let center = Pos::new(HPos::Center, VPos::Top);
    let first = u.rows[0];
    head.draw_text(
        &lang.fill(
            Text::SensitivityTitle,
            &[
                &u.name,
                &output_words(lang, &first.output),
                &lang.scenario(scenario),
            ],
        ),
        &font(22).pos(center),
        (w as i32 / 2, 8),
    )
    .map_err(e)?;
    head.draw_text(
        &lang.fill(Text::SensitivitySubtitle, &[&first.samples]),
        &font(14).color(&POLICY).pos(center),
        (w as i32 / 2, 40),
    )
    .map_err(e)?;

    let mut rows: Vec<&Row> = u.rows.clone();
    let st = |r: &Row| r.indices.map_or(-1.0, |i| i.total_order.estimate);
    rows.sort_by(|a, b| st(b).total_cmp(&st(a)));
    let n = rows.len() as f64;
    // Names in their own column, so the axis has no ticks under them.
    let (names, plot) = body.split_horizontally(250);
    let mut chart = ChartBuilder::on(&plot)
        .margin(16)
        .margin_top(0)
        .margin_left(0)
        .x_label_area_size(44)
        .y_label_area_size(0)
        .build_cartesian_2d(0f64..1.0, 0f64..n)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc(lang.get(Text::SobolAxis))
        .x_labels(11)
        .x_label_formatter(&|x| lang.number(*x, 1))
        .label_style(font(14))
        .axis_desc_style(font(15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    let left = font(15).pos(Pos::new(HPos::Left, VPos::Center));
    let top = names.get_base_pixel().1;
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1.0 - i as f64;
        let (_, py) = chart.backend_coord(&(0.0, y + 0.5));
        // English names the config's own keys; Swedish, the words.
        let name = match lang {
            Lang::En => r.parameter.name().to_string(),
            Lang::Sv => lang.param_words(r.parameter),
        };
        names.draw_text(&name, &left, (20, py - top)).map_err(e)?;
        let Some(ind) = r.indices else {
            continue;
        };
        let clip = |x: f64| x.clamp(0.0, 1.0);
        let (t, f) = (ind.total_order, ind.first_order);
        chart
            .draw_series([
                Rectangle::new(
                    [(0.0, y + 0.12), (clip(t.estimate), y + 0.88)],
                    TOTAL.filled(),
                ),
                Rectangle::new(
                    [(0.0, y + 0.32), (clip(f.estimate), y + 0.68)],
                    BAND.filled(),
                ),
            ])
            .map_err(e)?;
        for (iv, at) in [(t, y + 0.8), (f, y + 0.5)] {
            let (lo, hi) = (clip(iv.lo), clip(iv.hi));
            chart
                .draw_series([
                    PathElement::new(vec![(lo, at), (hi, at)], BLACK.stroke_width(2)),
                    PathElement::new(
                        vec![(lo, at - 0.08), (lo, at + 0.08)],
                        BLACK.stroke_width(2),
                    ),
                    PathElement::new(
                        vec![(hi, at - 0.08), (hi, at + 0.08)],
                        BLACK.stroke_width(2),
                    ),
                ])
                .map_err(e)?;
        }
    }
    Ok(())
}

fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scenario: &str,
    units: &[Unit<'_>],
    lang: Lang,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let mut params: Vec<Param> = units
        .iter()
        .flat_map(|u| u.rows.iter().map(|r| r.parameter))
        .collect();
    params.sort();
    params.dedup();
    let output = units
        .first()
        .and_then(|u| u.rows.first())
        .map_or_else(String::new, |r| output_words(lang, &r.output));
    let (w, _) = root.dim_in_pixel();
    root.draw_text(
        &lang.fill(Text::HeatmapTitle, &[&output, &lang.scenario(scenario)]),
        &font(22).pos(Pos::new(HPos::Center, VPos::Top)),
        (w as i32 / 2, 10),
    )
    .map_err(e)?;
    root.draw_text(
        lang.get(Text::HeatmapSubtitle),
        &font(14)
            .color(&POLICY)
            .pos(Pos::new(HPos::Center, VPos::Top)),
        (w as i32 / 2, 40),
    )
    .map_err(e)?;
    let (_, body) = root.split_vertically(66);
    let (cols, rows) = (params.len() as f64, units.len() as f64);
    let (names, grid) = body.split_horizontally(260);
    let mut chart = ChartBuilder::on(&grid)
        .margin(16)
        .margin_left(0)
        .margin_top(48)
        .x_label_area_size(0)
        .y_label_area_size(0)
        .build_cartesian_2d(0f64..cols, 0f64..rows)
        .map_err(e)?;
    let left = font(14).pos(Pos::new(HPos::Left, VPos::Center));
    let mid = Pos::new(HPos::Center, VPos::Center);
    let top = names.get_base_pixel().1;
    for (i, u) in units.iter().enumerate() {
        let y = rows - 1.0 - i as f64;
        let (_, py) = chart.backend_coord(&(0.0, y + 0.5));
        names.draw_text(u.name, &left, (20, py - top)).map_err(e)?;
        for (k, p) in params.iter().enumerate() {
            let x = k as f64;
            let cell = [(x + 0.03, y + 0.06), (x + 0.97, y + 0.94)];
            let st = u
                .rows
                .iter()
                .find(|r| r.parameter == *p)
                .and_then(|r| r.indices)
                .map(|i| i.total_order.estimate);
            match st {
                Some(v) => {
                    let colour = if v > 0.55 { WHITE } else { BLACK };
                    chart
                        .draw_series([Rectangle::new(cell, heat(v).filled())])
                        .map_err(e)?;
                    chart
                        .draw_series(std::iter::once(plotters::element::Text::new(
                            lang.number(v, 2),
                            (x + 0.5, y + 0.5),
                            font(13).color(&colour).pos(mid),
                        )))
                        .map_err(e)?;
                }
                None => {
                    chart
                        .draw_series([Rectangle::new(cell, RGBColor(240, 240, 240).filled())])
                        .map_err(e)?;
                }
            }
        }
    }
    // Column heads above the grid, two short lines each.
    let head = font(13).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (k, p) in params.iter().enumerate() {
        let [a, b] = lang.param_label(*p);
        let (px, py) = chart.backend_coord(&(k as f64 + 0.5, rows));
        root.draw_text(a, &head, (px, py - 22)).map_err(e)?;
        root.draw_text(b, &head, (px, py - 6)).map_err(e)?;
    }
    Ok(())
}
