//! A region-run's model inputs from its row of the regional data and its parameter
//! draws: the glue between the data, the catalogue of parameters and the model, kept
//! out of the model so that it takes plain numbers in.

use std::borrow::Cow;

use crate::config::{Ages, Training};
use crate::data::Region;
use crate::model::{AgeInputs, DlfInputs, DurationDist, IntakePolicy, RegionInputs};
use crate::params::Param;
use crate::sample::Draw;

impl<'a> RegionInputs<'a> {
    pub fn new(region: &Region, draw: &Draw, training: Training, ages: &Ages) -> Self {
        let duration = DurationDist::new(
            draw.get(Param::StDurationMeanYears),
            draw.get(Param::StDurationSdYears),
            training,
        );
        RegionInputs::with_shared(
            region,
            draw,
            Cow::Owned(duration),
            Cow::Owned(AgeInputs::of(region, ages)),
        )
    }

    /// [`RegionInputs::new`] with the duration distribution of `draw`'s mean and sd
    /// already solved (by the run, for all its regions), and the region's ages made.
    pub fn with_shared(
        region: &Region,
        draw: &Draw,
        duration: Cow<'a, DurationDist>,
        ages: Cow<'a, AgeInputs>,
    ) -> Self {
        let share = draw.get(Param::ShareInPrimaryCare);
        RegionInputs {
            population: region.population_2023,
            trainees: region.st_trainees,
            headcount: draw.initial_headcount,
            // Today's stock outside primary care, so that today's share in it is s.
            outside_headcount: draw.initial_headcount * (1.0 - share) / share,
            fte_initial: draw.fte_initial,
            fte_new: draw.get(Param::FteNew),
            duration,
            dropout_share: draw.get(Param::DropoutShare),
            primary_care_uptake: draw.get(Param::PrimaryCareUptake),
            attrition_per_year: draw.get(Param::AttritionPerYear),
            return_per_year: draw.get(Param::ReturnRate),
            intake_growth_per_year: draw.get(Param::IntakeGrowthPerYear),
            intake_growth_years: draw.get(Param::IntakeGrowthYears),
            intake: Cow::Owned(IntakePolicy::default()),
            pop_growth_per_year: draw.pop_growth_per_year,
            ages,
            age_at_st_start: draw.get(Param::AgeAtStStart),
            recruits_per_year: draw.get(Param::RecruitsPerYear),
        }
    }
}

impl AgeInputs {
    /// A region's age model: the config's retirement, the initial profile scaled to
    /// what the region said of its ages.
    pub fn of(region: &Region, ages: &Ages) -> AgeInputs {
        let tail = region
            .age_tail
            .map(|t| (t.threshold_age, t.share_at_or_over));
        AgeInputs {
            initial_profile: ages.retirement.initial_profile(tail),
            retirement: ages.retirement.clone(),
            recruit_age: ages.recruit_age,
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
