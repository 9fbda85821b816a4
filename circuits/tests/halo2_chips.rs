//! The halo2 chips against their native twins, with halo2's `MockProver`: honest witnesses
//! satisfy every gate and lookup and give the native value (checked as a public input), and each
//! witness class tampered fails at the named gate or lookup, region and offset.
#![cfg(feature = "halo2")]

use ark_bn254::Fr;
use halo2_axiom::circuit::{SimpleFloorPlanner, Value};
use halo2_axiom::dev::{FailureLocation, MockProver, VerifyFailure};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Circuit, ConstraintSystem, Error};
use proptest::prelude::*;
use std::sync::{Arc, Mutex};
use zkyuma_circuits::fixed::halo2 as fixed;
use zkyuma_circuits::fixed::{div_trunc_i64, mul_floor_i64};
use zkyuma_circuits::halo2::{arith, range};
use zkyuma_circuits::halo2::{
    fp_u128, to_fp, ChipConfig, Fp, RegionLayout, Rows, Synth, Tamper, Wire,
};
use zkyuma_circuits::poseidon::halo2 as poseidon;
use zkyuma_circuits::poseidon::{hash2, hash_many, Domain};

/// The chip call under test: from the input wires to the outputs made public.
type Op = Arc<dyn Fn(&mut Rows<'_, '_>, &[Wire]) -> Result<Vec<Wire>, Error> + Send + Sync>;

/// A circuit of one region of inputs and one region (named `name`) of the chip call.
#[derive(Clone)]
struct Harness {
    name: &'static str,
    limb_bits: usize,
    inputs: Vec<Value<Fp>>,
    op: Op,
    tamper: Vec<Tamper>,
    layout: Arc<Mutex<RegionLayout>>,
}

impl Circuit<Fp> for Harness {
    type Config = ChipConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        Self {
            inputs: vec![Value::unknown(); self.inputs.len()],
            ..self.clone()
        }
    }

    fn params(&self) -> usize {
        self.limb_bits
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fp>, limb_bits: usize) -> ChipConfig {
        ChipConfig::configure(meta, limb_bits)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> ChipConfig {
        ChipConfig::configure(meta, 16)
    }

    fn synthesize(
        &self,
        config: ChipConfig,
        layouter: impl halo2_axiom::circuit::Layouter<Fp>,
    ) -> Result<(), Error> {
        let mut synth = Synth::new(&config, layouter)?.with_tamper(&self.tamper);
        let inputs = synth.region("inputs", |rows| {
            let first = rows.take(self.inputs.len());
            Ok(self
                .inputs
                .iter()
                .enumerate()
                .map(|(i, v)| rows.advice(4, first + i, *v))
                .collect::<Vec<_>>())
        })?;
        let outputs = synth.region(self.name, |rows| (self.op)(rows, &inputs))?;
        for (i, w) in outputs.iter().enumerate() {
            synth.expose(w, i);
        }
        if let Ok(mut layout) = self.layout.lock() {
            *layout = synth.regions().to_vec();
        }
        Ok(())
    }
}

/// Rows of the test circuits (8-bit limbs: a 256-row table).
const K: u32 = 10;
const LIMB: usize = 8;

fn harness(name: &'static str, inputs: &[Fp], op: Op) -> Harness {
    Harness {
        name,
        limb_bits: LIMB,
        inputs: inputs.iter().map(|x| Value::known(*x)).collect(),
        op,
        tamper: Vec::new(),
        layout: Arc::default(),
    }
}

impl Harness {
    fn run(&self, public: &[Fp]) -> Result<(), Vec<VerifyFailure>> {
        self.run_at(K, public)
    }

    fn run_at(&self, k: u32, public: &[Fp]) -> Result<(), Vec<VerifyFailure>> {
        let prover = MockProver::run(k, self, vec![public.to_vec()])
            .unwrap_or_else(|e| panic!("synthesis of {}: {e:?}", self.name));
        prover.verify()
    }

    /// The absolute row of `offset` in the chip call's region (after an honest run laid it out).
    fn row(&self, offset: usize) -> usize {
        let layout = self.layout.lock().map(|l| l.clone()).unwrap_or_default();
        let (_, rows) = layout
            .iter()
            .find(|(name, _)| name == self.name)
            .unwrap_or_else(|| panic!("no region {}", self.name));
        rows.start + offset
    }

