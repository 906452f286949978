//! Charts (plotters), drawn from the Parquet files alone, so `run` and `plot` make
//! the same set. Every chart is drawn by one function generic over the backend and
//! written as PNG (for documents) and SVG (for editing).
//!
//! Text uses DejaVu Sans compiled into the binary (assets/fonts, with its licence),
//! registered with plotters' ab_glyph renderer: charts look the same on a machine
//! with no system fonts.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::*;
use rayon::prelude::*;

use crate::error::Error;
use crate::lang::{Lang, Text};
use crate::output::{BANDS_FILE, SUMMARY_FILE};
use crate::simulate::Metric;

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES)
            .unwrap_or_else(|_| panic!("the shipped font is valid"));
    });
}

/// Which files to write for each chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Png,
    Svg,
    Both,
}

/// The metric a fan chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum FanMetric {
    Coverage,
    InhabitantsPerFte,
    SpecialistsFte,
    OutsidePrimaryCare,
    Retirements,
}

impl FanMetric {
    fn column_value(self) -> &'static str {
        match self {
            FanMetric::Coverage => "coverage",
            FanMetric::InhabitantsPerFte => "inhabitants_per_fte",
            FanMetric::SpecialistsFte => "specialists_fte",
            FanMetric::OutsidePrimaryCare => "outside_primary_care",
            FanMetric::Retirements => "retirements",
        }
    }

    /// Output values are shown in these units (coverage as percent).
    fn scale(self) -> f64 {
        match self {
            FanMetric::Coverage => 100.0,
            _ => 1.0,
        }
    }

    fn title(self, lang: Lang) -> &'static str {
        lang.get(match self {
            FanMetric::Coverage => Text::CoverageTitle,
            FanMetric::InhabitantsPerFte => Text::InhabitantsTitle,
            FanMetric::SpecialistsFte => Text::FteTitle,
            FanMetric::OutsidePrimaryCare => Text::OutsideTitle,
            FanMetric::Retirements => Text::RetirementsTitle,
        })
    }

    fn axis(self, lang: Lang) -> &'static str {
        lang.get(match self {
            FanMetric::Coverage => Text::CoverageAxis,
            FanMetric::InhabitantsPerFte => Text::InhabitantsAxis,
            FanMetric::SpecialistsFte => Text::FteAxis,
            FanMetric::OutsidePrimaryCare => Text::OutsideAxis,
            FanMetric::Retirements => Text::RetirementsAxis,
        })
    }

    /// The level that means "target met", where the metric has one.
    fn target(self, lang: Lang) -> Option<(f64, &'static str)> {
        match self {
            FanMetric::Coverage => Some((100.0, lang.get(Text::CoverageTarget))),
            FanMetric::InhabitantsPerFte => Some((1100.0, lang.get(Text::InhabitantsTarget))),
            FanMetric::SpecialistsFte | FanMetric::OutsidePrimaryCare | FanMetric::Retirements => {
                None
            }
        }
    }
}

/// One year of a band: quantiles in `summary::LEVELS` order.
#[derive(Debug, Clone, Copy)]
struct BandYear {
    year: i32,
    q: [f64; 5],
}

/// What the charts need of one region (or Sverige).
#[derive(Debug, Clone)]
struct RegionChart {
    code: String,
    name: String,
    bands: Vec<BandYear>,
    years_q: [Option<f64>; 5],
    share_never: f64,
    policy_target_year: Option<i32>,
    prob_by_policy_target: Option<f64>,
    /// Share of runs at target by each year (index = years from the first year).
    prob_by_year: Vec<f64>,
    /// Its specialists by age, where the folder has `ages.parquet`.
    pyramid: Option<ages::Pyramid>,
}

/// A scenario's bands, aligned with `ChartData::regions`.
#[derive(Debug, Clone)]
struct ScenarioBands {
    name: String,
    bands: Vec<Vec<BandYear>>,
}

/// The chart inputs read back from a results folder. Every chart but the scenario
/// comparison shows the baseline.
#[derive(Debug, Clone)]
pub struct ChartData {
    metric: FanMetric,
    lang: Lang,
    regions: Vec<RegionChart>,
    /// The baseline's bands again, then each scenario's, when there are scenarios.
    scenarios: Vec<ScenarioBands>,
    first_year: i32,
    last_year: i32,
}

