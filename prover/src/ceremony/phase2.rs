//! The circuit's Groth16 key from a phase 1, before any phase-2 contribution (`δ = γ = 1`).
//!
//! With `L_i(τ)` the Lagrange basis of the circuit's domain (the one arkworks' `LibsnarkReduction`
//! uses, so the prover's quotient applies unchanged) and `A`, `B`, `C` the constraint rows
//! (each instance variable `j` also in row `constraints + j` of `A`, as arkworks adds it):
//!
//! * `a_j = Σ_i A_ij·[L_i]₁` (plus `[L_{m+j}]₁` for an instance variable), `b_j` likewise in G1
//!   and G2;
//! * `l_j = Σ_i (A_ij·[β·L_i]₁ + B_ij·[α·L_i]₁ + C_ij·[L_i]₁)` for a witness variable (divided
//!   by `δ`, here 1), the same for an instance variable into the verifying key (divided by
//!   `γ = 1`);
//! * `h_i = [τ^(i+n)]₁ − [τ^i]₁ = [τ^i·Z(τ)]₁` for `i < n − 1` (divided by `δ`).
//!
//! This is the key arkworks' generator makes for `t = τ` and secrets `α, β` of the phase 1, `γ =
//! δ = 1` (a test checks a proof made with it verifies). Anyone who knows `δ` can forge proofs,
//! so the key must go through phase-2 contributions before use.

use super::ptau::{Ptau, Section};
use crate::groth16::ConstraintRows;
use crate::ProverError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::ConstraintSynthesizer;
use rayon::prelude::*;

/// Per variable, the `(row, coefficient)` pairs of one matrix.
fn columns(
    rows: &crate::groth16::SparseRows,
    coefficients: &[Fr],
    constraints: usize,
    variables: usize,
) -> Vec<Vec<(usize, Fr)>> {
    let mut cols = vec![Vec::new(); variables];
    for i in 0..constraints {
        for (var, coeff) in rows.row(i) {
            cols[var].push((i, coefficients[coeff]));
        }
    }
    cols
}

/// Columns longer than this go to a (parallel) multi-scalar multiplication, one after the other;
/// shorter ones are summed directly, many at once. No parallel work runs inside another.
const LONG_COLUMN: usize = 32;

/// `Σ c·bases[i]` over a short column: mostly a handful of terms with coefficient ±1.
fn short_sum<G: CurveGroup<ScalarField = Fr>>(bases: &[G::Affine], terms: &[(usize, Fr)]) -> G {
    let minus_one = -Fr::from(1u64);
    let mut acc = G::zero();
    for (i, c) in terms {
        let p = bases[*i];
        if *c == Fr::from(1u64) {
            acc += p;
        } else if *c == minus_one {
            acc -= p;
        } else {
            acc += p * *c;
        }
    }
    acc
}

/// `Σ_i c_i·bases[i]` for every column (variable).
fn column_sums<G: CurveGroup<ScalarField = Fr> + VariableBaseMSM>(
    bases: &[G::Affine],
    columns: &[Vec<(usize, Fr)>],
) -> Vec<G> {
    let mut out: Vec<G> = columns
        .par_iter()
        .map(|t| {
            if t.len() > LONG_COLUMN {
                G::zero()
            } else {
                short_sum::<G>(bases, t)
            }
        })
        .collect();
    for (o, t) in out.iter_mut().zip(columns) {
        if t.len() > LONG_COLUMN {
            let (points, scalars): (Vec<G::Affine>, Vec<Fr>) =
                t.iter().map(|(i, c)| (bases[*i], *c)).unzip();
            *o = G::msm_unchecked(&points, &scalars);
        }
    }
    out
}