    fn tampered(&self, cells: &[(usize, usize, Fp)]) -> Self {
        Self {
            tamper: cells
                .iter()
                .map(|&(column, offset, value)| Tamper {
                    column,
                    row: self.row(offset),
                    value,
                })
                .collect(),
            ..self.clone()
        }
    }
}

/// What a failure names: the gate or lookup (or the permutation), the region and the offset.
#[derive(Debug, PartialEq, Eq)]
enum Failed {
    Gate(String, String, usize),
    Lookup(String, String, usize),
    Copy(String),
}

impl Harness {
    /// The region (by this harness's layout) and offset of an absolute row.
    fn locate(&self, row: usize) -> (String, usize) {
        let layout = self.layout.lock().map(|l| l.clone()).unwrap_or_default();
        layout
            .iter()
            .find(|(_, rows)| rows.contains(&row))
            .map(|(name, rows)| (name.clone(), row - rows.start))
            .unwrap_or(("outside".to_string(), row))
    }

    /// `MockProver`'s location as an absolute row, then as this harness's region and offset.
    fn located(&self, location: &FailureLocation) -> (String, usize) {
        match location {
            FailureLocation::InRegion { region, offset } => {
                // `MockProver` starts a region at its first fixed cell, which `Synth` puts at the
                // region's first row; regions are matched by name (the table is one of its own).
                let name = region
                    .to_string()
                    .split('\'')
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let layout = self.layout.lock().map(|l| l.clone()).unwrap_or_default();
                let start = layout
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, rows)| rows.start)
                    .unwrap_or_else(|| panic!("no region {name}"));
                self.locate(start + offset)
            }
            FailureLocation::OutsideRegion { row } => self.locate(*row),
        }
    }

    /// The failures of a run, each as the gate or lookup (or copy) with region and offset.
    fn failures(&self, public: &[Fp]) -> Vec<Failed> {
        self.failures_at(K, public)
    }

    fn failures_at(&self, k: u32, public: &[Fp]) -> Vec<Failed> {
        let failures = self.run_at(k, public).err().unwrap_or_default();
        failures
            .iter()
            .map(|f| match f {
                VerifyFailure::ConstraintNotSatisfied {
                    constraint,
                    location,
                    ..
                } => {
                    let gate = constraint
                        .to_string()
                        .split('\'')
                        .nth(1)
                        .unwrap_or_default()
                        .to_string();
                    let (region, offset) = self.located(location);
                    Failed::Gate(gate, region, offset)
                }
                VerifyFailure::Lookup { name, location, .. } => {
                    let (region, offset) = self.located(location);
                    Failed::Lookup(name.clone(), region, offset)
                }
                VerifyFailure::Permutation { .. } => Failed::Copy(f.to_string()),
                other => panic!("unexpected failure {other}"),
            })
            .fold(Vec::new(), |mut all, f| {
                // One entry per gate and location, however many of its constraints fail there.
                if all.last() != Some(&f) {
                    all.push(f);
                }
                all
            })
    }
}

/// A public input that is not the cell made public: the copy constraint between the two fails,
/// reported on both cells.
fn is_instance_copy(failed: &[Failed]) -> bool {
    failed.len() == 2
        && failed.iter().all(|f| matches!(f, Failed::Copy(_)))
        && failed
            .iter()
            .any(|f| matches!(f, Failed::Copy(c) if c.contains("Instance")))
}

fn gate(name: &str, region: &str, offset: usize) -> Failed {
    Failed::Gate(name.to_string(), region.to_string(), offset)
}

fn lookup(name: &str, region: &str, offset: usize) -> Failed {
    Failed::Lookup(name.to_string(), region.to_string(), offset)
}

fn fp(x: u128) -> Fp {
    fp_u128(x)
}

// ---------------------------------------------------------------- range

fn range_op(bits: usize) -> Op {
    Arc::new(move |rows, inputs| {
        range::check(rows, &inputs[0], bits)?;
        Ok(Vec::new())
    })
}

#[test]
fn range_accepts_every_value_below_the_bound() {
    for bits in [1, 7, 8, 9, 12, 16, 32, 40, 64, 65] {
        for x in [0u128, 1, (1u128 << bits) - 1, (1u128 << bits) / 3] {
            let h = harness("range", &[fp(x)], range_op(bits));
            assert_eq!(h.run(&[]), Ok(()), "{x} on {bits} bits");
        }
    }
}

