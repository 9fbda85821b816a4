//! The prover: the assignment, the quotient, then the five multi-scalar multiplications of
//! Groth16 over the proving key's points, chunk by chunk, from a key in memory or (through
//! [`super::key_file`]) streamed from its file.

use super::key_file::{FilePoints, KeyFile};
use super::rows::ConstraintRows;
use super::witness::{assignment, quotient};
use crate::ProverError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use rayon::prelude::*;

/// Points per multi-scalar multiplication in the G1 queries: the prover multiplies a query chunk
/// by chunk, so neither arkworks' per-chunk copies of the bases and scalar digits nor (reading
/// from a file) the query itself is ever held whole. 2^22 points cost about 9 % more additions
/// than one multiplication over 2^24 points.
pub(crate) const G1_CHUNK: usize = 1 << 22;
/// Points per multi-scalar multiplication in the G2 query (its points are twice as large).
pub(crate) const G2_CHUNK: usize = 1 << 21;

/// A scalar as the multi-scalar multiplications take it.
pub(crate) type ScalarInt = <Fr as PrimeField>::BigInt;

/// `Σ scalars_i · bases_i`, chunk by chunk.
fn chunked_msm<G: VariableBaseMSM<ScalarField = Fr>>(
    bases: &[G::MulBase],
    scalars: &[ScalarInt],
    chunk: usize,
) -> G {
    bases
        .chunks(chunk)
        .zip(scalars.chunks(chunk))
        .fold(G::zero(), |acc, (b, s)| acc + G::msm_bigint(b, s))
}

/// The G1 queries of a proving key, in the order its serialization stores them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum G1Query {
    /// `A`.
    A,
    /// `B` in G1.
    B,
    /// `H`.
    H,
    /// `L`.
    L,
}

impl G1Query {
    /// The query's name in errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::A => "A query",
            Self::B => "B (G1) query",
            Self::H => "H query",
            Self::L => "L query",
        }
    }
}

/// The name of the G2 query in errors.
pub(crate) const G2_QUERY: &str = "B (G2) query";

/// The error for a proving key query (or the verifying key's public-input points) of `got`
/// points where the circuit needs `expected`.
pub(crate) fn key_size(name: &'static str, expected: usize, got: u64) -> ProverError {
    ProverError::KeySize {
        name,
        expected: expected as u64,
        got,
    }
}

/// The proving key's points as the prover consumes them: first the header (`vk`, `β·G1`,
/// `δ·G1`), then the queries in the order of the key's serialization — `A`, `B` in G1, `B` in G2,
/// `H`, `L` — each multiplied by its scalars.
pub(crate) trait KeyPoints {
    /// The verifying key, `β·G1` and `δ·G1`.
    fn header(&mut self) -> Result<(VerifyingKey<Bn254>, G1Affine, G1Affine), ProverError>;
    /// The G1 query `query` times `scalars`, which must be as long; called for `A`, `B`, `H`,
    /// `L` in turn.
    fn g1(&mut self, query: G1Query, scalars: &[ScalarInt]) -> Result<G1Projective, ProverError>;
    /// The G2 query times `scalars`.
    fn g2(&mut self, scalars: &[ScalarInt]) -> Result<G2Projective, ProverError>;
    /// Everything read: the key is what it claims to be.
    fn finish(self) -> Result<(), ProverError>;
}

/// A proving key in memory.
struct MemoryPoints<'a> {
    pk: &'a ProvingKey<Bn254>,
}

impl KeyPoints for MemoryPoints<'_> {
    fn header(&mut self) -> Result<(VerifyingKey<Bn254>, G1Affine, G1Affine), ProverError> {
        Ok((self.pk.vk.clone(), self.pk.beta_g1, self.pk.delta_g1))
    }

    fn g1(&mut self, query: G1Query, scalars: &[ScalarInt]) -> Result<G1Projective, ProverError> {
        let pk = self.pk;
        let points: &[G1Affine] = match query {
            G1Query::A => &pk.a_query,
            G1Query::B => &pk.b_g1_query,
            G1Query::H => &pk.h_query,
            G1Query::L => &pk.l_query,
        };
        if points.len() != scalars.len() {
            return Err(key_size(query.name(), scalars.len(), points.len() as u64));
        }
        Ok(chunked_msm(points, scalars, G1_CHUNK))
    }

    fn g2(&mut self, scalars: &[ScalarInt]) -> Result<G2Projective, ProverError> {
        let points = &self.pk.b_g2_query;
        if points.len() != scalars.len() {
            return Err(key_size(G2_QUERY, scalars.len(), points.len() as u64));
        }
        Ok(chunked_msm(points, scalars, G2_CHUNK))
    }

    fn finish(self) -> Result<(), ProverError> {
        Ok(())
    }
}