fn read(dir: &Path, file: &str) -> Result<DataFrame, Error> {
    crate::output::read_frame(&dir.join(file))
}

fn column_err(dir: &Path, file: &str, e: PolarsError) -> Error {
    Error::Parquet {
        path: dir.join(file),
        source: e,
    }
}

impl ChartData {
    /// Reads `bands.parquet` and `summary.parquet` of a results folder, for charts in
    /// `lang`.
    pub fn load(dir: &Path, metric: FanMetric, lang: Lang) -> Result<Self, Error> {
        let bands = read(dir, BANDS_FILE)?;
        let be = |e| column_err(dir, BANDS_FILE, e);
        let baseline = crate::config::BASELINE_SCENARIO;
        let mut regions: Vec<RegionChart> = crate::output::read_summary(&dir.join(SUMMARY_FILE))?
            .into_iter()
            .filter(|row| row.scenario == baseline)
            .map(|row| RegionChart {
                code: row.region_code,
                name: row.region,
                bands: Vec::new(),
                years_q: row.years.q,
                share_never: row.years.share_never,
                policy_target_year: row.policy_target_year,
                prob_by_policy_target: row.prob_by_policy_target,
                prob_by_year: Vec::new(),
                pyramid: None,
            })
            .collect();

        let b_code = bands
            .column("region_code")
            .and_then(|c| c.str().cloned())
            .map_err(be)?;
        let b_scenario = bands
            .column("scenario")
            .and_then(|c| c.str().cloned())
            .map_err(be)?;
        let mut scenarios: Vec<ScenarioBands> = Vec::new();
        let b_metric = bands
            .column("metric")
            .and_then(|c| c.str().cloned())
            .map_err(be)?;
        let b_year = bands
            .column("year")
            .and_then(|c| c.i32().cloned())
            .map_err(be)?;
        let bq: Vec<Float64Chunked> = ["p05", "p25", "p50", "p75", "p95"]
            .iter()
            .map(|c| bands.column(c).and_then(|c| c.f64().cloned()))
            .collect::<Result<_, _>>()
            .map_err(be)?;
        let scale = metric.scale();
        for i in 0..bands.height() {
            if b_metric.get(i) != Some(metric.column_value()) {
                continue;
            }
            let Some(k) = regions
                .iter()
                .position(|r| Some(r.code.as_str()) == b_code.get(i))
            else {
                continue;
            };
            let band = BandYear {
                year: b_year.get(i).unwrap_or_default(),
                q: std::array::from_fn(|k| bq[k].get(i).unwrap_or(f64::NAN) * scale),
            };
            let name = b_scenario.get(i).unwrap_or_default();
            if name == baseline {
                regions[k].bands.push(band);
            }
            let sc = match scenarios.iter().position(|s| s.name == name) {
                Some(j) => j,
                None => {
                    scenarios.push(ScenarioBands {
                        name: name.to_string(),
                        bands: vec![Vec::new(); regions.len()],
                    });
                    scenarios.len() - 1
                }
            };
            scenarios[sc].bands[k].push(band);
        }
        if scenarios.len() < 2 {
            scenarios.clear();
        }
        let years: Vec<i32> = regions
            .iter()
            .flat_map(|r| r.bands.iter().map(|b| b.year))
            .collect();
        let first_year = years.iter().copied().min().unwrap_or(0);
        let last_year = years.iter().copied().max().unwrap_or(0);

        // P(target reached by year): the mean of the `reached` band.
        let b_mean = bands
            .column("mean")
            .and_then(|c| c.f64().cloned())
            .map_err(be)?;
        let span = (last_year - first_year + 1).max(1) as usize;
        for r in regions.iter_mut() {
            r.prob_by_year = vec![0.0; span];
        }
        for i in 0..bands.height() {
            if b_metric.get(i) != Some(Metric::Reached.name())
                || b_scenario.get(i) != Some(baseline)
            {
                continue;
            }
            let Some(k) = regions
                .iter()
                .position(|r| Some(r.code.as_str()) == b_code.get(i))
            else {
                continue;
            };
            let t = (b_year.get(i).unwrap_or(first_year) - first_year).max(0) as usize;
            if let Some(p) = regions[k].prob_by_year.get_mut(t) {
                *p = b_mean.get(i).unwrap_or(f64::NAN);
            }
        }
        ages::load(dir, &mut regions)?;
        Ok(ChartData {
            metric,
            lang,
            regions,
            scenarios,
            first_year,
            last_year,
        })
    }

