//! The epoch seed's randomness beacon (DESIGN §1 step 1): drand rounds, verified, and a local
//! beacon with its own key for tests and the demo, whose rounds take the same verification path.
//!
//! Only the unchained scheme `bls-unchained-g1-rfc9380` (drand "quicknet") is supported:
//!
//! * public key: compressed BLS12-381 G2 point (96 bytes),
//! * signature: compressed BLS12-381 G1 point (48 bytes),
//! * message: `sha256(round as u64 big-endian)`,
//! * hash-to-curve: RFC 9380 on G1, DST `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_`,
//! * randomness: `sha256(signature)`.
//!
//! Every round — from the real quicknet or from a [`LocalBeacon`] — is checked by
//! [`verify_round`], which delegates the pairing check to the `drand-verify` crate
//! (`G2PubkeyRfc`). The local signer uses the same `bls12_381` crate (and its
//! `hash_to_curve`) that `drand-verify` is built on, so no second curve implementation
//! is involved.

use std::fmt;

use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{G1Affine, G1Projective, G2Affine, Scalar};
use drand_verify::{G2PubkeyRfc, Pubkey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Scheme ID of drand quicknet (and of every beacon this module understands).
pub const SCHEME_RFC9380: &str = "bls-unchained-g1-rfc9380";

/// Public key of drand quicknet, hex.
/// Source: <https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/info>
/// and drand-verify 0.6.2 `src/verify.rs` (`PK_QUICKNET`).
pub const QUICKNET_PUBLIC_KEY_HEX: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
/// Public key of drand quicknet, bytes (decoded at compile time).
pub const QUICKNET_PUBLIC_KEY: [u8; 96] = hex_const(QUICKNET_PUBLIC_KEY_HEX);
/// Genesis time of drand quicknet (unix seconds); round 1 is at this instant.
pub const QUICKNET_GENESIS_TIME: u64 = 1_692_803_367;
/// Period of drand quicknet (seconds).
pub const QUICKNET_PERIOD_SECS: u64 = 3;
/// Chain hash of drand quicknet (informational: the path segment of the HTTP API).
pub const QUICKNET_CHAIN_HASH_HEX: &str =
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";

/// Hash-to-curve domain separation tag of `bls-unchained-g1-rfc9380`.
const DST_G1: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
/// Domain separation of the local beacon's seed → secret-key derivation.
const LOCAL_KEY_DST: &[u8] = b"zkyuma/local-beacon/v1/secret-key";
/// Compressed encoding of the G2 identity (point at infinity). Rejected as a public key:
/// with it the identity signature would "verify" for every round.
const G2_IDENTITY_COMPRESSED: [u8; 96] = {
    let mut b = [0u8; 96];
    b[0] = 0xc0;
    b
};
/// Compressed G1 signature length.
pub const SIGNATURE_LEN: usize = 48;

/// Errors of beacon verification and parsing.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum BeaconError {
    /// The beacon's scheme ID is not `bls-unchained-g1-rfc9380`.
    #[error("unsupported beacon scheme {0:?} (only \"bls-unchained-g1-rfc9380\" is supported)")]
    UnsupportedScheme(String),
    /// The public key is not a valid compressed G2 point of the prime-order subgroup, or is
    /// the identity.
    #[error("beacon public key is not a valid non-identity compressed BLS12-381 G2 point")]
    BadPublicKey,
    /// `period_secs` is zero.
    #[error("beacon period must be at least 1 second")]
    ZeroPeriod,
    /// drand rounds start at 1; round 0 has no signature.
    #[error("round 0 does not exist (drand rounds start at 1)")]
    RoundZero,
    /// The signature is not 48 bytes long.
    #[error("signature must be {SIGNATURE_LEN} bytes (compressed G1), got {got}")]
    BadSignatureLength {
        /// The length given.
        got: usize,
    },
    /// The signature is 48 bytes but not a valid compressed G1 subgroup point.
    #[error("signature of round {round} is not a valid compressed BLS12-381 G1 point")]
    SignatureMalformed {
        /// The round.
        round: u64,
    },
    /// The signature is a valid point but does not verify for this round and public key.
    #[error("signature does not verify for round {round}")]
    SignatureInvalid {
        /// The round.
        round: u64,
    },
    /// JSON (or the hex inside it) could not be parsed.
    #[error("invalid beacon JSON: {0}")]
    Json(String),
}