/// The key of `circuit` from the phase 1 in `ptau` (checked with [`Ptau::verify`] first by the
/// caller), with `δ = γ = 1`, and the circuit's `A`/`B` rows for proving.
pub fn initial_key<C: ConstraintSynthesizer<Fr>>(
    ptau: &Ptau,
    circuit: C,
) -> Result<(ProvingKey<Bn254>, ConstraintRows), ProverError> {
    let rows = ConstraintRows::with_c(circuit)?;
    let domain = crate::groth16::domain(&rows)?;
    let n = domain.size();
    let k = n.trailing_zeros();
    if k > ptau.power {
        return Err(ProverError::TooLarge {
            what: "evaluation domain points (the powers of tau's domain)",
            max: 1u64 << ptau.power,
            got: n as u64,
        });
    }
    if !ptau.prepared() {
        return Err(ProverError::Malformed {
            path: "powers of tau".into(),
            message: "not prepared for phase 2 (no Lagrange sections): run `snarkjs \
                      powersoftau prepare phase2` on it"
                .into(),
        });
    }
    let constraints = rows.constraints();
    let instances = rows.instance_variables;
    let variables = instances + rows.witness_variables;
    let at = Ptau::lagrange_offset(k);
    let lagrange = ptau.read_g1(Section::LagrangeG1, at, n)?;
    let lagrange_g2 = ptau.read_g2(Section::LagrangeG2, at, n)?;
    let alpha_lagrange = ptau.read_g1(Section::AlphaLagrangeG1, at, n)?;
    let beta_lagrange = ptau.read_g1(Section::BetaLagrangeG1, at, n)?;

    let mut a_cols = columns(&rows.a, &rows.coefficients, constraints, variables);
    // arkworks' instance-consistency rows: variable j in row constraints + j of A.
    for (j, col) in a_cols.iter_mut().enumerate().take(instances) {
        col.push((constraints + j, Fr::from(1u64)));
    }
    let b_cols = columns(&rows.b, &rows.coefficients, constraints, variables);
    let c_cols = columns(&rows.c, &rows.coefficients, constraints, variables);

    let a_query: Vec<G1Projective> = column_sums(&lagrange, &a_cols);
    let b_g1_query: Vec<G1Projective> = column_sums(&lagrange, &b_cols);
    let b_g2_query: Vec<G2Projective> = column_sums(&lagrange_g2, &b_cols);
    let abc: Vec<G1Projective> = column_sums::<G1Projective>(&beta_lagrange, &a_cols)
        .into_iter()
        .zip(column_sums::<G1Projective>(&alpha_lagrange, &b_cols))
        .zip(column_sums::<G1Projective>(&lagrange, &c_cols))
        .map(|((a, b), c)| a + b + c)
        .collect();
    drop((a_cols, b_cols, c_cols));

    let powers = ptau.read_g1(Section::TauG1, 0, 2 * n - 1)?;
    let h_query: Vec<G1Projective> = (0..n - 1)
        .into_par_iter()
        .map(|i| powers[i + n].into_group() - powers[i])
        .collect();

    let alpha_g1 = ptau.read_g1(Section::AlphaTauG1, 0, 1)?[0];
    let beta_g1 = ptau.read_g1(Section::BetaTauG1, 0, 1)?[0];
    let beta_g2 = ptau.read_g2(Section::BetaG2, 0, 1)?[0];
    let vk = VerifyingKey::<Bn254> {
        alpha_g1,
        beta_g2,
        gamma_g2: G2Affine::generator(),
        delta_g2: G2Affine::generator(),
        gamma_abc_g1: G1Projective::normalize_batch(&abc[..instances]),
    };
    let pk = ProvingKey::<Bn254> {
        vk,
        beta_g1,
        delta_g1: G1Affine::generator(),
        a_query: G1Projective::normalize_batch(&a_query),
        b_g1_query: G1Projective::normalize_batch(&b_g1_query),
        b_g2_query: G2Projective::normalize_batch(&b_g2_query),
        h_query: G1Projective::normalize_batch(&h_query),
        l_query: G1Projective::normalize_batch(&abc[instances..]),
    };
    let keep = ConstraintRows {
        c: crate::groth16::SparseRows::new(),
        ..rows
    };
    Ok((pk, keep))
}

// ---------------------------------------------------------------------------------------------
// Contributions

use ark_ec::pairing::Pairing;
use ark_ff::{Field, PrimeField, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};

