//! Groth16 keys as snarkjs's `.zkey`, written and read, so that snarkjs proves with zkyuma's keys
//! (`snarkjs groth16 prove`), verifies and extends zkyuma's ceremonies (`snarkjs zkey verify /
//! contribute / beacon`) and zkyuma takes snarkjs's contributions back.
//!
//! Format (snarkjs 0.7.6 `zkey_utils.js`, `zkey_new.js`; an `@iden3/binfileutils` container:
//! the magic `zkey`, a `u32` version 1, a `u32` section count, then sections of a `u32` type, a
//! `u64` length and the bytes). Points affine, each coordinate 32 bytes little-endian in
//! Montgomery form (`F_p²`: `c0` then `c1`), the point at infinity zeros.
//!
//! 1. the protocol, `u32` 1 (Groth16);
//! 2. `u32` 32, the base-field prime, `u32` 32, the scalar-field prime, `u32` variables (the
//!    constant 1, the public inputs, the witnesses), `u32` public inputs, `u32` domain size,
//!    then `α·G1`, `β·G1`, `β·G2`, `γ·G2`, `δ·G1`, `δ·G2`;
//! 3. the public-input points (`IC`), one per public input and the constant;
//! 4. the `A` and `B` coefficients: a `u32` count, then per entry `u32` matrix (0 `A`, 1 `B`),
//!    `u32` constraint, `u32` variable, and the coefficient `c` as `c·2^512 mod r` little-endian
//!    (`C` is not needed: on a satisfying assignment `C·z = A·z ∘ B·z`); constraint by
//!    constraint in the `.r1cs`'s order, `A` before `B`, then one `A` entry `(m + j, j, 1)` per
//!    instance variable `j`;
//! 5. `A` (G1), 6. `B` in G1, 7. `B` in G2, one per variable; 8. `L`, one per witness; 9. `H`,
//!    one per domain point (snarkjs's reduction, [`crate::groth16::SnarkjsReduction`]);
//! 10. the ceremony: the circuit hash (64 bytes), a `u32` count, then per contribution `δ·G1`
//!     after it, `s·G1`, `s·d·G1`, `d·H` (G2), the transcript (64 bytes), `u32` type (0, or 1 for
//!     a beacon), a `u32` length and the parameters (`1` name: length byte and UTF-8; `2` beacon
//!     iterations: one byte; `3` beacon value: length byte and bytes), in that order.

use super::phase2::{Beacon, Contribution};
use super::ptau::{g1_from_bytes, g2_from_bytes};
use super::snarkjs::{blake2b, g1_from_uncompressed, g1_uncompressed, g2_uncompressed};
use crate::groth16::ConstraintRows;
use crate::keys::write_atomic;
use crate::ProverError;
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use std::collections::BTreeMap;
use std::path::Path;

/// One `A` or `B` coefficient of section 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coefficient {
    /// 0 for `A`, 1 for `B`.
    pub matrix: u32,
    /// The constraint (row).
    pub constraint: u32,
    /// The variable (column).
    pub signal: u32,
    /// The coefficient.
    pub value: Fr,
}

/// A `.zkey`'s content.
#[derive(Clone, Debug, PartialEq)]
pub struct Zkey {
    /// The proving key (its verifying key inside).
    pub pk: ProvingKey<Bn254>,
    /// Variables: the constant, the public inputs, the witnesses.
    pub variables: usize,
    /// Public inputs.
    pub public: usize,
    /// The evaluation domain's size.
    pub domain_size: usize,
    /// The `A` and `B` coefficients (section 4).
    pub coefficients: Vec<Coefficient>,
    /// The ceremony's circuit hash (zeros for a key that did not come from one).
    pub circuit_hash: [u8; 64],
    /// The ceremony's contributions.
    pub contributions: Vec<Contribution>,
}

