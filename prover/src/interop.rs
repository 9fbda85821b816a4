//! snarkjs interop: a circuit's constraint system as circom's `.r1cs` and an assignment as
//! snarkjs's `.wtns`, so snarkjs itself can check zkyuma's circuits and witnesses
//! (`snarkjs r1cs info`, `snarkjs wtns check`).
//!
//! Formats (`r1csfile`, snarkjs `wtns_utils.js`, both `@iden3/binfileutils` containers: a 4-byte
//! magic, a `u32` version, a `u32` section count, then sections of a `u32` type, a `u64` length
//! and the bytes); field elements 32 bytes little-endian in standard (not Montgomery) form.
//! * `.r1cs` (version 1): section 1 the header (`u32` 32, the scalar-field prime, `u32` wires,
//!   `u32` public outputs (0), `u32` public inputs, `u32` private inputs (0), `u64` labels,
//!   `u32` constraints); section 2 the constraints, each `A`, `B`, `C` as a `u32` term count and
//!   `(u32 wire, coefficient)` terms; section 3 the wire-to-label map (`u64` per wire). Wire 0
//!   is the constant 1, then the public inputs, then the witnesses — arkworks' variable order.
//! * `.wtns` (version 2): section 1 (`u32` 32, the prime, `u32` values), section 2 the values in
//!   wire order.

use crate::groth16::ConstraintRows;
use crate::keys::write_atomic;
use crate::ProverError;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::gr1cs::ConstraintSynthesizer;
use std::path::Path;

fn fr_bytes(x: &Fr) -> Vec<u8> {
    let mut b = x.into_bigint().to_bytes_le();
    b.resize(32, 0);
    b
}

fn container(magic: &[u8; 4], version: u32, sections: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.extend(version.to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    for (kind, bytes) in sections {
        out.extend(kind.to_le_bytes());
        out.extend((bytes.len() as u64).to_le_bytes());
        out.extend(bytes);
    }
    out
}

fn prime() -> Vec<u8> {
    let mut b = Fr::MODULUS.to_bytes_le();
    b.resize(32, 0);
    b
}

fn count(what: &'static str, n: usize) -> Result<u32, ProverError> {
    u32::try_from(n).map_err(|_| ProverError::TooLarge {
        what,
        max: u64::from(u32::MAX),
        got: n as u64,
    })
}

/// Write `circuit`'s constraint system as a circom `.r1cs` at `path` (atomically).
pub fn write_r1cs<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    path: &Path,
) -> Result<(), ProverError> {
    let rows = ConstraintRows::with_c(circuit)?;
    let wires = rows.instance_variables + rows.witness_variables;
    let constraints = rows.constraints();
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend(prime());
    header.extend(count("wires", wires)?.to_le_bytes());
    header.extend(0u32.to_le_bytes());
    header.extend(count("public inputs", rows.instance_variables - 1)?.to_le_bytes());
    header.extend(0u32.to_le_bytes());
    header.extend((wires as u64).to_le_bytes());
    header.extend(count("constraints", constraints)?.to_le_bytes());
    let mut body = Vec::new();
    for i in 0..constraints {
        for matrix in [&rows.a, &rows.b, &rows.c] {
            let terms: Vec<(usize, usize)> = matrix.row(i).collect();
            body.extend(count("terms", terms.len())?.to_le_bytes());
            for (var, coeff) in terms {
                body.extend(count("wires", var)?.to_le_bytes());
                body.extend(fr_bytes(&rows.coefficients[coeff]));
            }
        }
    }
    let map: Vec<u8> = (0..wires as u64).flat_map(|w| w.to_le_bytes()).collect();
    write_atomic(
        path,
        &container(b"r1cs", 1, vec![(1, header), (2, body), (3, map)]),
    )
}

/// Write `circuit`'s full assignment (the constant 1, the public inputs, the witnesses) as a
/// snarkjs `.wtns` at `path` (atomically).
pub fn write_wtns<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    path: &Path,
) -> Result<(), ProverError> {
    let z = crate::groth16::assignment(circuit)?;
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend(prime());
    header.extend(count("witness values", z.len())?.to_le_bytes());
    let values: Vec<u8> = z.iter().flat_map(fr_bytes).collect();
    write_atomic(path, &container(b"wtns", 2, vec![(1, header), (2, values)]))
}

