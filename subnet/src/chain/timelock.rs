//! Timelocked weight commits (subtensor's commit-reveal version 4, `commit_timelocked_weights`):
//! a weight row encrypted to a future drand quicknet round, which the runtime decrypts with that
//! round's signature once the drand pallet has stored it, and then sets as if the validator had
//! called `set_weights`.
//!
//! The format is the one the bittensor SDK writes (`bittensor-drand` `generate_commit`) and the
//! runtime reads (`reveal_crv3_commits` in `pallets/subtensor/src/coinbase/reveal_commits.rs`),
//! both through the `tle` crate (ideal-lab5/timelock @ 5416406c: `tlock.rs`, `ibe/fullident.rs`,
//! `stream_ciphers.rs`, `curves/drand.rs`):
//! - the plaintext is the SCALE encoding of [`WeightsTlockPayload`] (the committing hotkey, the
//!   uids, the values, the version key);
//! - the identity of round `n` is `H(sha256(n as u64 big-endian))`, hashed to G1 as drand
//!   quicknet signs it (RFC 9380, `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_`), so the round's
//!   signature is the identity's private key;
//! - Boneh–Franklin IBE with the Fujisaki–Okamoto check encrypts a fresh 32-byte key:
//!   `σ = sha256(t)` for a random scalar `t`, `r = sha256(σ ‖ key) mod q` (big-endian),
//!   `U = r·G2`, `V = σ ⊕ sha256(e(Q_id, r·P_pub))`, `W = key ⊕ sha256(σ)`, where the pairing
//!   value is hashed in arkworks' compressed `Fq12` encoding (576 bytes);
//! - AES-256-GCM under that key, a random 12-byte nonce, no associated data;
//! - everything in arkworks' compressed serialization: `U` (96 bytes) then `V`, `W`, the body
//!   (`ciphertext ‖ tag`, then the nonce) and the suite `AES_GCM_`, each byte string after its
//!   length as a little-endian u64: `m + 244` bytes for an `m`-byte plaintext.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use ark_bls12_381::{Bls12_381, Fr as Scalar, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::hashing::curve_maps::wb::WBMap;
use ark_ec::hashing::map_to_curve_hasher::MapToCurveBasedHasher;
use ark_ec::hashing::HashToCurve;
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::field_hashers::DefaultFieldHasher;
use ark_ff::{PrimeField, UniformRand};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use parity_scale_codec::{Decode, Encode};
use sha2_10::{Digest, Sha256};

/// drand quicknet's public key (compressed G2), the beacon subtensor's drand pallet stores.
pub const QUICKNET_PUBLIC_KEY: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";
/// The domain quicknet hashes round messages to G1 with (its signatures are on G1).
pub const QUICKNET_DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
/// Quicknet's genesis (Unix seconds) and period (seconds per round).
pub const QUICKNET_GENESIS: u64 = 1_692_803_367;
/// Seconds per quicknet round.
pub const QUICKNET_PERIOD: u64 = 3;
/// The commit-reveal version the runtime expects by default (`CommitRevealWeightsVersion`).
pub const COMMIT_REVEAL_VERSION: u16 = 4;
/// The largest commit the extrinsic takes (`MAX_CRV3_COMMIT_SIZE_BYTES`).
pub const MAX_COMMIT_BYTES: usize = 5000;
/// Bytes a commit adds to its plaintext.
pub const COMMIT_OVERHEAD: usize = 244;
/// The symmetric suite's name, written after the body (the runtime does not read it).
pub const CIPHER_SUITE: &[u8] = b"AES_GCM_";

/// The plaintext of a timelocked commit (the runtime's `WeightsTlockPayload`, SCALE-encoded).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct WeightsTlockPayload {
    /// The committing hotkey's public key (32 bytes; the runtime decodes it as an `AccountId`
    /// and drops the commit when it is not the committer).
    pub hotkey: Vec<u8>,
    /// The uids of the row.
    pub uids: Vec<u16>,
    /// Their weights.
    pub values: Vec<u16>,
    /// The subnet's weights version key.
    pub version_key: u64,
}

