//! Scoring and max-upscale gadgets against their native twins: honest values agree on random and
//! boundary inputs, and no witness variable is free (changing any single one breaks the system).
use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use proptest::prelude::*;
use zkyuma_circuits::gadgets::alloc_u16;
use zkyuma_circuits::scoring::{Accuracy, Mse, ScoringFunction, ScoringGadget};
use zkyuma_circuits::weights::{constraints::u16_max_upscale, u16_max_upscale as native_upscale};

fn alloc_all(cs: &ConstraintSystemRef<Fr>, values: &[u16]) -> Vec<FpVar<Fr>> {
    values
        .iter()
        .map(|v| alloc_u16(cs.clone(), *v).expect("alloc").0)
        .collect()
}

fn score_in_circuit(
    f: &impl ScoringGadget,
    outputs: &[u16],
    labels: &[u16],
) -> (ConstraintSystemRef<Fr>, Fr) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let o = alloc_all(&cs, outputs);
    let l = alloc_all(&cs, labels);
    let s = f.score_gadget(&o, &l).expect("gadget");
    let v = s.value().expect("value");
    (cs, v)
}

fn upscale_in_circuit(values: &[u16]) -> (ConstraintSystemRef<Fr>, Vec<Fr>) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let v = alloc_all(&cs, values);
    let (row, _) = u16_max_upscale(&v).expect("gadget");
    let vals = row.iter().map(|r| r.value().expect("value")).collect();
    (cs, vals)
}

mod common;

/// Every witness variable, changed alone by +1, leaves the system unsatisfied.
fn no_free_witness(cs: &ConstraintSystemRef<Fr>) {
    common::finalize_for_tampering(cs);
    common::assert_no_free_witness(cs, 0, cs.num_witness_variables());
}

fn scores_agree(f: &impl ScoringGadget, outputs: &[u16], labels: &[u16]) {
    let (cs, v) = score_in_circuit(f, outputs, labels);
    assert!(
        cs.is_satisfied().expect("assignment"),
        "{:?}",
        cs.which_is_unsatisfied()
    );
    assert_eq!(
        v,
        Fr::from(f.score(outputs, labels)),
        "{} {outputs:?} {labels:?}",
        f.id()
    );
}

#[test]
fn mse_clip_boundary() {
    // K = 1, a = 1: t = ⌊d² / 65535⌋. d = 65535 gives t = 65535 exactly (score 0).
    let f = Mse { amplification: 1 };
    assert_eq!(f.score(&[65535], &[0]), 0);
    assert_eq!(f.score(&[65534], &[0]), 2);
    for (o, y) in [(65535u16, 0u16), (65534, 0), (0, 65535), (256, 0), (0, 0)] {
        scores_agree(&f, &[o], &[y]);
    }
    // a = 65535: t = d²; d = 256 → 65536 clipped to 0; d = 255 → 65025.
    let f = Mse {
        amplification: 65535,
    };
    for (o, y) in [(256u16, 0u16), (255, 0), (0, 1)] {
        scores_agree(&f, &[o], &[y]);
    }
}

type ClipCase<'a> = (&'a Mse, &'a [u16], &'a [u16], u16, i64);

/// The clip bit is unique on both sides of the clip: at `t = 65534` (the last unclipped value
/// but one), `65535` and `65536` every witness moved alone — the clip bit flipped among them —
/// (past the inputs) is refused. (Mutation testing found the bit's `− b` term unchecked: with `+ b`, a prover could
/// clip `t = 65534` to a score of 0 instead of 1.)
#[test]
fn mse_clip_bit_is_unique_at_the_boundary() {
    let full = Mse {
        amplification: 65535,
    };
    // K = 2: t = ⌊(5² + 362²) / 2⌋ = 65534; K = 1, a = 1: t = 65535; a = 65535: t = 256² = 65536.
    // (gadget, outputs, labels, score, t)
    let cases: [ClipCase; 3] = [
        (&full, &[5, 362], &[0, 0], 1, 65534),
        (&Mse { amplification: 1 }, &[65535], &[0], 0, 65535),
        (&full, &[256], &[0], 0, 65536),
    ];
    for (f, outputs, labels, score, t) in cases {
        assert_eq!(f.score(outputs, labels), score);
        scores_agree(f, outputs, labels);
        // The clip bit flipped, with its product `b·(t − 65535)` and the range check that pins
        // the bit rewritten to match (the check to any small value: what a wrong sign in the
        // pinning term would accept), is refused. The gadget allocates the bit, the product,
        // then the check's 32 bits, last.
        let (cs, _) = score_in_circuit(f, outputs, labels);
        common::finalize_for_tampering(&cs);
        let n = cs.num_witness_variables();
        let (clip, product) = (n - 34, n - 33);
        let flipped =
            Fr::from(1u64) - cs.borrow().expect("cs").assignments.witness_assignment[clip];
        let excess = common::fr_bits(t - 65535);
        for v in 0u64..4 {
            let mut writes = vec![(clip, flipped), (product, flipped * excess)];
            writes.extend((0..32).map(|k| (n - 32 + k, Fr::from((v >> k) & 1))));
            assert!(
                !common::satisfied_with_writes(&cs, &writes),
                "{outputs:?}: clip flipped, check = {v}"
            );
        }
        // Past the inputs' bits (an input moved may give the same score: (o − y)² is symmetric).
        let (cs, _) = score_in_circuit(f, outputs, labels);
        common::finalize_for_tampering(&cs);
        let inputs = 16 * (outputs.len() + labels.len());
        common::assert_no_free_witness(&cs, inputs, cs.num_witness_variables());
    }
}

