//! Phase 1: a universal powers-of-tau file in snarkjs's `.ptau` format (the Perpetual Powers of
//! Tau are distributed in it), read section by section a chunk of points at a time, with its
//! consistency checked by random-linear-combination pairing checks.
//!
//! Format (snarkjs `powersoftau_*.js`, `@iden3/binfileutils`): the magic `ptau`, a `u32`
//! version (1), a `u32` section count, then sections, each a `u32` type, a `u64` byte length and
//! its bytes. Section 1 is the header (`u32` field size 32, the base-field modulus, `u32` power
//! `p`, `u32` ceremony power); 2 `τ^i·G1` for `i < 2^(p+1) − 1`; 3 `τ^i·G2`, 4 `α·τ^i·G1`, 5
//! `β·τ^i·G1` for `i < 2^p`; 6 `β·G2`; 7 the contributions. A file prepared for phase 2 adds 12–15:
//! the same four series in the Lagrange basis of every domain `2^k`, `k = 0..=p` (and `p + 1`
//! for section 12), one after the other. Points are affine, each coordinate 32 bytes
//! little-endian in Montgomery form; G2 coordinates are `c0` then `c1`; the point at infinity is
//! all zeros.

use crate::ProverError;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, VariableBaseMSM};
use ark_ff::{BigInt, BigInteger, FftField, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Points read and checked per chunk: bounds memory whatever the file's power.
const CHUNK: usize = 1 << 16;

/// The sections of a `.ptau` file zkyuma reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// `τ^i·G1`.
    TauG1 = 2,
    /// `τ^i·G2`.
    TauG2 = 3,
    /// `α·τ^i·G1`.
    AlphaTauG1 = 4,
    /// `β·τ^i·G1`.
    BetaTauG1 = 5,
    /// `β·G2`.
    BetaG2 = 6,
    /// `L_i(τ)·G1` per domain.
    LagrangeG1 = 12,
    /// `L_i(τ)·G2` per domain.
    LagrangeG2 = 13,
    /// `α·L_i(τ)·G1` per domain.
    AlphaLagrangeG1 = 14,
    /// `β·L_i(τ)·G1` per domain.
    BetaLagrangeG1 = 15,
}

impl Section {
    fn is_g2(self) -> bool {
        matches!(self, Self::TauG2 | Self::BetaG2 | Self::LagrangeG2)
    }

    fn point_bytes(self) -> u64 {
        if self.is_g2() {
            128
        } else {
            64
        }
    }
}

/// A powers-of-tau file, its sections indexed.
#[derive(Debug)]
pub struct Ptau {
    path: PathBuf,
    /// `p`: the file holds `τ^i·G1` for `i < 2^(p+1) − 1` and domains up to `2^p`.
    pub power: u32,
    /// The ceremony's power (the file may be truncated from a larger one).
    pub ceremony_power: u32,
    sections: Vec<(u32, u64, u64)>,
}