    /// Regions sorted by median years to target, censored medians last by share never.
    fn by_median(&self) -> Vec<&RegionChart> {
        let mut rows: Vec<&RegionChart> = self.regions.iter().collect();
        rows.sort_by(|a, b| {
            let key = |r: &RegionChart| (r.years_q[2].unwrap_or(f64::INFINITY), r.share_never);
            key(a)
                .partial_cmp(&key(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        rows
    }

    fn horizon(&self) -> f64 {
        f64::from(self.last_year - self.first_year)
    }
}

/// Every chart of a results folder, PNG and SVG, into its `charts/`: what `run` and
/// `merge` draw before they commit the folder (`output::WriteOptions::charts`).
pub fn draw_results(dir: &Path, lang: Lang) -> Result<(), Error> {
    let data = ChartData::load(dir, FanMetric::Coverage, lang)?;
    draw_all(&data, &dir.join(crate::output::CHARTS_DIR), Format::Both).map(drop)
}

/// A chart drawn into a string of SVG.
type SvgArea<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// One region's charts as SVG text, for its report: drawn in memory, so the folder's
/// `charts/` (perhaps in another language) stay as they are.
#[derive(Debug, Clone)]
pub struct RegionSvgs {
    pub name: String,
    pub coverage: String,
    pub pyramid: Option<String>,
    pub outside: String,
    pub retirements: String,
    /// The scenarios' coverage, where the folder has scenarios.
    pub scenarios: Option<String>,
}

/// [`RegionSvgs`] of region `code` (`SE` for Sverige) of a results folder; `None` if
/// the folder has no such region.
pub fn region_svgs(dir: &Path, code: &str, lang: Lang) -> Result<Option<RegionSvgs>, Error> {
    register_font();
    let coverage = ChartData::load(dir, FanMetric::Coverage, lang)?;
    let Some(k) = coverage.regions.iter().position(|r| r.code == code) else {
        return Ok(None);
    };
    let svg = |size: (u32, u32), draw: &dyn Fn(&SvgArea) -> Result<(), String>| {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
            draw(&root)
                .and_then(|()| root.present().map_err(|e| e.to_string()))
                .map_err(|e| chart_err(&dir.join(BANDS_FILE), e))?;
        }
        Ok::<String, Error>(text)
    };
    let fan = |metric: FanMetric| -> Result<String, Error> {
        let data = ChartData::load(dir, metric, lang)?;
        let r = &data.regions[k];
        // Half the page wide: a smaller canvas, so its text prints as large.
        svg((600, 440), &|root| fan_chart(root, &data, r))
    };
    let r = &coverage.regions[k];
    Ok(Some(RegionSvgs {
        name: r.name.clone(),
        coverage: svg((960, 540), &|root| fan_chart(root, &coverage, r))?,
        pyramid: match &r.pyramid {
            Some(p) => Some(svg((760, 680), &|root| {
                ages::pyramid_chart(root, r, p, lang)
            })?),
            None => None,
        },
        outside: fan(FanMetric::OutsidePrimaryCare)?,
        retirements: fan(FanMetric::Retirements)?,
        scenarios: if coverage.scenarios.is_empty() {
            None
        } else {
            Some(svg((960, 600), &|root| scenario_chart(root, &coverage, k))?)
        },
    }))
}

/// The sensitivity charts of a `sensitivity.parquet`, PNG and SVG, into `out_dir`.
pub fn draw_sensitivity_file(
    file: &Path,
    out_dir: &Path,
    lang: Lang,
) -> Result<Vec<PathBuf>, Error> {
    let rows = crate::output::read_sensitivity(file)?;
    draw_sensitivity(&rows, out_dir, Format::Both, lang)
}

/// Draws one chart to PNG and/or SVG: `$draw` is called with a drawing area of each
/// backend (the chart functions are generic over it).
macro_rules! emit {
    ($dir:expr, $stem:expr, $size:expr, $format:expr, $written:expr, $draw:expr) => {{
        // Codes and scenario names may come from a results folder's Parquet files.
        let stem: &str = &$stem;
        if !crate::names::is_plain_file_stem(stem) {
            return Err(chart_err(
                &$dir,
                format!(
                    "`{}` cannot be a chart's file name (a region code or scenario name in the results is not a plain name)",
                    stem.escape_debug()
                ),
            ));
        }
        // Each file is drawn beside its place and renamed over it: whatever stood
        // there (a link, a FIFO, a hard link to a user's file) is replaced, never
        // written through.
        if $format != Format::Svg {
            let path = $dir.join(format!("{stem}.png"));
            let tmp = crate::chart::scratch_for(&path)?;
            let root = BitMapBackend::new(&tmp, $size).into_drawing_area();
            let drawn = $draw(&root)
                .map_err(|e| chart_err(&path, e))
                .and_then(|()| root.present().map_err(|e| chart_err(&path, e.to_string())));
            drop(root);
            crate::chart::put_in_place(drawn, &tmp, &path)?;
            $written.push(path);
        }
        if $format != Format::Png {
            let path = $dir.join(format!("{stem}.svg"));
            let tmp = crate::chart::scratch_for(&path)?;
            let root = SVGBackend::new(&tmp, $size).into_drawing_area();
            let drawn = $draw(&root)
                .map_err(|e| chart_err(&path, e))
                .and_then(|()| root.present().map_err(|e| chart_err(&path, e.to_string())));
            drop(root);
            crate::chart::put_in_place(drawn, &tmp, &path)?;
            $written.push(path);
        }
    }};
}

/// The hidden file a chart is drawn into before it is renamed to `path`; anything
/// standing at that name is removed first.
pub(crate) fn scratch_for(path: &Path) -> Result<PathBuf, Error> {
    // The extension stays last: the PNG encoder goes by it.
    let stem = path.file_stem().expect("a chart file").to_string_lossy();
    let ext = path
        .extension()
        .map_or_else(String::new, |e| e.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{stem}.partial-{}.{ext}", std::process::id()));
    if std::fs::symlink_metadata(&tmp).is_ok_and(|m| !m.is_dir()) {
        std::fs::remove_file(&tmp).map_err(|e| Error::Io {
            path: tmp.clone(),
            what: "remove an old scratch file",
            source: e,
        })?;
    }
    Ok(tmp)
}

/// Renames a drawn chart over its place, or removes it if drawing failed.
pub(crate) fn put_in_place(drawn: Result<(), Error>, tmp: &Path, path: &Path) -> Result<(), Error> {
    let placed = drawn.and_then(|()| {
        std::fs::rename(tmp, path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            what: "move the chart into place",
            source: e,
        })
    });
    if placed.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    placed
}

fn chart_err(path: &Path, problem: String) -> Error {
    Error::Chart {
        path: path.to_path_buf(),
        problem,
    }
}

/// One chart of [`draw_all`].
enum Job<'a> {
    Fan(&'a RegionChart),
    Pyramid(&'a RegionChart, &'a ages::Pyramid),
    Scenarios(usize, &'a RegionChart),
    Years,
    Overview,
    Probability,
}

/// Draws every chart into `out_dir` and returns the files written, in a fixed order.
/// The charts are drawn in parallel on the current rayon pool (each is a few tens of
/// milliseconds of rasterising and PNG encoding, and after a run nothing else is
/// left to do); the caller's pool sets how many threads that is.
pub fn draw_all(data: &ChartData, out_dir: &Path, format: Format) -> Result<Vec<PathBuf>, Error> {
    register_font();
    crate::output::prepare_charts_dir(out_dir)?;
    let mut jobs: Vec<Job<'_>> = data.regions.iter().map(Job::Fan).collect();
    if !data.scenarios.is_empty() {
        jobs.extend(
            data.regions
                .iter()
                .enumerate()
                .map(|(k, r)| Job::Scenarios(k, r)),
        );
    }
    // Age pyramids with the coverage charts only: `plot --metric` redraws the fans.
    if data.metric == FanMetric::Coverage {
        jobs.extend(
            data.regions
                .iter()
                .filter_map(|r| r.pyramid.as_ref().map(|p| Job::Pyramid(r, p))),
        );
    }
    jobs.extend([Job::Years, Job::Overview, Job::Probability]);
    let files: Vec<Vec<PathBuf>> = jobs
        .par_iter()
        .map(|job| draw_one(job, data, out_dir, format))
        .collect::<Result<_, _>>()?;
    Ok(files.into_iter().flatten().collect())
}

fn draw_one(
    job: &Job<'_>,
    data: &ChartData,
    out_dir: &Path,
    format: Format,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let metric = data.metric.column_value();
    match *job {
        Job::Fan(r) => emit!(
            out_dir,
            format!("fan_{metric}_{}", r.code),
            (960, 600),
            format,
            written,
            |root| fan_chart(root, data, r)
        ),
        Job::Pyramid(r, p) => emit!(
            out_dir,
            format!("ages_{}", r.code),
            (960, 800),
            format,
            written,
            |root| ages::pyramid_chart(root, r, p, data.lang)
        ),
        Job::Scenarios(k, r) => emit!(
            out_dir,
            format!("scenarios_{metric}_{}", r.code),
            (960, 600),
            format,
            written,
            |root| scenario_chart(root, data, k)
        ),
        Job::Years => emit!(
            out_dir,
            "years_to_target",
            (960, 800),
            format,
            written,
            |root| years_chart(root, data)
        ),
        Job::Overview => emit!(
            out_dir,
            format!("overview_{metric}"),
            (1500, 1000),
            format,
            written,
            |root| { overview_chart(root, data) }
        ),
        Job::Probability => emit!(
            out_dir,
            "prob_by_year",
            (1100, 800),
            format,
            written,
            |root| { probability_chart(root, data) }
        ),
    }
    Ok(written)
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font())
}

/// The x (years) and y (the metric, 0..y1) axes of a fan or scenario chart.
fn year_axes<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    data: &ChartData,
    y1: f64,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let (x0, x1) = (f64::from(data.first_year), f64::from(data.last_year));
    let mut chart = ChartBuilder::on(body)
        .margin(16)
        .margin_top(4)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, 0f64..y1)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(data.lang.get(Text::Year))
        .y_desc(data.metric.axis(data.lang))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| data.lang.number(*y, 0))
        .label_style(font(14))
        .axis_desc_style(font(16))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// A white chart with a centred title and subtitle above it; returns the area below.
fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (head, body) = root.split_vertically(64);
    let (w, _) = head.dim_in_pixel();
    let center = Pos::new(HPos::Center, VPos::Top);
    // As large as fits the width (a report draws some charts on a small canvas).
    let fitting = |text: &str, size: u32| {
        (size / 2..=size)
            .rev()
            .find(|&s| {
                head.estimate_text_size(text, &font(s))
                    .is_ok_and(|(tw, _)| tw + 16 <= w)
            })
            .unwrap_or(size / 2)
    };
    head.draw_text(
        title,
        &font(fitting(title, 24)).pos(center),
        (w as i32 / 2, 8),
    )
    .map_err(e)?;
    head.draw_text(
        subtitle,
        &font(fitting(subtitle, 15)).color(&POLICY).pos(center),
        (w as i32 / 2, 40),
    )
    .map_err(e)?;
    Ok(body)
}

