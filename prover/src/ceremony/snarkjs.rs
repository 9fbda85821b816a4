//! snarkjs's phase-2 primitives, reproduced bit for bit so that a contribution made by either
//! tool verifies in the other (`snarkjs zkey contribute / beacon / verify`, `zkyuma ceremony`).
//!
//! Read from snarkjs 0.7.6 (`keypair.js`, `zkey_contribute.js`, `zkey_beacon.js`,
//! `zkey_utils.js`, `misc.js`) and the ffjavascript / wasmcurves code beneath it:
//!
//! * **ChaCha** ([`ChaCha`]): ffjavascript's `ChaCha`, ChaCha20's block function keyed by eight
//!   `u32` words, counter in words 12–15 starting at 0, output words in order;
//! * **field elements from it** ([`fr_from_rng`], [`fq_from_rng`]): four `nextU64` (each the
//!   first word high, the second low) as little-endian limbs, masked to the modulus's bit length,
//!   redrawn until below the modulus — and those bytes taken as a Montgomery representation, so
//!   the element is `v·2^-256`;
//! * **points from it** ([`g1_from_rng`], [`hash_to_g2`]): `x` drawn, then a sign bit, until
//!   `x³ + b` is a square; `y` its root with `isNegative(y)` equal to the bit (`isNegative`: the
//!   standard representative above `(p − 1)/2`; in `F_p²` that of `c1`, or of `c0` when `c1` is
//!   zero); G2 points multiplied by the twist's cofactor;
//! * **`hashToG2(h)`**: the point drawn from ChaCha keyed by `h`'s first 32 bytes read as
//!   big-endian words;
//! * **uncompressed points** ([`g1_uncompressed`], [`g2_uncompressed`]): what transcripts hash
//!   — affine coordinates big-endian in standard form (`x` then `y`; an `F_p²` coordinate `c1`
//!   then `c0`), the point at infinity all zeros;
//! * **transcripts** (blake2b-512): a contribution's `transcript` is the hash of the circuit hash,
//!   every earlier contribution's public key (`δ` after, `s·G1`, `s·d·G1`, `d·H`, its transcript)
//!   and its own `s·G1`, `s·d·G1`; `H = hashToG2(transcript)`;
//! * **beacons** ([`beacon_rng`]): the beacon value SHA-256'd `2^e` times keys ChaCha (big-endian
//!   words), from which the secret and `s·G1` are drawn;
//! * **contributors' secrets** ([`entropy_rng`]): blake2b-512 of 64 OS-random bytes and the
//!   contributor's text keys ChaCha.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInt, BigInteger, Field, PrimeField, Zero};
use blake2::{Blake2b512, Digest};

/// ffjavascript's ChaCha random-number generator.
#[derive(Clone)]
pub struct ChaCha {
    state: [u32; 16],
    buffer: [u32; 16],
    index: usize,
}

fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

impl ChaCha {
    /// Keyed by eight words.
    pub fn new(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]);
        state[4..12].copy_from_slice(&seed);
        Self {
            state,
            buffer: [0; 16],
            index: 16,
        }
    }

    /// Keyed by the first 32 bytes of `bytes` read as big-endian words (snarkjs's way with a
    /// hash); `None` if `bytes` is shorter.
    pub fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        let mut seed = [0u32; 8];
        for (i, w) in seed.iter_mut().enumerate() {
            *w = u32::from_be_bytes(bytes.get(4 * i..4 * i + 4)?.try_into().ok()?);
        }
        Some(Self::new(seed))
    }

    fn update(&mut self) {
        let mut b = self.state;
        for _ in 0..10 {
            quarter_round(&mut b, 0, 4, 8, 12);
            quarter_round(&mut b, 1, 5, 9, 13);
            quarter_round(&mut b, 2, 6, 10, 14);
            quarter_round(&mut b, 3, 7, 11, 15);
            quarter_round(&mut b, 0, 5, 10, 15);
            quarter_round(&mut b, 1, 6, 11, 12);
            quarter_round(&mut b, 2, 7, 8, 13);
            quarter_round(&mut b, 3, 4, 9, 14);
        }
        for (o, s) in b.iter_mut().zip(&self.state) {
            *o = o.wrapping_add(*s);
        }
        self.buffer = b;
        self.index = 0;
        for w in 12..16 {
            self.state[w] = self.state[w].wrapping_add(1);
            if self.state[w] != 0 {
                break;
            }
        }
    }

    /// The next word.
    pub fn next_u32(&mut self) -> u32 {
        if self.index == 16 {
            self.update();
        }
        let w = self.buffer[self.index];
        self.index += 1;
        w
    }

    /// Two words, the first high.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// The low bit of the next word.
    pub fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }
}