fn malformed(path: &Path, message: impl Into<String>) -> ProverError {
    ProverError::Malformed {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn io(path: &Path, source: std::io::Error) -> ProverError {
    ProverError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_array<const N: usize>(f: &mut impl Read, path: &Path) -> Result<[u8; N], ProverError> {
    let mut b = [0u8; N];
    f.read_exact(&mut b).map_err(|e| io(path, e))?;
    Ok(b)
}

/// A base-field element from 32 little-endian bytes in Montgomery form (canonical only).
fn fq_from_montgomery(bytes: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().ok()?);
    }
    let raw = BigInt::new(limbs);
    (raw < Fq::MODULUS).then(|| Fq::new_unchecked(raw))
}

/// A G1 point from snarkjs's affine Montgomery encoding (`None` off the curve).
pub(crate) fn g1_from_bytes(b: &[u8]) -> Option<G1Affine> {
    if b.iter().all(|x| *x == 0) {
        return Some(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(
        fq_from_montgomery(&b[..32])?,
        fq_from_montgomery(&b[32..64])?,
    );
    // BN254's G1 has cofactor 1: on the curve is in the group.
    p.is_on_curve().then_some(p)
}

/// A G2 point from snarkjs's affine Montgomery encoding (`None` off the curve or the group).
pub(crate) fn g2_from_bytes(b: &[u8]) -> Option<G2Affine> {
    if b.iter().all(|x| *x == 0) {
        return Some(G2Affine::zero());
    }
    let x = Fq2::new(
        fq_from_montgomery(&b[..32])?,
        fq_from_montgomery(&b[32..64])?,
    );
    let y = Fq2::new(
        fq_from_montgomery(&b[64..96])?,
        fq_from_montgomery(&b[96..128])?,
    );
    let p = G2Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// Points of a section, G1 or G2.
pub enum Points {
    /// G1 points.
    G1(Vec<G1Affine>),
    /// G2 points.
    G2(Vec<G2Affine>),
}

impl Ptau {
    /// Open and index a `.ptau` file: its magic, version, header and section table (no points
    /// are read yet).
    pub fn open(path: &Path) -> Result<Self, ProverError> {
        let mut f = std::fs::File::open(path).map_err(|e| io(path, e))?;
        let len = f.metadata().map_err(|e| io(path, e))?.len();
        let magic: [u8; 4] = read_array(&mut f, path)?;
        if &magic != b"ptau" {
            return Err(malformed(path, "not a .ptau file (no `ptau` magic)"));
        }
        let version = u32::from_le_bytes(read_array(&mut f, path)?);
        if version != 1 {
            return Err(malformed(path, format!(".ptau version {version}, not 1")));
        }
        let count = u32::from_le_bytes(read_array(&mut f, path)?);
        let mut sections = Vec::new();
        let mut pos = 12u64;
        for _ in 0..count {
            let kind = u32::from_le_bytes(read_array(&mut f, path)?);
            let size = u64::from_le_bytes(read_array(&mut f, path)?);
            let start = pos + 12;
            if start.checked_add(size).is_none_or(|end| end > len) {
                return Err(malformed(
                    path,
                    format!("section {kind} runs past the file's end"),
                ));
            }
            sections.push((kind, start, size));
            pos = start + size;
            f.seek(SeekFrom::Start(pos)).map_err(|e| io(path, e))?;
        }
        let header = sections.iter().filter(|s| s.0 == 1).collect::<Vec<_>>();
        let &[&(_, start, size)] = header.as_slice() else {
            return Err(malformed(path, "the file has no single header section"));
        };
        if size != 4 + 32 + 4 + 4 {
            return Err(malformed(path, format!("header of {size} bytes, not 44")));
        }
        f.seek(SeekFrom::Start(start)).map_err(|e| io(path, e))?;
        let n8 = u32::from_le_bytes(read_array(&mut f, path)?);
        let q: [u8; 32] = read_array(&mut f, path)?;
        let modulus: Vec<u8> = Fq::MODULUS.to_bytes_le();
        if n8 != 32 || q.as_slice() != modulus.as_slice() {
            return Err(malformed(path, "not a BN254 (bn128) powers of tau"));
        }
        let power = u32::from_le_bytes(read_array(&mut f, path)?);
        let ceremony_power = u32::from_le_bytes(read_array(&mut f, path)?);
        if power == 0 || power > Fr::TWO_ADICITY || ceremony_power < power {
            return Err(malformed(
                path,
                format!("power {power} (ceremony power {ceremony_power}) out of range"),
            ));
        }
        let ptau = Self {
            path: path.to_path_buf(),
            power,
            ceremony_power,
            sections,
        };
        for s in [
            Section::TauG1,
            Section::TauG2,
            Section::AlphaTauG1,
            Section::BetaTauG1,
            Section::BetaG2,
        ] {
            ptau.expect_len(s, ptau.points_in(s))?;
        }
        Ok(ptau)
    }

    /// Whether the file is prepared for phase 2 (holds the Lagrange sections).
    pub fn prepared(&self) -> bool {
        [12u32, 13, 14, 15]
            .iter()
            .all(|k| self.sections.iter().any(|s| s.0 == *k))
    }

    /// How many points section `s` holds.
    pub fn points_in(&self, s: Section) -> u64 {
        let n = 1u64 << self.power;
        match s {
            Section::TauG1 => 2 * n - 1,
            Section::TauG2 | Section::AlphaTauG1 | Section::BetaTauG1 => n,
            Section::BetaG2 => 1,
            // Every domain 2^0..=2^p: 2^(p+1) − 1 points; section 12 adds the domain 2^(p+1).
            Section::LagrangeG1 => 2 * n - 1 + 2 * n,
            Section::LagrangeG2 | Section::AlphaLagrangeG1 | Section::BetaLagrangeG1 => 2 * n - 1,
        }
    }

    fn section(&self, s: Section) -> Result<(u64, u64), ProverError> {
        let found: Vec<_> = self.sections.iter().filter(|x| x.0 == s as u32).collect();
        match found.as_slice() {
            [one] => Ok((one.1, one.2)),
            [] => Err(malformed(&self.path, format!("no section {}", s as u32))),
            _ => Err(malformed(&self.path, format!("section {} twice", s as u32))),
        }
    }

    fn expect_len(&self, s: Section, points: u64) -> Result<(), ProverError> {
        let (_, size) = self.section(s)?;
        if size != points * s.point_bytes() {
            return Err(malformed(
                &self.path,
                format!(
                    "section {} has {size} bytes, {} expected",
                    s as u32,
                    points * s.point_bytes()
                ),
            ));
        }
        Ok(())
    }

    /// `count` points of section `s` from point `first`, each checked on the curve (and, in
    /// G2, in the prime-order subgroup).
    pub fn read(&self, s: Section, first: u64, count: usize) -> Result<Points, ProverError> {
        let (start, size) = self.section(s)?;
        let width = s.point_bytes();
        first
            .checked_add(count as u64)
            .and_then(|e| e.checked_mul(width))
            .filter(|e| *e <= size)
            .ok_or_else(|| malformed(&self.path, format!("section {} too short", s as u32)))?;
        let mut f = std::fs::File::open(&self.path).map_err(|e| io(&self.path, e))?;
        f.seek(SeekFrom::Start(start + first * width))
            .map_err(|e| io(&self.path, e))?;
        let mut buf = vec![0u8; count * width as usize];
        f.read_exact(&mut buf).map_err(|e| io(&self.path, e))?;
        let bad = |i: usize| {
            malformed(
                &self.path,
                format!(
                    "section {} point {}: not a valid curve point",
                    s as u32,
                    first + i as u64
                ),
            )
        };
        if s.is_g2() {
            // Decoding checks every point (G2 in its subgroup): on all cores.
            buf.par_chunks(128)
                .enumerate()
                .map(|(i, b)| g2_from_bytes(b).ok_or_else(|| bad(i)))
                .collect::<Result<_, _>>()
                .map(Points::G2)
        } else {
            buf.par_chunks(64)
                .enumerate()
                .map(|(i, b)| g1_from_bytes(b).ok_or_else(|| bad(i)))
                .collect::<Result<_, _>>()
                .map(Points::G1)
        }
    }

    /// G1 points of section `s` (an error for a G2 section).
    pub fn read_g1(
        &self,
        s: Section,
        first: u64,
        count: usize,
    ) -> Result<Vec<G1Affine>, ProverError> {
        match self.read(s, first, count)? {
            Points::G1(p) => Ok(p),
            Points::G2(_) => Err(malformed(&self.path, "a G2 section read as G1")),
        }
    }

    /// G2 points of section `s` (an error for a G1 section).
    pub fn read_g2(
        &self,
        s: Section,
        first: u64,
        count: usize,
    ) -> Result<Vec<G2Affine>, ProverError> {
        match self.read(s, first, count)? {
            Points::G2(p) => Ok(p),
            Points::G1(_) => Err(malformed(&self.path, "a G1 section read as G2")),
        }
    }

    /// Where the Lagrange basis of the domain `2^k` starts in a Lagrange section.
    pub fn lagrange_offset(k: u32) -> u64 {
        (1u64 << k) - 1
    }

    fn inconsistent(&self, what: impl std::fmt::Display) -> ProverError {
        malformed(&self.path, format!("inconsistent powers of tau: {what}"))
    }

    /// `Σ r_i·P_i` and `Σ r_i·P_{i+1}` over the first `len` points of a G1 section, streamed.
    fn shifted_sums_g1(
        &self,
        s: Section,
        len: u64,
        rng: &mut impl rand_core::RngCore,
    ) -> Result<(G1Projective, G1Projective), ProverError> {
        let (mut lo, mut hi) = (G1Projective::zero(), G1Projective::zero());
        let mut first = 0u64;
        while first + 1 < len {
            let count = (len - first).min(CHUNK as u64 + 1) as usize;
            let pts = self.read_g1(s, first, count)?;
            let r: Vec<Fr> = (0..count - 1).map(|_| Fr::rand(rng)).collect();
            lo += G1Projective::msm_unchecked(&pts[..count - 1], &r);
            hi += G1Projective::msm_unchecked(&pts[1..], &r);
            first += count as u64 - 1;
        }
        Ok((lo, hi))
    }

    fn shifted_sums_g2(
        &self,
        len: u64,
        rng: &mut impl rand_core::RngCore,
    ) -> Result<(G2Projective, G2Projective), ProverError> {
        let (mut lo, mut hi) = (G2Projective::zero(), G2Projective::zero());
        let mut first = 0u64;
        while first + 1 < len {
            let count = (len - first).min(CHUNK as u64 + 1) as usize;
            let pts = self.read_g2(Section::TauG2, first, count)?;
            let r: Vec<Fr> = (0..count - 1).map(|_| Fr::rand(rng)).collect();
            lo += G2Projective::msm_unchecked(&pts[..count - 1], &r);
            hi += G2Projective::msm_unchecked(&pts[1..], &r);
            first += count as u64 - 1;
        }
        Ok((lo, hi))
    }

    /// Check the powers: `τ^0·G1` and `τ^0·G2` are the generators; consecutive points of every
    /// series differ by the same `τ` (`e(Σ r_i·P_i, τ·G2) = e(Σ r_i·P_{i+1}, G2)` for random
    /// `r`, and in G2 against `τ·G1`); `α·G1`, `β·G1` series likewise, and `β·G2` matches `β·G1`;
    /// and, in a prepared file, every Lagrange basis is the one of those powers
    /// (`Σ c_i·L_i = Σ d_j·τ^j` with `d = IFFT(c)` for random `c`). A file that passes is a
    /// consistent phase 1 (whoever made it); its secrets are as safe as its contributions.
    pub fn verify(&self, rng: &mut impl rand_core::RngCore) -> Result<(), ProverError> {
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let tau_g1 = self.read_g1(Section::TauG1, 0, 2)?;
        let tau_g2 = self.read_g2(Section::TauG2, 0, 2)?;
        if tau_g1[0] != g1 || tau_g2[0] != g2 {
            return Err(self.inconsistent("τ^0 is not the generator"));
        }
        if tau_g1[1].is_zero() || tau_g2[1].is_zero() {
            return Err(self.inconsistent("τ is zero"));
        }
        let same = |a: G1Projective, b: G2Affine, c: G1Projective, d: G2Affine| {
            Bn254::pairing(a, b) == Bn254::pairing(c, d)
        };
        // τ·G1 and τ·G2 carry the same τ.
        if !same(tau_g1[1].into(), g2, g1.into(), tau_g2[1]) {
            return Err(self.inconsistent("τ·G1 and τ·G2 differ"));
        }
        let n = 1u64 << self.power;
        let (lo, hi) = self.shifted_sums_g1(Section::TauG1, 2 * n - 1, rng)?;
        if !same(lo, tau_g2[1], hi, g2) {
            return Err(self.inconsistent("τ^i·G1"));
        }
        let (lo, hi) = self.shifted_sums_g2(n, rng)?;
        if Bn254::pairing(tau_g1[1], lo) != Bn254::pairing(g1, hi) {
            return Err(self.inconsistent("τ^i·G2"));
        }
        for (s, name) in [
            (Section::AlphaTauG1, "α·τ^i·G1"),
            (Section::BetaTauG1, "β·τ^i·G1"),
        ] {
            let (lo, hi) = self.shifted_sums_g1(s, n, rng)?;
            if !same(lo, tau_g2[1], hi, g2) {
                return Err(self.inconsistent(name));
            }
        }
        let beta_g1 = self.read_g1(Section::BetaTauG1, 0, 1)?[0];
        let beta_g2 = self.read_g2(Section::BetaG2, 0, 1)?[0];
        let alpha_g1 = self.read_g1(Section::AlphaTauG1, 0, 1)?[0];
        if alpha_g1.is_zero() || beta_g1.is_zero() {
            return Err(self.inconsistent("α or β is zero"));
        }
        if !same(beta_g1.into(), g2, g1.into(), beta_g2) {
            return Err(self.inconsistent("β·G2 does not match β·G1"));
        }
        if self.prepared() {
            self.verify_lagrange(rng)?;
        }
        Ok(())
    }

    /// Each Lagrange basis against the powers it is the IFFT of.
    fn verify_lagrange(&self, rng: &mut impl rand_core::RngCore) -> Result<(), ProverError> {
        self.expect_len(Section::LagrangeG1, self.points_in(Section::LagrangeG1))?;
        for s in [
            Section::LagrangeG2,
            Section::AlphaLagrangeG1,
            Section::BetaLagrangeG1,
        ] {
            self.expect_len(s, self.points_in(s))?;
        }
        // One check per series over all its domains at once: with independent random `c_k` per
        // domain, `Σ_k Σ_i c_{k,i}·L_{k,i} = Σ_j (Σ_k d_{k,j})·τ^j` (`d_k = IFFT(c_k)`) fails
        // unless every domain's basis is right (but with probability 1/r), and the powers are
        // read once. Only when it fails are the domains checked one by one, to name the bad one.
        let series = [
            (Section::LagrangeG1, Section::TauG1, self.power + 1),
            (Section::LagrangeG2, Section::TauG2, self.power),
            (Section::AlphaLagrangeG1, Section::AlphaTauG1, self.power),
            (Section::BetaLagrangeG1, Section::BetaTauG1, self.power),
        ];
        for (lagrange, powers, top) in series {
            if !self.lagrange_holds(lagrange, powers, 0..=top, rng)? {
                for k in 0..=top {
                    if !self.lagrange_holds(lagrange, powers, k..=k, rng)? {
                        return Err(self.inconsistent(format!(
                            "section {}'s Lagrange basis of 2^{k} is not the powers'",
                            lagrange as u32
                        )));
                    }
                }
                return Err(self.inconsistent(format!(
                    "section {}'s Lagrange bases are not the powers'",
                    lagrange as u32
                )));
            }
        }
        Ok(())
    }

    /// Whether the Lagrange bases of the domains `2^k`, `k` in `domains`, in section `lagrange`
    /// are the IFFTs of the powers in section `powers` (one random-linear-combination check).
    fn lagrange_holds(
        &self,
        lagrange: Section,
        powers: Section,
        domains: std::ops::RangeInclusive<u32>,
        rng: &mut impl rand_core::RngCore,
    ) -> Result<bool, ProverError> {
        let mut total: Vec<Fr> = Vec::new();
        let (mut lhs_g1, mut lhs_g2) = (G1Projective::zero(), G2Projective::zero());
        for k in domains {
            let size = 1usize << k;
            let domain = Radix2EvaluationDomain::<Fr>::new(size)
                .ok_or_else(|| self.inconsistent(format!("no domain of size 2^{k}")))?;
            let c: Vec<Fr> = (0..size).map(|_| Fr::rand(rng)).collect();
            let mut d = domain.ifft(&c);
            if k > self.power {
                // The domain 2^(p+1) (section 12 only) lacks τ^(2^(p+1) − 1): snarkjs takes it
                // as zero.
                d.truncate(size - 1);
            }
            if total.len() < d.len() {
                total.resize(d.len(), Fr::zero());
            }
            for (t, x) in total.iter_mut().zip(&d) {
                *t += x;
            }
            let at = Self::lagrange_offset(k);
            if lagrange.is_g2() {
                lhs_g2 += self.msm_g2(lagrange, at, &c)?;
            } else {
                lhs_g1 += self.msm_g1(lagrange, at, &c)?;
            }
        }
        Ok(if lagrange.is_g2() {
            lhs_g2 == self.msm_g2(powers, 0, &total)?
        } else {
            lhs_g1 == self.msm_g1(powers, 0, &total)?
        })
    }

    /// `Σ scalars_i · P_{first+i}` over a G1 section, a chunk of points at a time.
    fn msm_g1(&self, s: Section, first: u64, scalars: &[Fr]) -> Result<G1Projective, ProverError> {
        let mut acc = G1Projective::zero();
        for (i, chunk) in scalars.chunks(CHUNK).enumerate() {
            let pts = self.read_g1(s, first + (i * CHUNK) as u64, chunk.len())?;
            acc += G1Projective::msm_unchecked(&pts, chunk);
        }
        Ok(acc)
    }

    /// `Σ scalars_i · P_{first+i}` over a G2 section, a chunk of points at a time.
    fn msm_g2(&self, s: Section, first: u64, scalars: &[Fr]) -> Result<G2Projective, ProverError> {
        let mut acc = G2Projective::zero();
        for (i, chunk) in scalars.chunks(CHUNK).enumerate() {
            let pts = self.read_g2(s, first + (i * CHUNK) as u64, chunk.len())?;
            acc += G2Projective::msm_unchecked(&pts, chunk);
        }
        Ok(acc)
    }
}

/// A G1 point in snarkjs's affine Montgomery form (for writing test files and `.zkey`s).
pub fn g1_to_bytes(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x, y].iter().enumerate() {
            let limbs = c.0 .0;
            for (j, l) in limbs.iter().enumerate() {
                out[32 * i + 8 * j..32 * i + 8 * j + 8].copy_from_slice(&l.to_le_bytes());
            }
        }
    }
    out
}

/// A G2 point in snarkjs's affine Montgomery form.
pub fn g2_to_bytes(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
            for (j, l) in c.0 .0.iter().enumerate() {
                out[32 * i + 8 * j..32 * i + 8 * j + 8].copy_from_slice(&l.to_le_bytes());
            }
        }
    }
    out
}

