//! Helpers shared by the circuit tests: field encodings of raw bits and tampering with a
//! finished constraint system.
#![allow(dead_code)]

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
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

/// The witness writes that give `var` the value `target`: the witness itself, or — for a value
/// the circuit writes as bits (a linear combination `Σ 2^k · bit_k` of witness bits, after
/// `finalize`) — its bits rewritten to the binary form of `target`, so they stay booleans and only
/// the relations the value takes part in can catch the change. Panics when `target` does not fit
/// the bits (such a move would say nothing).
fn writes_for(cs: &ConstraintSystemRef<Fr>, var: &FpVar<Fr>, target: Fr) -> Vec<(usize, Fr)> {
    let FpVar::Var(v) = var else {
        panic!("an allocated variable")
    };
    if v.variable.is_witness() {
        return vec![(witness_index(var), target)];
    }
    assert!(v.variable.is_lc(), "a witness or a linear combination");
    let lc = cs.get_lc(v.variable).expect("linear combination");
    let mut power = Fr::from(1u64);
    let powers: Vec<Fr> = (0..250)
        .map(|_| {
            let now = power;
            power += now;
            now
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
    let width = bits.iter().map(|(k, _)| k + 1).max().unwrap_or(0);
    let target = target.into_bigint();
    let fits = (width..256).all(|k| !target.get_bit(k));
    assert!(
        fits,
        "the moved value does not fit the {width} bits of the variable"
    );
    bits.iter()
        .map(|(k, i)| (*i, Fr::from(u64::from(target.get_bit(*k)))))
        .collect()
}

/// The current value of an allocated variable or linear combination.
pub fn value_of(var: &FpVar<Fr>) -> Fr {
    use ark_r1cs_std::GR1CSVar;
    var.value().expect("value")
}

/// Whether the system is satisfied with every `(var, value)` set at once (restored after).
pub fn satisfied_with(cs: &ConstraintSystemRef<Fr>, changes: &[(&FpVar<Fr>, Fr)]) -> bool {
    let writes: Vec<(usize, Fr)> = changes
        .iter()
        .flat_map(|(var, target)| writes_for(cs, var, *target))
        .collect();
    satisfied_with_writes(cs, &writes)
}

/// Whether the system is satisfied with the witnesses `writes` (index, value) set at once
/// (restored after).
pub fn satisfied_with_writes(cs: &ConstraintSystemRef<Fr>, writes: &[(usize, Fr)]) -> bool {
    let before: Vec<Fr> = {
        let cs = cs.borrow().expect("cs");
        writes
            .iter()
            .map(|(i, _)| cs.assignments.witness_assignment[*i])
            .collect()
    };
    {
        let mut cs = cs.borrow_mut().expect("cs");
        for (i, x) in writes {
            cs.assignments.witness_assignment[*i] = *x;
        }
    }
    let sat = cs.is_satisfied().expect("assignment");
    let mut cs_mut = cs.borrow_mut().expect("cs");
    for ((i, _), b) in writes.iter().zip(before) {
        cs_mut.assignments.witness_assignment[*i] = b;
    }
    sat
}

/// Whether the system is satisfied with `var` moved by `delta` (its bits rewritten when the
/// circuit writes it as bits, see [`satisfied_with`]).
pub fn satisfied_with_var_moved(cs: &ConstraintSystemRef<Fr>, var: &FpVar<Fr>, delta: i64) -> bool {
    satisfied_with(cs, &[(var, value_of(var) + fr_bits(delta))])
}

/// Every witness in `from..` (about `samples` of them, evenly spread), changed alone, leaves the
/// system unsatisfied: a 0/1 value is flipped (so a bit stays a bit and only the relations it
/// takes part in can catch it), any other value moved by +1.
pub fn assert_no_free_witness(cs: &ConstraintSystemRef<Fr>, from: usize, samples: usize) {
    let n = cs.num_witness_variables();
    for i in (from..n).step_by((n / samples.max(1)).max(1)) {
        let x = cs.borrow().expect("cs").assignments.witness_assignment[i];
        let delta = if x == Fr::from(1u64) { -1 } else { 1 };
        assert!(
            !satisfied_with_witness_moved(cs, i, delta),
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

/// Loads a vector file, resolving the space-saving references `"same as epochs[K].input.FIELD"`.
pub fn load_vector(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let epochs = doc["epochs"].as_array().cloned().unwrap_or_default();
    for (k, epoch) in epochs.iter().enumerate() {
        for part in ["input", "output"] {
            let Some(fields) = epoch[part].as_object() else {
                continue;
            };
            for (field, value) in fields {
                let Some(reference) = value.as_str() else {
                    continue;
                };
                let rest = reference
                    .strip_prefix("same as epochs[")
                    .unwrap_or_else(|| panic!("{name}: unknown reference {reference}"));
                let (index, path) = rest.split_once("].").expect("reference shape");
                let (ref_part, ref_field) = path.split_once('.').expect("reference shape");
                let index: usize = index.parse().expect("reference index");
                let resolved = epochs[index][ref_part][ref_field].clone();
                doc["epochs"][k][part][field] = resolved;
            }
        }
    }
    doc
}