/// A beacon's public description. JSON: byte fields as hex strings.
///
/// Deserialization also accepts drand's own `/info` JSON (`period` and `schemeID` are
/// accepted as aliases; unknown fields such as `hash`, `groupHash`, `metadata` are ignored).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BeaconInfo {
    /// Compressed G2 public key.
    #[serde(with = "hex_array")]
    pub public_key: [u8; 96],
    /// Unix time (seconds) of round 1.
    pub genesis_time: u64,
    /// Seconds between rounds.
    #[serde(alias = "period")]
    pub period_secs: u64,
    /// Scheme ID; must be [`SCHEME_RFC9380`].
    #[serde(alias = "schemeID")]
    pub scheme: String,
}

impl BeaconInfo {
    /// The real drand quicknet (League of Entropy mainnet, 3 s period).
    pub fn quicknet() -> Self {
        Self {
            public_key: QUICKNET_PUBLIC_KEY,
            genesis_time: QUICKNET_GENESIS_TIME,
            period_secs: QUICKNET_PERIOD_SECS,
            scheme: SCHEME_RFC9380.to_owned(),
        }
    }

    /// The latest round published at `unix_secs` (round 1 at `genesis_time`, then one per
    /// period). Returns 0 ("no round yet") before genesis, and also when `period_secs` is 0.
    /// (drand's Go `CurrentRound` returns 1 before genesis; 0 is used here so that callers
    /// cannot mistake "not started" for a real round.)
    pub fn round_at(&self, unix_secs: u64) -> u64 {
        if unix_secs < self.genesis_time {
            return 0;
        }
        match (unix_secs - self.genesis_time).checked_div(self.period_secs) {
            Some(n) => n.saturating_add(1),
            None => 0,
        }
    }

    /// Unix time (seconds) at which `round` is published: `genesis + (round - 1) * period`,
    /// saturating at `u64::MAX`. Round 0 maps to `genesis_time`, as in drand.
    pub fn time_of(&self, round: u64) -> u64 {
        let steps = round.saturating_sub(1);
        self.genesis_time
            .saturating_add(steps.saturating_mul(self.period_secs))
    }

    /// Checks scheme, period and public key (a full point decode with subgroup check).
    pub fn validate(&self) -> Result<(), BeaconError> {
        check_scheme(self)?;
        if self.period_secs == 0 {
            return Err(BeaconError::ZeroPeriod);
        }
        parse_public_key(self).map(|_| ())
    }

    /// Parses JSON (ours or drand's `/info`) and [`validate`](Self::validate)s it.
    pub fn from_json(json: &str) -> Result<Self, BeaconError> {
        let info: Self = serde_json::from_str(json).map_err(json_err)?;
        info.validate()?;
        Ok(info)
    }
}

impl fmt::Debug for BeaconInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BeaconInfo")
            .field("public_key", &hex::encode(self.public_key))
            .field("genesis_time", &self.genesis_time)
            .field("period_secs", &self.period_secs)
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// One beacon round. JSON: `{"round": 123, "signature": "<hex>"}`; drand's `/public/<n>`
/// JSON also parses (its `randomness` field is ignored — recompute it with
/// [`randomness`](Self::randomness) after [`verify_round`]).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BeaconRound {
    /// The round number.
    pub round: u64,
    /// The beacon's signature of the round (compressed G1, 48 bytes).
    #[serde(with = "hex_vec")]
    pub signature: Vec<u8>,
}

impl BeaconRound {
    /// `sha256(signature)`, drand's randomness. Meaningful only for a verified round.
    pub fn randomness(&self) -> [u8; 32] {
        drand_verify::derive_randomness(&self.signature)
    }

    /// Parses JSON (ours or drand's `/public/<n>`). Does not verify.
    pub fn from_json(json: &str) -> Result<Self, BeaconError> {
        serde_json::from_str(json).map_err(json_err)
    }
}

impl fmt::Debug for BeaconRound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BeaconRound")
            .field("round", &self.round)
            .field("signature", &hex::encode(&self.signature))
            .finish()
    }
}