/// Prove `circuit` with `pk` (see the [module documentation](crate::groth16)), drawing `r, s`
/// from `rng`. `rows` are the circuit's constraint rows as key generation kept them; without them
/// they are derived from the circuit first (one more synthesis, and its memory).
pub(crate) fn prove<C: ConstraintSynthesizer<Fr> + Clone>(
    pk: &ProvingKey<Bn254>,
    rows: Option<&ConstraintRows>,
    circuit: C,
    rng: &mut impl rand_core::RngCore,
) -> Result<Proof<Bn254>, ProverError> {
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    match rows {
        Some(rows) => prove_with_rows(pk, rows, circuit, r, s),
        None => prove_with(pk, circuit, r, s),
    }
}

/// Prove `circuit` with `pk` and the given randomness `r, s`, the rows derived from the circuit.
pub fn prove_with<C: ConstraintSynthesizer<Fr> + Clone>(
    pk: &ProvingKey<Bn254>,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, ProverError> {
    let rows = ConstraintRows::of(circuit.clone())?;
    prove_with_rows(pk, &rows, circuit, r, s)
}

/// Prove `circuit` with `pk`, its constraint `rows` and the given randomness `r, s`.
pub fn prove_with_rows<C: ConstraintSynthesizer<Fr>>(
    pk: &ProvingKey<Bn254>,
    rows: &ConstraintRows,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, ProverError> {
    prove_from(MemoryPoints { pk }, rows, circuit, r, s)
}

/// Prove with the proving key read from a file one chunk of points at a time: the key is never
/// held in memory, and the proof is returned only if the file's blake3 is the recorded one, its
/// verifying key is the expected one and the proof verifies against it. `rows` are the circuit's
/// constraint rows as key generation kept them; without them they are derived from the circuit.
pub fn prove_from_file<C: ConstraintSynthesizer<Fr> + Clone>(
    key: KeyFile<'_>,
    rows: Option<&ConstraintRows>,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, ProverError> {
    let derived;
    let rows = match rows {
        Some(rows) => rows,
        None => {
            derived = ConstraintRows::of(circuit.clone())?;
            &derived
        }
    };
    prove_from(FilePoints::open(key)?, rows, circuit, r, s)
}

/// The prover: the assignment, the quotient, then the five multi-scalar multiplications of
/// `ark-groth16` over the key's points in the order the key stores them.
fn prove_from<C: ConstraintSynthesizer<Fr>>(
    mut key: impl KeyPoints,
    rows: &ConstraintRows,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, ProverError> {
    let (vk, beta_g1, delta_g1) = key.header()?;
    let z = assignment(circuit)?;
    let (instances, variables) = (
        rows.instance_variables,
        rows.instance_variables + rows.witness_variables,
    );
    if z.len() != variables {
        return Err(ProverError::WrongShape {
            expected: variables as u64,
            got: z.len() as u64,
        });
    }
    if vk.gamma_abc_g1.len() != instances {
        return Err(key_size(
            "public-input points (γ·ABC)",
            instances,
            vk.gamma_abc_g1.len() as u64,
        ));
    }
    let h = quotient(rows, &z)?;
    let big = |xs: &[Fr]| xs.par_iter().map(|x| x.into_bigint()).collect::<Vec<_>>();
    // One `H` query point per value on the odd coset (snarkjs's reduction).
    let h_big = big(&h);
    drop(h);
    let public_inputs = z[1..instances].to_vec();
    // The constant 1 included: `Σ_i z_i·A_i` is arkworks' `A_0 + Σ_{i≥1} z_i·A_i`.
    let z_big = big(&z);
    drop(z);

    let a_acc = key.g1(G1Query::A, &z_big)?;
    let b_g1_acc = key.g1(G1Query::B, &z_big)?;
    let b_g2_acc = key.g2(&z_big)?;
    let h_acc = key.g1(G1Query::H, &h_big)?;
    drop(h_big);
    let l_acc = key.g1(G1Query::L, &z_big[instances..])?;
    key.finish()?;

    let r_s_delta_g1 = delta_g1 * (r * s);
    let g_a = delta_g1 * r + a_acc + vk.alpha_g1;
    let s_g_a = g_a * s;
    let g1_b = delta_g1 * s + b_g1_acc + beta_g1;
    let g2_b: G2Projective = vk.delta_g2 * s + b_g2_acc + vk.beta_g2;
    let r_g1_b = g1_b * r;
    let g_c = s_g_a + r_g1_b - r_s_delta_g1 + l_acc + h_acc;
    let proof = Proof::<Bn254> {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    };
    // A witness that does not satisfy the circuit gives a proof that does not verify: say so here
    // (one pairing check) rather than hand it on.
    let pvk = ark_groth16::prepare_verifying_key(&vk);
    match Groth16::<Bn254>::verify_proof(&pvk, &proof, &public_inputs) {
        Ok(true) => Ok(proof),
        _ => Err(ProverError::Unsatisfied),
    }
}
