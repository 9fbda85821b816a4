//! Groth16 proving in small memory.
//!
//! arkworks' prover synthesizes the circuit once with everything at hand: every linear
//! combination kept, inlined into a second copy, turned into three sparse matrices of `(field
//! element, index)` pairs, and the full assignment copied twice more — several kilobytes per
//! constraint, about 20 GB for a 6-million-constraint epoch circuit. Proving needs far less:
//!
//! 1. **the constraint rows of `A` and `B`** ([`ConstraintRows`]): one synthesis without values,
//!    inlined, converted row by row into a compressed form (a `u32` variable index and a `u32`
//!    index into a table of distinct coefficients per entry); `C` is not needed, because on a
//!    satisfying assignment `C·z = (A·z) ∘ (B·z)` entry by entry. Key generation ([`generate`])
//!    derives them anyway and keeps them (`rows.bin` beside the proving key, its blake3 in
//!    `circuit.json`), so proving does not synthesize the circuit twice;
//! 2. **the assignment** ([`assignment`]): a second synthesis that keeps values only (no linear
//!    combination is stored);
//! 3. **the quotient `h`** ([`quotient`]): the R1CS-to-QAP witness map of arkworks'
//!    `LibsnarkReduction` — the same evaluation domain, coset and order of FFTs — so that the
//!    proving keys of `ark-groth16` apply unchanged;
//! 4. **the proof** ([`prove`]): the five multi-scalar multiplications of Groth16, giving the
//!    points `ark-groth16` gives (the constant's query point inside the multiplication rather
//!    than added apart), chunk by chunk; [`prove_from_file`] reads the proving key's points
//!    from its file in the order they are stored, a chunk at a time, hashing the file as it goes,
//!    so the key is never resident.
//!
//! A proof made here is the proof arkworks makes with the same randomness `r, s` (a test checks
//! them equal byte for byte), so keys, verifier and proofs are interchangeable.

use crate::ProverError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, One, PrimeField, UniformRand, Zero};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::VerifyingKey;
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One matrix (`A` or `B`) of an R1CS in compressed-row form: row `i` holds the entries
/// `start[i]..start[i + 1]` of `vars` / `coeffs`; `coeffs` index [`ConstraintRows::coefficients`].
#[derive(Clone, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct SparseRows {
    start: Vec<u64>,
    vars: Vec<u32>,
    coeffs: Vec<u32>,
}

impl SparseRows {
    fn new() -> Self {
        Self {
            start: vec![0],
            ..Self::default()
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of non-zero entries.
    pub fn entries(&self) -> usize {
        self.vars.len()
    }

    /// Every index in range: offsets start at 0, never decrease and end at the entry count;
    /// variables below `variables`, coefficients below `coefficients`.
    fn check(&self, variables: usize, coefficients: usize) -> Result<(), String> {
        if self.start.first() != Some(&0)
            || self.start.windows(2).any(|w| w[0] > w[1])
            || self.start.last().copied() != Some(self.vars.len() as u64)
            || self.vars.len() != self.coeffs.len()
        {
            return Err("row offsets are not a partition of the entries".into());
        }
        if let Some(v) = self.vars.iter().find(|v| **v as usize >= variables) {
            return Err(format!("variable {v} of {variables}"));
        }
        if let Some(c) = self.coeffs.iter().find(|c| **c as usize >= coefficients) {
            return Err(format!("coefficient {c} of {coefficients}"));
        }
        Ok(())
    }

    /// Row `i` as `(variable, coefficient index)` pairs.
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (from, to) = (self.start[i] as usize, self.start[i + 1] as usize);
        self.vars[from..to]
            .iter()
            .zip(&self.coeffs[from..to])
            .map(|(v, c)| (*v as usize, *c as usize))
    }

    /// `row_i · z`.
    fn evaluate(&self, i: usize, coefficients: &[Fr], z: &[Fr]) -> Fr {
        let mut acc = Fr::zero();
        for (var, coeff) in self.row(i) {
            let c = coefficients[coeff];
            let x = z[var];
            if c.is_one() {
                acc += x;
            } else {
                acc += c * x;
            }
        }
        acc
    }
}

/// The `A` and `B` rows of a circuit, with its variable counts (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct ConstraintRows {
    /// Instance variables, the constant 1 included.
    pub instance_variables: usize,
    /// Witness variables.
    pub witness_variables: usize,
    /// Distinct coefficients.
    pub coefficients: Vec<Fr>,
    /// `A`.
    pub a: SparseRows,
    /// `B`.
    pub b: SparseRows,
    /// `C` (kept for key generation only; empty when proving).
    pub c: SparseRows,
}