/// Verifies `round` against `info` through `drand-verify` and returns its randomness.
///
/// Checks, in this order: scheme, public key, round ≠ 0, signature length, signature point
/// decoding, pairing equation. Does not look at the clock (a round "from the future" is
/// impossible to forge, but callers wanting freshness should compare with
/// [`BeaconInfo::round_at`]).
pub fn verify_round(info: &BeaconInfo, round: &BeaconRound) -> Result<[u8; 32], BeaconError> {
    check_scheme(info)?;
    let pk = parse_public_key(info)?;
    if round.round == 0 {
        return Err(BeaconError::RoundZero);
    }
    if round.signature.len() != SIGNATURE_LEN {
        return Err(BeaconError::BadSignatureLength {
            got: round.signature.len(),
        });
    }
    // Unchained scheme: empty previous signature.
    match pk.verify(round.round, b"", &round.signature) {
        Ok(true) => Ok(round.randomness()),
        Ok(false) => Err(BeaconError::SignatureInvalid { round: round.round }),
        // Length was checked above, so this is a point-decoding failure.
        Err(_) => Err(BeaconError::SignatureMalformed { round: round.round }),
    }
}

/// A local beacon with its own secret key, producing `bls-unchained-g1-rfc9380` rounds.
///
/// The secret key is `Scalar::from_bytes_wide(sha256(DST‖ctr‖0‖seed) ‖ sha256(DST‖ctr‖1‖seed))`
/// (DST `zkyuma/local-beacon/v1/secret-key`, ctr = 0 unless the result is zero). This is a
/// project-specific derivation, not the IETF BLS `KeyGen`. The key is not zeroized on drop.
#[derive(Clone)]
pub struct LocalBeacon {
    secret_key: Scalar,
    public_key: [u8; 96],
    genesis_time: u64,
    period_secs: u64,
}

impl LocalBeacon {
    /// Deterministic beacon from a 32-byte seed. `period_secs` should be ≥ 1 (with 0 the
    /// info fails [`BeaconInfo::validate`] and `round_at` returns 0; signing still works).
    pub fn from_seed(seed: [u8; 32], genesis_time: u64, period_secs: u64) -> Self {
        let secret_key = derive_secret_key(&seed);
        let public_key = G2Affine::from(G2Affine::generator() * secret_key).to_compressed();
        Self {
            secret_key,
            public_key,
            genesis_time,
            period_secs,
        }
    }

    /// The public description that [`verify_round`] checks this beacon's rounds against.
    pub fn info(&self) -> BeaconInfo {
        BeaconInfo {
            public_key: self.public_key,
            genesis_time: self.genesis_time,
            period_secs: self.period_secs,
            scheme: SCHEME_RFC9380.to_owned(),
        }
    }

    /// Signs `round`: `sk · H(sha256(round_be))` on G1. Round 0 is signed like any other
    /// number but [`verify_round`] rejects it with [`BeaconError::RoundZero`].
    pub fn round(&self, round: u64) -> BeaconRound {
        let msg = Sha256::digest(&round.to_be_bytes());
        let h: G1Projective =
            <G1Projective as HashToCurve<ExpandMsgXmd<Sha256>>>::hash_to_curve(msg, DST_G1);
        let signature = G1Affine::from(h * self.secret_key).to_compressed();
        BeaconRound {
            round,
            signature: signature.to_vec(),
        }
    }
}

impl LocalBeacon {
    /// The demo beacon: a public seed (`blake3("zkyuma/demo-beacon/v1")`), genesis at the Unix
    /// epoch, one round a second. Anyone can sign its rounds, so it stands in for drand only in
    /// local runs and tests.
    pub fn demo() -> Self {
        Self::from_seed(*blake3::hash(b"zkyuma/demo-beacon/v1").as_bytes(), 0, 1)
    }

    /// Round `round` if it is published by `now_secs` (its time has come), as a drand node
    /// serves it.
    pub fn published(&self, round: u64, now_secs: u64) -> Option<BeaconRound> {
        (round > 0 && self.info().time_of(round) <= now_secs).then(|| self.round(round))
    }
}

impl fmt::Debug for LocalBeacon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalBeacon")
            .field("secret_key", &"<redacted>")
            .field("public_key", &hex::encode(self.public_key))
            .field("genesis_time", &self.genesis_time)
            .field("period_secs", &self.period_secs)
            .finish()
    }
}