/// A one-party phase 1 of `power`: `τ, α, β` drawn from `rng` (the OS's) and dropped when the
/// file is written. It is as trustworthy as the machine that ran it — fit for a demo or a
/// subnet whose owner is trusted with the setup anyway; anything public should build on the
/// Perpetual Powers of Tau instead.
pub fn write_local(
    path: &Path,
    power: u32,
    rng: &mut (impl rand_core::RngCore + rand_core::CryptoRng),
) -> Result<(), ProverError> {
    write_insecure(path, power, Fr::rand(rng), Fr::rand(rng), Fr::rand(rng))
}

/// **INSECURE — tests only**: write a prepared phase 1 of `power` in the `.ptau` format from
/// the known secrets `τ, α, β` (whoever knows them can forge proofs for any key derived from
/// the file). Tests use it where a snarkjs-made file of that power would take minutes.
pub fn write_insecure(
    path: &Path,
    power: u32,
    tau: Fr,
    alpha: Fr,
    beta: Fr,
) -> Result<(), ProverError> {
    use ark_ec::scalar_mul::BatchMulPreprocessing;
    let n = 1usize << power;
    let mut powers = Vec::with_capacity(2 * n);
    let mut x = Fr::from(1u64);
    for _ in 0..2 * n - 1 {
        powers.push(x);
        x *= tau;
    }
    let g1 = BatchMulPreprocessing::new(G1Projective::from(G1Affine::generator()), 4 * n);
    let g2 = BatchMulPreprocessing::new(G2Projective::from(G2Affine::generator()), 2 * n);
    let scaled = |s: Fr, v: &[Fr]| -> Vec<Fr> { v.iter().map(|x| s * x).collect() };
    let g1s = |v: &[Fr]| -> Vec<u8> { g1.batch_mul(v).iter().flat_map(g1_to_bytes).collect() };
    let g2s = |v: &[Fr]| -> Vec<u8> { g2.batch_mul(v).iter().flat_map(g2_to_bytes).collect() };
    // The Lagrange series: for every domain 2^k, the IFFT of its powers (the domain 2^(p+1)
    // with its missing last power taken as zero, as snarkjs does).
    let lagrange = |k: u32| -> Vec<Fr> {
        let size = 1usize << k;
        let mut v: Vec<Fr> = powers.iter().take(size).copied().collect();
        v.resize(size, Fr::from(0u64));
        Radix2EvaluationDomain::<Fr>::new(size)
            .map(|d| d.ifft(&v))
            .unwrap_or_default()
    };
    let mut sections: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend(Fq::MODULUS.to_bytes_le());
    header.extend(power.to_le_bytes());
    header.extend(power.to_le_bytes());
    sections.push((1, header));
    sections.push((2, g1s(&powers)));
    sections.push((3, g2s(&powers[..n])));
    sections.push((4, g1s(&scaled(alpha, &powers[..n]))));
    sections.push((5, g1s(&scaled(beta, &powers[..n]))));
    sections.push((6, g2s(&[beta])));
    sections.push((7, 0u32.to_le_bytes().to_vec()));
    let (mut l1, mut l2, mut la, mut lb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for k in 0..=power + 1 {
        let l = lagrange(k);
        l1.extend(g1s(&l));
        if k <= power {
            l2.extend(g2s(&l));
            la.extend(g1s(&scaled(alpha, &l)));
            lb.extend(g1s(&scaled(beta, &l)));
        }
    }
    sections.extend([(12, l1), (13, l2), (14, la), (15, lb)]);
    let mut out = b"ptau".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    for (kind, bytes) in sections {
        out.extend(kind.to_le_bytes());
        out.extend((bytes.len() as u64).to_le_bytes());
        out.extend(bytes);
    }
    crate::keys::write_atomic(path, &out)
}