fn synthesis_error(e: impl std::fmt::Display) -> ProverError {
    ProverError::Synthesis(e.to_string())
}

impl ConstraintRows {
    /// Synthesize `circuit` without values (as key generation does), inline its linear
    /// combinations and keep the `A` and `B` rows.
    pub fn of<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        Self::synthesize(circuit, 2)
    }

    /// [`ConstraintRows::of`] with the `C` rows too, for key generation.
    pub fn with_c<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProverError> {
        Self::synthesize(circuit, 3)
    }

    fn synthesize<C: ConstraintSynthesizer<Fr>>(
        circuit: C,
        matrices: usize,
    ) -> Result<Self, ProverError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit
            .generate_constraints(cs.clone())
            .map_err(synthesis_error)?;
        cs.finalize();
        Self::from_finalized(&cs, matrices)
    }

    fn from_finalized(cs: &ConstraintSystemRef<Fr>, count: usize) -> Result<Self, ProverError> {
        let inner = cs
            .borrow()
            .ok_or_else(|| synthesis_error("no constraint system"))?;
        let instance_variables = inner.num_instance_variables;
        let witness_variables = inner.num_witness_variables;
        if instance_variables + witness_variables > u32::MAX as usize {
            return Err(synthesis_error("more variables than 2^32"));
        }
        let predicate = inner
            .predicate_constraint_systems
            .get(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| synthesis_error("the circuit has no R1CS constraints"))?;
        let arguments = predicate.get_constraints();
        let mut table: HashMap<Fr, u32> = HashMap::new();
        let mut coefficients = Vec::new();
        let mut matrices = [SparseRows::new(), SparseRows::new(), SparseRows::new()];
        for (rows, lcs) in matrices.iter_mut().zip(arguments.iter()).take(count) {
            for &lc_var in lcs {
                for (coeff, var) in inner.get_lc(lc_var).0 {
                    if coeff.is_zero() || var.is_zero() {
                        continue;
                    }
                    let index = var
                        .get_variable_index(instance_variables)
                        .ok_or_else(|| synthesis_error("a linear combination left uninlined"))?;
                    let c = *table.entry(coeff).or_insert_with(|| {
                        coefficients.push(coeff);
                        (coefficients.len() - 1) as u32
                    });
                    rows.vars.push(index as u32);
                    rows.coeffs.push(c);
                }
                rows.start.push(rows.vars.len() as u64);
            }
        }
        let [a, b, c] = matrices;
        Ok(Self {
            instance_variables,
            witness_variables,
            coefficients,
            a,
            b,
            c,
        })
    }

    /// Number of constraints.
    pub fn constraints(&self) -> usize {
        self.a.len()
    }

    /// Structural check of rows read from a file: `A` and `B` with one row per constraint,
    /// `C` empty or the same length, every index in range (so evaluating them cannot panic).
    pub fn check(&self) -> Result<(), String> {
        let variables = self
            .instance_variables
            .checked_add(self.witness_variables)
            .filter(|v| *v <= u32::MAX as usize)
            .ok_or("more variables than 2^32")?;
        if self.instance_variables == 0 {
            return Err("no constant variable".into());
        }
        for rows in [&self.a, &self.b, &self.c] {
            rows.check(variables, self.coefficients.len())?;
        }
        if self.b.len() != self.a.len() || !(self.c.is_empty() || self.c.len() == self.a.len()) {
            return Err("A, B and C have different row counts".into());
        }
        Ok(())
    }
}