/// The payload commit-reveal version 3 wrote (no hotkey); the runtime still reads it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct LegacyWeightsTlockPayload {
    /// The uids of the row.
    pub uids: Vec<u16>,
    /// Their weights.
    pub values: Vec<u16>,
    /// The subnet's weights version key.
    pub version_key: u64,
}

/// Why a commit cannot be built, read or revealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelockError {
    /// A field of the commit is cut short or has a length the format does not allow.
    #[error("timelocked commit: {field}: {why}")]
    Malformed {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// `U` is not a point of the prime-order subgroup of G2.
    #[error("timelocked commit: U is not a valid G2 point")]
    BadPoint,
    /// The beacon's public key is not a usable G2 point (encrypting to it would hide nothing).
    #[error("beacon public key: not a valid G2 point")]
    BadPublicKey,
    /// The round signature is not a valid compressed G1 point.
    #[error("round signature: not a valid compressed G1 point")]
    BadSignature,
    /// The signature is not the beacon's signature of the round.
    #[error("round signature: not quicknet's signature of round {round}")]
    WrongSignature {
        /// The round.
        round: u64,
    },
    /// The Fujisaki–Okamoto check failed: the signature is not the commit's round's, or the
    /// header was altered.
    #[error(
        "timelocked commit: the key does not decrypt (wrong round signature or altered header)"
    )]
    DecryptionFailed,
    /// AES-GCM refused the body (altered body, nonce or key).
    #[error("timelocked commit: the body does not authenticate")]
    BodyRejected,
    /// The commit is larger than the extrinsic takes.
    #[error("timelocked commit of {bytes} bytes exceeds the runtime's {max}")]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The bound.
        max: usize,
    },
    /// The decrypted plaintext is no payload the runtime reads.
    #[error("timelocked commit: the plaintext is no weights payload")]
    Payload,
    /// The payload names another hotkey than the committer (the runtime drops it).
    #[error("timelocked commit: the payload's hotkey is not the committer")]
    HotkeyMismatch,
    /// The row's uids and values differ in length.
    #[error("weights: {uids} uids but {values} values")]
    RowLength {
        /// Uids.
        uids: usize,
        /// Values.
        values: usize,
    },
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn xor32(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    core::array::from_fn(|i| a[i] ^ b[i])
}

/// The quicknet public key as a G2 point.
pub fn quicknet_public_key() -> G2Affine {
    let bytes = hex::decode(QUICKNET_PUBLIC_KEY).unwrap_or_default();
    // A constant of this module: a test pins that it decodes.
    G2Affine::deserialize_compressed(&bytes[..]).unwrap_or_default()
}

/// The IBE identity of a round: quicknet's message for it (`sha256(round as u64 big-endian)`)
/// hashed to G1 as quicknet signs it.
pub fn round_identity(round: u64) -> G1Affine {
    let message = sha256(&[&round.to_be_bytes()]);
    MapToCurveBasedHasher::<
        G1Projective,
        DefaultFieldHasher<Sha256, 128>,
        WBMap<ark_bls12_381::g1::Config>,
    >::new(QUICKNET_DST)
    .and_then(|h| h.hash(&message))
    // Neither step fails for BLS12-381 G1 with its WB map (a test pins the identity of a
    // published round against its signature).
    .unwrap_or_default()
}

/// Read a round signature as the runtime does: 48 bytes of a compressed G1 point, after an
/// optional ASCII `0x` prefix.
pub fn parse_signature(bytes: &[u8]) -> Result<G1Affine, TimelockError> {
    let raw = bytes.strip_prefix(b"0x").unwrap_or(bytes);
    G1Affine::deserialize_compressed(raw).map_err(|_| TimelockError::BadSignature)
}

/// Whether `signature` is the beacon `public_key`'s signature of `round`:
/// `e(σ, G2) = e(H(round), P_pub)`.
pub fn verify_round_signature(public_key: &G2Affine, round: u64, signature: &G1Affine) -> bool {
    Bls12_381::pairing(signature, G2Affine::generator())
        == Bls12_381::pairing(round_identity(round), public_key)
}

