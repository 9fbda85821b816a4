//! The circuit's Groth16 key from a phase 1, before any phase-2 contribution (`δ = γ = 1`).
//!
//! With `L_i(τ)` the Lagrange basis of the circuit's domain (arkworks' and snarkjs's: one point
//! per constraint and per instance variable, rounded up to a power of two) and `A`, `B`, `C` the
//! constraint rows
//! (each instance variable `j` also in row `constraints + j` of `A`, as arkworks adds it):
//!
//! * `a_j = Σ_i A_ij·[L_i]₁` (plus `[L_{m+j}]₁` for an instance variable), `b_j` likewise in G1
//!   and G2;
//! * `l_j = Σ_i (A_ij·[β·L_i]₁ + B_ij·[α·L_i]₁ + C_ij·[L_i]₁)` for a witness variable (divided
//!   by `δ`, here 1), the same for an instance variable into the verifying key (divided by
//!   `γ = 1`);
//! * `h_j = [L'_{2j+1}]₁` for `j < n`, `L'` the Lagrange basis of the domain of size `2n`
//!   (snarkjs's reduction, [`crate::groth16::SnarkjsReduction`]; divided by `δ`).
//!
//! This is the key arkworks' generator makes for `t = τ` and secrets `α, β` of the phase 1, `γ =
//! δ = 1` (a test checks a proof made with it verifies). Anyone who knows `δ` can forge proofs,
//! so the key must go through phase-2 contributions before use.

use super::ptau::{Ptau, Section};
use super::scale::scale_in_place;
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
    // The `H` query needs the Lagrange basis of the domain twice the circuit's (snarkjs's rule).
    if k + 1 > ptau.power {
        return Err(ProverError::TooLarge {
            what: "evaluation domain points (half the powers of tau's largest domain)",
            max: 1u64 << ptau.power.saturating_sub(1),
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

    // snarkjs's reduction: `H_j = L_{2j+1}(τ)` over the domain of size `2n`.
    let h_query: Vec<G1Affine> = ptau
        .read_g1(Section::LagrangeG1, Ptau::lagrange_offset(k + 1), 2 * n)?
        .into_iter()
        .skip(1)
        .step_by(2)
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
        h_query,
        l_query: G1Projective::normalize_batch(&abc[instances..]),
    };
    let keep = ConstraintRows {
        c: crate::groth16::SparseRows::new(),
        ..rows
    };
    Ok((pk, keep))
}

// ---------------------------------------------------------------------------------------------
// Contributions, in snarkjs's format (`super::snarkjs`), so that either tool verifies the other's

use super::snarkjs::{
    beacon_rng, blake2b, fr_from_rng, g1_from_rng, g1_from_uncompressed, g1_uncompressed,
    g2_from_uncompressed, g2_uncompressed, hash_to_g2, ChaCha,
};
use ark_ec::pairing::Pairing;
use ark_ff::{Field, UniformRand};
use serde::{Deserialize, Serialize};

/// A beacon contribution's public randomness (snarkjs's `zkey beacon`): its secret and `s·G1`
/// are drawn from ChaCha keyed by the value SHA-256'd `2^iterations_exp` times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beacon {
    /// The beacon's value (hex, 1 to 255 bytes), e.g. a drand round's randomness fixed in
    /// advance.
    pub value: String,
    /// `log2` of the hash iterations (snarkjs allows 10 to 63).
    pub iterations_exp: u32,
}

/// The fewest and most beacon hash iterations (`log2`) accepted: snarkjs's lower bound, and an
/// upper one that keeps verification within hours.
pub const BEACON_ITERATIONS_EXP: std::ops::RangeInclusive<u32> = 10..=40;

/// One phase-2 contribution as snarkjs's `.zkey` records it (points in snarkjs's uncompressed
/// encoding, hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    /// The contributor's name (free text, at most 255 bytes; empty for none).
    pub name: String,
    /// `δ·G1` after this contribution.
    pub delta_after: String,
    /// Proof of knowledge of the secret `d`: `s·G1`.
    pub g1_s: String,
    /// `s·d·G1`.
    pub g1_sx: String,
    /// `d·H` for `H = hashToG2(transcript)`.
    pub g2_spx: String,
    /// blake2b-512 of the circuit hash, every earlier contribution's public key and this one's
    /// `s·G1`, `s·d·G1` (hex).
    pub transcript: String,
    /// For a beacon contribution, the beacon the secret comes from.
    #[serde(default)]
    pub beacon: Option<Beacon>,
    /// The contribution's hash (blake2b-512 of its public key, hex), the one snarkjs prints:
    /// contributors find theirs by it.
    pub hash: String,
}

