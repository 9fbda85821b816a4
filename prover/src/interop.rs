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