fn derive_secret_key(seed: &[u8; 32]) -> Scalar {
    let mut counter: u8 = 0;
    loop {
        let mut wide = [0u8; 64];
        for (half, chunk) in wide.chunks_exact_mut(32).enumerate() {
            let mut h = Sha256::new();
            h.update(LOCAL_KEY_DST);
            h.update([counter, half as u8]);
            h.update(seed);
            chunk.copy_from_slice(&h.finalize());
        }
        let sk = Scalar::from_bytes_wide(&wide);
        // Probability of zero is ~2^-255; the retry only exists to make sk ≠ 0 certain.
        if sk != Scalar::zero() {
            return sk;
        }
        counter = counter.wrapping_add(1);
    }
}

fn check_scheme(info: &BeaconInfo) -> Result<(), BeaconError> {
    if info.scheme == SCHEME_RFC9380 {
        Ok(())
    } else {
        Err(BeaconError::UnsupportedScheme(info.scheme.clone()))
    }
}

fn parse_public_key(info: &BeaconInfo) -> Result<G2PubkeyRfc, BeaconError> {
    if info.public_key == G2_IDENTITY_COMPRESSED {
        return Err(BeaconError::BadPublicKey);
    }
    G2PubkeyRfc::from_fixed(info.public_key).map_err(|_| BeaconError::BadPublicKey)
}

fn json_err(e: serde_json::Error) -> BeaconError {
    BeaconError::Json(e.to_string())
}

/// Strips an optional `0x`/`0X` prefix and hex-decodes.
fn decode_hex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    hex::decode(s)
}

/// Serde adapter: `[u8; N]` as a hex string of exactly `2N` digits.
mod hex_array {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, const N: usize>(b: &[u8; N], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let s = String::deserialize(d)?;
        let v = super::decode_hex(&s).map_err(|e| D::Error::custom(format!("bad hex: {e}")))?;
        <[u8; N]>::try_from(v.as_slice())
            .map_err(|_| D::Error::custom(format!("expected {N} bytes, got {}", v.len())))
    }
}

/// Serde adapter: `Vec<u8>` as a hex string.
mod hex_vec {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::decode_hex(&s).map_err(|e| D::Error::custom(format!("bad hex: {e}")))
    }
}

