//! Field-element encodings shared by commitments, statements and their JSON form.
//!
//! BN254 scalars travel as `0x` + 64 hex digits, big-endian (as circom and EVM tools print them);
//! 32-byte values (hotkeys, seeds, hashes) enter a digest as two field elements, their low and
//! high 16 bytes read little-endian.

use alloc::string::String;
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// A field element as `0x` + 64 hex digits (big-endian).
pub fn fr_to_hex(x: &Fr) -> String {
    let bytes = x.into_bigint().to_bytes_be();
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in bytes {
        s.push(hex_digit(b >> 4));
        s.push(hex_digit(b & 0xf));
    }
    s
}

fn hex_digit(v: u8) -> char {
    char::from(if v < 10 { b'0' + v } else { b'a' + v - 10 })
}

/// Parse 32 bytes from `0x` + 64 hex digits.
pub fn bytes32_from_hex(s: &str) -> Option<[u8; 32]> {
    let digits = s.strip_prefix("0x").unwrap_or(s).as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// 32 bytes as `0x` + 64 hex digits.
pub fn bytes32_to_hex(b: &[u8; 32]) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for byte in b {
        s.push(hex_digit(byte >> 4));
        s.push(hex_digit(byte & 0xf));
    }
    s
}

/// Parse a canonical field element (big-endian hex, below the modulus).
pub fn fr_from_hex(s: &str) -> Option<Fr> {
    let bytes = bytes32_from_hex(s)?;
    let x = Fr::from_be_bytes_mod_order(&bytes);
    (x.into_bigint().to_bytes_be() == bytes).then_some(x)
}

/// A 32-byte value as two field elements (low and high 16 bytes, little-endian).
pub fn bytes32_to_fr_pair(b: &[u8; 32]) -> [Fr; 2] {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    lo.copy_from_slice(&b[..16]);
    hi.copy_from_slice(&b[16..]);
    [
        Fr::from(u128::from_le_bytes(lo)),
        Fr::from(u128::from_le_bytes(hi)),
    ]
}

/// The first 31 bytes of a blake3 hash as a field element (always below the modulus).
pub fn blake3_to_fr(data: &[u8]) -> Fr {
    let h = blake3::hash(data);
    Fr::from_le_bytes_mod_order(&h.as_bytes()[..31])
}

/// Pack small unsigned values, `per_element` of `bits` bits each, little-endian within each
/// element: element `k` is `Σ_i values[k·per_element + i] · 2^(bits·i)` in the field.
pub fn pack_le(values: &[u64], bits: u32, per_element: usize) -> Vec<Fr> {
    values
        .chunks(per_element)
        .map(|chunk| pack_chunk(chunk, bits))
        .collect()
}

fn pack_chunk(chunk: &[u64], bits: u32) -> Fr {
    let width = bits as usize;
    let fits = width <= 64
        && width * chunk.len() <= 250
        && chunk.iter().all(|v| width == 64 || *v >> width == 0);
    if fits {
        // Slots do not overlap and the sum stays below 2^250 < p: place the bits directly.
        let mut limbs = [0u64; 4];
        for (i, v) in chunk.iter().enumerate() {
            let at = i * width;
            let (limb, offset) = (at / 64, at % 64);
            limbs[limb] |= v << offset;
            if offset != 0 && offset + width > 64 {
                limbs[limb + 1] |= v >> (64 - offset);
            }
        }
        if let Some(x) = Fr::from_bigint(ark_ff::BigInt(limbs)) {
            return x;
        }
    }
    // Values wider than their slots: the same sum in field arithmetic.
    let mut acc = Fr::from(0u64);
    let mut shift = Fr::from(1u64);
    let base = Fr::from(1u128 << bits);
    for v in chunk {
        acc += shift * Fr::from(*v);
        shift *= base;
    }
    acc
}

/// Serde adapters for field elements and 32-byte values as hex strings.
pub mod serde_hex {
    use super::*;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// One field element.
    pub mod fr {
        use super::*;
        /// Serialize as hex.
        pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&fr_to_hex(x))
        }
        /// Deserialize from hex, rejecting non-canonical values.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
            let s = String::deserialize(d)?;
            fr_from_hex(&s).ok_or_else(|| {
                D::Error::custom("expected a BN254 scalar as 0x + 64 hex digits, below the modulus")
            })
        }
    }

    /// A field element read from hex, for element-wise error paths in sequences.
    pub(super) struct FrHex(pub(super) Fr);

    impl<'de> Deserialize<'de> for FrHex {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            fr::deserialize(d).map(FrHex)
        }
    }

    /// A vector of field elements.
    pub mod fr_vec {
        use super::*;
        use serde::ser::SerializeSeq;
        /// Serialize as a list of hex strings.
        pub fn serialize<S: Serializer>(xs: &[Fr], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(xs.len()))?;
            for x in xs {
                seq.serialize_element(&fr_to_hex(x))?;
            }
            seq.end()
        }
        /// Deserialize from a list of hex strings.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
            Ok(Vec::<FrHex>::deserialize(d)?
                .into_iter()
                .map(|x| x.0)
                .collect())
        }
    }

    /// A vector of vectors of field elements.
    pub mod fr_vec_vec {
        use super::*;
        use serde::ser::SerializeSeq;
        /// Serialize as nested lists of hex strings.
        pub fn serialize<S: Serializer>(xs: &[Vec<Fr>], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(xs.len()))?;
            for row in xs {
                let hex: Vec<String> = row.iter().map(fr_to_hex).collect();
                seq.serialize_element(&hex)?;
            }
            seq.end()
        }
        /// Deserialize from nested lists of hex strings.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Fr>>, D::Error> {
            Ok(Vec::<Vec<FrHex>>::deserialize(d)?
                .into_iter()
                .map(|row| row.into_iter().map(|x| x.0).collect())
                .collect())
        }
    }

    /// 32 raw bytes.
    pub mod bytes32 {
        use super::*;
        /// Serialize as hex.
        pub fn serialize<S: Serializer>(b: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&bytes32_to_hex(b))
        }
        /// Deserialize from hex.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
            let s = String::deserialize(d)?;
            bytes32_from_hex(&s)
                .ok_or_else(|| D::Error::custom("expected 32 bytes as 0x + 64 hex digits"))
        }
    }
}