fn bad(path: &Path, message: impl std::fmt::Display) -> ProverError {
    ProverError::Malformed {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn count(what: &'static str, n: usize) -> Result<u32, ProverError> {
    u32::try_from(n).map_err(|_| ProverError::TooLarge {
        what,
        max: u64::from(u32::MAX),
        got: n as u64,
    })
}

/// `2^256 mod r`, Montgomery's `R`.
fn montgomery_r() -> Fr {
    Fr::from(2u64).pow([256u64])
}

/// The section-4 coefficients of a circuit's rows (see the [module documentation](self)).
pub fn coefficients(rows: &ConstraintRows) -> Result<Vec<Coefficient>, ProverError> {
    let mut out = Vec::new();
    let constraints = rows.constraints();
    for i in 0..constraints {
        for (matrix, m) in [(0u32, &rows.a), (1u32, &rows.b)] {
            for (var, coeff) in m.row(i) {
                out.push(Coefficient {
                    matrix,
                    constraint: count("constraints", i)?,
                    signal: count("variables", var)?,
                    value: rows.coefficients[coeff],
                });
            }
        }
    }
    for j in 0..rows.instance_variables {
        out.push(Coefficient {
            matrix: 0,
            constraint: count("constraints", constraints + j)?,
            signal: count("variables", j)?,
            value: Fr::from(1u64),
        });
    }
    Ok(out)
}

fn fq_lem(x: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in x.0 .0.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
    out
}

fn g1_lem(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            out.extend(fq_lem(&x));
            out.extend(fq_lem(&y));
        }
        None => out.extend([0u8; 64]),
    }
}

fn g2_lem(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                out.extend(fq_lem(&c));
            }
        }
        None => out.extend([0u8; 128]),
    }
}

fn prime_bytes<F: PrimeField>() -> Vec<u8> {
    let mut b = F::MODULUS.to_bytes_le();
    b.resize(32, 0);
    b
}

/// The section-10 bytes of a ceremony.
fn ceremony_section(
    circuit_hash: &[u8; 64],
    contributions: &[Contribution],
) -> Result<Vec<u8>, ProverError> {
    let mut out = circuit_hash.to_vec();
    out.extend(count("contributions", contributions.len())?.to_le_bytes());
    let malformed = |what: &str| ProverError::Malformed {
        path: "ceremony transcript".into(),
        message: format!("{what} is not a point in snarkjs's encoding"),
    };
    for c in contributions {
        let g1 = |s: &str, what: &str| {
            hex::decode(s)
                .ok()
                .and_then(|b| g1_from_uncompressed(&b))
                .ok_or_else(|| malformed(what))
        };
        let g2 = hex::decode(&c.g2_spx)
            .ok()
            .and_then(|b| super::snarkjs::g2_from_uncompressed(&b))
            .ok_or_else(|| malformed("g2_spx"))?;
        g1_lem(&mut out, &g1(&c.delta_after, "delta_after")?);
        g1_lem(&mut out, &g1(&c.g1_s, "g1_s")?);
        g1_lem(&mut out, &g1(&c.g1_sx, "g1_sx")?);
        g2_lem(&mut out, &g2);
        out.extend(hex::decode(&c.transcript).map_err(|_| malformed("transcript"))?);
        out.extend(u32::from(c.beacon.is_some()).to_le_bytes());
        let mut params = Vec::new();
        if !c.name.is_empty() {
            let name: String = c.name.chars().take(64).collect();
            params.push(1u8);
            params.push(name.len() as u8);
            params.extend(name.as_bytes());
        }
        if let Some(b) = &c.beacon {
            let value = hex::decode(&b.value).map_err(|_| malformed("beacon value"))?;
            if value.is_empty() || value.len() > 255 || b.iterations_exp > 63 {
                return Err(malformed("beacon"));
            }
            params.push(2);
            params.push(b.iterations_exp as u8);
            params.push(3);
            params.push(value.len() as u8);
            params.extend(value);
        }
        out.extend(count("contribution parameters", params.len())?.to_le_bytes());
        out.extend(params);
    }
    Ok(out)
}

