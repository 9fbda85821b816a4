//! Liquid alpha's chips against their native rules, and the whole `yuma3-liquid` epoch circuit:
//! `exp_safe` (clamp, sign, 30 Taylor steps, `exp(1)`, the reciprocal) and the per-cell sigmoid
//! agree bit for bit with the native reference over edge and random operands; each witness class
//! (an alpha, an exp term, a sigmoid input, the exponent, σ) moved leaves the system
//! unsatisfied; every liquid-alpha statement field (bounds, steepness, the stored previous
//! consensus the sigmoid reads, whether it reads it) is bound by the digest, in the circuit and in
//! the native check alike.
mod common;

use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use common::{finalize_for_tampering, fr_bits, satisfied_with_var_moved};
use zkyuma_circuits::epoch::constraints::EpochCircuit;
use zkyuma_circuits::epoch::{EpochCheckError, EpochRound, EpochStatement, LiquidAlphaState};
use zkyuma_circuits::fixed::constraints::exp_safe;
use zkyuma_circuits::fixed::{self, I32F32};
use zkyuma_circuits::yuma::liquid_alpha::constraints::{liquid_alpha_sigmoid, LiquidAlphaVars};
use zkyuma_circuits::yuma::liquid_alpha::liquid_alpha_sigmoid as native_sigmoid;
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_circuits::yuma::ConsensusMode;

/// A small deterministic generator (the tests need no statistical quality).
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn exp_case(
    x: i64,
) -> (
    ConstraintSystemRef<Fr>,
    zkyuma_circuits::fixed::constraints::ExpVars,
) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let var = FpVar::new_witness(cs.clone(), || Ok(fr_bits(x))).expect("x");
    let vars = exp_safe(&var, 41).expect("exp");
    (cs, vars)
}

#[test]
fn exp_safe_matches_the_native_rule() {
    let one = 1i64 << 32;
    let bound = fixed::EXP_SAFE_BOUND;
    let mut xs = vec![
        0,
        1,
        -1,
        one,
        -one,
        one + 1,
        one - 1,
        one / 2,
        -one / 2,
        bound,
        -bound,
        bound - 1,
        -bound + 1,
        bound + 1,
        -bound - 1,
        3 * bound,
        -3 * bound,
        (1 << 40) - 1,
        -(1 << 40),
    ];
    let mut rng = Mix(7);
    for _ in 0..40 {
        let magnitude = rng.below(2 * bound as u64) as i64;
        xs.push(if rng.below(2) == 0 {
            magnitude
        } else {
            -magnitude
        });
    }
    for x in xs {
        let (cs, vars) = exp_case(x);
        assert!(cs.is_satisfied().expect("assignment"), "x = {x}");
        let want = fixed::exp_safe(I32F32::from_bits(x)).to_bits();
        assert_eq!(vars.value.value().expect("value"), fr_bits(want), "x = {x}");
    }
}

#[test]
fn exp_safe_terms_and_result_are_pinned() {
    // Why: every Taylor term is a witness; a moved term (or result, or clamped operand) must
    // break the system, at a positive and a negative operand.
    for x in [3 * (1i64 << 32) + 12345, -(7 * (1i64 << 32) + 999)] {
        let (cs, vars) = exp_case(x);
        finalize_for_tampering(&cs);
        let large = |t: &FpVar<Fr>| t.value().expect("term") > Fr::from(1u64 << 20);
        let terms: Vec<_> = vars
            .terms
            .iter()
            .enumerate()
            .filter(|(_, t)| large(t))
            .collect();
        assert!(terms.len() >= 8, "{} large terms", terms.len());
        for (k, term) in terms {
            for delta in [1, -1] {
                assert!(
                    !satisfied_with_var_moved(&cs, term, delta),
                    "x = {x}: term {} moved by {delta}",
                    k + 1
                );
            }
        }
        for delta in [1, -1] {
            assert!(!satisfied_with_var_moved(&cs, &vars.value, delta), "result");
            assert!(
                !satisfied_with_var_moved(&cs, &vars.clamped, delta),
                "clamp"
            );
        }
    }
}

