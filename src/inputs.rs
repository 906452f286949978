//! A region-run's model inputs from its row of the regional data and its parameter
//! draws: the glue between the data, the catalogue of parameters and the model, kept
//! out of the model so that it takes plain numbers in.

use std::borrow::Cow;

use crate::config::Training;
use crate::data::Region;
use crate::model::{DlfInputs, DurationDist, IntakePolicy, RegionInputs};
use crate::params::Param;
use crate::sample::Draw;

impl<'a> RegionInputs<'a> {
    pub fn new(region: &Region, draw: &Draw, training: Training) -> Self {
        let duration = DurationDist::new(
            draw.get(Param::StDurationMeanYears),
            draw.get(Param::StDurationSdYears),
            training,
        );
        RegionInputs::with_duration(region, draw, Cow::Owned(duration))
    }

    /// [`RegionInputs::new`] with the duration distribution of `draw`'s mean and sd
    /// already solved (by the run, for all its regions).
    pub fn with_duration(region: &Region, draw: &Draw, duration: Cow<'a, DurationDist>) -> Self {
        RegionInputs {
            population: region.population_2023,
            trainees: region.st_trainees,
            headcount: draw.initial_headcount,
            fte_initial: draw.fte_initial,
            fte_new: draw.get(Param::FteNew),
            duration,
            dropout_share: draw.get(Param::DropoutShare),
            primary_care_uptake: draw.get(Param::PrimaryCareUptake),
            exit_per_year: (1.0 / draw.get(Param::CareerYears) + draw.get(Param::AttritionPerYear))
                .min(1.0),
            intake_growth_per_year: draw.get(Param::IntakeGrowthPerYear),
            intake: Cow::Owned(IntakePolicy::default()),
            pop_growth_per_year: draw.pop_growth_per_year,
        }
    }
}

impl DlfInputs {
    pub fn of(region: &Region) -> Option<Self> {
        Some(DlfInputs {
            need: region.dlf_need_fte?,
            specialists: region.dlf_table_specialists?,
            trainees: region.st_trainees,
            population: region.population_2023,
        })
    }
}