fn upper_left_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(font(14))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|x| x.to_string())
}

/// The polygon of a band between quantiles `lo` and `hi` (upper edge forward, lower
/// edge back), clipped at `y_max`.
fn band_polygon(bands: &[BandYear], lo: usize, hi: usize, y_max: f64) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = bands
        .iter()
        .map(|b| (f64::from(b.year), b.q[hi].min(y_max)))
        .collect();
    pts.extend(
        bands
            .iter()
            .rev()
            .map(|b| (f64::from(b.year), b.q[lo].min(y_max))),
    );
    pts
}

/// Top of the y axis: a little above the highest P95 and the target, but at most 2.5
/// times the target, so long horizons whose tails grow far past it keep the crossing
/// readable (bands are clipped).
fn y_max(metric: FanMetric, highest_p95: f64) -> f64 {
    // The target's level (its label's language does not matter here).
    let target = metric.target(Lang::En).map(|t| t.0);
    let cap = target.map_or(f64::INFINITY, |t| 2.5 * t);
    (highest_p95.max(target.unwrap_or(0.0)) * 1.1)
        .min(cap)
        .max(1.0)
}

const BAND: RGBColor = RGBColor(31, 94, 160);
const TARGET: RGBColor = RGBColor(178, 34, 34);
const POLICY: RGBColor = RGBColor(90, 90, 90);