struct SigmoidCase {
    consensus: i64,
    weight: i64,
    bond: i64,
    state: LiquidAlphaState,
}

fn sigmoid_cs(
    case: &SigmoidCase,
) -> (
    ConstraintSystemRef<Fr>,
    zkyuma_circuits::yuma::liquid_alpha::constraints::SigmoidVars,
) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let params = LiquidAlphaVars::new(cs.clone(), &case.state, 1).expect("params");
    let w = |x: i64| FpVar::new_witness(cs.clone(), || Ok(fr_bits(x))).expect("value");
    let vars = liquid_alpha_sigmoid(&params, &w(case.consensus), &w(case.weight), &w(case.bond))
        .expect("sigmoid");
    (cs, vars)
}

fn native(case: &SigmoidCase) -> i64 {
    let s = &case.state;
    native_sigmoid(
        I32F32::from_bits(case.consensus),
        I32F32::from_bits(case.weight),
        I32F32::from_bits(case.bond),
        s.low(),
        s.high(),
        I32F32::from_int(i64::from(s.steepness)),
    )
    .to_bits()
}

fn state(low: u16, high: u16, steepness: i16) -> LiquidAlphaState {
    LiquidAlphaState {
        alpha_low: low,
        alpha_high: high,
        steepness,
        sigmoid_consensus: None,
    }
}

#[test]
fn the_sigmoid_matches_the_native_rule() {
    let one = 1i64 << 32;
    let mut rng = Mix(11);
    let mut cases = Vec::new();
    for steepness in [i16::MIN, -3000, -1, 0, 1, 100, 1000, 32767] {
        for (low, high) in [(45875, 58982), (0, 65535), (1, 1), (65535, 65535), (0, 0)] {
            // Edges: equal values, zeros, ones, weight on either side of the bond.
            for (c, w, b) in [
                (0, 0, 0),
                (one, one, one),
                (one / 2, one, 0),
                (one, 0, one),
                (0, one / 3, one / 3),
                (one / 4, one / 2, one / 2 + 1),
            ] {
                cases.push(SigmoidCase {
                    consensus: c,
                    weight: w,
                    bond: b,
                    state: state(low, high, steepness),
                });
            }
            let r = |rng: &mut Mix| rng.below(one as u64 + 1) as i64;
            cases.push(SigmoidCase {
                consensus: r(&mut rng),
                weight: r(&mut rng),
                bond: r(&mut rng),
                state: state(low, high, steepness),
            });
        }
    }
    for case in &cases {
        let (cs, vars) = sigmoid_cs(case);
        assert!(
            cs.is_satisfied().expect("assignment"),
            "c={} w={} b={} steepness={}",
            case.consensus,
            case.weight,
            case.bond,
            case.state.steepness
        );
        assert_eq!(
            vars.alpha.value().expect("alpha"),
            fr_bits(native(case)),
            "c={} w={} b={} steepness={} low={} high={}",
            case.consensus,
            case.weight,
            case.bond,
            case.state.steepness,
            case.state.alpha_low,
            case.state.alpha_high
        );
    }
}

#[test]
fn every_sigmoid_witness_class_is_pinned() {
    // Why: the alpha, the sigmoid input, the exponent, an exp term and σ are each witnesses a
    // cheating prover could move to steer a bond; each move must break the system.
    let one = 1i64 << 32;
    let case = SigmoidCase {
        consensus: one / 5,
        weight: one / 2,
        bond: one / 3,
        state: state(45875, 58982, 1000),
    };
    let (cs, vars) = sigmoid_cs(&case);
    finalize_for_tampering(&cs);
    for delta in [1, -1] {
        assert!(!satisfied_with_var_moved(&cs, &vars.alpha, delta), "alpha");
        assert!(!satisfied_with_var_moved(&cs, &vars.diff, delta), "diff");
        assert!(
            !satisfied_with_var_moved(&cs, &vars.exponent, delta),
            "exponent"
        );
        assert!(!satisfied_with_var_moved(&cs, &vars.sigma, delta), "sigma");
        assert!(
            !satisfied_with_var_moved(&cs, &vars.exp.terms[4], delta),
            "exp term 5"
        );
        assert!(
            !satisfied_with_var_moved(&cs, &vars.exp.value, delta),
            "exp value"
        );
    }
}

