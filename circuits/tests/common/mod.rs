//! Helpers shared by the circuit tests: field encodings of raw bits and tampering with a
//! finished constraint system.
#![allow(dead_code)]

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::ConstraintSystemRef;

/// `I32F32` bits (possibly negative) as a field element.
pub fn fr_bits(b: i64) -> Fr {
    if b >= 0 {
        Fr::from(b as u64)
    } else {
        -Fr::from(b.unsigned_abs())
    }
}

/// Finalize (inline every linear combination) and drop the cached values of linear
/// combinations, so that later checks re-evaluate them from the (tampered) assignment.
pub fn finalize_for_tampering(cs: &ConstraintSystemRef<Fr>) {
    cs.finalize();
    cs.borrow_mut()
        .expect("constraint system")
        .assignments
        .lc_assignment
        .clear();
    assert!(
        cs.is_satisfied().expect("assignment"),
        "honest before tampering"
    );
}

/// Whether the system is satisfied with witness `index` moved by `delta` (restored after).
pub fn satisfied_with_witness_moved(
    cs: &ConstraintSystemRef<Fr>,
    index: usize,
    delta: i64,
) -> bool {
    cs.borrow_mut().expect("cs").assignments.witness_assignment[index] += fr_bits(delta);
    let sat = cs.is_satisfied().expect("assignment");
    cs.borrow_mut().expect("cs").assignments.witness_assignment[index] -= fr_bits(delta);
    sat
}

/// The witness index of an allocated variable.
pub fn witness_index(var: &FpVar<Fr>) -> usize {
    let FpVar::Var(v) = var else {
        panic!("an allocated variable")
    };
    assert!(v.variable.is_witness());
    v.variable.index().expect("index")
}

/// Whether the system is satisfied with `var` moved by `delta`. A value that the circuit writes
/// as bits (a linear combination `Σ 2^k · bit_k` of witness bits, after `finalize`) is moved by
/// rewriting its bits to the binary form of the moved value, so they stay booleans and only the
/// relation the value takes part in can catch the change.
pub fn satisfied_with_var_moved(cs: &ConstraintSystemRef<Fr>, var: &FpVar<Fr>, delta: i64) -> bool {
    let FpVar::Var(v) = var else {
        panic!("an allocated variable")
    };
    if v.variable.is_witness() {
        return satisfied_with_witness_moved(cs, witness_index(var), delta);
    }
    assert!(v.variable.is_lc(), "a witness or a linear combination");
    let lc = cs.get_lc(v.variable).expect("linear combination");
    let powers: Vec<Fr> = (0..250)
        .scan(Fr::from(1u64), |p, _| {
            let now = *p;
            *p += now;
            Some(now)
        })
        .collect();
    let bits: Vec<(usize, usize)> =
        lc.0.iter()
            .map(|(coeff, w)| {
                assert!(w.is_witness(), "a sum of witness bits");
                let k = powers
                    .iter()
                    .position(|p| p == coeff)
                    .expect("power-of-two coefficients");
                (k, w.index().expect("index"))
            })
            .collect();
    let read = |cs: &ConstraintSystemRef<Fr>| -> Vec<Fr> {
        let cs = cs.borrow().expect("cs");
        bits.iter()
            .map(|(_, i)| cs.assignments.witness_assignment[*i])
            .collect()
    };
    let before = read(cs);
    let value: i128 = bits
        .iter()
        .zip(&before)
        .map(|((k, _), b)| {
            assert!(
                *b == Fr::from(0u64) || *b == Fr::from(1u64),
                "boolean terms"
            );
            if *b == Fr::from(1u64) {
                1i128 << k
            } else {
                0
            }
        })
        .sum();
    let moved = value + i128::from(delta);
    assert!(moved >= 0, "moved below zero");
    {
        let mut cs = cs.borrow_mut().expect("cs");
        for (k, i) in &bits {
            cs.assignments.witness_assignment[*i] = Fr::from(((moved >> k) & 1) as u64);
        }
    }
    let sat = cs.is_satisfied().expect("assignment");
    let mut cs_mut = cs.borrow_mut().expect("cs");
    for ((_, i), b) in bits.iter().zip(before) {
        cs_mut.assignments.witness_assignment[*i] = b;
    }
    sat
}

/// Every witness in `from..` (about `samples` of them, evenly spread), moved alone by +1,
/// leaves the system unsatisfied.
pub fn assert_no_free_witness(cs: &ConstraintSystemRef<Fr>, from: usize, samples: usize) {
    let n = cs.num_witness_variables();
    for i in (from..n).step_by((n / samples.max(1)).max(1)) {
        assert!(
            !satisfied_with_witness_moved(cs, i, 1),
            "witness {i} of {n} is free"
        );
    }
}

/// Every epoch input of the named vector files in `tests/vectors/`, labelled `file epoch k`.
pub fn vector_epochs(files: &[&str]) -> Vec<(String, zkyuma_circuits::yuma::EpochInput)> {
    let mut all = Vec::new();
    for file in files {
        let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        for (k, e) in doc["epochs"].as_array().expect("epochs").iter().enumerate() {
            let input = zkyuma_circuits::yuma::EpochInput::from_json_str(&e["input"].to_string())
                .expect("input");
            all.push((format!("{file} epoch {k}"), input));
        }
    }
    all
}