/// A fan chart: 5-95 and 25-75 percent bands, the median, the target line, and the
/// region's policy target year with the probability of being there by then.
fn fan_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    r: &RegionChart,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let lang = data.lang;
    let title = format!("{} – {}", r.name, data.metric.title(lang));
    // The own goal's odds belong to the coverage chart; the stocks' say what they are.
    let goal = match data.metric {
        FanMetric::Coverage => (r.policy_target_year, r.prob_by_policy_target),
        _ => (None, None),
    };
    let subtitle = match goal {
        (Some(year), Some(p)) => {
            lang.fill(Text::OwnGoalSubtitle, &[&year, &lang.number(100.0 * p, 0)])
        }
        _ => lang.fill(
            Text::QuantilesSubtitle,
            &[&data.first_year, &data.last_year],
        ),
    };
    let body = titled(root, &title, &subtitle)?;

    let x0 = f64::from(data.first_year);
    let x1 = f64::from(data.last_year);
    let top = r
        .bands
        .iter()
        .map(|b| b.q[4])
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let target = data.metric.target(lang);
    let y1 = y_max(data.metric, top);
    let mut chart = year_axes(&body, data, y1)?;

    let band = |lo: usize, hi: usize| band_polygon(&r.bands, lo, hi, y1);
    chart
        .draw_series(std::iter::once(Polygon::new(
            band(0, 4),
            BAND.mix(0.18).filled(),
        )))
        .map_err(e)?
        .label(lang.get(Text::Band5To95))
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], BAND.mix(0.18).filled()));
    chart
        .draw_series(std::iter::once(Polygon::new(
            band(1, 3),
            BAND.mix(0.38).filled(),
        )))
        .map_err(e)?
        .label(lang.get(Text::Band25To75))
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], BAND.mix(0.38).filled()));
    chart
        .draw_series(LineSeries::new(
            r.bands.iter().map(|b| (f64::from(b.year), b.q[2].min(y1))),
            BAND.stroke_width(3),
        ))
        .map_err(e)?
        .label(lang.get(Text::Median))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BAND.stroke_width(3)));
    if let Some((level, label)) = target {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, level), (x1, level)],
                8,
                6,
                TARGET.stroke_width(2),
            ))
            .map_err(e)?
            .label(label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TARGET.stroke_width(2)));
    }
    if let Some(year) = r.policy_target_year {
        let x = f64::from(year);
        if (x0..=x1).contains(&x) {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, 0.0), (x, y1)],
                    4,
                    4,
                    POLICY.stroke_width(2),
                ))
                .map_err(e)?
                .label(lang.fill(Text::OwnGoalLine, &[&year]))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], POLICY.stroke_width(2))
                });
        }
    }
    upper_left_legend(&mut chart)
}