// ---------------------------------------------------------------------------------------------
// snarkjs JSON: verifying keys, proofs and public signals (`snarkjs groth16 verify`)

use ark_bn254::{Bn254, Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use serde_json::{json, Value};

fn dec(x: &Fq) -> String {
    x.into_bigint().to_string()
}

fn g1_json(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([dec(&x), dec(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn g2_json(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([
            [dec(&x.c0), dec(&x.c1)],
            [dec(&y.c0), dec(&y.c1)],
            ["1", "0"]
        ]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// A Groth16 verifying key as snarkjs's `verification_key.json`.
pub fn vk_json(vk: &ark_groth16::VerifyingKey<Bn254>) -> Value {
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1_json(&vk.alpha_g1),
        "vk_beta_2": g2_json(&vk.beta_g2),
        "vk_gamma_2": g2_json(&vk.gamma_g2),
        "vk_delta_2": g2_json(&vk.delta_g2),
        "IC": vk.gamma_abc_g1.iter().map(g1_json).collect::<Vec<_>>(),
    })
}

/// A Groth16 proof as snarkjs's `proof.json`.
pub fn proof_json(proof: &ark_groth16::Proof<Bn254>) -> Value {
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "pi_a": g1_json(&proof.a),
        "pi_b": g2_json(&proof.b),
        "pi_c": g1_json(&proof.c),
    })
}

/// Public inputs as snarkjs's `public.json` (decimal strings, in order).
pub fn public_json(inputs: &[Fr]) -> Value {
    Value::Array(
        inputs
            .iter()
            .map(|x| Value::String(x.into_bigint().to_string()))
            .collect(),
    )
}

/// snarkjs's three files for a zkyuma proof: `verification_key.json`, `proof.json` and
/// `public.json`, from the compressed verifying key (`vk.bin`), the compressed proof and the
/// statement's public inputs.
pub fn snarkjs_verification(
    vk_bytes: &[u8],
    proof_bytes: &[u8],
    public_inputs: &[Fr],
) -> Result<(Value, Value, Value), ProverError> {
    use ark_serialize::CanonicalDeserialize;
    let malformed = |what: &str, e: ark_serialize::SerializationError| ProverError::Malformed {
        path: what.to_string(),
        message: e.to_string(),
    };
    let vk = ark_groth16::VerifyingKey::<Bn254>::deserialize_compressed(vk_bytes)
        .map_err(|e| malformed("the verifying key", e))?;
    let proof = ark_groth16::Proof::<Bn254>::deserialize_compressed(proof_bytes)
        .map_err(|e| malformed("the proof", e))?;
    if vk.gamma_abc_g1.len() != public_inputs.len() + 1 {
        return Err(ProverError::KeySize {
            name: "public-input points",
            expected: public_inputs.len() as u64 + 1,
            got: vk.gamma_abc_g1.len() as u64,
        });
    }
    Ok((vk_json(&vk), proof_json(&proof), public_json(public_inputs)))
}

fn bad_json(what: &str) -> ProverError {
    ProverError::Malformed {
        path: "snarkjs proof.json".into(),
        message: format!("{what} is not a decimal field element in range"),
    }
}

fn fq_json(v: &Value, what: &str) -> Result<Fq, ProverError> {
    use std::str::FromStr;
    let s = v.as_str().ok_or_else(|| bad_json(what))?;
    let x = Fq::from_str(s).map_err(|_| bad_json(what))?;
    // `from_str` reduces modulo p: refuse anything but the canonical decimal.
    if x.into_bigint().to_string() != s {
        return Err(bad_json(what));
    }
    Ok(x)
}

fn g1_from_json(v: &Value, what: &str) -> Result<G1Affine, ProverError> {
    let at = |i: usize| v.get(i).ok_or_else(|| bad_json(what));
    if fq_json(at(2)?, what)? == Fq::from(0u64) {
        return Ok(G1Affine::zero());
    }
    if fq_json(at(2)?, what)? != Fq::from(1u64) {
        return Err(bad_json(what));
    }
    let p = G1Affine::new_unchecked(fq_json(at(0)?, what)?, fq_json(at(1)?, what)?);
    p.is_on_curve().then_some(p).ok_or_else(|| bad_json(what))
}

fn g2_from_json(v: &Value, what: &str) -> Result<G2Affine, ProverError> {
    let pair = |i: usize| -> Result<ark_bn254::Fq2, ProverError> {
        let c = v.get(i).ok_or_else(|| bad_json(what))?;
        Ok(ark_bn254::Fq2::new(
            fq_json(c.get(0).ok_or_else(|| bad_json(what))?, what)?,
            fq_json(c.get(1).ok_or_else(|| bad_json(what))?, what)?,
        ))
    };
    if pair(2)? != ark_bn254::Fq2::new(Fq::from(1u64), Fq::from(0u64)) {
        return Err(bad_json(what));
    }
    let p = G2Affine::new_unchecked(pair(0)?, pair(1)?);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
        .then_some(p)
        .ok_or_else(|| bad_json(what))
}

/// A Groth16 proof from snarkjs's `proof.json` (`snarkjs groth16 prove`): every point checked on
/// its curve (G2 in its group).
pub fn proof_from_json(v: &Value) -> Result<ark_groth16::Proof<Bn254>, ProverError> {
    if v.get("protocol").and_then(Value::as_str) != Some("groth16") {
        return Err(ProverError::Malformed {
            path: "snarkjs proof.json".into(),
            message: "not a Groth16 proof".into(),
        });
    }
    let field = |k: &str| v.get(k).ok_or_else(|| bad_json(k));
    Ok(ark_groth16::Proof {
        a: g1_from_json(field("pi_a")?, "pi_a")?,
        b: g2_from_json(field("pi_b")?, "pi_b")?,
        c: g1_from_json(field("pi_c")?, "pi_c")?,
    })
}

// ---------------------------------------------------------------------------------------------
// One proof's inputs for snarkjs: the circuit, the key and the witness

/// The files snarkjs needs to prove what zkyuma proves, with the same key and witness: `dir/`
/// `circuit.r1cs`, `circuit.zkey` (zkyuma's proving key; its ceremony's contributions are in a
/// ceremony's own export, `zkyuma ceremony export-zkey`) and `witness.wtns`. `snarkjs groth16
/// prove circuit.zkey witness.wtns proof.json public.json` then proves, and zkyuma's verifiers
/// accept the proof.
pub fn write_snarkjs_files<C: ConstraintSynthesizer<Fr> + Clone>(
    keys: &crate::keys::Keys,
    circuit: C,
    dir: &Path,
) -> Result<(), ProverError> {
    use ark_serialize::CanonicalDeserialize;
    std::fs::create_dir_all(dir).map_err(|source| ProverError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let derived;
    let rows = match &keys.rows {
        Some(rows) => rows,
        None => {
            derived = ConstraintRows::of(circuit.clone())?;
            &derived
        }
    };
    let loaded;
    let pk = match &keys.pk {
        crate::keys::ProvingKeySource::Memory(pk) => pk.as_ref(),
        crate::keys::ProvingKeySource::File(path) => {
            let bytes = std::fs::read(path).map_err(|source| ProverError::Io {
                path: path.display().to_string(),
                source,
            })?;
            let got = blake3::hash(&bytes).to_hex().to_string();
            if got != keys.description.pk_blake3 {
                return Err(ProverError::Checksum {
                    path: path.display().to_string(),
                    expected: keys.description.pk_blake3.clone(),
                    got,
                });
            }
            loaded = ark_groth16::ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(
                bytes.as_slice(),
            )
            .map_err(|e| ProverError::Malformed {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            &loaded
        }
    };
    write_r1cs(circuit.clone(), &dir.join("circuit.r1cs"))?;
    crate::ceremony::zkey::write_zkey(&dir.join("circuit.zkey"), pk, rows, &[0; 64], &[])?;
    write_wtns(circuit, &dir.join("witness.wtns"))
}