/// The raw limbs ffjavascript's `fromRng` draws for a field of `modulus` (bit length 254 for
/// both BN254 fields).
fn raw_from_rng(rng: &mut ChaCha, modulus: &BigInt<4>) -> BigInt<4> {
    let bits = modulus.num_bits();
    loop {
        let mut limbs = [0u64; 4];
        for l in limbs.iter_mut() {
            *l = rng.next_u64();
        }
        // Mask to the modulus's bit length.
        let top = bits as usize - 192;
        limbs[3] &= if top >= 64 {
            u64::MAX
        } else {
            (1u64 << top) - 1
        };
        let v = BigInt::new(limbs);
        if v < *modulus {
            return v;
        }
    }
}

/// A scalar as ffjavascript's `Fr.fromRng` draws it (the drawn bytes its Montgomery form).
pub fn fr_from_rng(rng: &mut ChaCha) -> Fr {
    Fr::new_unchecked(raw_from_rng(rng, &Fr::MODULUS))
}

/// A base-field element as ffjavascript's `F1.fromRng` draws it.
pub fn fq_from_rng(rng: &mut ChaCha) -> Fq {
    Fq::new_unchecked(raw_from_rng(rng, &Fq::MODULUS))
}

fn fq_is_negative(x: &Fq) -> bool {
    // Above (p − 1)/2 in standard form.
    let half = Fq::MODULUS_MINUS_ONE_DIV_TWO;
    x.into_bigint() > half
}

fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

/// A G1 point as ffjavascript's `G1.fromRng` draws it (BN254's G1 has cofactor 1).
pub fn g1_from_rng(rng: &mut ChaCha) -> G1Affine {
    let b = Fq::from(3u64);
    loop {
        let x = fq_from_rng(rng);
        let greatest = rng.next_bool();
        if let Some(mut y) = (x.square() * x + b).sqrt() {
            if greatest != fq_is_negative(&y) {
                y = -y;
            }
            return G1Affine::new_unchecked(x, y);
        }
    }
}

/// The twist's cofactor as ffjavascript multiplies by it.
const G2_COFACTOR: BigInt<4> = BigInt::new([
    0x345f_2299_c0f9_fa8d,
    0x06ce_ecda_572a_2489,
    0xb850_45b6_8181_585e,
    0x3064_4e72_e131_a029,
]);

/// A G2 point as ffjavascript's `G2.fromRng` draws it: on the twist, times its cofactor.
pub fn g2_from_rng(rng: &mut ChaCha) -> G2Affine {
    let b = ark_bn254::g2::Config::COEFF_B;
    loop {
        let x = Fq2::new(fq_from_rng(rng), fq_from_rng(rng));
        let greatest = rng.next_bool();
        if let Some(mut y) = (x.square() * x + b).sqrt() {
            if greatest != fq2_is_negative(&y) {
                y = -y;
            }
            let p = G2Projective::from(G2Affine::new_unchecked(x, y));
            return p.mul_bigint(G2_COFACTOR).into_affine();
        }
    }
}

use ark_ec::short_weierstrass::SWCurveConfig;

/// snarkjs's `hashToG2`: the point drawn from ChaCha keyed by the hash's first 32 bytes.
pub fn hash_to_g2(hash: &[u8; 64]) -> G2Affine {
    match ChaCha::from_be_bytes(hash) {
        Some(mut rng) => g2_from_rng(&mut rng),
        None => unreachable!("a 64-byte hash has 32 bytes"),
    }
}

fn fq_be(x: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

/// A G1 point as snarkjs hashes it: `x ‖ y` big-endian, the point at infinity zeros.
pub fn g1_uncompressed(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_be(&x));
        out[32..].copy_from_slice(&fq_be(&y));
    }
    out
}