fn h2(pairing: &<Bls12_381 as Pairing>::TargetField) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(576);
    // Serialising a field element into a Vec cannot fail.
    let _ = pairing.serialize_compressed(&mut bytes);
    sha256(&[&bytes])
}

fn h3(sigma: &[u8; 32], key: &[u8; 32]) -> Scalar {
    Scalar::from_be_bytes_mod_order(&sha256(&[sigma, key]))
}

/// A parsed timelocked commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelockedCommit {
    /// `r·G2`.
    pub u: G2Affine,
    /// `σ ⊕ sha256(e(Q_id, r·P_pub))`.
    pub v: [u8; 32],
    /// `key ⊕ sha256(σ)`.
    pub w: [u8; 32],
    /// AES-256-GCM ciphertext and tag.
    pub ciphertext: Vec<u8>,
    /// Its nonce.
    pub nonce: [u8; 12],
    /// The suite name as written (not read by the runtime).
    pub cipher_suite: Vec<u8>,
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], TimelockError> {
        if self.0.len() < n {
            return Err(TimelockError::Malformed {
                field,
                why: format!("{} bytes left, {n} needed", self.0.len()),
            });
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], TimelockError> {
        let len = self.take(8, field)?;
        let mut le = [0u8; 8];
        le.copy_from_slice(len);
        let len = u64::from_le_bytes(le);
        let n = usize::try_from(len)
            .ok()
            .filter(|n| *n <= self.0.len())
            .ok_or_else(|| TimelockError::Malformed {
                field,
                why: format!("length {len} but {} bytes left", self.0.len()),
            })?;
        self.take(n, field)
    }

    fn exact<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], TimelockError> {
        let b = self.bytes(field)?;
        <[u8; N]>::try_from(b).map_err(|_| TimelockError::Malformed {
            field,
            why: format!("{} bytes, expected {N}", b.len()),
        })
    }
}

impl TimelockedCommit {
    /// The bytes the extrinsic carries.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.ciphertext.len() + COMMIT_OVERHEAD);
        // Serialising a point into a Vec cannot fail.
        let _ = self.u.serialize_compressed(&mut out);
        put_bytes(&mut out, &self.v);
        put_bytes(&mut out, &self.w);
        let mut body = Vec::with_capacity(self.ciphertext.len() + 28);
        put_bytes(&mut body, &self.ciphertext);
        put_bytes(&mut body, &self.nonce);
        put_bytes(&mut out, &body);
        put_bytes(&mut out, &self.cipher_suite);
        out
    }

    /// Read a commit as the runtime does (`TLECiphertext::deserialize_compressed` with point
    /// validation; like it, bytes after the suite are ignored). `V`, `W` of another length than
    /// 32 and a nonce of another length than 12 are refused (the runtime would panic or refuse).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TimelockError> {
        let mut r = Reader(bytes);
        let u = G2Affine::deserialize_compressed(r.take(96, "U")?)
            .map_err(|_| TimelockError::BadPoint)?;
        let v = r.exact::<32>("V")?;
        let w = r.exact::<32>("W")?;
        let mut body = Reader(r.bytes("body")?);
        let ciphertext = body.bytes("ciphertext")?.to_vec();
        let nonce = body.exact::<12>("nonce")?;
        let cipher_suite = r.bytes("cipher suite")?.to_vec();
        Ok(Self {
            u,
            v,
            w,
            ciphertext,
            nonce,
            cipher_suite,
        })
    }

    /// Decrypt with the round's signature (`tld`): recover the key through the IBE header,
    /// check `r·G2 = U`, then open the body.
    pub fn decrypt(&self, signature: &G1Affine) -> Result<Vec<u8>, TimelockError> {
        let sigma = xor32(&self.v, &h2(&Bls12_381::pairing(signature, self.u).0));
        let key = xor32(&self.w, &sha256(&[&sigma]));
        let r = h3(&sigma, &key);
        if (G2Projective::generator() * r).into_affine() != self.u {
            return Err(TimelockError::DecryptionFailed);
        }
        Aes256Gcm::new((&key).into())
            .decrypt(Nonce::from_slice(&self.nonce), self.ciphertext.as_slice())
            .map_err(|_| TimelockError::BodyRejected)
    }
}