#[test]
fn accuracy_boundaries() {
    scores_agree(&Accuracy, &[1, 2, 3], &[1, 2, 3]);
    scores_agree(&Accuracy, &[0, 2, 3], &[1, 2, 4]);
    scores_agree(&Accuracy, &[9; 7], &[8; 7]);
}

#[test]
fn upscale_boundaries() {
    for row in [
        vec![0u16, 0, 0],
        vec![1, 2],
        vec![32768, 1, 16384],
        vec![32769, 1, 16384],
        vec![65535, 32767, 0],
        vec![40000, 20000, 1],
        vec![7],
        // Small maxima where the big path's quotient `v · ⌊65535·2^32 / m⌋` rounds to another
        // row entry than the exact one (32767 for 32768): the small path must be the one taken.
        // (Mutation testing: `q_small + big · (q_big − q_small)` with `+` for `·` survived.)
        vec![14, 7],
        vec![36, 18, 0],
    ] {
        let (cs, vals) = upscale_in_circuit(&row);
        assert!(cs.is_satisfied().expect("assignment"));
        let want: Vec<Fr> = native_upscale(&row).iter().map(|v| Fr::from(*v)).collect();
        assert_eq!(vals, want, "{row:?}");
    }
}

#[test]
fn no_witness_is_free_in_the_scoring_gadgets() {
    let (cs, _) = score_in_circuit(&Mse { amplification: 16 }, &[100, 40000, 7], &[90, 1000, 7]);
    no_free_witness(&cs);
    let (cs, _) = score_in_circuit(&Mse { amplification: 1 }, &[65535], &[0]);
    no_free_witness(&cs);
    let (cs, _) = score_in_circuit(&Accuracy, &[1, 5, 3], &[1, 2, 3]);
    no_free_witness(&cs);
}

#[test]
fn no_witness_is_free_in_the_upscale_gadget() {
    // Below the threshold every witness is pinned; above it the small-path quotient is unused
    // but still tied to its product relation, so a change alone also breaks the system.
    for row in [vec![3u16, 32768, 0], vec![40000, 20000, 1], vec![0, 0]] {
        let (cs, _) = upscale_in_circuit(&row);
        no_free_witness(&cs);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_scores_agree(
        pairs in prop::collection::vec((any::<u16>(), any::<u16>()), 1..6),
        a in prop_oneof![Just(1u16), Just(16), any::<u16>().prop_map(|a| a.max(1))],
        near in any::<bool>(),
    ) {
        let outputs: Vec<u16> = pairs.iter().map(|p| p.0).collect();
        let labels: Vec<u16> = pairs.iter().map(|p| if near { p.0.saturating_add(p.1 % 300) } else { p.1 }).collect();
        scores_agree(&Mse { amplification: a }, &outputs, &labels);
        scores_agree(&Accuracy, &outputs, &labels);
    }

    #[test]
    fn random_rows_upscale_like_the_chain(
        row in prop::collection::vec(prop_oneof![any::<u16>(), 0u16..40, 32760u16..32780], 1..8)
    ) {
        let (cs, vals) = upscale_in_circuit(&row);
        prop_assert!(cs.is_satisfied().expect("assignment"));
        let want: Vec<Fr> = native_upscale(&row).iter().map(|v| Fr::from(*v)).collect();
        prop_assert_eq!(vals, want);
    }
}