/// Why a transcript fails.
fn bad(what: impl Into<String>) -> ProverError {
    ProverError::Malformed {
        path: "ceremony transcript".into(),
        message: what.into(),
    }
}

/// A contribution's points, decoded.
struct PublicKey {
    delta_after: G1Affine,
    g1_s: G1Affine,
    g1_sx: G1Affine,
    g2_spx: G2Affine,
    transcript: [u8; 64],
}

fn hex64(s: &str, what: &str) -> Result<[u8; 64], ProverError> {
    hex::decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad(format!("{what} is not 64 bytes of hex")))
}

impl Contribution {
    fn public_key(&self) -> Result<PublicKey, ProverError> {
        let g1 = |s: &str, what: &str| {
            hex::decode(s)
                .ok()
                .and_then(|b| g1_from_uncompressed(&b))
                .ok_or_else(|| bad(format!("{what} is not a G1 point")))
        };
        let g2 = hex::decode(&self.g2_spx)
            .ok()
            .and_then(|b| g2_from_uncompressed(&b))
            .ok_or_else(|| bad("g2_spx is not a G2 point"))?;
        Ok(PublicKey {
            delta_after: g1(&self.delta_after, "delta_after")?,
            g1_s: g1(&self.g1_s, "g1_s")?,
            g1_sx: g1(&self.g1_sx, "g1_sx")?,
            g2_spx: g2,
            transcript: hex64(&self.transcript, "transcript")?,
        })
    }

    /// snarkjs's `hashPubKey`: the bytes a transcript and the contribution hash absorb.
    fn public_key_bytes(&self) -> Result<Vec<u8>, ProverError> {
        let k = self.public_key()?;
        let mut out = g1_uncompressed(&k.delta_after).to_vec();
        out.extend(g1_uncompressed(&k.g1_s));
        out.extend(g1_uncompressed(&k.g1_sx));
        out.extend(g2_uncompressed(&k.g2_spx));
        out.extend(k.transcript);
        Ok(out)
    }
}