#[test]
fn range_refuses_the_bound_at_the_last_limb_or_the_top_lookup() {
    // A multiple of the limb width: 2^16 on 16 bits leaves 1 in the last running sum.
    let h = harness("range", &[fp(1 << 16)], range_op(16));
    assert_eq!(h.failures(&[]), vec![gate("range last limb", "range", 1)]);
    // 12 bits = 8 + 4: 2^12 has top limb 16, and 16·2^4 is not in the table.
    let h = harness("range", &[fp(1 << 12)], range_op(12));
    assert_eq!(h.failures(&[]), vec![lookup("range top limb", "range", 1)]);
    // A field element that is a small negative number.
    let h = harness("range", &[-Fp::ONE], range_op(64));
    assert_eq!(h.failures(&[]), vec![gate("range last limb", "range", 7)]);
}

#[test]
fn range_tampered_limbs_and_sums_fail_where_they_are() {
    let h = harness("range", &[fp(0x1234)], range_op(16));
    assert_eq!(h.run(&[]), Ok(()));
    // A limb off by one: the running sum at its row.
    let t = h.tampered(&[(1, 0, fp(0x35))]);
    assert_eq!(t.failures(&[]), vec![gate("range running sum", "range", 0)]);
    // A wide limb balanced by the next sum: the sums hold, the limb's lookup fails.
    let t = h.tampered(&[(1, 0, fp(0x1234)), (0, 1, Fp::ZERO), (1, 1, Fp::ZERO)]);
    assert_eq!(t.failures(&[]), vec![lookup("range limb", "range", 0)]);
    // The running sum's first cell is a copy of the checked value.
    let t = h.tampered(&[(0, 0, fp(0x1235)), (1, 0, fp(0x35))]);
    let failed = t.failures(&[]);
    assert!(
        !failed.is_empty() && failed.iter().all(|f| matches!(f, Failed::Copy(_))),
        "{failed:?}"
    );
}

#[test]
fn range_with_the_production_table() {
    // 16-bit limbs need 2^16 table rows: k = 17.
    let h = Harness {
        limb_bits: 16,
        ..harness("range", &[fp((1 << 40) - 1)], range_op(40))
    };
    assert_eq!(h.run_at(17, &[]), Ok(()));
    let h = Harness {
        inputs: vec![Value::known(fp(1 << 40))],
        ..h
    };
    assert_eq!(
        h.failures_at(17, &[]),
        vec![lookup("range top limb", "range", 2)]
    );
}

// ---------------------------------------------------------------- fixed point

fn mul_floor_op(a_max: u128, b_max: u128) -> Op {
    Arc::new(move |rows, i| Ok(vec![fixed::mul_floor(rows, &i[0], &i[1], a_max, b_max)?]))
}

const UNIT: u128 = 1 << 32;

#[test]
fn mul_floor_tampered_quotient_and_remainder() {
    let (a, b) = (0x1_0000_0000u128, 0x8000_0001u128);
    let q = mul_floor_i64(a as i64, b as i64) as u128;
    let h = harness("mul_floor", &[fp(a), fp(b)], mul_floor_op(UNIT, UNIT));
    assert_eq!(h.run(&[fp(q)]), Ok(()));
    // A wrong public quotient: the copy to the instance column.
    let failed = h.failures(&[fp(q + 1)]);
    assert!(is_instance_copy(&failed), "{failed:?}");
    // The quotient alone off by one: the product row.
    let t = h.tampered(&[(2, 0, fp(q + 1))]);
    assert_eq!(
        t.failures(&[fp(q + 1)]),
        vec![gate("arith", "mul_floor", 0)]
    );
    // Quotient up, remainder down by 2^32 (the product holds): the remainder's range check.
    // Row 0 is the product, then q's range (33 bits: 5 rows), then r's (4 rows).
    let r = (a * b) % UNIT;
    let t = h.tampered(&[(2, 0, fp(q + 1)), (3, 0, fp(r) - fp(UNIT))]);
    assert_eq!(
        t.failures(&[fp(q + 1)]),
        vec![gate("range last limb", "mul_floor", 1 + 5 + 3)]
    );
}

