//! Every year's intake of eight region-runs in the lanes of vectors.

use crate::model::*;

/// Every year's intake of eight region-runs of binomial noise ([`Admissions`] in each,
/// operation for operation), each into its trainees row (`values` as in
/// [`run_regions`]); false where some year's intake is [`PACKED_COUNT`] or more, or
/// not a number. In the lanes of vectors where the region-runs share their policy:
/// one at a time, the chain of each year's rounding was about a seventh of the core.
#[target_feature(enable = "avx512f,avx512dq")]
pub(in crate::model) fn admit_lanes(
    inputs: &[RegionInputs<'_>],
    noises: &[Noise; crate::model::lanes::LANES],
    values: &mut [f64],
    years: usize,
) -> bool {
    use crate::model::lanes::{unload, LANES};
    use std::arch::x86_64::*;
    let stride = STOCKS * years;
    let trainees_at = 2 * years;
    let policy = &*inputs[0].intake;
    if inputs.iter().all(|inp| *inp.intake == *policy)
        && !policy.cap_per_year.is_some_and(f64::is_nan)
    {
        // `Admissions::next` in every lane, operation for operation.
        let each = |f: &dyn Fn(&RegionInputs<'_>) -> f64| each_lane(inputs, f);
        let base = each(&|inp| noises[0].whole(inp.trainees) / inp.duration.mean_years);
        let (mut factor, mut target_total, mut admitted_total) = (
            _mm512_set1_pd(1.0),
            _mm512_setzero_pd(),
            _mm512_setzero_pd(),
        );
        for t in 1..years {
            let step =
                each(&|inp| growth_step(inp.intake_growth_per_year, inp.intake_growth_years, t));
            factor = _mm512_mul_pd(factor, step);
            let mut target = _mm512_mul_pd(base, factor);
            for &(from, to, change) in &policy.rules {
                if (from..=to).contains(&(t as u32)) {
                    target = match change {
                        IntakeChange::Multiply(m) => _mm512_mul_pd(target, _mm512_set1_pd(m)),
                        IntakeChange::TraineesPerYear(n) => _mm512_set1_pd(n),
                    };
                }
            }
            if let Some(cap) = policy.cap_per_year {
                // `f64::min` of a NaN target is the cap, as `minpd` gives its second
                // operand where either is NaN.
                target = _mm512_min_pd(target, _mm512_set1_pd(cap));
            }
            target_total = _mm512_add_pd(target_total, target);
            let intake = round_non_negative_lanes(_mm512_sub_pd(target_total, admitted_total));
            admitted_total = _mm512_add_pd(admitted_total, intake);
            if _mm512_cmp_pd_mask::<_CMP_LT_OQ>(intake, _mm512_set1_pd(PACKED_COUNT)) != 0xff {
                return false;
            }
            for (j, &x) in unload(intake).iter().enumerate() {
                values[j * stride + trainees_at + t] = x;
            }
        }
    } else {
        let mut admissions: [Admissions<'_>; LANES] = std::array::from_fn(|j| {
            Admissions::new(&inputs[j], noises[j].whole(inputs[j].trainees), true)
        });
        for t in 1..years {
            for (j, a) in admissions.iter_mut().enumerate() {
                let intake = a.next(t);
                if intake.is_nan() || intake >= PACKED_COUNT {
                    return false;
                }
                values[j * stride + trainees_at + t] = intake;
            }
        }
    }
    true
}

/// [`round_non_negative`] in each lane, operation for operation.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
pub(in crate::model) fn round_non_negative_lanes(
    x: std::arch::x86_64::__m512d,
) -> std::arch::x86_64::__m512d {
    use std::arch::x86_64::*;
    const WHOLE: f64 = 4_503_599_627_370_496.0;
    let t = _mm512_cvtepi64_pd(_mm512_cvttpd_epi64(x));
    let half_up = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(_mm512_sub_pd(x, t), _mm512_set1_pd(0.5));
    let rounded = _mm512_add_pd(t, _mm512_maskz_mov_pd(half_up, _mm512_set1_pd(1.0)));
    let whole = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, _mm512_set1_pd(WHOLE));
    let positive = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(x, _mm512_setzero_pd());
    _mm512_maskz_mov_pd(positive, _mm512_mask_mov_pd(rounded, whole, x))
}

/// `f` of each of eight region-runs, a lane each.
#[target_feature(enable = "avx512f")]
pub(in crate::model) fn each_lane(
    inputs: &[RegionInputs<'_>],
    f: &dyn Fn(&RegionInputs<'_>) -> f64,
) -> std::arch::x86_64::__m512d {
    crate::model::lanes::load(&std::array::from_fn(|j| f(&inputs[j])))
}