/// Encrypt `plaintext` to `round` of the beacon `public_key` (`tle` with a fresh key), drawing
/// the key, the IBE scalar and the nonce from `rng` in the SDK's order.
pub fn encrypt<R: rand::RngCore + rand::CryptoRng>(
    public_key: &G2Affine,
    round: u64,
    plaintext: &[u8],
    rng: &mut R,
) -> TimelockedCommit {
    let mut key = [0u8; 32];
    rng.fill_bytes(&mut key);
    let t = Scalar::rand(rng);
    let mut t_bytes = Vec::with_capacity(32);
    let _ = t.serialize_compressed(&mut t_bytes);
    let sigma = sha256(&[&t_bytes]);
    let r = h3(&sigma, &key);
    let u = (G2Projective::generator() * r).into_affine();
    let g_id = Bls12_381::pairing(round_identity(round), (*public_key * r).into_affine());
    let v = xor32(&sigma, &h2(&g_id.0));
    let w = xor32(&key, &sha256(&[&sigma]));
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut nonce);
    // AES-GCM encryption into a Vec fails only past 2^36 bytes.
    let ciphertext = Aes256Gcm::new((&key).into())
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .unwrap_or_default();
    TimelockedCommit {
        u,
        v,
        w,
        ciphertext,
        nonce,
        cipher_suite: CIPHER_SUITE.to_vec(),
    }
}

/// The commit a validator sends with `commit_timelocked_weights`: its row, with its hotkey and
/// the subnet's version key, encrypted to `round` of quicknet.
pub fn commit_weights<R: rand::RngCore + rand::CryptoRng>(
    hotkey: &[u8; 32],
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    round: u64,
    rng: &mut R,
) -> Result<Vec<u8>, TimelockError> {
    check_row(uids, values)?;
    let payload = WeightsTlockPayload {
        hotkey: hotkey.to_vec(),
        uids: uids.to_vec(),
        values: values.to_vec(),
        version_key,
    };
    seal(&payload.encode(), round, rng)
}

/// The commit of `commit_crv3_weights` (commit-reveal version 3): the row without the hotkey.
pub fn commit_weights_v3<R: rand::RngCore + rand::CryptoRng>(
    uids: &[u16],
    values: &[u16],
    version_key: u64,
    round: u64,
    rng: &mut R,
) -> Result<Vec<u8>, TimelockError> {
    check_row(uids, values)?;
    let payload = LegacyWeightsTlockPayload {
        uids: uids.to_vec(),
        values: values.to_vec(),
        version_key,
    };
    seal(&payload.encode(), round, rng)
}

fn check_row(uids: &[u16], values: &[u16]) -> Result<(), TimelockError> {
    if uids.len() != values.len() {
        return Err(TimelockError::RowLength {
            uids: uids.len(),
            values: values.len(),
        });
    }
    Ok(())
}

fn seal<R: rand::RngCore + rand::CryptoRng>(
    plaintext: &[u8],
    round: u64,
    rng: &mut R,
) -> Result<Vec<u8>, TimelockError> {
    let key = quicknet_public_key();
    if key.is_zero() {
        // Encrypting to the identity would be readable by anyone.
        return Err(TimelockError::BadPublicKey);
    }
    let bytes = encrypt(&key, round, plaintext, rng).to_bytes();
    if bytes.len() > MAX_COMMIT_BYTES {
        return Err(TimelockError::TooLarge {
            bytes: bytes.len(),
            max: MAX_COMMIT_BYTES,
        });
    }
    Ok(bytes)
}

/// What the runtime sets when it reveals a commit: the row and the version key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevealedWeights {
    /// The uids.
    pub uids: Vec<u16>,
    /// Their weights.
    pub values: Vec<u16>,
    /// The version key.
    pub version_key: u64,
    /// Whether the payload was the version-3 one (no hotkey).
    pub legacy: bool,
}