#[test]
fn floor_to_int_and_mul_ceil_match_native() {
    let x = 0x3_8000_0001u128;
    let h = harness(
        "floor_to_int",
        &[fp(x)],
        Arc::new(|rows, i| Ok(vec![fixed::floor_to_int(rows, &i[0], 7)?])),
    );
    assert_eq!(h.run(&[fp(3)]), Ok(()));
    let t = h.tampered(&[(0, 0, fp(4))]);
    assert_eq!(t.failures(&[fp(4)]), vec![gate("arith", "floor_to_int", 0)]);

    let (a, b) = (0x7fff_ffffu128, 0x1_0000_0001u128);
    let ceil = -mul_floor_i64(-(a as i64), b as i64);
    let h = harness(
        "mul_ceil",
        &[fp(a), fp(b)],
        Arc::new(|rows, i| Ok(vec![fixed::mul_ceil(rows, &i[0], &i[1], UNIT, UNIT + 1)?])),
    );
    assert_eq!(h.run(&[fp(ceil as u128)]), Ok(()));
}

#[test]
fn div_trunc_tampered_remainder_above_the_divisor() {
    let (a, d) = (3u128, 7u128);
    let q = div_trunc_i64(a as i64, d as i64).unwrap_or_default() as u128;
    let op: Op = Arc::new(|rows, i| Ok(vec![fixed::div_trunc(rows, &i[0], &i[1], UNIT, 1 << 20)?]));
    let h = harness("div_trunc", &[fp(a << 32), fp(d)], op);
    assert_eq!(h.run(&[fp(q)]), Ok(()));
    // q − 1 with r + d satisfies the product; the slack d − 1 − r is negative. Rows: the product,
    // the slack, q's range (33 bits: 5 rows), r's (20 bits: 3 rows), the slack's (3 rows).
    let r = (a << 32) % d;
    let t = h.tampered(&[(0, 0, fp(q - 1)), (2, 0, fp(r + d))]);
    assert_eq!(
        t.failures(&[fp(q - 1)]),
        vec![
            gate("range last limb", "div_trunc", 2 + 5 + 3 + 2),
            lookup("range top limb", "div_trunc", 2 + 5 + 3 + 2),
        ]
    );
}