/// Synthesize `circuit` keeping values only; returns the full assignment `z` (the constant 1,
/// the public inputs, then the witnesses).
pub fn assignment<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Vec<Fr>, ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit
        .generate_constraints(cs.clone())
        .map_err(synthesis_error)?;
    let mut inner = cs
        .borrow_mut()
        .ok_or_else(|| synthesis_error("no constraint system"))?;
    let mut z = std::mem::take(&mut inner.assignments.instance_assignment);
    z.append(&mut inner.assignments.witness_assignment);
    Ok(z)
}

/// The coefficients of `h(X) = (A(X)·B(X) − C(X)) / Z(X)` over arkworks' Groth16 domain, as
/// `LibsnarkReduction::witness_map_from_matrices` computes them (`C·z` taken as `(A·z)∘(B·z)`).
pub fn quotient(rows: &ConstraintRows, z: &[Fr]) -> Result<Vec<Fr>, ProverError> {
    let (constraints, instance_variables) = (rows.constraints(), rows.instance_variables);
    let domain = GeneralEvaluationDomain::<Fr>::new(constraints + instance_variables)
        .ok_or_else(|| synthesis_error("the circuit is too large for the evaluation domain"))?;
    let size = domain.size();
    let mut a = vec![Fr::zero(); size];
    let mut b = vec![Fr::zero(); size];
    a[..constraints]
        .par_iter_mut()
        .zip(b[..constraints].par_iter_mut())
        .enumerate()
        .for_each(|(i, (a, b))| {
            *a = rows.a.evaluate(i, &rows.coefficients, z);
            *b = rows.b.evaluate(i, &rows.coefficients, z);
        });
    a[constraints..constraints + instance_variables].copy_from_slice(&z[..instance_variables]);
    let mut c: Vec<Fr> = a.par_iter().zip(&b).map(|(a, b)| *a * b).collect();
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or_else(|| synthesis_error("no coset of the evaluation domain"))?;
    domain.ifft_in_place(&mut a);
    domain.ifft_in_place(&mut b);
    coset.fft_in_place(&mut a);
    coset.fft_in_place(&mut b);
    a.par_iter_mut().zip(&b).for_each(|(a, b)| *a *= b);
    drop(b);
    domain.ifft_in_place(&mut c);
    coset.fft_in_place(&mut c);
    let vanishing_inverse = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or_else(|| synthesis_error("vanishing polynomial is zero on the coset"))?;
    a.par_iter_mut().zip(c).for_each(|(ab, c)| {
        *ab -= &c;
        *ab *= &vanishing_inverse;
    });
    coset.ifft_in_place(&mut a);
    Ok(a)
}

/// Points per multi-scalar multiplication in the G1 queries: the prover multiplies a query chunk
/// by chunk, so neither arkworks' per-chunk copies of the bases and scalar digits nor (reading
/// from a file) the query itself is ever held whole. 2^22 points cost about 9 % more additions
/// than one multiplication over 2^24 points.
const G1_CHUNK: usize = 1 << 22;
/// Points per multi-scalar multiplication in the G2 query (its points are twice as large).
const G2_CHUNK: usize = 1 << 21;

type ScalarInt = <Fr as PrimeField>::BigInt;

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

/// The proving key's points as the prover consumes them: first the header (`vk`, `β·G1`,
/// `δ·G1`), then the queries in the order of the key's serialization — `A`, `B` in G1, `B` in G2,
/// `H`, `L` — each multiplied by its scalars.
trait KeyPoints {
    fn header(&mut self) -> Result<(VerifyingKey<Bn254>, G1Affine, G1Affine), ProverError>;
    /// The next G1 query (`A`, `B`, `H`, `L` in turn) times `scalars`, which must be as long.
    fn g1(&mut self, name: &str, scalars: &[ScalarInt]) -> Result<G1Projective, ProverError>;
    /// The G2 query times `scalars`.
    fn g2(&mut self, scalars: &[ScalarInt]) -> Result<G2Projective, ProverError>;
    /// Everything read: the key is what it claims to be.
    fn finish(self) -> Result<(), ProverError>;
}