/// Colours of the scenarios in a comparison, the baseline first (colour-blind safe,
/// after Okabe and Ito).
const SCENARIO_COLOURS: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
];

/// Scenarios compared in one region: each scenario's median with its 25-75 % band,
/// the baseline in black. Runs are paired across scenarios (common random numbers).
fn scenario_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
    k: usize,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let r = &data.regions[k];
    let lang = data.lang;
    let body = titled(
        root,
        &lang.fill(Text::ScenariosTitle, &[&r.name, &data.metric.title(lang)]),
        lang.get(Text::ScenariosSubtitle),
    )?;
    let (x0, x1) = (f64::from(data.first_year), f64::from(data.last_year));
    let top = data
        .scenarios
        .iter()
        .flat_map(|s| s.bands[k].iter().map(|b| b.q[3]))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let y1 = y_max(data.metric, top);
    let mut chart = year_axes(&body, data, y1)?;
    for (i, sc) in data.scenarios.iter().enumerate() {
        let colour = SCENARIO_COLOURS[i % SCENARIO_COLOURS.len()];
        let bands = &sc.bands[k];
        chart
            .draw_series(std::iter::once(Polygon::new(
                band_polygon(bands, 1, 3, y1),
                colour.mix(0.12).filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                bands.iter().map(|b| (f64::from(b.year), b.q[2].min(y1))),
                colour.stroke_width(if i == 0 { 3 } else { 2 }),
            ))
            .map_err(e)?
            .label(lang.scenario(&sc.name))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
    }
    if let Some((level, label)) = data.metric.target(lang) {
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, level), (x1, level)],
                8,
                6,
                TARGET.stroke_width(2),
            ))
            .map_err(e)?
            .label(label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TARGET.stroke_width(2)));
    }
    upper_left_legend(&mut chart)
}