/// A beacon contribution's public randomness: its secret is `beacon_secret(value, iterations)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beacon {
    /// The beacon's value (hex), e.g. a drand round's randomness fixed in advance.
    pub value: String,
    /// `log2` of the hash iterations.
    pub iterations_log2: u32,
}

/// One phase-2 contribution as the transcript records it (points compressed, hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    /// The contributor's name (free text).
    pub name: String,
    /// `δ·G1` after this contribution.
    pub delta_g1: String,
    /// `δ·G2` after this contribution.
    pub delta_g2: String,
    /// Proof of knowledge of the secret `d`: `s·G1`.
    pub s_g1: String,
    /// `s·d·G1`.
    pub sx_g1: String,
    /// `d·H` for `H = hash_to_g2(previous ‖ s·G1 ‖ s·d·G1)`.
    pub spx_g2: String,
    /// For a beacon contribution, the beacon the secret comes from.
    #[serde(default)]
    pub beacon: Option<Beacon>,
    /// The transcript hash before this contribution (hex).
    pub previous: String,
    /// The transcript hash after it (hex): contributors find theirs by it.
    pub hash: String,
}

/// Why a transcript fails.
fn bad(what: impl Into<String>) -> ProverError {
    ProverError::Malformed {
        path: "ceremony transcript".into(),
        message: what.into(),
    }
}

fn compressed(p: &impl CanonicalSerialize) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = p.serialize_compressed(&mut out);
    out
}

fn point<T: CanonicalDeserialize>(hex_str: &str, what: &str) -> Result<T, ProverError> {
    let bytes = hex::decode(hex_str).map_err(|e| bad(format!("{what}: {e}")))?;
    T::deserialize_compressed(bytes.as_slice()).map_err(|e| bad(format!("{what}: {e}")))
}

/// The transcript hash a ceremony starts from: the circuit and its initial key's public part.
pub fn initial_hash(circuit_id: &str, pk: &ProvingKey<Bn254>) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"zkyuma/ceremony/initial/v1");
    h.update(&(circuit_id.len() as u64).to_le_bytes());
    h.update(circuit_id.as_bytes());
    h.update(&compressed(&pk.vk));
    *h.finalize().as_bytes()
}