fn size_error(name: &str, points: usize, scalars: usize) -> ProverError {
    synthesis_error(format!(
        "the proving key's {name} query has {points} points, the circuit needs {scalars}: \
         the key was made for a circuit of another size"
    ))
}

/// A proving key in memory.
struct MemoryPoints<'a> {
    pk: &'a ProvingKey<Bn254>,
    next_g1: usize,
}

impl KeyPoints for MemoryPoints<'_> {
    fn header(&mut self) -> Result<(VerifyingKey<Bn254>, G1Affine, G1Affine), ProverError> {
        Ok((self.pk.vk.clone(), self.pk.beta_g1, self.pk.delta_g1))
    }

    fn g1(&mut self, name: &str, scalars: &[ScalarInt]) -> Result<G1Projective, ProverError> {
        let pk = self.pk;
        let query: &[G1Affine] = match self.next_g1 {
            0 => &pk.a_query,
            1 => &pk.b_g1_query,
            2 => &pk.h_query,
            3 => &pk.l_query,
            _ => return Err(synthesis_error("no G1 query left in the proving key")),
        };
        self.next_g1 += 1;
        if query.len() != scalars.len() {
            return Err(size_error(name, query.len(), scalars.len()));
        }
        Ok(chunked_msm(query, scalars, G1_CHUNK))
    }

    fn g2(&mut self, scalars: &[ScalarInt]) -> Result<G2Projective, ProverError> {
        let query = &self.pk.b_g2_query;
        if query.len() != scalars.len() {
            return Err(size_error("B (G2)", query.len(), scalars.len()));
        }
        Ok(chunked_msm(query, scalars, G2_CHUNK))
    }

    fn finish(self) -> Result<(), ProverError> {
        Ok(())
    }
}

/// A file read front to back and hashed (blake3) as it is read; [`CheckedFile::conclude`] hashes
/// whatever is left and compares the hash with the recorded one.
pub(crate) struct CheckedFile {
    reader: std::io::BufReader<std::fs::File>,
    hasher: blake3::Hasher,
    path: PathBuf,
    expected: String,
    len: u64,
}

impl CheckedFile {
    /// Open `path`, whose blake3 must be `expected`.
    pub(crate) fn open(path: &Path, expected: &str) -> Result<Self, ProverError> {
        let io = |source| ProverError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Ok(Self {
            reader: std::io::BufReader::with_capacity(1 << 20, file),
            hasher: blake3::Hasher::new(),
            path: path.to_path_buf(),
            expected: expected.to_string(),
            len,
        })
    }

    /// Hash the rest of the file and compare: a file that is not the recorded one is reported as
    /// such, whatever else went wrong while reading it.
    pub(crate) fn conclude(&mut self) -> Result<(), ProverError> {
        std::io::copy(self, &mut std::io::sink()).map_err(|source| ProverError::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        let got = self.hasher.finalize().to_hex().to_string();
        if got != self.expected {
            return Err(ProverError::Checksum {
                path: self.path.display().to_string(),
                expected: self.expected.clone(),
                got,
            });
        }
        Ok(())
    }

    fn malformed(&self, message: impl std::fmt::Display) -> ProverError {
        ProverError::Malformed {
            path: self.path.display().to_string(),
            message: message.to_string(),
        }
    }
}

impl Read for CheckedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.reader.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A proving key file (`pk.bin`, uncompressed), read front to back one chunk of points at a time
/// and hashed as it is read. Its points are used before the whole file is hashed, but nothing
/// computed from them leaves the prover unless [`KeyPoints::finish`] finds the hash equal to the
/// recorded one.
struct FilePoints {
    file: CheckedFile,
    vk: VerifyingKey<Bn254>,
    buffer: Vec<u8>,
}

impl FilePoints {
    fn open(key: KeyFile<'_>) -> Result<Self, ProverError> {
        let file = CheckedFile::open(key.path, key.blake3)?;
        // A file of the wrong size is refused before minutes of proving, not after.
        if file.len != key.bytes {
            return Err(file.malformed(format!(
                "{} bytes, the recorded proving key has {}",
                file.len, key.bytes
            )));
        }
        Ok(Self {
            file,
            vk: key.vk.clone(),
            buffer: Vec::new(),
        })
    }