/// Years to target across regions: per region (sorted by median), a line from P5 to
/// P95, a box from P25 to P75, the median, and the share of runs that never reach the
/// target within the horizon. A quantile among censored runs is drawn as an open
/// line to the horizon edge with an arrow, never as a number.
fn years_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let h = data.horizon();
    let rows = data.by_median();
    let n = rows.len() as f64;
    let name_space = h * 0.32;
    let never_space = h * 0.2;
    let mut chart = ChartBuilder::on(root)
        .caption(
            data.lang.fill(Text::YearsTitle, &[&data.first_year]),
            font(24),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(0)
        .build_cartesian_2d(-name_space..h + never_space, -0.5f64..n - 0.5)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc(data.lang.get(Text::YearsAxis))
        .x_label_formatter(&|x| {
            if *x >= 0.0 && *x <= h {
                format!("{x:.0}")
            } else {
                String::new()
            }
        })
        .label_style(font(14))
        .axis_desc_style(font(15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(h, -0.5), (h, n - 0.5)],
            4,
            4,
            BLACK.mix(0.4).stroke_width(1),
        ))
        .map_err(e)?;
    let left = font(14).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1.0 - i as f64;
        let at = |q: Option<f64>| q.unwrap_or(h).min(h);
        let name = display_name(data.lang, r);
        chart
            .draw_series(std::iter::once(plotters::element::Text::new(
                name,
                (-name_space * 0.97, y),
                left.clone(),
            )))
            .map_err(e)?;
        if r.years_q[0].is_some() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(at(r.years_q[0]), y), (at(r.years_q[4]), y)],
                    BAND.stroke_width(2),
                )))
                .map_err(e)?;
        }
        if r.years_q[1].is_some() {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(at(r.years_q[1]), y - 0.28), (at(r.years_q[3]), y + 0.28)],
                    BAND.mix(0.45).filled(),
                )))
                .map_err(e)?;
        }
        if let Some(m) = r.years_q[2] {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(m, y - 0.36), (m, y + 0.36)],
                    BLACK.stroke_width(3),
                )))
                .map_err(e)?;
        }
        if r.years_q[4].is_none() && r.years_q[0].is_some() {
            // Censored upper tail: an arrow head at the horizon.
            let tip = h;
            let d = h * 0.012;
            chart
                .draw_series(std::iter::once(Polygon::new(
                    vec![(tip, y), (tip - d, y + 0.2), (tip - d, y - 0.2)],
                    BAND.filled(),
                )))
                .map_err(e)?;
        }
        let never = data
            .lang
            .fill(Text::Never, &[&data.lang.number(100.0 * r.share_never, 0)]);
        chart
            .draw_series(std::iter::once(plotters::element::Text::new(
                never,
                (h + h * 0.02, y),
                left.clone(),
            )))
            .map_err(e)?;
    }
    Ok(())
}

