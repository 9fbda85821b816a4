//! The raw-integer fixed-point rules agree bit for bit with `substrate-fixed` 0.6, the crate the
//! chain computes with, over random and boundary values.
use proptest::prelude::*;
use substrate_fixed::transcendental::exp as sf_exp;
use substrate_fixed::types::{I32F32 as SfI32, I64F64 as SfI64, I96F32 as SfI96};
use zkyuma_circuits::fixed::{exp, exp_safe, proportion_to_rao, I32F32, I64F64, I96F32};
use zkyuma_circuits::weights::max_upscale_to_u16;

fn ours(x: SfI32) -> I32F32 {
    I32F32::from_bits(x.to_bits())
}

/// Boundary-heavy I32F32 bits: extremes, ±1 ulp, ±1, small integers and random bits.
fn bits32() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        Just(1),
        Just(-1),
        Just(i64::MAX),
        Just(i64::MIN),
        Just(1 << 32),
        Just(-(1 << 32)),
        Just((1 << 32) - 1),
        Just(65535i64 << 32),
        -(1i64 << 40)..(1i64 << 40),
        -(1i64 << 34)..(1i64 << 34),
        any::<i64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn i32f32_arithmetic(a in bits32(), b in bits32()) {
        let (sa, sb) = (SfI32::from_bits(a), SfI32::from_bits(b));
        let (oa, ob) = (I32F32::from_bits(a), I32F32::from_bits(b));
        prop_assert_eq!(oa.saturating_mul(ob), ours(sa.saturating_mul(sb)));
        prop_assert_eq!(oa.checked_mul(ob), sa.checked_mul(sb).map(ours));
        prop_assert_eq!(oa.checked_div(ob), sa.checked_div(sb).map(ours));
        prop_assert_eq!(oa.safe_div(ob), ours(sa.checked_div(sb).unwrap_or_default()));
        if b != 0 {
            prop_assert_eq!(oa.saturating_div(ob), ours(sa.saturating_div(sb)));
        }
        prop_assert_eq!(oa.saturating_add(ob), ours(sa.saturating_add(sb)));
        prop_assert_eq!(oa.saturating_sub(ob), ours(sa.saturating_sub(sb)));
        prop_assert_eq!(oa.round(), ours(sa.saturating_round()));
        prop_assert_eq!(oa.saturating_to_u16(), sa.saturating_to_num::<u16>());
        prop_assert_eq!(oa.saturating_to_u64(), sa.saturating_to_num::<u64>());
        prop_assert_eq!(oa < ob, sa < sb);
    }

    #[test]
    fn u16_conversions(v in any::<u16>(), x in bits32()) {
        let s = SfI32::saturating_from_num(v);
        prop_assert_eq!(I32F32::from_u16(v), ours(s));
        prop_assert_eq!(
            I32F32::from_u16_proportion(v),
            ours(s.checked_div(SfI32::saturating_from_num(u16::MAX)).unwrap_or_default())
        );
        let sx = SfI32::from_bits(x);
        prop_assert_eq!(
            I32F32::from_bits(x).proportion_to_u16(),
            sx.saturating_mul(SfI32::saturating_from_num(u16::MAX)).saturating_to_num::<u16>()
        );
    }

    #[test]
    fn stake_normalisation_in_i64f64(a in any::<u64>(), b in 1u64..=u64::MAX, t in any::<u64>()) {
        let (sa, sb) = (SfI64::saturating_from_num(a), SfI64::saturating_from_num(b));
        let (oa, ob) = (I64F64::saturating_from_u64(a), I64F64::saturating_from_u64(b));
        prop_assert_eq!(oa.to_bits(), sa.to_bits());
        let q = sa.checked_div(sb).unwrap_or_default();
        prop_assert_eq!(oa.safe_div(ob).to_bits(), q.to_bits());
        prop_assert_eq!(oa.saturating_to_u64(), sa.saturating_to_num::<u64>());
        prop_assert_eq!(oa.saturating_to_u64() < t, sa.saturating_to_num::<u64>() < t);
        prop_assert_eq!(oa.safe_div(ob).saturating_to_i32f32(), ours(SfI32::saturating_from_num(q)));
        let raw = SfI64::from_bits(i128::from(a as i64) << 40);
        prop_assert_eq!(
            I64F64::from_bits(raw.to_bits()).saturating_to_i32f32(),
            ours(SfI32::saturating_from_num(raw))
        );
    }

    #[test]
    fn emission_in_i96f32(x in bits32(), rao in any::<u64>(), wide in any::<i128>()) {
        let sx = SfI96::saturating_from_num(SfI32::from_bits(x));
        let want = sx.saturating_mul(SfI96::saturating_from_num(rao)).saturating_to_num::<u64>();
        prop_assert_eq!(proportion_to_rao(I32F32::from_bits(x), rao), want);
        prop_assert_eq!(I96F32::from_i32f32(I32F32::from_bits(x)).to_bits(), sx.to_bits());
        let (sw, ow) = (SfI96::from_bits(wide), I96F32::from_bits(wide));
        let sy = SfI96::from_bits(i128::from(x));
        prop_assert_eq!(ow.saturating_mul(I96F32::from_bits(i128::from(x))).to_bits(), sw.saturating_mul(sy).to_bits());
        prop_assert_eq!(ow.saturating_to_u64(), sw.saturating_to_num::<u64>());
    }

    #[test]
    fn taylor_exp(x in -(25i64 << 32)..(25i64 << 32), any_bits in any::<i64>()) {
        for bits in [x, any_bits, x >> 8] {
            let s = SfI32::from_bits(bits);
            let want: Result<SfI32, ()> = sf_exp(s);
            prop_assert_eq!(exp(I32F32::from_bits(bits)), want.ok().map(ours));
        }
    }

    #[test]
    fn max_upscale(values in prop::collection::vec(bits32().prop_map(|b| (b >> 8).abs()), 0..12)) {
        // The chain's vec_max_upscale_to_u16, restated on substrate-fixed.
        let u16_max = SfI32::saturating_from_num(u16::MAX);
        let threshold = SfI32::saturating_from_num(32768);
        let sv: Vec<SfI32> = values.iter().map(|&b| SfI32::from_bits(b)).collect();
        let sdiv = |a: SfI32, b: SfI32| a.checked_div(b).unwrap_or_default();
        let want: Vec<u16> = match sv.iter().max() {
            None => vec![],
            Some(&m) if m == SfI32::saturating_from_num(0) => {
                sv.iter().map(|e| e.saturating_mul(u16_max).saturating_to_num::<u16>()).collect()
            }
            Some(&m) if m > threshold => sv
                .iter()
                .map(|e| e.saturating_mul(sdiv(u16_max, m)).round().saturating_to_num::<u16>())
                .collect(),
            Some(&m) => sv
                .iter()
                .map(|e| sdiv(e.saturating_mul(u16_max), m).round().saturating_to_num::<u16>())
                .collect(),
        };
        let ov: Vec<I32F32> = values.iter().map(|&b| I32F32::from_bits(b)).collect();
        prop_assert_eq!(max_upscale_to_u16(&ov), want);
    }
}

#[test]
fn exp_safe_clamps_and_matches_the_chain() {
    // exp_safe clamps to [-20, 20]; e^20 fits I32F32 so the clamp never errors.
    for v in [-100i64, -21, -20, -1, 0, 1, 2, 19, 20, 21, 100] {
        let x = I32F32::from_int(v);
        let clamped = SfI32::saturating_from_num(v.clamp(-20, 20));
        let want: SfI32 = sf_exp(clamped).expect("in range");
        assert_eq!(exp_safe(x), ours(want), "exp_safe({v})");
    }
}