    fn malformed(&self, message: impl std::fmt::Display) -> ProverError {
        self.file.malformed(message)
    }

    /// `error`, unless the file is not the recorded key (then that).
    fn fail(&mut self, error: ProverError) -> ProverError {
        match self.file.conclude() {
            Ok(()) => error,
            Err(e) => e,
        }
    }

    fn read_value<T: CanonicalDeserialize>(&mut self) -> Result<T, ProverError> {
        match T::deserialize_with_mode(&mut self.file, Compress::No, Validate::No) {
            Ok(v) => Ok(v),
            Err(e) => {
                let e = self.malformed(e);
                Err(self.fail(e))
            }
        }
    }

    /// The next query (a length, then points) times `scalars`, chunk by chunk.
    fn query<G: VariableBaseMSM<ScalarField = Fr>>(
        &mut self,
        name: &str,
        scalars: &[ScalarInt],
        chunk: usize,
    ) -> Result<G, ProverError>
    where
        G::MulBase: CanonicalDeserialize + AffineRepr,
    {
        let len: u64 = self.read_value()?;
        if len != scalars.len() as u64 {
            let e = size_error(name, len as usize, scalars.len());
            return Err(self.fail(e));
        }
        let point_size = <G::MulBase as AffineRepr>::zero().uncompressed_size();
        let mut acc = G::zero();
        for scalars in scalars.chunks(chunk) {
            self.buffer.resize(scalars.len() * point_size, 0);
            if let Err(e) = self.file.read_exact(&mut self.buffer) {
                let e = self.malformed(format!("the {name} query is cut short: {e}"));
                return Err(self.fail(e));
            }
            let points: Result<Vec<G::MulBase>, _> = self
                .buffer
                .par_chunks(point_size)
                .map(|bytes| G::MulBase::deserialize_with_mode(bytes, Compress::No, Validate::No))
                .collect();
            let points = match points {
                Ok(points) => points,
                Err(e) => {
                    let e = self.malformed(e);
                    return Err(self.fail(e));
                }
            };
            acc += G::msm_bigint(&points, scalars);
        }
        Ok(acc)
    }
}

impl KeyPoints for FilePoints {
    fn header(&mut self) -> Result<(VerifyingKey<Bn254>, G1Affine, G1Affine), ProverError> {
        // The verifying key at the head is compared as bytes, not parsed: nothing the file says
        // (a length prefix, say) is trusted before its hash is known.
        let mut expected = Vec::new();
        if let Err(e) = self.vk.serialize_uncompressed(&mut expected) {
            return Err(self.malformed(e));
        }
        let mut head = vec![0u8; expected.len()];
        if self.file.read_exact(&mut head).is_err() || head != expected {
            let e = self.malformed("the proving key's verifying key is not vk.bin");
            return Err(self.fail(e));
        }
        Ok((self.vk.clone(), self.read_value()?, self.read_value()?))
    }

    fn g1(&mut self, name: &str, scalars: &[ScalarInt]) -> Result<G1Projective, ProverError> {
        self.query(name, scalars, G1_CHUNK)
    }

    fn g2(&mut self, scalars: &[ScalarInt]) -> Result<G2Projective, ProverError> {
        self.query("B (G2)", scalars, G2_CHUNK)
    }