/// All regions on one page: small multiples with a shared y scale, for a report's
/// overview figure.
fn overview_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (head, body) = root.split_vertically(56);
    let (w, _) = head.dim_in_pixel();
    let title = data
        .lang
        .fill(Text::OverviewTitle, &[&data.metric.axis(data.lang)]);
    head.draw_text(
        &title,
        &font(22).pos(Pos::new(HPos::Center, VPos::Top)),
        (w as i32 / 2, 14),
    )
    .map_err(e)?;
    let target = data.metric.target(data.lang);
    let top = data
        .regions
        .iter()
        .flat_map(|r| r.bands.iter().map(|b| b.q[4]))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let y1 = y_max(data.metric, top);
    let (x0, x1) = (f64::from(data.first_year), f64::from(data.last_year));
    let cols = 6;
    let rows = data.regions.len().div_ceil(cols);
    let panels = body.split_evenly((rows, cols));
    for (panel, r) in panels.iter().zip(&data.regions) {
        let mut chart = ChartBuilder::on(panel)
            .caption(&r.name, font(15))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(36)
            .build_cartesian_2d(x0..x1, 0f64..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_labels(3)
            .y_labels(4)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| data.lang.number(*y, 0))
            .label_style(font(11))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(e)?;
        for (lo, hi, alpha) in [(0, 4, 0.18), (1, 3, 0.38)] {
            let pts = band_polygon(&r.bands, lo, hi, y1);
            chart
                .draw_series(std::iter::once(Polygon::new(pts, BAND.mix(alpha).filled())))
                .map_err(e)?;
        }
        chart
            .draw_series(LineSeries::new(
                r.bands.iter().map(|b| (f64::from(b.year), b.q[2].min(y1))),
                BAND.stroke_width(2),
            ))
            .map_err(e)?;
        if let Some((level, _)) = target {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, level), (x1, level)],
                    5,
                    4,
                    TARGET.stroke_width(1),
                ))
                .map_err(e)?;
        }
    }
    Ok(())
}

/// Probability of having reached the target by each year, as a heat-map of region x
/// year (21 curves would crowd), regions sorted by median years to target.
fn probability_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &ChartData,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (main, legend) = root.split_horizontally(1000);
    let rows = data.by_median();
    let n = rows.len() as f64;
    let (x0, x1) = (f64::from(data.first_year), f64::from(data.last_year) + 1.0);
    let name_space = (x1 - x0) * 0.26;
    let mut chart = ChartBuilder::on(&main)
        .caption(data.lang.get(Text::ProbabilityTitle), font(22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(0)
        .build_cartesian_2d(x0 - name_space..x1, 0f64..n)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_desc(data.lang.get(Text::Year))
        .x_label_formatter(&|x| {
            if *x >= x0 {
                format!("{x:.0}")
            } else {
                String::new()
            }
        })
        .label_style(font(14))
        .axis_desc_style(font(16))
        .draw()
        .map_err(e)?;
    let left = font(14).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, r) in rows.iter().enumerate() {
        let y = n - 1.0 - i as f64;
        let name = display_name(data.lang, r);
        chart
            .draw_series(std::iter::once(plotters::element::Text::new(
                name,
                (x0 - name_space * 0.98, y + 0.5),
                left.clone(),
            )))
            .map_err(e)?;
        chart
            .draw_series(r.prob_by_year.iter().enumerate().map(|(t, &p)| {
                let x = x0 + t as f64;
                Rectangle::new([(x, y + 0.05), (x + 1.0, y + 0.95)], heat(p).filled())
            }))
            .map_err(e)?;
    }
    // Colour key: 0 to 100 percent.
    let mut key = ChartBuilder::on(&legend)
        .margin_top(60)
        .margin_bottom(60)
        .margin_right(50)
        .y_label_area_size(0)
        .right_y_label_area_size(44)
        .build_cartesian_2d(0f64..1.0, 0f64..100.0)
        .map_err(e)?;
    key.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(data.lang.get(Text::ShareOfRuns))
        .y_labels(6)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(font(13))
        .axis_desc_style(font(14))
        .draw()
        .map_err(e)?;
    key.draw_series((0..100).map(|k| {
        let k = f64::from(k);
        Rectangle::new([(0.0, k), (1.0, k + 1.0)], heat(k / 100.0).filled())
    }))
    .map_err(e)?;
    Ok(())
}

/// A region's name in a list of regions: Sverige marked as the sum of the regions.
fn display_name(lang: Lang, r: &RegionChart) -> String {
    if r.code == "SE" {
        lang.fill(Text::Sum, &[&r.name])
    } else {
        r.name.clone()
    }
}

/// A sequential white-to-dark-blue scale for probabilities.
fn heat(p: f64) -> RGBColor {
    let p = p.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * p).round() as u8;
    RGBColor(mix(247, 8), mix(251, 48), mix(255, 107))
}

mod ages;
mod sensitivity;
pub use sensitivity::draw_sensitivity;
pub(crate) use sensitivity::output_words;