#[test]
fn comparisons_match_native() {
    let less: Op = Arc::new(|rows, i| Ok(vec![arith::is_less(rows, &i[0], &i[1], 40)?]));
    for (a, b) in [(3u128, 5u128), (5, 3), (4, 4), (0, 1 << 39), (1 << 39, 0)] {
        let h = harness("is_less", &[fp(a), fp(b)], less.clone());
        assert_eq!(h.run(&[fp(u128::from(a < b))]), Ok(()), "{a} < {b}");
        // The other answer: the signed difference leaves the range (rows: lt, its booleanity,
        // b − a, lt·(b − a), the signed value, its 5-row range check).
        let t = h.tampered(&[(2, 0, fp(u128::from(a >= b)))]);
        let failed = t.failures(&[fp(u128::from(a >= b))]);
        assert_eq!(
            failed,
            vec![gate("range last limb", "is_less", 5 + 4)],
            "{a} < {b}"
        );
    }
    // A non-boolean answer.
    let h = harness("is_less", &[fp(3), fp(5)], less);
    assert_eq!(h.run(&[fp(1)]), Ok(()));
    let t = h.tampered(&[(2, 0, fp(2))]);
    assert!(t.failures(&[fp(2)]).contains(&gate("arith", "is_less", 1)));

    let zero: Op = Arc::new(|rows, i| Ok(vec![arith::is_zero(rows, &i[0])?]));
    for x in [0u128, 1, 12345] {
        let h = harness("is_zero", &[fp(x)], zero.clone());
        assert_eq!(h.run(&[fp(u128::from(x == 0))]), Ok(()));
        let t = h.tampered(&[(2, 0, fp(u128::from(x != 0)))]);
        assert!(!t.failures(&[fp(u128::from(x != 0))]).is_empty());
    }

    let below: Op = Arc::new(|rows, i| {
        arith::enforce_below(rows, &i[0], &i[1], 16)?;
        Ok(Vec::new())
    });
    assert_eq!(
        harness("below", &[fp(4), fp(5)], below.clone()).run(&[]),
        Ok(())
    );
    // x = y: the slack −1 fails its range check (x's 2 rows, the slack row, its last limb).
    assert_eq!(
        harness("below", &[fp(5), fp(5)], below).failures(&[]),
        vec![gate("range last limb", "below", 2 + 1 + 1)]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn mul_floor_and_div_trunc_are_the_native_rules(a in 0u64..=1 << 32, b in 0u64..=1 << 32, d in 1u64..1 << 20) {
        let q = mul_floor_i64(a as i64, b as i64) as u128;
        let h = harness("mul_floor", &[fp(a.into()), fp(b.into())], mul_floor_op(UNIT, UNIT));
        prop_assert_eq!(h.run(&[fp(q)]), Ok(()));
        prop_assert!(h.run(&[fp(q + 1)]).is_err());

        let n = u128::from(a) << 32;
        let q = div_trunc_i64(a as i64, d as i64).unwrap_or_default() as u128;
        let op: Op = Arc::new(|rows, i| Ok(vec![fixed::div_trunc(rows, &i[0], &i[1], 1 << 52, 1 << 20)?]));
        let h = harness("div_trunc", &[fp(n), fp(d.into())], op);
        prop_assert_eq!(h.run(&[fp(q)]), Ok(()));
        prop_assert!(h.run(&[fp(q.wrapping_sub(1))]).is_err());
    }
}

// ---------------------------------------------------------------- poseidon

fn elements(n: usize) -> Vec<Fr> {
    (0..n as u64).map(|i| Fr::from(i * 7919 + 3)).collect()
}

#[test]
fn poseidon_hashes_are_the_native_hashes() {
    let (a, b) = (Fr::from(1u64), Fr::from(2u64));
    let h = harness(
        "hash2",
        &[to_fp(a), to_fp(b)],
        Arc::new(|rows, i| Ok(vec![poseidon::hash2(rows, &i[0], &i[1])?])),
    );
    assert_eq!(h.run(&[to_fp(hash2(a, b))]), Ok(()));
    assert!(h.run(&[to_fp(hash2(b, a))]).is_err());

    for n in [0, 1, 2, 3, 4, 5, 7, 8] {
        for domain in [Domain::MinerOutputs, Domain::EpochStatement] {
            let xs = elements(n);
            let inputs: Vec<Fp> = xs.iter().map(|x| to_fp(*x)).collect();
            let h = harness(
                "hash_many",
                &inputs,
                Arc::new(move |rows, i| Ok(vec![poseidon::hash_many(rows, domain, i)?])),
            );
            assert_eq!(
                h.run(&[to_fp(hash_many(domain, &xs))]),
                Ok(()),
                "{n} elements"
            );
        }
    }
}

#[test]
fn poseidon_tampered_state_capacity_and_input() {
    let xs = elements(3);
    let inputs: Vec<Fp> = xs.iter().map(|x| to_fp(*x)).collect();
    let h = harness(
        "hash_many",
        &inputs,
        Arc::new(|rows, i| Ok(vec![poseidon::hash_many(rows, Domain::Bonds, i)?])),
    );
    let digest = to_fp(hash_many(Domain::Bonds, &xs));
    assert_eq!(h.run(&[digest]), Ok(()));
    // A state cell inside the partial rounds (round 10, row 10, column 3): the round before it
    // (its output 3) and its own round (every output mixes column 3).
    let t = h.tampered(&[(3, 10, Fp::from(99))]);
    assert_eq!(
        t.failures(&[digest]),
        vec![
            gate("poseidon5 partial round", "hash_many", 9),
            gate("poseidon5 partial round", "hash_many", 10),
        ]
    );
    // An S-box square (round 1, row 1, square column 2 = advice column 7): its round.
    let t = h.tampered(&[(7, 1, Fp::from(99))]);
    assert_eq!(
        t.failures(&[digest]),
        vec![gate("poseidon5 full round", "hash_many", 1)]
    );
    // The output cell: its round's gate (the last full round, row 67) and the public input.
    let t = h.tampered(&[(0, 68, Fp::from(99))]);
    let failed = t.failures(&[digest]);
    assert_eq!(failed[0], gate("poseidon5 full round", "hash_many", 67));
    assert!(is_instance_copy(&failed[1..]), "{failed:?}");
    // Another domain's capacity: the pinned constant's copy constraint.
    let t = h.tampered(&[(
        0,
        0,
        to_fp(zkyuma_circuits::poseidon::capacity(Domain::WeightRow, 3)),
    )]);
    let failed = t.failures(&[digest]);
    assert!(
        !failed.is_empty()
            && failed
                .iter()
                .all(|f| matches!(f, Failed::Copy(_)) || matches!(f, Failed::Gate(..)))
    );
    assert!(
        failed.iter().any(|f| matches!(f, Failed::Copy(_))),
        "{failed:?}"
    );
    // The zero padding (column 4) pinned too.
    let t = h.tampered(&[(4, 0, Fp::ONE)]);
    assert!(t
        .failures(&[digest])
        .iter()
        .any(|f| matches!(f, Failed::Copy(_))));
}

// ---------------------------------------------------------------- the epoch's fixed-point chips

fn signed(x: i128) -> Fp {
    zkyuma_circuits::halo2::fp_i128(x)
}

#[test]
fn signed_floor_multiplication_matches_native() {
    // Why: liquid alpha's exponent is a signed product; its floor rounds toward −∞ as the
    // chain's fixed-point multiplication does.
    let op: Op = Arc::new(|rows, i| Ok(vec![fixed::mul_floor_signed(rows, &i[0], &i[1], 40)?]));
    for (a, b) in [
        (-(327i64 << 32), (1i64 << 31) - 5),
        (12345 << 20, -(1i64 << 31)),
        (-7, -(3i64 << 30)),
        (0, -1),
    ] {
        let q = mul_floor_i64(a, b);
        let h = harness(
            "mul_floor_signed",
            &[signed(a.into()), signed(b.into())],
            op.clone(),
        );
        assert_eq!(h.run(&[signed(q)]), Ok(()), "{a} · {b}");
        // The quotient one below, the remainder 2^32 above: the remainder's range check.
        let r = i128::from(a) * i128::from(b) - (q << 32);
        let t = h.tampered(&[(2, 0, signed(q - 1)), (3, 0, signed(r + (1 << 32)))]);
        assert_eq!(
            t.failures(&[signed(q - 1)]),
            vec![gate("range last limb", "mul_floor_signed", 4)],
            "{a} · {b}"
        );
    }
    // A quotient outside ±2^40: the offset's range check.
    let (a, b) = (i64::MAX >> 1, 1i64 << 40);
    let h = harness(
        "mul_floor_signed",
        &[signed(a.into()), signed(b.into())],
        op,
    );
    let failed = h.failures(&[signed(mul_floor_i64(a, b))]);
    assert!(
        failed
            .iter()
            .any(|f| matches!(f, Failed::Gate(g, r, _) if g == "range last limb" && r == "mul_floor_signed")),
        "{failed:?}"
    );
}

#[test]
fn deferred_floor_leaves_the_quotient_to_the_caller_and_checks_the_remainder() {
    let op: Op = Arc::new(|rows, i| {
        let (q, r) = fixed::mul_floor_deferred(rows, &i[0], &i[1])?;
        Ok(vec![q, r])
    });
    let (a, b) = (0x8000_0001u128, 0xffff_0001u128);
    let (q, r) = ((a * b) >> 32, (a * b) % UNIT);
    let h = harness("mul_floor_deferred", &[fp(a), fp(b)], op);
    assert_eq!(h.run(&[fp(q), fp(r)]), Ok(()));
    // One more quotient with the remainder 2^32 lower: only the remainder's range check
    // refuses it (the quotient is pinned by whoever uses it).
    let t = h.tampered(&[(2, 0, fp(q + 1)), (3, 0, fp(r) - fp(UNIT))]);
    assert_eq!(
        t.failures(&[fp(q + 1), fp(r) - fp(UNIT)]),
        vec![gate("range last limb", "mul_floor_deferred", 4)]
    );
}

#[test]
fn normalize_matches_native_and_a_zero_sum_gives_zeros() {
    let op: Op = Arc::new(|rows, i| fixed::normalize(rows, i, 3 * UNIT));
    for xs in [
        vec![UNIT, UNIT / 3, 7],
        vec![0, 0, 0],
        vec![UNIT, 0, UNIT],
        vec![1, 2, 3],
    ] {
        let total: u128 = xs.iter().sum();
        let expected: Vec<Fp> = xs
            .iter()
            .map(|x| fp((x * UNIT).checked_div(total).unwrap_or(0)))
            .collect();
        let inputs: Vec<Fp> = xs.iter().map(|x| fp(*x)).collect();
        let h = harness("normalize", &inputs, op.clone());
        assert_eq!(h.run(&expected), Ok(()), "{xs:?}");
        let mut wrong = expected.clone();
        wrong[0] += Fp::ONE;
        assert!(is_instance_copy(&h.failures(&wrong)), "{xs:?}");
    }
}

#[test]
fn exp_safe_matches_native_across_the_clamp() {
    // Why: the sigmoid's exponential, bit-exact with the chain's, including both clamps, the
    // reciprocal for negative operands and the exact value at 1.
    use zkyuma_circuits::fixed::{exp_safe, I32F32};
    let op: Op = Arc::new(|rows, i| Ok(vec![fixed::exp_safe(rows, &i[0], 41)?.value]));
    for x in [
        0i64,
        1 << 32,
        -(1 << 32),
        (3 << 32) + 12345,
        -(7 << 32) - 999,
        20 << 32,
        (25 << 32) + 1,
        -(300i64 << 32),
        1 << 20,
    ] {
        let native = exp_safe(I32F32::from_bits(x)).to_bits();
        let h = harness("exp_safe", &[signed(x.into())], op.clone());
        assert_eq!(h.run(&[signed(native.into())]), Ok(()), "exp_safe({x})");
        assert!(
            is_instance_copy(&h.failures(&[signed(i128::from(native) + 1)])),
            "exp_safe({x}) + 1 ulp"
        );
    }
}

#[test]
fn exp_safe_tampered_clamp_bit_fails_its_comparison() {
    let op: Op = Arc::new(|rows, i| Ok(vec![fixed::exp_safe(rows, &i[0], 41)?.value]));
    let x = 3i64 << 32;
    let h = harness("exp_safe", &[signed(x.into())], op);
    let native = zkyuma_circuits::fixed::exp_safe(zkyuma_circuits::fixed::I32F32::from_bits(x));
    assert_eq!(h.run(&[signed(native.to_bits().into())]), Ok(()));
    // Rows 0..3 pin the constants ±20 and 0; row 3 is the first comparison's bit (column 2):
    // claiming x < −20 breaks that comparison's range check.
    let t = h.tampered(&[(2, 3, Fp::ONE)]);
    let failed = t.failures(&[signed(native.to_bits().into())]);
    assert!(
        failed.iter().any(
            |f| matches!(f, Failed::Gate(_, r, _) | Failed::Lookup(_, r, _) if r == "exp_safe")
        ),
        "{failed:?}"
    );
}

#[test]
fn liquid_alpha_sigmoid_matches_native() {
    use zkyuma_circuits::fixed::I32F32;
    use zkyuma_circuits::yuma::liquid_alpha::halo2::{liquid_alpha_sigmoid, LiquidAlphaWires};
    use zkyuma_circuits::yuma::liquid_alpha::{self as la, LiquidAlphaState};
    for (steepness, (c, w, b)) in [
        (1000i16, (0x8000_0000i64, 0x9000_0000i64, 0x1000_0000i64)),
        (-3000, (0x4000_0000, 0x1000_0000, 0xffff_ffff)),
        (32767, (0x1_0000_0000, 0x1_0000_0000, 0)),
        (0, (0, 0, 0)),
    ] {
        let state = LiquidAlphaState {
            alpha_low: 45875,
            alpha_high: 58982,
            steepness,
            sigmoid_consensus: None,
        };
        let native = la::liquid_alpha_sigmoid(
            I32F32::from_bits(c),
            I32F32::from_bits(w),
            I32F32::from_bits(b),
            state.low(),
            state.high(),
            I32F32::from_int(i64::from(steepness)),
        );
        let op: Op = Arc::new(move |rows, i| {
            let params = LiquidAlphaWires::new(rows, &state, 1)?;
            Ok(vec![
                liquid_alpha_sigmoid(rows, &params, &i[0], &i[1], &i[2])?.alpha,
            ])
        });
        let inputs = [signed(c.into()), signed(w.into()), signed(b.into())];
        let h = Harness {
            limb_bits: 10,
            ..harness("liquid alpha sigmoid", &inputs, op)
        };
        assert_eq!(
            h.run_at(12, &[signed(native.to_bits().into())]),
            Ok(()),
            "steepness {steepness}: c={c} w={w} b={b}"
        );
        assert!(is_instance_copy(
            &h.failures_at(12, &[signed(i128::from(native.to_bits()) - 1)])
        ));
    }
}