/// Compile-time hex decoding for constants (a malformed constant fails the build).
const fn hex_const<const N: usize>(s: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("invalid hex digit in constant"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 2 * N, "hex constant has the wrong length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// drand quicknet round 123, from drand-verify 0.6.2 `src/verify.rs`
    /// (`verify_works_for_g1g2_swapped_rfc`), originally
    /// <https://api3.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/public/123>.
    const QUICKNET_123_SIG: &str = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92";

    /// Non-quicknet rfc9380 key and rounds 3/4/6 (Yolan Romailler's vectors), from the same
    /// drand-verify test.
    const RFC_LOCAL_PK: &str = "a1ee12542360bf75742bcade13d6134e7d5283d9eb782887c47d3d9725f05805d37b0106b7f744395bf82c175dd7434a169e998f188a657a030d588892c0cd2c01f996aaf331c4d8bc5b9734bbe261d09e7d2d39ef88b635077f262bd7bbb30f";
    const RFC_LOCAL_ROUNDS: [(u64, &str); 3] = [
        (
            3,
            "b98dae74f6a9d2ec79d75ba273dcfda86a45d589412860eb4c0fd056b00654dbf667c1b6884987c9aee0d43f8ba9db52",
        ),
        (
            4,
            "962c2b2969e8f3351cf5cc457b04ecbf0c65bd79f4c1ee3bd0205f581368aaaa0cdeb1531a0709d39ef06a8ba1e1bb93",
        ),
        (
            6,
            "a054dafb27a4a4fb9e06b17b30da3e0c7b13b4ca8e1dec3c6775f81758587029aa358523f2e7e62204018347db7cbd1c",
        ),
    ];

    fn quicknet_123() -> BeaconRound {
        BeaconRound {
            round: 123,
            signature: hex::decode(QUICKNET_123_SIG).expect("test value"),
        }
    }

    fn rfc_local_info() -> BeaconInfo {
        BeaconInfo {
            public_key: hex::decode(RFC_LOCAL_PK)
                .expect("test value")
                .try_into()
                .expect("test value"),
            genesis_time: 0,
            period_secs: 3,
            scheme: SCHEME_RFC9380.into(),
        }
    }

    fn sha256(b: &[u8]) -> [u8; 32] {
        Sha256::digest(b).into()
    }

    #[test]
    fn quicknet_constants() {
        let q = BeaconInfo::quicknet();
        assert_eq!(hex::encode(q.public_key), QUICKNET_PUBLIC_KEY_HEX);
        assert_eq!(q.genesis_time, 1692803367);
        assert_eq!(q.period_secs, 3);
        assert_eq!(q.scheme, "bls-unchained-g1-rfc9380");
        q.validate().expect("test value");
        assert_eq!(G2Affine::identity().to_compressed(), G2_IDENTITY_COMPRESSED);
    }

    #[test]
    fn real_quicknet_round_verifies() {
        let r = quicknet_123();
        let rand = verify_round(&BeaconInfo::quicknet(), &r).expect("test value");
        assert_eq!(rand, sha256(&r.signature));
        assert_eq!(rand, r.randomness());
    }

    #[test]
    fn other_rfc9380_key_rounds_verify() {
        let info = rfc_local_info();
        for (round, sig) in RFC_LOCAL_ROUNDS {
            let r = BeaconRound {
                round,
                signature: hex::decode(sig).expect("test value"),
            };
            assert_eq!(verify_round(&info, &r), Ok(r.randomness()));
        }
    }

    #[test]
    fn randomness_matches_drand_vector() {
        // drand-verify 0.6.2 src/randomness.rs: curl -sS https://drand.cloudflare.com/public/72785
        let r = BeaconRound {
            round: 72785,
            signature: hex::decode("82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f02a54fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5a5d82aaa84fa6f181e42").expect("test value"),
        };
        assert_eq!(
            hex::encode(r.randomness()),
            "8b676484b5fb1f37f9ec5c413d7d29883504e5b669f604a1ce68b3388e9ae3d9"
        );
    }

    #[test]
    fn flipped_signature_bytes() {
        let q = BeaconInfo::quicknet();
        // Flipping the compression-sign flag (0x20 of byte 0) yields -sig: a valid point
        // that does not verify.
        let mut r = quicknet_123();
        r.signature[0] ^= 0x20;
        assert_eq!(
            verify_round(&q, &r),
            Err(BeaconError::SignatureInvalid { round: 123 })
        );
        // Flipping a bit of the x coordinate leaves the subgroup (or the curve).
        let mut r = quicknet_123();
        r.signature[47] ^= 0x01;
        assert_eq!(
            verify_round(&q, &r),
            Err(BeaconError::SignatureMalformed { round: 123 })
        );
        // Clearing the compression flag.
        let mut r = quicknet_123();
        r.signature[0] ^= 0x80;
        assert_eq!(
            verify_round(&q, &r),
            Err(BeaconError::SignatureMalformed { round: 123 })
        );
        // Every single-byte flip is rejected one way or the other.
        for i in 0..SIGNATURE_LEN {
            let mut r = quicknet_123();
            r.signature[i] ^= 0x04;
            let e = verify_round(&q, &r).expect_err("test value");
            assert!(
                matches!(
                    e,
                    BeaconError::SignatureInvalid { round: 123 }
                        | BeaconError::SignatureMalformed { round: 123 }
                ),
                "byte {i}: {e:?}"
            );
        }
    }

    #[test]
    fn wrong_round() {
        let mut r = quicknet_123();
        r.round = 124;
        assert_eq!(
            verify_round(&BeaconInfo::quicknet(), &r),
            Err(BeaconError::SignatureInvalid { round: 124 })
        );
        r.round = 0;
        assert_eq!(
            verify_round(&BeaconInfo::quicknet(), &r),
            Err(BeaconError::RoundZero)
        );
    }

    #[test]
    fn wrong_key() {
        assert_eq!(
            verify_round(&rfc_local_info(), &quicknet_123()),
            Err(BeaconError::SignatureInvalid { round: 123 })
        );
        let local = LocalBeacon::from_seed([7; 32], 0, 3);
        assert_eq!(
            verify_round(&local.info(), &quicknet_123()),
            Err(BeaconError::SignatureInvalid { round: 123 })
        );
    }

    #[test]
    fn wrong_length() {
        let q = BeaconInfo::quicknet();
        for len in [0usize, 1, 47, 49, 96] {
            let mut sig = hex::decode(QUICKNET_123_SIG).expect("test value");
            sig.resize(len, 0);
            let r = BeaconRound {
                round: 123,
                signature: sig,
            };
            assert_eq!(
                verify_round(&q, &r),
                Err(BeaconError::BadSignatureLength { got: len })
            );
        }
    }

    #[test]
    fn bad_info() {
        let r = quicknet_123();
        let mut info = BeaconInfo::quicknet();
        info.scheme = "pedersen-bls-chained".into();
        assert_eq!(
            verify_round(&info, &r),
            Err(BeaconError::UnsupportedScheme(
                "pedersen-bls-chained".into()
            ))
        );
        assert_eq!(
            info.validate(),
            Err(BeaconError::UnsupportedScheme(
                "pedersen-bls-chained".into()
            ))
        );

        let mut info = BeaconInfo::quicknet();
        info.public_key[95] ^= 0x01;
        assert_eq!(verify_round(&info, &r), Err(BeaconError::BadPublicKey));
        assert_eq!(info.validate(), Err(BeaconError::BadPublicKey));

        let mut info = BeaconInfo::quicknet();
        info.period_secs = 0;
        assert_eq!(info.validate(), Err(BeaconError::ZeroPeriod));
        // Period is irrelevant to the signature itself.
        assert!(verify_round(&info, &r).is_ok());
    }

    #[test]
    fn identity_key_and_signature_rejected() {
        // With an identity pubkey, the identity signature would satisfy the pairing check
        // for any round; it must be refused as a bad key.
        let info = BeaconInfo {
            public_key: G2_IDENTITY_COMPRESSED,
            ..BeaconInfo::quicknet()
        };
        let r = BeaconRound {
            round: 5,
            signature: G1Affine::identity().to_compressed().to_vec(),
        };
        assert_eq!(verify_round(&info, &r), Err(BeaconError::BadPublicKey));
        // Identity signature under the real key fails.
        assert_eq!(
            verify_round(&BeaconInfo::quicknet(), &r),
            Err(BeaconError::SignatureInvalid { round: 5 })
        );
    }

    #[test]
    fn local_beacon_verifies() {
        let b = LocalBeacon::from_seed([42; 32], 1_700_000_000, 3);
        let info = b.info();
        info.validate().expect("test value");
        assert_eq!(info.scheme, SCHEME_RFC9380);
        for round in [1u64, 2, 123, 1_000_000, u64::MAX] {
            let r = b.round(round);
            assert_eq!(r.round, round);
            assert_eq!(r.signature.len(), SIGNATURE_LEN);
            assert_eq!(verify_round(&info, &r), Ok(sha256(&r.signature)));
        }
        // A local round is not a quicknet round, and vice versa for other rounds.
        let r = b.round(123);
        assert_eq!(
            verify_round(&BeaconInfo::quicknet(), &r),
            Err(BeaconError::SignatureInvalid { round: 123 })
        );
        let mut moved = r.clone();
        moved.round = 124;
        assert_eq!(
            verify_round(&info, &moved),
            Err(BeaconError::SignatureInvalid { round: 124 })
        );
        assert_eq!(
            verify_round(&info, &b.round(0)),
            Err(BeaconError::RoundZero)
        );
    }

    #[test]
    fn local_beacon_deterministic_per_seed() {
        let a1 = LocalBeacon::from_seed([1; 32], 10, 3);
        let a2 = LocalBeacon::from_seed([1; 32], 99, 5);
        let b = LocalBeacon::from_seed([2; 32], 10, 3);
        assert_eq!(a1.info().public_key, a2.info().public_key);
        assert_eq!(a1.round(77), a2.round(77));
        assert_ne!(a1.info().public_key, b.info().public_key);
        assert_ne!(a1.round(77), b.round(77));
        assert_ne!(a1.round(77), a1.round(78));
        // Another seed's rounds fail under this key.
        assert_eq!(
            verify_round(&a1.info(), &b.round(77)),
            Err(BeaconError::SignatureInvalid { round: 77 })
        );
        // The public key is sk·G2.
        assert_eq!(
            a1.info().public_key,
            G2Affine::from(G2Affine::generator() * a1.secret_key).to_compressed()
        );
        // Debug does not leak the secret key.
        let dbg = format!("{a1:?}");
        assert!(dbg.contains("<redacted>"));
        assert!(!dbg.contains(&hex::encode(a1.secret_key.to_bytes())));
    }

    #[test]
    fn round_timing() {
        let q = BeaconInfo::quicknet();
        let g = q.genesis_time;
        assert_eq!(q.round_at(0), 0);
        assert_eq!(q.round_at(g - 1), 0);
        assert_eq!(q.round_at(g), 1);
        assert_eq!(q.round_at(g + 2), 1);
        assert_eq!(q.round_at(g + 3), 2);
        assert_eq!(q.round_at(g + 3 * 122), 123);
        assert_eq!(q.time_of(1), g);
        assert_eq!(q.time_of(123), g + 366);
        assert_eq!(q.time_of(0), g);
        for round in (1..10_000u64).chain([1_000_000_007, 5_000_000_000]) {
            let t = q.time_of(round);
            assert_eq!(q.round_at(t), round);
            assert_eq!(q.round_at(t + q.period_secs - 1), round);
            assert_eq!(q.round_at(t - 1), round - 1);
        }
        // Extremes never panic.
        assert_eq!(q.time_of(u64::MAX), u64::MAX);
        assert_eq!(q.round_at(u64::MAX), (u64::MAX - g) / 3 + 1);
        let zero = BeaconInfo {
            period_secs: 0,
            ..q.clone()
        };
        assert_eq!(zero.round_at(g + 100), 0);
        assert_eq!(zero.time_of(100), g);
        let odd = LocalBeacon::from_seed([0; 32], u64::MAX, u64::MAX).info();
        assert_eq!(odd.round_at(u64::MAX), 1);
        assert_eq!(odd.time_of(2), u64::MAX);
    }

    #[test]
    fn json_round_trip() {
        let info = BeaconInfo::quicknet();
        let json = serde_json::to_string(&info).expect("test value");
        assert_eq!(
            json,
            format!(
                r#"{{"public_key":"{QUICKNET_PUBLIC_KEY_HEX}","genesis_time":1692803367,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#
            )
        );
        assert_eq!(BeaconInfo::from_json(&json), Ok(info.clone()));
        assert_eq!(
            serde_json::from_str::<BeaconInfo>(&json).expect("test value"),
            info
        );

        let local = LocalBeacon::from_seed([9; 32], 5, 2).info();
        let json = serde_json::to_string(&local).expect("test value");
        assert_eq!(BeaconInfo::from_json(&json), Ok(local));

        let r = quicknet_123();
        let json = serde_json::to_string(&r).expect("test value");
        assert_eq!(
            json,
            format!(r#"{{"round":123,"signature":"{QUICKNET_123_SIG}"}}"#)
        );
        assert_eq!(BeaconRound::from_json(&json), Ok(r.clone()));
        // Uppercase and 0x-prefixed hex are accepted.
        let upper = format!(
            r#"{{"round":123,"signature":"0x{}"}}"#,
            QUICKNET_123_SIG.to_uppercase()
        );
        assert_eq!(BeaconRound::from_json(&upper), Ok(r));
    }

    #[test]
    fn drand_api_json_parses() {
        // Shape of https://api.drand.sh/52db9ba7…/info
        let info = format!(
            r#"{{"public_key":"{QUICKNET_PUBLIC_KEY_HEX}","period":3,"genesis_time":1692803367,"hash":"{QUICKNET_CHAIN_HASH_HEX}","groupHash":"f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e","schemeID":"bls-unchained-g1-rfc9380","metadata":{{"beaconID":"quicknet"}}}}"#
        );
        assert_eq!(BeaconInfo::from_json(&info), Ok(BeaconInfo::quicknet()));
        // Shape of https://api.drand.sh/52db9ba7…/public/123
        let r = quicknet_123();
        let json = format!(
            r#"{{"round":123,"randomness":"{}","signature":"{QUICKNET_123_SIG}"}}"#,
            hex::encode(r.randomness())
        );
        let parsed = BeaconRound::from_json(&json).expect("test value");
        assert_eq!(parsed, r);
        assert!(verify_round(&BeaconInfo::quicknet(), &parsed).is_ok());
    }

    #[test]
    fn malformed_json_is_an_error() {
        let pk = QUICKNET_PUBLIC_KEY_HEX;
        let bad_infos = [
            String::new(),
            "null".into(),
            "[]".into(),
            "{".into(),
            r#"{"genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}"#.into(),
            format!(r#"{{"public_key":"{pk}","period_secs":3,"scheme":"x"}}"#),
            format!(
                r#"{{"public_key":"{}","genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#,
                &pk[..190]
            ),
            format!(
                r#"{{"public_key":"{}","genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#,
                &pk[..191]
            ),
            format!(
                r#"{{"public_key":"{pk}00","genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#
            ),
            format!(
                r#"{{"public_key":"{}zz","genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#,
                &pk[..190]
            ),
            format!(
                r#"{{"public_key":"{pk}","genesis_time":-1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#
            ),
            format!(
                r#"{{"public_key":"{pk}","genesis_time":"1","period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#
            ),
            format!(
                r#"{{"public_key":"{pk}","genesis_time":1,"period_secs":3,"period":3,"scheme":"bls-unchained-g1-rfc9380"}}"#
            ),
            r#"{"public_key":12,"genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}"#
                .to_string(),
        ];
        for json in &bad_infos {
            assert!(
                matches!(BeaconInfo::from_json(json), Err(BeaconError::Json(_))),
                "{json}"
            );
            assert!(serde_json::from_str::<BeaconInfo>(json).is_err(), "{json}");
        }

        // Well-formed JSON, semantically bad.
        let off_curve = format!(
            r#"{{"public_key":"{}","genesis_time":1,"period_secs":3,"scheme":"bls-unchained-g1-rfc9380"}}"#,
            "ff".repeat(96)
        );
        assert_eq!(
            BeaconInfo::from_json(&off_curve),
            Err(BeaconError::BadPublicKey)
        );
        let chained = format!(
            r#"{{"public_key":"{pk}","genesis_time":1,"period_secs":3,"scheme":"pedersen-bls-chained"}}"#
        );
        assert_eq!(
            BeaconInfo::from_json(&chained),
            Err(BeaconError::UnsupportedScheme(
                "pedersen-bls-chained".into()
            ))
        );
        let zero_period = format!(
            r#"{{"public_key":"{pk}","genesis_time":1,"period_secs":0,"scheme":"bls-unchained-g1-rfc9380"}}"#
        );
        assert_eq!(
            BeaconInfo::from_json(&zero_period),
            Err(BeaconError::ZeroPeriod)
        );

        let bad_rounds = [
            "",
            "{}",
            r#"{"round":1}"#,
            r#"{"signature":"00"}"#,
            r#"{"round":1,"signature":"0"}"#,
            r#"{"round":1,"signature":"gg"}"#,
            r#"{"round":1,"signature":5}"#,
            r#"{"round":-1,"signature":"00"}"#,
            r#"{"round":18446744073709551616,"signature":"00"}"#,
            r#"{"round":1.5,"signature":"00"}"#,
            r#"{"round":1,"signature":"00""#,
        ];
        for json in bad_rounds {
            assert!(
                matches!(BeaconRound::from_json(json), Err(BeaconError::Json(_))),
                "{json}"
            );
        }
        // Parsable but wrong-length signature: caught by verification, not by parsing.
        let short = BeaconRound::from_json(r#"{"round":1,"signature":"00"}"#).expect("test value");
        assert_eq!(
            verify_round(&BeaconInfo::quicknet(), &short),
            Err(BeaconError::BadSignatureLength { got: 1 })
        );
    }

    #[test]
    fn errors_display() {
        assert_eq!(
            BeaconError::BadSignatureLength { got: 47 }.to_string(),
            "signature must be 48 bytes (compressed G1), got 47"
        );
        assert_eq!(
            BeaconError::SignatureInvalid { round: 9 }.to_string(),
            "signature does not verify for round 9"
        );
    }
}