/// Write `pk` (for the circuit with constraint `rows`) as a `.zkey` at `path` (atomically), with
/// the ceremony it came from (`circuit_hash` and `contributions`; zeros and none for a key that
/// did not come from one). The key must use snarkjs's reduction (every zkyuma key does).
pub fn write_zkey(
    path: &Path,
    pk: &ProvingKey<Bn254>,
    rows: &ConstraintRows,
    circuit_hash: &[u8; 64],
    contributions: &[Contribution],
) -> Result<(), ProverError> {
    let variables = rows.instance_variables + rows.witness_variables;
    let public = rows.instance_variables - 1;
    let domain = crate::groth16::domain(rows)?;
    let domain_size = ark_poly::EvaluationDomain::size(&domain);
    for (name, expected, got) in [
        ("A query", variables, pk.a_query.len()),
        ("B (G1) query", variables, pk.b_g1_query.len()),
        ("B (G2) query", variables, pk.b_g2_query.len()),
        ("L query", rows.witness_variables, pk.l_query.len()),
        ("H query", domain_size, pk.h_query.len()),
        (
            "public-input points (γ·ABC)",
            public + 1,
            pk.vk.gamma_abc_g1.len(),
        ),
    ] {
        if expected != got {
            return Err(ProverError::KeySize {
                name,
                expected: expected as u64,
                got: got as u64,
            });
        }
    }
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend(prime_bytes::<Fq>());
    header.extend(32u32.to_le_bytes());
    header.extend(prime_bytes::<Fr>());
    header.extend(count("variables", variables)?.to_le_bytes());
    header.extend(count("public inputs", public)?.to_le_bytes());
    header.extend(count("domain size", domain_size)?.to_le_bytes());
    g1_lem(&mut header, &pk.vk.alpha_g1);
    g1_lem(&mut header, &pk.beta_g1);
    g2_lem(&mut header, &pk.vk.beta_g2);
    g2_lem(&mut header, &pk.vk.gamma_g2);
    g1_lem(&mut header, &pk.delta_g1);
    g2_lem(&mut header, &pk.vk.delta_g2);

    let coeffs = coefficients(rows)?;
    let r2 = montgomery_r().square();
    let mut coeff_bytes = count("coefficients", coeffs.len())?.to_le_bytes().to_vec();
    for c in &coeffs {
        coeff_bytes.extend(c.matrix.to_le_bytes());
        coeff_bytes.extend(c.constraint.to_le_bytes());
        coeff_bytes.extend(c.signal.to_le_bytes());
        let mut v = (c.value * r2).into_bigint().to_bytes_le();
        v.resize(32, 0);
        coeff_bytes.extend(v);
    }
    let g1s = |points: &[G1Affine]| {
        let mut out = Vec::with_capacity(64 * points.len());
        for p in points {
            g1_lem(&mut out, p);
        }
        out
    };
    let mut b2 = Vec::with_capacity(128 * pk.b_g2_query.len());
    for p in &pk.b_g2_query {
        g2_lem(&mut b2, p);
    }
    let sections: Vec<(u32, Vec<u8>)> = vec![
        (1, 1u32.to_le_bytes().to_vec()),
        (2, header),
        (3, g1s(&pk.vk.gamma_abc_g1)),
        (4, coeff_bytes),
        (5, g1s(&pk.a_query)),
        (6, g1s(&pk.b_g1_query)),
        (7, b2),
        (8, g1s(&pk.l_query)),
        (9, g1s(&pk.h_query)),
        (10, ceremony_section(circuit_hash, contributions)?),
    ];
    let mut out = b"zkey".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    for (kind, bytes) in sections {
        out.extend(kind.to_le_bytes());
        out.extend((bytes.len() as u64).to_le_bytes());
        out.extend(bytes);
    }
    write_atomic(path, &out)
}

/// A byte cursor over one section.
struct Cursor<'a> {
    path: &'a Path,
    what: &'static str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ProverError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        match end {
            Some(end) => {
                let out = &self.bytes[self.at..end];
                self.at = end;
                Ok(out)
            }
            None => Err(bad(
                self.path,
                format!("the {} section is truncated", self.what),
            )),
        }
    }

    fn u32(&mut self) -> Result<u32, ProverError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u8(&mut self) -> Result<u8, ProverError> {
        Ok(self.take(1)?[0])
    }

    fn g1(&mut self) -> Result<G1Affine, ProverError> {
        let b = self.take(64)?;
        g1_from_bytes(b)
            .ok_or_else(|| bad(self.path, format!("a {} point is not on G1", self.what)))
    }

    fn g2(&mut self) -> Result<G2Affine, ProverError> {
        let b = self.take(128)?;
        g2_from_bytes(b)
            .ok_or_else(|| bad(self.path, format!("a {} point is not in G2", self.what)))
    }

    fn g1s(&mut self, n: usize) -> Result<Vec<G1Affine>, ProverError> {
        (0..n).map(|_| self.g1()).collect()
    }

    fn done(&self) -> Result<(), ProverError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(bad(
                self.path,
                format!("the {} section has extra bytes", self.what),
            ))
        }
    }
}