/// The transcript hash after `contributions`: blake2b-512 of the circuit hash and every
/// contribution's public key — what the next contribution's transcript starts from, and what
/// `circuit.json` and bundles record for a finished ceremony.
pub fn transcript_hash(
    circuit_hash: &[u8; 64],
    contributions: &[Contribution],
) -> Result<[u8; 64], ProverError> {
    let mut parts = vec![circuit_hash.to_vec()];
    for c in contributions {
        parts.push(c.public_key_bytes()?);
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(blake2b(&refs))
}

/// A contribution's transcript: blake2b-512 of the circuit hash, the `previous` contributions'
/// public keys and its `s·G1`, `s·d·G1`.
fn contribution_transcript(
    circuit_hash: &[u8; 64],
    previous: &[Contribution],
    g1_s: &G1Affine,
    g1_sx: &G1Affine,
) -> Result<[u8; 64], ProverError> {
    let mut parts = vec![circuit_hash.to_vec()];
    for c in previous {
        parts.push(c.public_key_bytes()?);
    }
    parts.push(g1_uncompressed(g1_s).to_vec());
    parts.push(g1_uncompressed(g1_sx).to_vec());
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(blake2b(&refs))
}

/// snarkjs's circuit hash of an initial key (`δ = γ = 1`): blake2b-512 of `α·G1`, `β·G1`,
/// `β·G2`, the generators for `γ·G2`, `δ·G1`, `δ·G2`, then each series with its length (a
/// big-endian `u32`) — the public-input points, the quotient bases `[τ^(i+n)]₁ − [τ^i]₁`
/// (`i < n − 1`, from the phase 1's powers), `L`, `A`, `B` in G1 and in G2.
pub fn circuit_hash(
    initial: &ProvingKey<Bn254>,
    ptau: &Ptau,
    domain_size: usize,
) -> Result<[u8; 64], ProverError> {
    let mut h = blake2::Blake2b512::default();
    use blake2::Digest;
    let g1 = |h: &mut blake2::Blake2b512, p: &G1Affine| h.update(g1_uncompressed(p));
    g1(&mut h, &initial.vk.alpha_g1);
    g1(&mut h, &initial.beta_g1);
    h.update(g2_uncompressed(&initial.vk.beta_g2));
    h.update(g2_uncompressed(&G2Affine::generator()));
    g1(&mut h, &G1Affine::generator());
    h.update(g2_uncompressed(&G2Affine::generator()));
    let series = |h: &mut blake2::Blake2b512, points: &[G1Affine]| {
        h.update((points.len() as u32).to_be_bytes());
        for p in points {
            h.update(g1_uncompressed(p));
        }
    };
    series(&mut h, &initial.vk.gamma_abc_g1);
    let n = domain_size;
    let powers = ptau.read_g1(Section::TauG1, 0, 2 * n - 1)?;
    let quotient: Vec<G1Projective> = (0..n - 1)
        .into_par_iter()
        .map(|i| powers[i + n].into_group() - powers[i])
        .collect();
    drop(powers);
    series(&mut h, &G1Projective::normalize_batch(&quotient));
    drop(quotient);
    series(&mut h, &initial.l_query);
    series(&mut h, &initial.a_query);
    series(&mut h, &initial.b_g1_query);
    h.update((initial.b_g2_query.len() as u32).to_be_bytes());
    for p in &initial.b_g2_query {
        h.update(g2_uncompressed(p));
    }
    Ok(h.finalize().into())
}

/// Contribute to `pk` drawing from `rng` as snarkjs does (the secret `d`, then `s·G1`): `δ ←
/// d·δ`, the `L` and `H` queries divided by `d`, and the proof of knowledge of `d` bound to the
/// transcript so far (`circuit_hash` and the `previous` contributions). `rng` comes from
/// [`super::snarkjs::entropy_rng`] (OS randomness and the contributor's text) or, for a beacon,
/// [`beacon_rng`]; it should be dropped at once.
pub fn contribute(
    pk: &mut ProvingKey<Bn254>,
    circuit_hash: &[u8; 64],
    previous: &[Contribution],
    rng: &mut ChaCha,
    name: &str,
    beacon: Option<Beacon>,
) -> Result<Contribution, ProverError> {
    if name.len() > 255 {
        return Err(bad("a contributor's name is at most 255 bytes"));
    }
    let d = fr_from_rng(rng);
    let d_inv = d.inverse().ok_or(ProverError::Degenerate {
        what: "a zero contribution secret",
    })?;
    let g1_s = g1_from_rng(rng);
    let g1_sx = (g1_s * d).into_affine();
    let transcript = contribution_transcript(circuit_hash, previous, &g1_s, &g1_sx)?;
    let g2_spx = (hash_to_g2(&transcript) * d).into_affine();
    pk.delta_g1 = (pk.delta_g1 * d).into_affine();
    pk.vk.delta_g2 = (pk.vk.delta_g2 * d).into_affine();
    scale_in_place(&mut pk.l_query, d_inv);
    scale_in_place(&mut pk.h_query, d_inv);
    let mut c = Contribution {
        name: name.to_string(),
        delta_after: hex::encode(g1_uncompressed(&pk.delta_g1)),
        g1_s: hex::encode(g1_uncompressed(&g1_s)),
        g1_sx: hex::encode(g1_uncompressed(&g1_sx)),
        g2_spx: hex::encode(g2_uncompressed(&g2_spx)),
        transcript: hex::encode(transcript),
        beacon,
        hash: String::new(),
    };
    c.hash = hex::encode(blake2b(&[&c.public_key_bytes()?]));
    Ok(c)
}

/// `e(a, d) = e(b, c)`: `(a, b)` and `(c, d)` have the same ratio (snarkjs's `sameRatio`).
pub(crate) fn same_ratio(a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine) -> bool {
    Bn254::pairing(a, d) == Bn254::pairing(b, c)
}

/// Check a whole phase 2 as `snarkjs zkey verify` does, and more: the contributions
/// ([`verify_contributions`]) and the final key against the initial key (recomputed from the
/// phase 1 and the circuit by the caller; [`verify_key`]). Returns each contribution's hash, in
/// order.
pub fn verify_phase2(
    circuit_hash: &[u8; 64],
    initial: &ProvingKey<Bn254>,
    last: &ProvingKey<Bn254>,
    contributions: &[Contribution],
    rng: &mut impl rand_core::RngCore,
) -> Result<Vec<String>, ProverError> {
    let (hashes, delta) = verify_contributions(circuit_hash, contributions)?;
    verify_key(initial, last, delta, rng)?;
    Ok(hashes)
}

/// Check the contributions alone (a pairing or two each, no key): there is at least one; every
/// transcript continues the one before from `circuit_hash`, every proof of knowledge verifies
/// and `δ` (from `δ = 1`) moves by the proven secret, a beacon contribution's points are exactly
/// its beacon's, no point is zero and every recorded hash is its contribution's. Returns the
/// hashes in order and the final `δ·G1`.
pub fn verify_contributions(
    circuit_hash: &[u8; 64],
    contributions: &[Contribution],
) -> Result<(Vec<String>, G1Affine), ProverError> {
    if contributions.is_empty() {
        return Err(bad(
            "no contribution: a key with δ = 1 can be forged by anyone",
        ));
    }
    let mut delta = G1Affine::generator();
    let mut hashes = Vec::new();
    for (i, c) in contributions.iter().enumerate() {
        let which = |what: &str| format!("contribution {} ({:?}): {what}", i + 1, c.name);
        let k = c.public_key().map_err(|e| bad(which(&e.to_string())))?;
        if contribution_transcript(circuit_hash, &contributions[..i], &k.g1_s, &k.g1_sx)?
            != k.transcript
        {
            return Err(bad(which("does not continue the transcript")));
        }
        if [k.delta_after.is_zero(), k.g1_s.is_zero(), k.g1_sx.is_zero()].contains(&true) {
            return Err(bad(which("a zero point")));
        }
        let base = hash_to_g2(&k.transcript);
        // Knowledge of d: (s·G1, s·d·G1) and (H, d·H) have the same ratio.
        if !same_ratio(k.g1_s, k.g1_sx, base, k.g2_spx) {
            return Err(bad(which("its proof of knowledge does not verify")));
        }
        // δ moved by that d.
        if !same_ratio(delta, k.delta_after, base, k.g2_spx) {
            return Err(bad(which("δ did not move by the proven secret")));
        }
        if let Some(b) = &c.beacon {
            if !BEACON_ITERATIONS_EXP.contains(&b.iterations_exp) {
                return Err(bad(which("beacon iterations out of range")));
            }
            let value = hex::decode(&b.value).map_err(|e| bad(which(&format!("beacon: {e}"))))?;
            let mut r = beacon_rng(&value, b.iterations_exp);
            let d = fr_from_rng(&mut r);
            let s = g1_from_rng(&mut r);
            if s != k.g1_s || (s * d).into_affine() != k.g1_sx {
                return Err(bad(which("its key is not the beacon's")));
            }
        }
        if hex::encode(blake2b(&[&c.public_key_bytes()?])) != c.hash {
            return Err(bad(which("its hash is not its content's")));
        }
        delta = k.delta_after;
        hashes.push(c.hash.clone());
    }
    Ok((hashes, delta))
}

/// Check the final key `last` against the `initial` one with the last contribution's `delta`:
/// `δ` in G1 and G2 the contributions', every query but `L` and `H` unchanged, and `L`, `H` the
/// initial ones divided by `δ` (random-linear-combination pairing checks).
pub fn verify_key(
    initial: &ProvingKey<Bn254>,
    last: &ProvingKey<Bn254>,
    delta: G1Affine,
    rng: &mut impl rand_core::RngCore,
) -> Result<(), ProverError> {
    // The final key: δ the last contribution's (in G1 and G2), the rest the initial key's, L and
    // H scaled.
    if last.delta_g1 != delta
        || !same_ratio(
            G1Affine::generator(),
            delta,
            G2Affine::generator(),
            last.vk.delta_g2,
        )
    {
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
        let f = G1Projective::msm_unchecked(fin, &r).into_affine();
        let i = G1Projective::msm_unchecked(init, &r).into_affine();
        // e(Σ r·L_final, δ·G2) = e(Σ r·L_initial, G2).
        if !same_ratio(f, i, initial.vk.delta_g2, last.vk.delta_g2) {
            return Err(bad(format!(
                "the key's {name} query is not the phase 1's over δ"
            )));
        }
    }
    Ok(())
}