fn liquid_round(mode: ConsensusMode, seed: u64) -> EpochRound {
    let mut input = SyntheticEpoch {
        validators: 3,
        uids: 5,
        yuma3: true,
        liquid_alpha: true,
        seed,
    }
    .build();
    input.bonds_penalty = 30000;
    input.liquid_alpha_consensus_mode = mode;
    input.previous_consensus = Some(vec![0, 20000, 65535, 7, 40000]);
    let rows = (0..input.n)
        .filter(|u| input.validator_permit[usize::from(*u)])
        .count() as u64;
    EpochRound {
        netuid: 2,
        epoch: 11,
        input,
        validators: None,
        prev_validators: None,
        weight_blindings: (0..rows).map(|i| Fr::from(100 + i)).collect(),
        prev_bonds_blinding: Fr::from(7u64),
        new_bonds_blinding: Fr::from(8u64),
    }
}

/// One named change to liquid alpha's statement state.
type StateTamper = Box<dyn Fn(&mut LiquidAlphaState)>;

fn circuit_satisfied(circuit: &EpochCircuit, digest: Fr) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .synthesize_with_input(cs.clone(), digest)
        .expect("synthesis");
    cs.is_satisfied().expect("assignment")
}

#[test]
fn the_liquid_epoch_circuit_is_satisfied_and_binds_its_statement() {
    for mode in [ConsensusMode::Current, ConsensusMode::Previous] {
        let round = liquid_round(mode, 3);
        let circuit = EpochCircuit::build(&round, [4; 32]).expect("build");
        let (statement, witness) = (circuit.statement.clone(), circuit.witness.clone());
        let la = statement.chain.liquid_alpha.clone().expect("liquid state");
        assert_eq!(
            la.sigmoid_consensus.is_some(),
            mode == ConsensusMode::Previous,
            "{mode:?}"
        );
        statement.check(&witness).expect("native check");
        assert!(
            circuit_satisfied(&circuit, statement.public_digest()),
            "{mode:?}"
        );

        // Each liquid-alpha field changed: another digest, refused by the native check and
        // unsatisfiable with the honest witness.
        let tampers: Vec<(&str, StateTamper)> = vec![
            ("alpha_low", Box::new(|s| s.alpha_low -= 1)),
            ("alpha_high", Box::new(|s| s.alpha_high += 1)),
            ("steepness", Box::new(|s| s.steepness += 1)),
            (
                "sigmoid_consensus",
                Box::new(|s| match s.sigmoid_consensus.as_mut() {
                    Some(c) => c.iter_mut().for_each(|x| *x = 65535 - *x),
                    None => s.sigmoid_consensus = Some(vec![0; 5]),
                }),
            ),
            (
                "reads the stored consensus",
                Box::new(|s| {
                    s.sigmoid_consensus = match s.sigmoid_consensus {
                        Some(_) => None,
                        None => Some(vec![9000; 5]),
                    }
                }),
            ),
        ];
        let mut refused = 0;
        let count = tampers.len();
        for (what, tamper) in tampers {
            let mut other: EpochStatement = statement.clone();
            tamper(other.chain.liquid_alpha.as_mut().expect("state"));
            assert_ne!(other.public_digest(), statement.public_digest(), "{what}");
            // The honest circuit against the changed statement's digest.
            assert!(
                !circuit_satisfied(&circuit, other.public_digest()),
                "{mode:?} {what}: digest bound"
            );
            // The changed statement with the honest witness: the native check and the circuit
            // agree (a change the results absorb is no false statement).
            let native = other.check(&witness);
            assert!(
                matches!(native, Ok(()) | Err(EpochCheckError::Result { .. })),
                "{mode:?} {what}: {native:?}"
            );
            let changed = EpochCircuit::new(other.clone(), witness.clone()).expect("circuit");
            assert_eq!(
                circuit_satisfied(&changed, other.public_digest()),
                native.is_ok(),
                "{mode:?} {what}: native check and circuit disagree"
            );
            refused += usize::from(native.is_err());
        }
        assert!(
            refused + 1 >= count,
            "{mode:?}: {refused} of {count} refused"
        );
    }
}