/// A G2 point as snarkjs hashes it: `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0` big-endian.
pub fn g2_uncompressed(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_be(&x.c1));
        out[32..64].copy_from_slice(&fq_be(&x.c0));
        out[64..96].copy_from_slice(&fq_be(&y.c1));
        out[96..].copy_from_slice(&fq_be(&y.c0));
    }
    out
}

fn fq_from_be(b: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        let at = 32 - 8 * (i + 1);
        *l = u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?);
    }
    let v = BigInt::new(limbs);
    (v < Fq::MODULUS).then(|| Fq::from_bigint(v)).flatten()
}

/// The inverse of [`g1_uncompressed`]: `None` off the curve or out of range.
pub fn g1_from_uncompressed(b: &[u8]) -> Option<G1Affine> {
    if b.len() != 64 {
        return None;
    }
    if b.iter().all(|x| *x == 0) {
        return Some(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(fq_from_be(&b[..32])?, fq_from_be(&b[32..])?);
    p.is_on_curve().then_some(p)
}

/// The inverse of [`g2_uncompressed`]: `None` off the curve, out of the subgroup or range.
pub fn g2_from_uncompressed(b: &[u8]) -> Option<G2Affine> {
    if b.len() != 128 {
        return None;
    }
    if b.iter().all(|x| *x == 0) {
        return Some(G2Affine::zero());
    }
    let x = Fq2::new(fq_from_be(&b[32..64])?, fq_from_be(&b[..32])?);
    let y = Fq2::new(fq_from_be(&b[96..])?, fq_from_be(&b[64..96])?);
    let p = G2Affine::new_unchecked(x, y);
    (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
}

/// blake2b-512.
pub fn blake2b(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Blake2b512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The ChaCha a beacon contribution draws from: `value` SHA-256'd `2^iterations_exp` times.
pub fn beacon_rng(value: &[u8], iterations_exp: u32) -> ChaCha {
    use sha2::{Digest as _, Sha256};
    let mut h: Vec<u8> = value.to_vec();
    for _ in 0..(1u64 << iterations_exp) {
        h = Sha256::digest(&h).to_vec();
    }
    match ChaCha::from_be_bytes(&h) {
        Some(rng) => rng,
        None => unreachable!("a SHA-256 digest has 32 bytes"),
    }
}

/// The ChaCha a contributor draws from: blake2b-512 of 64 OS-random bytes and its text.
pub fn entropy_rng(os_random: &[u8; 64], text: &[u8]) -> ChaCha {
    let h = blake2b(&[os_random, text]);
    match ChaCha::from_be_bytes(&h) {
        Some(rng) => rng,
        None => unreachable!("a 64-byte hash has 32 bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha_is_chacha20() {
        // RFC 7539 §2.3.2's block has a nonce; with key 0..31 and all-zero counter and nonce
        // words, the first output word is ChaCha20's (checked against rand_chacha below).
        use rand_core::{RngCore, SeedableRng};
        let key: Vec<u8> = (0u8..32).collect();
        let mut seed = [0u32; 8];
        for (i, w) in seed.iter_mut().enumerate() {
            *w = u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]]);
        }
        let mut ours = ChaCha::new(seed);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&key);
        let mut theirs = rand_chacha::ChaCha20Rng::from_seed(bytes);
        for _ in 0..40 {
            assert_eq!(ours.next_u32(), theirs.next_u32());
        }
    }

    #[test]
    fn points_from_the_rng_are_in_their_groups() {
        let mut rng = ChaCha::new([1, 2, 3, 4, 5, 6, 7, 8]);
        let p = g1_from_rng(&mut rng);
        assert!(p.is_on_curve());
        let q = g2_from_rng(&mut rng);
        assert!(q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve() && !q.is_zero());
        assert_eq!(g1_from_uncompressed(&g1_uncompressed(&p)), Some(p));
        assert_eq!(g2_from_uncompressed(&g2_uncompressed(&q)), Some(q));
        assert_eq!(g1_from_uncompressed(&[1u8; 64]), None);
    }
}