/// The transcript hash after contribution `c`: blake3 of its fields, the previous hash among
/// them (anyone recomputes it; the verifier checks each recorded one).
pub fn contribution_hash(c: &Contribution) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"zkyuma/ceremony/contribution/v1");
    for field in [
        &c.previous,
        &c.name,
        &c.delta_g1,
        &c.delta_g2,
        &c.s_g1,
        &c.sx_g1,
        &c.spx_g2,
    ] {
        h.update(&(field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    match &c.beacon {
        None => h.update(&[0]),
        Some(b) => {
            h.update(&[1]);
            h.update(&b.iterations_log2.to_le_bytes());
            h.update(b.value.as_bytes())
        }
    };
    *h.finalize().as_bytes()
}

/// A G2 point nobody knows a discrete logarithm of, from `input` (try-and-increment on the
/// x-coordinate, then the cofactor cleared).
pub fn hash_to_g2(input: &[u8]) -> G2Affine {
    use ark_bn254::{Fq, Fq2};
    for counter in 0u64.. {
        let mut h = blake3::Hasher::new_derive_key("zkyuma/ceremony/hash-to-g2/v1");
        h.update(input);
        h.update(&counter.to_le_bytes());
        let mut wide = [0u8; 128];
        h.finalize_xof().fill(&mut wide);
        let x = Fq2::new(
            Fq::from_le_bytes_mod_order(&wide[..64]),
            Fq::from_le_bytes_mod_order(&wide[64..]),
        );
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, wide[0] & 1 == 1) {
            let q = p.clear_cofactor();
            if !q.is_zero() {
                return q;
            }
        }
    }
    unreachable!("some x is on the curve")
}

fn pok_base(previous: &str, s_g1: &G1Affine, sx_g1: &G1Affine) -> G2Affine {
    let mut input = previous.as_bytes().to_vec();
    input.extend(compressed(s_g1));
    input.extend(compressed(sx_g1));
    hash_to_g2(&input)
}

/// The secret of a beacon contribution: `value` hashed `2^iterations_log2` times (blake3), as a
/// scalar.
pub fn beacon_secret(value: &[u8], iterations_log2: u32) -> Result<Fr, ProverError> {
    if iterations_log2 > 40 {
        return Err(bad(format!(
            "2^{iterations_log2} beacon iterations: at most 2^40"
        )));
    }
    let mut x = *blake3::hash(value).as_bytes();
    for _ in 1..(1u64 << iterations_log2) {
        x = *blake3::hash(&x).as_bytes();
    }
    let d = Fr::from_le_bytes_mod_order(&x);
    if d.is_zero() {
        return Err(bad("the beacon gives a zero secret"));
    }
    Ok(d)
}

/// Contribute the secret `d` to `pk`: `δ ← d·δ`, the `L` and `H` queries divided by `d`, with a
/// proof of knowledge of `d` bound to the transcript hash `previous`. Returns the record (its
/// `hash` is the new transcript hash). `d` should come from the OS (plus the contributor's text)
/// and be forgotten at once.
pub fn contribute(
    pk: &mut ProvingKey<Bn254>,
    previous: [u8; 32],
    d: Fr,
    name: &str,
    beacon: Option<Beacon>,
    rng: &mut impl rand_core::RngCore,
) -> Result<Contribution, ProverError> {
    let d_inv = d.inverse().ok_or(ProverError::Degenerate {
        what: "a zero contribution secret",
    })?;
    let s = Fr::rand(rng);
    let g1 = G1Affine::generator();
    let s_g1 = (g1 * s).into_affine();
    let sx_g1 = (g1 * (s * d)).into_affine();
    let previous_hex = hex::encode(previous);
    let base = pok_base(&previous_hex, &s_g1, &sx_g1);
    let spx_g2 = (base * d).into_affine();
    pk.delta_g1 = (pk.delta_g1 * d).into_affine();
    pk.vk.delta_g2 = (pk.vk.delta_g2 * d).into_affine();
    let scale = |points: &[G1Affine]| -> Vec<G1Affine> {
        let p: Vec<G1Projective> = points.par_iter().map(|x| *x * d_inv).collect();
        G1Projective::normalize_batch(&p)
    };
    pk.l_query = scale(&pk.l_query);
    pk.h_query = scale(&pk.h_query);
    let mut c = Contribution {
        name: name.to_string(),
        delta_g1: hex::encode(compressed(&pk.delta_g1)),
        delta_g2: hex::encode(compressed(&pk.vk.delta_g2)),
        s_g1: hex::encode(compressed(&s_g1)),
        sx_g1: hex::encode(compressed(&sx_g1)),
        spx_g2: hex::encode(compressed(&spx_g2)),
        beacon,
        previous: previous_hex,
        hash: String::new(),
    };
    c.hash = hex::encode(contribution_hash(&c));
    Ok(c)
}

/// Check a whole phase 2: every contribution continues the transcript, proves knowledge of its
/// secret and moves `δ` by it (a beacon contribution by exactly its beacon's secret); and the
/// final key is the initial key (recomputed from the phase 1 and the circuit by the caller) with
/// the last `δ`: every query but `L` and `H` unchanged, and `L`, `H` the initial ones divided by
/// `δ` (random-linear-combination pairing checks). Returns each contribution's hash, in order.
pub fn verify_phase2(
    circuit_id: &str,
    initial: &ProvingKey<Bn254>,
    last: &ProvingKey<Bn254>,
    contributions: &[Contribution],
    rng: &mut impl rand_core::RngCore,
) -> Result<Vec<String>, ProverError> {
    if contributions.is_empty() {
        return Err(bad(
            "no contribution: a key with δ = 1 can be forged by anyone",
        ));
    }
    let mut previous = hex::encode(initial_hash(circuit_id, initial));
    let (mut delta_g1, mut delta_g2) = (initial.delta_g1, initial.vk.delta_g2);
    let mut hashes = Vec::new();
    for (i, c) in contributions.iter().enumerate() {
        let which = |what: &str| format!("contribution {} ({:?}): {what}", i + 1, c.name);
        if c.previous != previous {
            return Err(bad(which("does not continue the transcript")));
        }
        if hex::encode(contribution_hash(c)) != c.hash {
            return Err(bad(which("its hash is not its content's")));
        }
        let new_g1: G1Affine = point(&c.delta_g1, "delta_g1")?;
        let new_g2: G2Affine = point(&c.delta_g2, "delta_g2")?;
        let s_g1: G1Affine = point(&c.s_g1, "s_g1")?;
        let sx_g1: G1Affine = point(&c.sx_g1, "sx_g1")?;
        let spx_g2: G2Affine = point(&c.spx_g2, "spx_g2")?;
        if [new_g1.is_zero(), s_g1.is_zero(), sx_g1.is_zero()].contains(&true) {
            return Err(bad(which("a zero point")));
        }
        let base = pok_base(&c.previous, &s_g1, &sx_g1);
        // Knowledge of d: e(s·d·G1, H) = e(s·G1, d·H).
        if Bn254::pairing(sx_g1, base) != Bn254::pairing(s_g1, spx_g2) {
            return Err(bad(which("its proof of knowledge does not verify")));
        }
        // δ moved by that d: e(δ_prev, d·H) = e(δ_new, H); and δ in G1 and G2 agree.
        if Bn254::pairing(delta_g1, spx_g2) != Bn254::pairing(new_g1, base) {
            return Err(bad(which("δ did not move by the proven secret")));
        }
        if Bn254::pairing(new_g1, G2Affine::generator())
            != Bn254::pairing(G1Affine::generator(), new_g2)
        {
            return Err(bad(which("δ·G1 and δ·G2 differ")));
        }
        if let Some(b) = &c.beacon {
            let value = hex::decode(&b.value).map_err(|e| bad(which(&format!("beacon: {e}"))))?;
            let d = beacon_secret(&value, b.iterations_log2)?;
            if (delta_g1 * d).into_affine() != new_g1 {
                return Err(bad(which("δ is not moved by the beacon's secret")));
            }
        }
        delta_g1 = new_g1;
        delta_g2 = new_g2;
        previous = c.hash.clone();
        hashes.push(c.hash.clone());
    }
    // The final key: δ the last contribution's, the rest the initial key's, L and H scaled.
    if last.delta_g1 != delta_g1 || last.vk.delta_g2 != delta_g2 {
        return Err(bad("the key's δ is not the last contribution's"));
    }
    let same = last.vk.alpha_g1 == initial.vk.alpha_g1
        && last.vk.beta_g2 == initial.vk.beta_g2
        && last.vk.gamma_g2 == initial.vk.gamma_g2
        && last.vk.gamma_abc_g1 == initial.vk.gamma_abc_g1
        && last.beta_g1 == initial.beta_g1
        && last.a_query == initial.a_query
        && last.b_g1_query == initial.b_g1_query
        && last.b_g2_query == initial.b_g2_query;
    if !same {
        return Err(bad(
            "the key's α, β, γ, A or B queries are not the phase 1's",
        ));
    }
    for (name, fin, init) in [
        ("L", &last.l_query, &initial.l_query),
        ("H", &last.h_query, &initial.h_query),
    ] {
        if fin.len() != init.len() {
            return Err(bad(format!("the key's {name} query has another length")));
        }
        let r: Vec<Fr> = (0..fin.len()).map(|_| Fr::rand(rng)).collect();
        let f = G1Projective::msm_unchecked(fin, &r);
        let i = G1Projective::msm_unchecked(init, &r);
        // e(Σ r·L_final, δ·G2) = e(Σ r·L_initial, δ_initial·G2).
        if Bn254::pairing(f, delta_g2) != Bn254::pairing(i, initial.vk.delta_g2) {
            return Err(bad(format!(
                "the key's {name} query is not the phase 1's over δ"
            )));
        }
    }
    Ok(hashes)
}