#[test]
fn a_liquid_state_on_another_rule_is_refused() {
    let round = liquid_round(ConsensusMode::Current, 4);
    let (mut statement, _) = round.build([4; 32]).expect("build");
    let state = statement.chain.liquid_alpha.take();
    assert!(matches!(
        statement.validate(),
        Err(zkyuma_circuits::epoch::EpochStatementError::LiquidAlphaRule)
    ));
    statement.chain.liquid_alpha = state;
    statement.chain.shape.bonds = zkyuma_circuits::epoch::BondsRule::Yuma3;
    assert!(matches!(
        statement.validate(),
        Err(zkyuma_circuits::epoch::EpochStatementError::LiquidAlphaRule)
    ));
}

fn constraints(validators: u32, uids: u32, bonds: zkyuma_circuits::epoch::BondsRule) -> usize {
    let shape = zkyuma_circuits::epoch::EpochShape {
        validators,
        uids,
        bonds,
    };
    let circuit = EpochCircuit::blank(shape);
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(ark_relations::gr1cs::OptimizationGoal::Constraints);
    circuit
        .synthesize_with_input(cs.clone(), Fr::from(0u64))
        .expect("synthesis");
    cs.finalize();
    cs.num_constraints()
}

#[test]
fn liquid_alpha_costs_a_fixed_number_of_constraints_per_cell() {
    // Why: the README's per-cell figures come from this cost: liquid alpha adds a fixed number
    // of constraints per (row, uid) cell to Yuma3 — the sigmoid, its exp and the EMA — plus
    // per-uid parameters and the digest's extra hashing (a few hundred per row at most: where
    // the statement's elements fall in the hash's blocks shifts with the row count).
    use zkyuma_circuits::epoch::BondsRule::{Yuma3, Yuma3Liquid};
    let extra = |v, n| constraints(v, n, Yuma3Liquid) as i64 - constraints(v, n, Yuma3) as i64;
    let step = |n| extra(2, n) - extra(1, n);
    let cell = (step(6) - step(4)) / 2;
    for n in [8, 10] {
        assert_eq!(step(n) - step(n - 2), 2 * cell, "n = {n}");
    }
    assert_eq!(cell, 3703, "constraints per liquid-alpha cell");
    for (v, n) in [(3, 10), (5, 12)] {
        let overhead = extra(v, n) - (v * n) as i64 * cell;
        assert!(
            (0..=600 * v as i64 + 40 * n as i64).contains(&overhead),
            "{v}x{n}: {overhead} beyond the cells"
        );
    }
}

/// The consensus the sigmoid reads: with a stored consensus, each u16 as a proportion
/// (`⌊c·2^32 / 65535⌋`, exactly `2^32` at 65535); without, this epoch's consensus unchanged.
/// (Mutation testing found the `[c = 65535]` correction unchecked: no stored consensus reached
/// 65535.)
#[test]
fn the_stored_consensus_reads_as_a_proportion() {
    let stored = vec![0u16, 1, 32768, 65534, 65535];
    let current: Vec<i64> = vec![5, 1 << 31, 1 << 32, 7, (1 << 32) + 3];
    for with_stored in [true, false] {
        let mut s = state(1000, 60000, 1000);
        s.sigmoid_consensus = with_stored.then(|| stored.clone());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let params = LiquidAlphaVars::new(cs.clone(), &s, stored.len()).expect("params");
        let c: Vec<FpVar<Fr>> = current
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(fr_bits(*x))).expect("value"))
            .collect();
        let read = params.sigmoid_consensus(&c).expect("consensus");
        assert!(cs.is_satisfied().expect("assignment"));
        for (j, r) in read.iter().enumerate() {
            let want = if with_stored {
                ((u128::from(stored[j]) << 32) / 65535) as i64
            } else {
                current[j]
            };
            assert_eq!(r.value().expect("value"), fr_bits(want), "uid {j}");
        }
        if with_stored {
            assert_eq!(read[4].value().expect("value"), fr_bits(1 << 32));
        }
    }
}
