//! Many G1 points times one scalar: what a phase-2 contribution spends its time on (every `L`
//! and `H` point of the key divided by the contributor's secret, tens of millions of points at
//! the large epoch shapes).
//!
//! The scalar is the same for every point, so its preparation is done once: it is split by BN254's
//! endomorphism `φ(x, y) = (β·x, y)` (`φ(P) = λ·P`) into two halves of about 128 bits, `k = k₁ +
//! λ·k₂`, and each half is written in width-5 NAF (digits odd in `±1..±15`, about one in six
//! non-zero). Per point: its odd multiples `P, 3P, …, 15P` (one doubling, seven additions, made
//! affine a chunk at a time with one inversion), their images under `φ` (a multiplication each),
//! then one shared ladder of ~128 doublings and ~42 mixed additions — against ~254 doublings and
//! ~127 additions of plain double-and-add. Points are rewritten in place, so scaling a key's
//! queries needs no second copy of them.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use rayon::prelude::*;
use std::ops::Neg;

/// NAF width: `2^(W-2)` odd multiples per point.
const W: u32 = 5;
const TABLE: usize = 1 << (W - 2);
/// Points per batch inversion (and per task).
const CHUNK: usize = 2048;

/// The width-`W` NAF of `k` (least significant digit first), each digit negated when `negate`.
fn wnaf(k: Fr, negate: bool) -> Vec<i8> {
    let mut k = k.into_bigint();
    let mut digits = Vec::with_capacity(Fr::MODULUS_BIT_SIZE as usize + 1);
    let window = 1u64 << W;
    while !k.is_zero() {
        let d = if k.is_odd() {
            let m = k.0[0] % window;
            if m >= window / 2 {
                // A negative digit: k grows by |d|.
                let d = window - m;
                k.add_with_carry(&<Fr as PrimeField>::BigInt::from(d));
                -(d as i64)
            } else {
                k.sub_with_borrow(&<Fr as PrimeField>::BigInt::from(m));
                m as i64
            }
        } else {
            0
        };
        digits.push(if negate { -d } else { d } as i8);
        k.div2();
    }
    digits
}

/// The scalar prepared for the ladder: the NAF digits of `k₁` and of `k₂` (signs folded in).
struct Prepared {
    first: Vec<i8>,
    second: Vec<i8>,
}

impl Prepared {
    fn new(k: Fr) -> Self {
        let ((k1_positive, k1), (k2_positive, k2)) =
            <ark_bn254::g1::Config as GLVConfig>::scalar_decomposition(k);
        Prepared {
            first: wnaf(k1, !k1_positive),
            second: wnaf(k2, !k2_positive),
        }
    }
}

/// The table entry for digit `d` (odd, non-zero): `|d|·P` from `table`, negated when `d < 0`.
fn entry(table: &[G1Affine], d: i8) -> G1Affine {
    let p = table[(d.unsigned_abs() as usize) / 2];
    if d < 0 {
        p.neg()
    } else {
        p
    }
}

/// One chunk of points, in place.
fn scale_chunk(points: &mut [G1Affine], k: &Prepared) {
    let beta = <ark_bn254::g1::Config as GLVConfig>::ENDO_COEFFS[0];
    // The odd multiples of every point, made affine together.
    let mut multiples: Vec<G1Projective> = Vec::with_capacity(points.len() * TABLE);
    for p in points.iter() {
        let p1: G1Projective = (*p).into();
        let p2 = p1.double();
        let mut m = p1;
        multiples.push(m);
        for _ in 1..TABLE {
            m += p2;
            multiples.push(m);
        }
    }
    let multiples = G1Projective::normalize_batch(&multiples);
    let mut images = multiples.clone();
    for q in images.iter_mut() {
        if !q.is_zero() {
            q.x *= beta;
        }
    }
    let len = k.first.len().max(k.second.len());
    let results: Vec<G1Projective> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if p.is_zero() {
                return G1Projective::default();
            }
            let table = &multiples[i * TABLE..(i + 1) * TABLE];
            let table_phi = &images[i * TABLE..(i + 1) * TABLE];
            let mut acc = G1Projective::default();
            for j in (0..len).rev() {
                acc.double_in_place();
                if let Some(&d) = k.first.get(j).filter(|d| **d != 0) {
                    acc += entry(table, d);
                }
                if let Some(&d) = k.second.get(j).filter(|d| **d != 0) {
                    acc += entry(table_phi, d);
                }
            }
            acc
        })
        .collect();
    points.copy_from_slice(&G1Projective::normalize_batch(&results));
}

/// `points[i] ← k·points[i]` for every `i`, on all cores.
pub fn scale_in_place(points: &mut [G1Affine], k: Fr) {
    let prepared = Prepared::new(k);
    points
        .par_chunks_mut(CHUNK)
        .for_each(|chunk| scale_chunk(chunk, &prepared));
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};

    #[test]
    fn naf_digits_recompose_the_scalar() {
        let mut rng = ark_std::test_rng();
        for k in [
            Fr::from(0u64),
            Fr::from(1u64),
            Fr::from(31u64),
            -Fr::from(1u64),
        ]
        .into_iter()
        .chain((0..50).map(|_| Fr::rand(&mut rng)))
        {
            for negate in [false, true] {
                let digits = wnaf(k, negate);
                let mut acc = Fr::from(0u64);
                for &d in digits.iter().rev() {
                    acc.double_in_place();
                    acc += Fr::from(d as i64);
                }
                assert_eq!(acc, if negate { -k } else { k });
                assert!(digits.iter().all(|d| *d == 0 || d % 2 != 0 && d.abs() < 16));
                // No two non-zero digits within a window.
                for w in digits.windows(W as usize) {
                    assert!(w.iter().filter(|d| **d != 0).count() <= 1);
                }
            }
        }
    }

    #[test]
    fn scaling_matches_scalar_multiplication() {
        let mut rng = ark_std::test_rng();
        // More than a chunk, with the point at infinity and repeated points among them.
        let mut points: Vec<G1Affine> = (0..CHUNK + 37)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        points[5] = G1Affine::zero();
        points[6] = points[7];
        points[8] = points[7].neg();
        for k in [
            Fr::rand(&mut rng),
            Fr::from(1u64),
            -Fr::from(1u64),
            Fr::from(2u64),
            Fr::rand(&mut rng).inverse().unwrap_or_default(),
        ] {
            let expected: Vec<G1Affine> = points
                .iter()
                .map(|p| (G1Projective::from(*p) * k).into_affine())
                .collect();
            let mut scaled = points.clone();
            scale_in_place(&mut scaled, k);
            assert_eq!(scaled, expected, "scalar {k}");
        }
    }
}