/// Reveal a commit of `committer` as the runtime does once round `round`'s pulse is stored:
/// decrypt with its signature, decode the payload (prefix decoding: trailing bytes are
/// ignored), and drop a payload that names another hotkey; a plaintext whose hotkey field is
/// no account falls back to the version-3 payload.
pub fn reveal(
    commit: &[u8],
    signature: &[u8],
    committer: &[u8; 32],
) -> Result<RevealedWeights, TimelockError> {
    let plain = TimelockedCommit::from_bytes(commit)?.decrypt(&parse_signature(signature)?)?;
    let legacy = || {
        LegacyWeightsTlockPayload::decode(&mut &plain[..])
            .map(|p| RevealedWeights {
                uids: p.uids,
                values: p.values,
                version_key: p.version_key,
                legacy: true,
            })
            .map_err(|_| TimelockError::Payload)
    };
    match WeightsTlockPayload::decode(&mut &plain[..]) {
        Ok(p) => match <[u8; 32]>::decode(&mut &p.hotkey[..]) {
            Ok(hk) if &hk == committer => Ok(RevealedWeights {
                uids: p.uids,
                values: p.values,
                version_key: p.version_key,
                legacy: false,
            }),
            Ok(_) => Err(TimelockError::HotkeyMismatch),
            Err(_) => legacy(),
        },
        Err(_) => legacy(),
    }
}

/// The quicknet round older SDKs encrypt a commit to (`bittensor-drand` 1.2.0 `generate_commit`)
/// on runtimes before the stateful epoch schedule: the round expected 3 blocks into the first
/// block of the reveal epoch, `reveal_period` epochs after the current one, on the block-number
/// schedule `(block + netuid + 1) / (tempo + 1)`. Runtimes with `SubnetEpochIndex` take
/// [`reveal_round_for_schedule`]. `netuid_index` is the storage index
/// (`mechanism · 4096 + netuid`), `now_secs` the wall clock, `block_time` seconds per block.
pub fn reveal_round(
    current_block: u64,
    netuid_index: u16,
    tempo: u16,
    reveal_period: u64,
    block_time: f64,
    now_secs: f64,
) -> u64 {
    let netuid_plus_one = u64::from(netuid_index) + 1;
    let tempo_plus_one = u64::from(tempo) + 1;
    let current_epoch = current_block.saturating_add(netuid_plus_one) / tempo_plus_one;
    let reveal_epoch = current_epoch.saturating_add(reveal_period);
    let first_reveal_block = reveal_epoch
        .saturating_mul(tempo_plus_one)
        .saturating_sub(netuid_plus_one);
    let ingest_block = first_reveal_block.saturating_add(3);
    let secs_until_ingest = ingest_block.saturating_sub(current_block) as f64 * block_time;
    let round =
        ((now_secs + secs_until_ingest - QUICKNET_GENESIS as f64) / QUICKNET_PERIOD as f64).floor();
    if round.is_finite() && round >= 1.0 {
        round as u64
    } else {
        1
    }
}

/// A subnet's epoch schedule as the runtime keeps it (runtimes from May 2026): an epoch fires at
/// `LastEpochBlock + tempo`, at an owner-set `PendingEpochAt`, or when `BlocksSinceLastStep`
/// passes `MAX_TEMPO`; each fire advances `SubnetEpochIndex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpochSchedule {
    /// `Tempo(netuid)`.
    pub tempo: u16,
    /// `LastEpochBlock(netuid)`.
    pub last_epoch_block: u64,
    /// `PendingEpochAt(netuid)` (0: none).
    pub pending_epoch_at: u64,
    /// `SubnetEpochIndex(netuid)`.
    pub subnet_epoch_index: u64,
    /// `BlocksSinceLastStep(netuid)`.
    pub blocks_since_last_step: u64,
    /// The head block these were read at.
    pub current_block: u64,
}