    fn finish(mut self) -> Result<(), ProverError> {
        // Any bytes after the last query are hashed too, so a lengthened file fails the check.
        self.file.conclude()
    }
}

/// Prove `circuit` with `pk` (see the module documentation), drawing `r, s` from `rng`. `rows`
/// are the circuit's constraint rows as key generation kept them; without them they are derived
/// from the circuit first (one more synthesis, and its memory).
pub fn prove<C: ConstraintSynthesizer<Fr> + Clone>(
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

/// [`prove`] with given `r, s`, the rows derived from the circuit.
pub fn prove_with<C: ConstraintSynthesizer<Fr> + Clone>(
    pk: &ProvingKey<Bn254>,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, ProverError> {
    let rows = ConstraintRows::of(circuit.clone())?;
    prove_with_rows(pk, &rows, circuit, r, s)
}

/// [`prove`] with given `r, s` and rows.
pub fn prove_with_rows<C: ConstraintSynthesizer<Fr>>(
    pk: &ProvingKey<Bn254>,
    rows: &ConstraintRows,
    circuit: C,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, ProverError> {
    prove_from(MemoryPoints { pk, next_g1: 0 }, rows, circuit, r, s)
}

/// A proving key file and what it must be.
#[derive(Clone, Copy, Debug)]
pub struct KeyFile<'a> {
    /// The file: the key's uncompressed serialization, as [`crate::keys`] writes it.
    pub path: &'a Path,
    /// Its blake3 (hex), as `circuit.json` records it.
    pub blake3: &'a str,
    /// Its size in bytes, as `circuit.json` records it.
    pub bytes: u64,
    /// The verifying key the key must hold (`vk.bin`'s).
    pub vk: &'a VerifyingKey<Bn254>,
}

/// Prove with the proving key read from a file one chunk of points at a time: the key is never
/// held in memory, and the proof is returned only if the file's blake3 is the recorded one, its
/// verifying key is the expected one and the proof verifies against it. `rows` as for [`prove`].
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
        return Err(synthesis_error(format!(
            "the witness synthesis allocated {} variables, the constraint rows {variables}",
            z.len()
        )));
    }
    if vk.gamma_abc_g1.len() != instances {
        return Err(synthesis_error(
            "the proving key was made for a circuit with other public inputs",
        ));
    }
    let h = quotient(rows, &z)?;
    let big = |xs: &[Fr]| xs.par_iter().map(|x| x.into_bigint()).collect::<Vec<_>>();
    // `h_query` has one point fewer than the domain (deg h <= size − 2), as in arkworks.
    let h_big = big(&h[..h.len() - 1]);
    drop(h);
    let public_inputs = z[1..instances].to_vec();
    // The constant 1 included: `Σ_i z_i·A_i` is arkworks' `A_0 + Σ_{i≥1} z_i·A_i`.
    let z_big = big(&z);
    drop(z);

    let a_acc = key.g1("A", &z_big)?;
    let b_g1_acc = key.g1("B (G1)", &z_big)?;
    let b_g2_acc = key.g2(&z_big)?;
    let h_acc = key.g1("H", &h_big)?;
    drop(h_big);
    let l_acc = key.g1("L", &z_big[instances..])?;
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
        _ => Err(synthesis_error(
            "the witness does not satisfy the circuit (the proof does not verify)",
        )),
    }
}

