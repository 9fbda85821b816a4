//! What the ceremony targets share: a small circuit, the committed phase-1 fixture, byte patches
//! and a scratch directory of the process's own.
#![allow(dead_code)]

pub mod keys;

use ark_bn254::Fr;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable,
};
use std::path::PathBuf;

/// `x·y = z`, `(x + y)·1 = s` (z, s public), `x·x = q`.
#[derive(Clone)]
pub struct Toy;

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let (x, y) = (Fr::from(6u64), Fr::from(7u64));
        let z = cs.new_input_variable(|| Ok(x * y))?;
        let s = cs.new_input_variable(|| Ok(x + y))?;
        let xv = cs.new_witness_variable(|| Ok(x))?;
        let yv = cs.new_witness_variable(|| Ok(y))?;
        let q = cs.new_witness_variable(|| Ok(x * x))?;
        let lc = |v: Variable| LinearCombination::from(v);
        cs.enforce_r1cs_constraint(|| lc(xv), || lc(yv), || lc(z))?;
        cs.enforce_r1cs_constraint(
            || lc(xv) + lc(yv),
            || LinearCombination::from(Variable::One),
            || lc(s),
        )?;
        cs.enforce_r1cs_constraint(|| lc(xv), || lc(xv), || lc(q))?;
        Ok(())
    }
}

/// The committed phase 1 of power 8 (made by snarkjs).
pub const POT8: &[u8] = include_bytes!("../../../tests/fixtures/pot8.ptau");

/// A scratch file of this process's own.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkyuma-fuzz-ceremony-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir.join(name)
}

/// `file` patched by `patches`: 5 bytes each (a little-endian offset modulo the length, a byte);
/// a 1–4-byte tail cuts the file to its value modulo the length plus one.
pub fn patched(file: &[u8], patches: &[u8]) -> Vec<u8> {
    let mut out = file.to_vec();
    let mut chunks = patches.chunks_exact(5);
    for c in &mut chunks {
        let offset = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize % out.len().max(1);
        if let Some(b) = out.get_mut(offset) {
            *b = c[4];
        }
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut n = [0u8; 4];
        n[..tail.len()].copy_from_slice(tail);
        out.truncate(u32::from_le_bytes(n) as usize % (file.len() + 1));
    }
    out
}

use zkyuma_prover::ceremony::phase2::{circuit_hash, contribute, initial_key, Beacon, Contribution};
use zkyuma_prover::ceremony::ptau::Ptau;
use zkyuma_prover::ceremony::snarkjs::ChaCha;
use zkyuma_prover::groth16::ConstraintRows;

/// A real small ceremony: the toy circuit's key from the fixture, two contributions and a beacon.
pub struct Ceremony {
    pub initial: ark_groth16::ProvingKey<ark_bn254::Bn254>,
    pub last: ark_groth16::ProvingKey<ark_bn254::Bn254>,
    pub rows: ConstraintRows,
    pub circuit_hash: [u8; 64],
    pub contributions: Vec<Contribution>,
}

pub fn ceremony() -> Ceremony {
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let path = scratch("ceremony.ptau");
    std::fs::write(&path, POT8).expect("write");
    let ptau = Ptau::open(&path).expect("the fixture opens");
    let (initial, rows) = initial_key(&ptau, Toy).expect("a key");
    let domain = (rows.constraints() + rows.instance_variables).next_power_of_two();
    let hash = circuit_hash(&initial, &ptau, domain).expect("a circuit hash");
    let mut last = initial.clone();
    let mut contributions = Vec::new();
    for (name, seed, beacon) in [
        ("alice", [11u32; 8], None),
        ("bob", [12u32; 8], None),
        (
            "beacon",
            [0u32; 8],
            Some(Beacon {
                value: "0a0b0c".into(),
                iterations_exp: 10,
            }),
        ),
    ] {
        let mut rng = match &beacon {
            Some(b) => zkyuma_prover::ceremony::snarkjs::beacon_rng(&[10, 11, 12], b.iterations_exp),
            None => ChaCha::new(seed),
        };
        let c = contribute(&mut last, &hash, &contributions, &mut rng, name, beacon)
            .expect("a contribution");
        contributions.push(c);
    }
    Ceremony {
        initial,
        last,
        rows,
        circuit_hash: hash,
        contributions,
    }
}

/// With `ZKYUMA_FUZZ_SEEDS` set to a directory, write `bytes` there as seed `name` (how the
/// committed seed corpora were made: `ZKYUMA_FUZZ_SEEDS=corpus/<target> cargo fuzz run <target>
/// -- -runs=0`).
pub fn seed(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("ZKYUMA_FUZZ_SEEDS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("the seed directory");
        std::fs::write(dir.join(name), bytes).expect("write a seed");
    }
}