/// Read a `.zkey` (Groth16 over BN254): every section present once and of the size the header
/// implies (checked before any point is decoded), every point on its curve and G2 points in
/// their group. The contributions are not verified here (see
/// [`super::run::CeremonyDir::import_zkey`]).
pub fn read_zkey(path: &Path) -> Result<Zkey, ProverError> {
    let bytes = std::fs::read(path).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })?;
    if bytes.len() < 12 || &bytes[..4] != b"zkey" {
        return Err(bad(path, "not a .zkey (no `zkey` magic)"));
    }
    let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
    if version != 1 {
        return Err(bad(
            path,
            format!(".zkey version {version}: only 1 is read"),
        ));
    }
    let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    let mut sections: BTreeMap<u32, &[u8]> = BTreeMap::new();
    let mut at = 12usize;
    for _ in 0..n {
        let head = bytes
            .get(at..at + 12)
            .ok_or_else(|| bad(path, "truncated section header"))?;
        let kind = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let len = u64::from_le_bytes(head[4..12].try_into().unwrap_or([0; 8]));
        let start = at + 12;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| {
                bad(
                    path,
                    format!("section {kind} runs past the end of the file"),
                )
            })?;
        if sections.insert(kind, &bytes[start..end]).is_some() {
            return Err(bad(path, format!("section {kind} appears twice")));
        }
        at = end;
    }
    let section = |kind: u32, what: &'static str| -> Result<Cursor<'_>, ProverError> {
        let bytes = sections
            .get(&kind)
            .ok_or_else(|| bad(path, format!("no {what} section ({kind})")))?;
        Ok(Cursor {
            path,
            what,
            bytes,
            at: 0,
        })
    };
    let mut protocol = section(1, "protocol")?;
    if protocol.u32()? != 1 {
        return Err(bad(path, "not a Groth16 key (protocol is not 1)"));
    }
    protocol.done()?;
    let mut h = section(2, "header")?;
    if h.u32()? != 32 || h.take(32)? != prime_bytes::<Fq>().as_slice() {
        return Err(bad(path, "not over BN254 (another base field)"));
    }
    if h.u32()? != 32 || h.take(32)? != prime_bytes::<Fr>().as_slice() {
        return Err(bad(path, "not over BN254 (another scalar field)"));
    }
    let variables = h.u32()? as usize;
    let public = h.u32()? as usize;
    let domain_size = h.u32()? as usize;
    if public >= variables || !domain_size.is_power_of_two() {
        return Err(bad(
            path,
            "the header's variable, public-input or domain counts are inconsistent",
        ));
    }
    let alpha_g1 = h.g1()?;
    let beta_g1 = h.g1()?;
    let beta_g2 = h.g2()?;
    let gamma_g2 = h.g2()?;
    let delta_g1 = h.g1()?;
    let delta_g2 = h.g2()?;
    h.done()?;
    // Sizes before any point is decoded.
    for (kind, what, expected) in [
        (3u32, "IC", 64 * (public + 1)),
        (5, "A", 64 * variables),
        (6, "B1", 64 * variables),
        (7, "B2", 128 * variables),
        (8, "L", 64 * (variables - public - 1)),
        (9, "H", 64 * domain_size),
    ] {
        let got = sections.get(&kind).map_or(0, |s| s.len());
        if got != expected {
            return Err(bad(
                path,
                format!("the {what} section has {got} bytes, the header implies {expected}"),
            ));
        }
    }
    let mut c = section(4, "coefficients")?;
    let ncoeffs = c.u32()? as usize;
    if c.bytes.len() != 4 + 44 * ncoeffs {
        return Err(bad(
            path,
            "the coefficients section's size is not its count's",
        ));
    }
    let r2_inv = montgomery_r()
        .square()
        .inverse()
        .ok_or_else(|| bad(path, "no inverse of R²"))?;
    let mut coefficients = Vec::with_capacity(ncoeffs);
    for _ in 0..ncoeffs {
        let matrix = c.u32()?;
        let constraint = c.u32()?;
        let signal = c.u32()?;
        let raw = c.take(32)?;
        let value = Fr::from_le_bytes_mod_order(raw) * r2_inv;
        if matrix > 1 || signal as usize >= variables || constraint as usize >= domain_size {
            return Err(bad(path, "a coefficient out of range"));
        }
        coefficients.push(Coefficient {
            matrix,
            constraint,
            signal,
            value,
        });
    }
    let ic = section(3, "IC")?.g1s(public + 1)?;
    let a_query = section(5, "A")?.g1s(variables)?;
    let b_g1_query = section(6, "B1")?.g1s(variables)?;
    let mut b2 = section(7, "B2")?;
    let b_g2_query = (0..variables)
        .map(|_| b2.g2())
        .collect::<Result<Vec<_>, _>>()?;
    let l_query = section(8, "L")?.g1s(variables - public - 1)?;
    let h_query = section(9, "H")?.g1s(domain_size)?;

    let mut m = section(10, "contributions")?;
    let hash: [u8; 64] = m
        .take(64)?
        .try_into()
        .map_err(|_| bad(path, "circuit hash"))?;
    let count = m.u32()?;
    let mut contributions = Vec::new();
    for _ in 0..count {
        let delta_after = m.g1()?;
        let g1_s = m.g1()?;
        let g1_sx = m.g1()?;
        let g2_spx = m.g2()?;
        let transcript: [u8; 64] = m
            .take(64)?
            .try_into()
            .map_err(|_| bad(path, "transcript"))?;
        let kind = m.u32()?;
        let len = m.u32()? as usize;
        let mut p = Cursor {
            path,
            what: "contribution parameters",
            bytes: m.take(len)?,
            at: 0,
        };
        let (mut name, mut iterations, mut value) = (String::new(), None, None);
        let mut last = 0u8;
        while p.at < p.bytes.len() {
            let t = p.u8()?;
            if t <= last {
                return Err(bad(path, "contribution parameters out of order"));
            }
            last = t;
            match t {
                1 => {
                    let n = p.u8()? as usize;
                    name = String::from_utf8(p.take(n)?.to_vec())
                        .map_err(|_| bad(path, "a contributor's name is not UTF-8"))?;
                }
                2 => iterations = Some(u32::from(p.u8()?)),
                3 => {
                    let n = p.u8()? as usize;
                    value = Some(hex::encode(p.take(n)?));
                }
                _ => return Err(bad(path, format!("unknown contribution parameter {t}"))),
            }
        }
        let beacon = match (kind, iterations, value) {
            (0, None, None) => None,
            (1, Some(iterations_exp), Some(value)) => Some(Beacon {
                value,
                iterations_exp,
            }),
            _ => return Err(bad(path, "a contribution's type and parameters disagree")),
        };
        let mut pk_bytes = g1_uncompressed(&delta_after).to_vec();
        pk_bytes.extend(g1_uncompressed(&g1_s));
        pk_bytes.extend(g1_uncompressed(&g1_sx));
        pk_bytes.extend(g2_uncompressed(&g2_spx));
        pk_bytes.extend(transcript);
        contributions.push(Contribution {
            name,
            delta_after: hex::encode(g1_uncompressed(&delta_after)),
            g1_s: hex::encode(g1_uncompressed(&g1_s)),
            g1_sx: hex::encode(g1_uncompressed(&g1_sx)),
            g2_spx: hex::encode(g2_uncompressed(&g2_spx)),
            transcript: hex::encode(transcript),
            beacon,
            hash: hex::encode(blake2b(&[&pk_bytes])),
        });
    }
    m.done()?;
    let pk = ProvingKey::<Bn254> {
        vk: VerifyingKey {
            alpha_g1,
            beta_g2,
            gamma_g2,
            delta_g2,
            gamma_abc_g1: ic,
        },
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    Ok(Zkey {
        pk,
        variables,
        public,
        domain_size,
        coefficients,
        circuit_hash: hash,
        contributions,
    })
}

impl Zkey {
    /// Refuse a key for another circuit than the one with constraint `rows`: its variable,
    /// public-input and domain counts and its `A`/`B` coefficients must be the circuit's.
    pub fn check_circuit(&self, rows: &ConstraintRows, path: &Path) -> Result<(), ProverError> {
        let domain = crate::groth16::domain(rows)?;
        let same = self.variables == rows.instance_variables + rows.witness_variables
            && self.public + 1 == rows.instance_variables
            && self.domain_size == ark_poly::EvaluationDomain::size(&domain)
            && self.coefficients == coefficients(rows)?;
        if same {
            Ok(())
        } else {
            Err(bad(
                path,
                "the key is for another circuit (its constraints are not this circuit's)",
            ))
        }
    }
}