/// The runtime's `MAX_TEMPO`: an epoch fires at the latest after this many blocks.
pub const MAX_TEMPO: u64 = 50_400;
/// Blocks after the head at which a commit is expected to be included.
pub const COMMIT_INCLUSION_BLOCK_OFFSET: u64 = 1;
/// Blocks into the reveal window the round is aimed at.
pub const SECURITY_BLOCK_OFFSET: u64 = 3;

/// Why no reveal block can be predicted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A tempo of 0: the subnet runs no epochs.
    #[error("tempo is zero: the subnet runs no epochs")]
    TempoIsZero,
    /// The simulation ran past its bound without reaching the reveal epoch.
    #[error("no reveal block within {0} blocks")]
    BoundExceeded(u64),
}

impl EpochSchedule {
    /// Whether an epoch fires in `block` (`should_run_epoch`, run_coinbase.rs).
    pub fn fires(&self, block: u64) -> bool {
        if self.tempo == 0 {
            return false;
        }
        if self.pending_epoch_at > 0 && block >= self.pending_epoch_at {
            return true;
        }
        if self.blocks_since_last_step > MAX_TEMPO {
            return true;
        }
        block.saturating_sub(self.last_epoch_block) >= u64::from(self.tempo)
    }

    /// The epoch a commit in `block` belongs to (`current_epoch_with_lookahead`).
    pub fn epoch_with_lookahead(&self, block: u64) -> u64 {
        if self.fires(block) {
            self.subnet_epoch_index.saturating_add(1)
        } else {
            self.subnet_epoch_index
        }
    }

    /// The schedule after `block`'s coinbase (without the per-block deferral of epochs).
    pub fn after(&self, block: u64) -> Self {
        let mut next = *self;
        next.blocks_since_last_step = next.blocks_since_last_step.saturating_add(1);
        next.current_block = block;
        if next.fires(block) {
            next.last_epoch_block = block;
            next.pending_epoch_at = 0;
            next.subnet_epoch_index = next.subnet_epoch_index.saturating_add(1);
            next.blocks_since_last_step = 0;
        }
        next
    }

    /// The first block of the reveal epoch of a commit included one block after the head:
    /// the runtime reveals it from there while the pulse is stored, until the next epoch fires
    /// (`predict_first_reveal_block` of the current SDK, which mirrors `reveal_crv3_commits`).
    pub fn first_reveal_block(&self, reveal_period: u64) -> Result<u64, ScheduleError> {
        if self.tempo == 0 {
            return Err(ScheduleError::TempoIsZero);
        }
        let included = self
            .current_block
            .saturating_add(COMMIT_INCLUSION_BLOCK_OFFSET);
        let target = self
            .epoch_with_lookahead(included)
            .saturating_add(reveal_period);
        let bound = reveal_period
            .saturating_mul(MAX_TEMPO)
            .saturating_add(MAX_TEMPO);
        let mut state = *self;
        for block in included..=included.saturating_add(bound) {
            if state.epoch_with_lookahead(block) == target {
                return Ok(block);
            }
            state = state.after(block);
        }
        Err(ScheduleError::BoundExceeded(bound))
    }
}

/// The quicknet round a commit is encrypted to under the stateful schedule: the round expected
/// [`SECURITY_BLOCK_OFFSET`] blocks into the reveal window, at `block_time` seconds a block from
/// `now_secs` (the current SDK's `generate_commit_v2`).
pub fn reveal_round_for_schedule(
    schedule: &EpochSchedule,
    reveal_period: u64,
    block_time: f64,
    now_secs: f64,
) -> Result<u64, ScheduleError> {
    let first = schedule.first_reveal_block(reveal_period)?;
    let blocks = first
        .saturating_add(SECURITY_BLOCK_OFFSET)
        .saturating_sub(schedule.current_block);
    let round = ((now_secs + blocks as f64 * block_time - QUICKNET_GENESIS as f64)
        / QUICKNET_PERIOD as f64)
        .floor();
    Ok(if round.is_finite() && round >= 1.0 {
        round as u64
    } else {
        1
    })
}