/// Circuit-specific Groth16 key generation from the constraint rows: arkworks' generator
/// (`generate_random_parameters_with_reduction` with `LibsnarkReduction`) step for step — the same
/// draws from `rng` in the same order, the same QAP evaluation at `t` — without keeping the
/// constraint system: only the compressed rows, the Lagrange coefficients at `t` and the
/// per-variable evaluations are held while the key's points are computed. The key equals the one
/// arkworks makes from the same `rng` (a test checks them equal byte for byte).
pub fn generate<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    rng: &mut impl rand_core::RngCore,
) -> Result<(ProvingKey<Bn254>, ConstraintRows), ProverError> {
    let alpha = Fr::rand(rng);
    let beta = Fr::rand(rng);
    let gamma = Fr::rand(rng);
    let delta = Fr::rand(rng);
    let g1_generator = G1Projective::rand(rng);
    let g2_generator = G2Projective::rand(rng);

    let rows = ConstraintRows::with_c(circuit)?;
    let constraints = rows.constraints();
    let instances = rows.instance_variables;
    let domain = GeneralEvaluationDomain::<Fr>::new(constraints + instances)
        .ok_or_else(|| synthesis_error("the circuit is too large for the evaluation domain"))?;
    let t = domain.sample_element_outside_domain(rng);
    let zt = domain.evaluate_vanishing_polynomial(t);
    let domain_size = domain.size();

    // QAP evaluation at t: a_j = Σ_i A_ij·u_i(t) (and b, c), the instance rows appended to A.
    let variables = instances + rows.witness_variables;
    let (mut a, mut b, mut c) = (
        vec![Fr::zero(); variables],
        vec![Fr::zero(); variables],
        vec![Fr::zero(); variables],
    );
    {
        let u = domain.evaluate_all_lagrange_coefficients(t);
        a[..instances].copy_from_slice(&u[constraints..constraints + instances]);
        for (matrix, out) in [(&rows.a, &mut a), (&rows.b, &mut b), (&rows.c, &mut c)] {
            for (i, u_i) in u.iter().enumerate().take(constraints) {
                for (var, coeff) in matrix.row(i) {
                    out[var] += *u_i * rows.coefficients[coeff];
                }
            }
        }
    }
    let keep = ConstraintRows {
        c: SparseRows::new(),
        ..rows
    };

    // Table sizes as arkworks counts them (the last variable left out); they only tune speed.
    let non_zero_a = a[..variables - 1].iter().filter(|x| !x.is_zero()).count();
    let non_zero_b = b[..variables - 1].iter().filter(|x| !x.is_zero()).count();
    let gamma_inverse = gamma
        .inverse()
        .ok_or_else(|| synthesis_error("gamma is zero"))?;
    let delta_inverse = delta
        .inverse()
        .ok_or_else(|| synthesis_error("delta is zero"))?;
    let gamma_abc: Vec<Fr> = (0..instances)
        .map(|j| (beta * a[j] + alpha * b[j] + c[j]) * gamma_inverse)
        .collect();
    let l: Vec<Fr> = (instances..variables)
        .into_par_iter()
        .map(|j| (beta * a[j] + alpha * b[j] + c[j]) * delta_inverse)
        .collect();
    drop(c);

    let g2_table = BatchMulPreprocessing::new(g2_generator, non_zero_b);
    let b_g2_query = g2_table.batch_mul(&b);
    drop(g2_table);
    let num_scalars = non_zero_a + non_zero_b + (variables - 1) + domain_size + 1;
    let g1_table = BatchMulPreprocessing::new(g1_generator, num_scalars);
    let a_query = g1_table.batch_mul(&a);
    drop(a);
    let b_g1_query = g1_table.batch_mul(&b);
    drop(b);
    let h_scalars = <LibsnarkReduction as R1CSToQAP>::h_query_scalars::<
        Fr,
        GeneralEvaluationDomain<Fr>,
    >(domain_size - 1, t, zt, delta_inverse)
    .map_err(synthesis_error)?;
    let h_query = g1_table.batch_mul(&h_scalars);
    drop(h_scalars);
    let l_query = g1_table.batch_mul(&l);
    drop(l);
    let gamma_abc_g1 = g1_table.batch_mul(&gamma_abc);
    drop(g1_table);

    let vk = VerifyingKey::<Bn254> {
        alpha_g1: (g1_generator * alpha).into_affine(),
        beta_g2: (g2_generator * beta).into_affine(),
        gamma_g2: (g2_generator * gamma).into_affine(),
        delta_g2: (g2_generator * delta).into_affine(),
        gamma_abc_g1,
    };
    let pk = ProvingKey::<Bn254> {
        vk,
        beta_g1: (g1_generator * beta).into_affine(),
        delta_g1: (g1_generator * delta).into_affine(),
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    Ok((pk, keep))
}
