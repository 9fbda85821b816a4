//! Sealed delivery on record: a payload encrypted to a recipient's sr25519 hotkey and posted on a
//! public chain, so the delivery is on record and the recipient cannot claim it never arrived.
//!
//! # Keys
//!
//! An sr25519 hotkey (schnorrkel, as on Bittensor/Substrate) is a Ristretto255 key pair: the
//! 32-byte public key is the compressed point `X = x·B` (`B` the Ristretto basepoint) and the
//! first 32 bytes of schnorrkel's 64-byte `SecretKey::to_bytes()` are the canonical scalar `x`.
//! The payload is encrypted to the hotkey itself (Diffie–Hellman on Ristretto255), so no extra
//! encryption key has to be registered. A recipient gets its [`RecipientSecret`] from
//! * its 32-byte seed: [`secret_from_seed`] (the expansion `subxt_signer::sr25519::Keypair::
//!   from_secret_key(seed)` does: `MiniSecretKey::from_bytes(seed)?.expand_to_keypair(
//!   ExpansionMode::Ed25519)`), or
//! * a schnorrkel secret key: [`RecipientSecret::from_schnorrkel`], or
//! * the raw scalar bytes: [`RecipientSecret::from_scalar_bytes`].
//!
//! # Envelope
//!
//! The sender draws an ephemeral scalar `e`, posts `E = e·B`, and encrypts with ChaCha20-Poly1305
//! under `k = blake3::derive_key(KDF_TAG, S ‖ E ‖ X ‖ context)` where `S = e·X = x·E` (all-zero
//! nonce: the key is used once), with the context as associated data. The envelope also carries a
//! Schnorr proof of knowledge of `e`, bound to `X`, the context and the ciphertext. That proof is
//! what stops a sender from using the recipient as a Diffie–Hellman oracle: without it a sender
//! could post someone else's ephemeral (or a blinded `r·E'`) with garbage, make the recipient
//! disclose `x·E'`, and so read another sender's message. A recipient only discloses the shared
//! point of an envelope whose sender provably knows `e`, i.e. a point the sender could compute.
//!
//! # Complaints
//!
//! If [`open`] fails or the plaintext is invalid, the recipient complains publicly:
//! * if [`check_envelope`] fails, the envelope is bad on its face (sender's fault); no secret is
//!   needed;
//! * otherwise it posts a [`Disclosure`] ([`disclose`]): the shared point `S` and a
//!   Chaum–Pedersen proof that `log_B X = log_E S`. Anyone runs [`open_disclosed`] to check the
//!   proof and decrypt that one message; the long-term key `x` stays secret.
//!
//! The `context` must identify the delivery, e.g. `"zkyuma/opening/v1" ‖ netuid ‖ epoch ‖ sender
//! ‖ recipient`; it is bound into the key, the associated data and the sender's proof.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// The largest payload [`seal`] accepts, in bytes (1 MiB).
pub const MAX_PAYLOAD: usize = 1 << 20;
/// The AEAD tag length: a ciphertext is `TAG_LEN` bytes longer than its payload.
pub const TAG_LEN: usize = 16;
/// The largest ciphertext an envelope may carry.
pub const MAX_CIPHERTEXT: usize = MAX_PAYLOAD + TAG_LEN;

const KDF_TAG: &str = "zkyuma sealed-delivery v1 aead key";
const POK_TAG: &str = "zkyuma sealed-delivery v1 ephemeral proof of knowledge";
const DLEQ_TAG: &str = "zkyuma sealed-delivery v1 chaum-pedersen dleq";
const NONCE_TAG: &str = "zkyuma sealed-delivery v1 hedged nonce";
const EPHEMERAL_TAG: &str = "zkyuma sealed-delivery v1 ephemeral secret";

/// Why sealing, opening, disclosing or checking failed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// The bytes are not a canonical Ristretto255 point encoding.
    #[error("{what}: not a canonical Ristretto255 point encoding")]
    BadPoint {
        /// Which point.
        what: &'static str,
    },
    /// The point is the identity, which is never a valid key, ephemeral or shared point.
    #[error("{what}: the identity point is not allowed")]
    IdentityPoint {
        /// Which point.
        what: &'static str,
    },
    /// The bytes are not a canonical (reduced) scalar encoding.
    #[error("{what}: not a canonical scalar encoding")]
    NonCanonicalScalar {
        /// Which scalar.
        what: &'static str,
    },
    /// A secret scalar is zero.
    #[error("{what}: zero scalar")]
    ZeroScalar {
        /// Which scalar.
        what: &'static str,
    },
    /// The payload is longer than [`MAX_PAYLOAD`].
    #[error("payload of {len} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// The payload length.
        len: usize,
        /// [`MAX_PAYLOAD`].
        max: usize,
    },
    /// The ciphertext is shorter than [`TAG_LEN`] or longer than [`MAX_CIPHERTEXT`].
    #[error("ciphertext of {len} bytes is outside {min}..={max}")]
    BadCiphertextLength {
        /// The ciphertext length.
        len: usize,
        /// [`TAG_LEN`].
        min: usize,
        /// [`MAX_CIPHERTEXT`].
        max: usize,
    },
    /// The envelope's proof of knowledge of its ephemeral secret does not verify (for this
    /// recipient, context and ciphertext).
    #[error("the envelope's proof of knowledge of its ephemeral secret does not verify")]
    BadEnvelopeProof,
    /// The ciphertext does not authenticate under the derived key (wrong key, wrong context, or
    /// a garbage ciphertext).
    #[error("the ciphertext does not decrypt")]
    Decrypt,
    /// The disclosure's Chaum–Pedersen proof does not verify: the disclosed shared point is not
    /// the right one for this recipient and envelope.
    #[error("the disclosure does not verify")]
    BadDisclosure,
}

/// Why an envelope is proven not to decrypt (the sender's fault).
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum Undecryptable {
    /// The envelope is bad on its face ([`check_envelope`] fails); no disclosure was needed.
    #[error("the envelope is malformed: {0}")]
    Malformed(SealError),
    /// The disclosure is valid and the ciphertext does not authenticate under the key it gives.
    #[error("the ciphertext does not decrypt under the disclosed shared point")]
    Aead,
}

/// A recipient's secret: the hotkey's scalar `x` (and its public key `X = x·B`).
pub struct RecipientSecret {
    scalar: Scalar,
    public: RistrettoPoint,
}

impl std::fmt::Debug for RecipientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecipientSecret(public {})", hex::encode(self.public()))
    }
}

impl Drop for RecipientSecret {
    fn drop(&mut self) {
        self.scalar.zeroize();
    }
}

impl RecipientSecret {
    fn new(scalar: Scalar) -> Self {
        Self {
            scalar,
            public: RistrettoPoint::mul_base(&scalar),
        }
    }

    /// From the canonical little-endian scalar bytes (schnorrkel's `SecretKey::to_bytes()[..32]`).
    pub fn from_scalar_bytes(bytes: &[u8; 32]) -> Result<Self, SealError> {
        let scalar = scalar_from_bytes(bytes, "recipient secret")?;
        if scalar == Scalar::ZERO {
            return Err(SealError::ZeroScalar {
                what: "recipient secret",
            });
        }
        Ok(Self::new(scalar))
    }

    /// From a schnorrkel secret key (its first 32 bytes are the scalar).
    pub fn from_schnorrkel(secret: &schnorrkel::SecretKey) -> Result<Self, SealError> {
        let mut bytes = secret.to_bytes();
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(&bytes[..32]);
        let out = Self::from_scalar_bytes(&scalar);
        bytes.zeroize();
        scalar.zeroize();
        out
    }

    /// The 32-byte public key (the hotkey).
    pub fn public(&self) -> [u8; 32] {
        self.public.compress().to_bytes()
    }
}

/// The recipient secret of the hotkey with this 32-byte seed, expanded as
/// `subxt_signer::sr25519::Keypair::from_secret_key(seed)` does
/// (`MiniSecretKey::from_bytes(seed)?.expand_to_keypair(ExpansionMode::Ed25519)`).
pub fn secret_from_seed(seed: [u8; 32]) -> RecipientSecret {
    match schnorrkel::MiniSecretKey::from_bytes(&seed) {
        Ok(mini) => {
            let secret = mini.expand(schnorrkel::ExpansionMode::Ed25519);
            let mut bytes = secret.to_bytes();
            // schnorrkel keeps its scalar reduced, so this reduction is the identity map; the
            // Ed25519 expansion sets bit 254 before dividing by the cofactor, so it is never zero.
            let mut scalar_bytes = [0u8; 32];
            scalar_bytes.copy_from_slice(&bytes[..32]);
            let scalar = Scalar::from_bytes_mod_order(scalar_bytes);
            bytes.zeroize();
            scalar_bytes.zeroize();
            RecipientSecret::new(scalar)
        }
        // `from_bytes` only fails on a slice that is not 32 bytes long.
        Err(_) => unreachable!("every 32-byte string is a mini secret key"),
    }
}

/// An envelope as posted on chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The ephemeral public point `E = e·B` (hex).
    #[serde(with = "hex_bytes")]
    pub ephemeral: [u8; 32],
    /// The Schnorr proof of knowledge of `e`, `challenge ‖ response`, bound to the recipient,
    /// the context and the ciphertext (hex).
    #[serde(with = "hex_bytes")]
    pub proof: [u8; 64],
    /// The ChaCha20-Poly1305 ciphertext, payload then 16-byte tag (hex).
    #[serde(with = "hex_bytes")]
    pub ciphertext: Vec<u8>,
}

/// The recipient's public disclosure of one envelope's shared point `S = x·E`, with a
/// Chaum–Pedersen proof that `log_B X = log_E S`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// The shared point `S` (hex).
    #[serde(with = "hex_bytes")]
    pub shared: [u8; 32],
    /// The Fiat–Shamir challenge (canonical scalar, hex).
    #[serde(with = "hex_bytes")]
    pub challenge: [u8; 32],
    /// The response (canonical scalar, hex).
    #[serde(with = "hex_bytes")]
    pub response: [u8; 32],
}

/// Whether `hotkey` can receive sealed payloads: a valid, non-identity Ristretto point.
pub fn check_recipient(hotkey: &[u8; 32]) -> Result<(), SealError> {
    point_from_bytes(hotkey, "recipient").map(|_| ())
}

/// Encrypt `payload` to the hotkey `recipient` under `context`.
pub fn seal(
    recipient: &[u8; 32],
    context: &[u8],
    payload: &[u8],
    mut rng: impl RngCore + CryptoRng,
) -> Result<Envelope, SealError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(SealError::PayloadTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let x_point = point_from_bytes(recipient, "recipient")?;
    let mut wide = Zeroizing::new([0u8; 64]);
    rng.fill_bytes(&mut wide[..]);
    let mut h = blake3::Hasher::new_derive_key(EPHEMERAL_TAG);
    h.update(&wide[..]);
    let e = Zeroizing::new(wide_scalar(&h));
    if *e == Scalar::ZERO {
        return Err(SealError::ZeroScalar {
            what: "ephemeral secret",
        });
    }
    let ephemeral = RistrettoPoint::mul_base(&e).compress().to_bytes();
    let shared = (x_point * *e).compress().to_bytes();
    let key = derive_key(&shared, &ephemeral, recipient, context);
    let ciphertext = aead_seal(&key, context, payload)?;
    let proof = prove_ephemeral(&e, &ephemeral, recipient, context, &ciphertext, &mut rng);
    Ok(Envelope {
        ephemeral,
        proof,
        ciphertext,
    })
}

/// Check what anyone can check without a secret: the ephemeral is a valid non-identity point, the
/// ciphertext length is in range, and the sender's proof of knowledge of the ephemeral secret
/// verifies for this recipient and context. An envelope that fails is the sender's fault.
pub fn check_envelope(
    recipient: &[u8; 32],
    context: &[u8],
    env: &Envelope,
) -> Result<(), SealError> {
    point_from_bytes(recipient, "recipient")?;
    check_shape(env)?;
    verify_ephemeral(recipient, context, env)
}

/// Decrypt an envelope with the recipient's secret. Checks the shape first, then decrypts
/// (`Decrypt` on failure), then the sender's proof (`BadEnvelopeProof`). On failure the recipient
/// complains with [`check_envelope`]'s error if there is one, else with [`disclose`].
pub fn open(
    secret: &RecipientSecret,
    context: &[u8],
    env: &Envelope,
) -> Result<Vec<u8>, SealError> {
    let e_point = check_shape(env)?;
    let recipient = secret.public();
    let shared = (e_point * secret.scalar).compress().to_bytes();
    let key = derive_key(&shared, &env.ephemeral, &recipient, context);
    let plaintext = aead_open(&key, context, &env.ciphertext).ok_or(SealError::Decrypt)?;
    verify_ephemeral(&recipient, context, env)?;
    Ok(plaintext)
}

/// Disclose one envelope's shared point with a Chaum–Pedersen proof. Refuses (with
/// [`check_envelope`]'s error) an envelope that is bad on its face: in particular one whose
/// sender cannot prove it knows the ephemeral secret, so the recipient is never an oracle for
/// `x·P` on a point `P` of the sender's choosing.
pub fn disclose(
    secret: &RecipientSecret,
    context: &[u8],
    env: &Envelope,
    mut rng: impl RngCore + CryptoRng,
) -> Result<Disclosure, SealError> {
    let recipient = secret.public();
    check_envelope(&recipient, context, env)?;
    let e_point = point_from_bytes(&env.ephemeral, "ephemeral")?;
    let s_point = e_point * secret.scalar;
    let shared = s_point.compress().to_bytes();
    let k = Zeroizing::new(hedged_nonce(
        b"dleq",
        &secret.scalar,
        &[&recipient, &env.ephemeral, &shared],
        &mut rng,
    ));
    let a1 = RistrettoPoint::mul_base(&k).compress().to_bytes();
    let a2 = (e_point * *k).compress().to_bytes();
    let c = dleq_challenge(&recipient, &env.ephemeral, &shared, &a1, &a2);
    let r = *k - c * secret.scalar;
    Ok(Disclosure {
        shared,
        challenge: c.to_bytes(),
        response: r.to_bytes(),
    })
}

/// Anyone: check the disclosure against the recipient's public key and the envelope, then decrypt
/// with it.
/// * `Ok(Ok(plaintext))`: the disclosure is valid and the envelope decrypts (the caller then
///   judges the plaintext);
/// * `Ok(Err(Undecryptable::Aead))`: the disclosure is valid and the envelope does not decrypt
///   (the sender's fault, proven);
/// * `Ok(Err(Undecryptable::Malformed(_)))`: the envelope fails [`check_envelope`] (the
///   sender's fault on its face; the disclosure is not needed and not checked);
/// * `Err(_)`: the disclosure itself is invalid (the recipient lied), or `recipient` is not a
///   valid key (`BadPoint`/`IdentityPoint` with `what: "recipient"`: the caller's input).
pub fn open_disclosed(
    recipient: &[u8; 32],
    context: &[u8],
    env: &Envelope,
    d: &Disclosure,
) -> Result<Result<Vec<u8>, Undecryptable>, SealError> {
    let x_point = point_from_bytes(recipient, "recipient")?;
    if let Err(e) = check_envelope(recipient, context, env) {
        return Ok(Err(Undecryptable::Malformed(e)));
    }
    let e_point = point_from_bytes(&env.ephemeral, "ephemeral")?;
    let s_point = point_from_bytes(&d.shared, "shared")?;
    let c = scalar_from_bytes(&d.challenge, "challenge")?;
    let r = scalar_from_bytes(&d.response, "response")?;
    // A1 = r·B + c·X, A2 = r·E + c·S.
    let a1 = RistrettoPoint::vartime_double_scalar_mul_basepoint(&c, &x_point, &r);
    let a2 = e_point * r + s_point * c;
    let expected = dleq_challenge(
        recipient,
        &env.ephemeral,
        &d.shared,
        &a1.compress().to_bytes(),
        &a2.compress().to_bytes(),
    );
    if expected != c {
        return Err(SealError::BadDisclosure);
    }
    let key = derive_key(&d.shared, &env.ephemeral, recipient, context);
    Ok(aead_open(&key, context, &env.ciphertext).ok_or(Undecryptable::Aead))
}

// ---------------------------------------------------------------------------------------------

/// The ephemeral point, once the envelope's shape is right.
fn check_shape(env: &Envelope) -> Result<RistrettoPoint, SealError> {
    let len = env.ciphertext.len();
    if !(TAG_LEN..=MAX_CIPHERTEXT).contains(&len) {
        return Err(SealError::BadCiphertextLength {
            len,
            min: TAG_LEN,
            max: MAX_CIPHERTEXT,
        });
    }
    point_from_bytes(&env.ephemeral, "ephemeral")
}

fn point_from_bytes(bytes: &[u8; 32], what: &'static str) -> Result<RistrettoPoint, SealError> {
    let point = CompressedRistretto(*bytes)
        .decompress()
        .ok_or(SealError::BadPoint { what })?;
    if point.is_identity() {
        return Err(SealError::IdentityPoint { what });
    }
    Ok(point)
}

fn scalar_from_bytes(bytes: &[u8; 32], what: &'static str) -> Result<Scalar, SealError> {
    Option::<Scalar>::from(Scalar::from_canonical_bytes(*bytes))
        .ok_or(SealError::NonCanonicalScalar { what })
}

fn put_var(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn wide_scalar(h: &blake3::Hasher) -> Scalar {
    let mut wide = Zeroizing::new([0u8; 64]);
    h.finalize_xof().fill(&mut wide[..]);
    Scalar::from_bytes_mod_order_wide(&wide)
}

fn derive_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
    context: &[u8],
) -> Zeroizing<[u8; 32]> {
    let mut h = blake3::Hasher::new_derive_key(KDF_TAG);
    h.update(shared);
    h.update(ephemeral);
    h.update(recipient);
    put_var(&mut h, context);
    Zeroizing::new(*h.finalize().as_bytes())
}

fn aead_seal(key: &[u8; 32], context: &[u8], payload: &[u8]) -> Result<Vec<u8>, SealError> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    // Only fails on lengths far beyond MAX_PAYLOAD; report it as a typed error anyway.
    cipher
        .encrypt(
            &Nonce::default(),
            Payload {
                msg: payload,
                aad: context,
            },
        )
        .map_err(|_| SealError::PayloadTooLarge {
            len: payload.len(),
            max: MAX_PAYLOAD,
        })
}

fn aead_open(key: &[u8; 32], context: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    if !(TAG_LEN..=MAX_CIPHERTEXT).contains(&ciphertext.len()) {
        return None;
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(
            &Nonce::default(),
            Payload {
                msg: ciphertext,
                aad: context,
            },
        )
        .ok()
}

/// A nonce from the secret, the public inputs and fresh randomness: safe if either the RNG or the
/// secret is good (a repeated nonce under a broken RNG would otherwise leak the secret).
fn hedged_nonce(
    what: &[u8],
    secret: &Scalar,
    public: &[&[u8; 32]],
    rng: &mut (impl RngCore + CryptoRng),
) -> Scalar {
    let mut fresh = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut fresh[..]);
    let mut h = blake3::Hasher::new_derive_key(NONCE_TAG);
    put_var(&mut h, what);
    h.update(secret.as_bytes());
    h.update(&fresh[..]);
    for p in public {
        h.update(&p[..]);
    }
    wide_scalar(&h)
}

fn pok_challenge(
    recipient: &[u8; 32],
    ephemeral: &[u8; 32],
    commitment: &[u8; 32],
    context: &[u8],
    ciphertext: &[u8],
) -> Scalar {
    let mut h = blake3::Hasher::new_derive_key(POK_TAG);
    h.update(RISTRETTO_BASEPOINT_COMPRESSED.as_bytes());
    h.update(recipient);
    h.update(ephemeral);
    h.update(commitment);
    put_var(&mut h, context);
    put_var(&mut h, ciphertext);
    wide_scalar(&h)
}

/// Schnorr proof of knowledge of `e` with `E = e·B`: `T = t·B`, `c = H(B, X, E, T, ctx, ct)`,
/// `s = t + c·e`; posted as `c ‖ s`.
fn prove_ephemeral(
    e: &Scalar,
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
    context: &[u8],
    ciphertext: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> [u8; 64] {
    let t = Zeroizing::new(hedged_nonce(b"ephemeral", e, &[recipient, ephemeral], rng));
    let commitment = RistrettoPoint::mul_base(&t).compress().to_bytes();
    let c = pok_challenge(recipient, ephemeral, &commitment, context, ciphertext);
    let s = *t + c * e;
    let mut proof = [0u8; 64];
    proof[..32].copy_from_slice(c.as_bytes());
    proof[32..].copy_from_slice(s.as_bytes());
    proof
}

fn verify_ephemeral(recipient: &[u8; 32], context: &[u8], env: &Envelope) -> Result<(), SealError> {
    let e_point = point_from_bytes(&env.ephemeral, "ephemeral")?;
    let mut c_bytes = [0u8; 32];
    let mut s_bytes = [0u8; 32];
    c_bytes.copy_from_slice(&env.proof[..32]);
    s_bytes.copy_from_slice(&env.proof[32..]);
    let c = scalar_from_bytes(&c_bytes, "envelope proof challenge")?;
    let s = scalar_from_bytes(&s_bytes, "envelope proof response")?;
    // T = s·B − c·E.
    let t = RistrettoPoint::vartime_double_scalar_mul_basepoint(&(-c), &e_point, &s);
    let expected = pok_challenge(
        recipient,
        &env.ephemeral,
        &t.compress().to_bytes(),
        context,
        &env.ciphertext,
    );
    if expected != c {
        return Err(SealError::BadEnvelopeProof);
    }
    Ok(())
}

fn dleq_challenge(
    recipient: &[u8; 32],
    ephemeral: &[u8; 32],
    shared: &[u8; 32],
    a1: &[u8; 32],
    a2: &[u8; 32],
) -> Scalar {
    let mut h = blake3::Hasher::new_derive_key(DLEQ_TAG);
    h.update(RISTRETTO_BASEPOINT_COMPRESSED.as_bytes());
    h.update(recipient);
    h.update(ephemeral);
    h.update(shared);
    h.update(a1);
    h.update(a2);
    wide_scalar(&h)
}

/// Serde as lowercase hex strings, for `[u8; N]` and `Vec<u8>`.
mod hex_bytes {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, T: AsRef<[u8]>>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(value))
    }

    pub fn deserialize<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: hex::FromHex,
        T::Error: std::fmt::Display,
    {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        T::from_hex(s.as_bytes()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    const CTX: &[u8] = b"zkyuma/opening/v1|netuid=7|epoch=42|sender=aa|recipient=bb";

    fn seed(n: u8) -> [u8; 32] {
        *blake3::hash(&[n]).as_bytes()
    }

    fn random_point() -> [u8; 32] {
        let mut wide = [0u8; 64];
        OsRng.fill_bytes(&mut wide);
        RistrettoPoint::mul_base(&Scalar::from_bytes_mod_order_wide(&wide))
            .compress()
            .to_bytes()
    }

    /// A malicious sender: a valid ephemeral and proof of knowledge, garbage ciphertext.
    fn garbage_envelope(recipient: &[u8; 32], context: &[u8], len: usize) -> Envelope {
        let mut wide = [0u8; 64];
        OsRng.fill_bytes(&mut wide);
        let e = Scalar::from_bytes_mod_order_wide(&wide);
        let ephemeral = RistrettoPoint::mul_base(&e).compress().to_bytes();
        let mut ciphertext = vec![0u8; len];
        OsRng.fill_bytes(&mut ciphertext);
        let proof = prove_ephemeral(&e, &ephemeral, recipient, context, &ciphertext, &mut OsRng);
        Envelope {
            ephemeral,
            proof,
            ciphertext,
        }
    }

    /// A non-canonical Ristretto encoding: the field element p = 2^255 - 19 (≡ 0) is not reduced.
    fn non_canonical_point() -> [u8; 32] {
        let mut b = [0xffu8; 32];
        b[0] = 0xed;
        b[31] = 0x7f;
        b
    }

    /// The group order l (not a canonical scalar).
    fn non_canonical_scalar() -> [u8; 32] {
        let mut l = [0u8; 32];
        l.copy_from_slice(
            &hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
                .expect("hex"),
        );
        l
    }

    #[test]
    fn key_relation_matches_schnorrkel() {
        for n in 0..8 {
            let s = seed(n);
            let pair = schnorrkel::MiniSecretKey::from_bytes(&s)
                .expect("seed")
                .expand_to_keypair(schnorrkel::ExpansionMode::Ed25519);
            let ours = secret_from_seed(s);
            assert_eq!(ours.public(), pair.public.to_bytes());
            let from_sk = RecipientSecret::from_schnorrkel(&pair.secret).expect("secret");
            assert_eq!(from_sk.public(), pair.public.to_bytes());
            // x·B == X with x = SecretKey::to_bytes()[..32].
            let mut x = [0u8; 32];
            x.copy_from_slice(&pair.secret.to_bytes()[..32]);
            let x = Option::<Scalar>::from(Scalar::from_canonical_bytes(x)).expect("canonical");
            assert_eq!(
                RistrettoPoint::mul_base(&x).compress().to_bytes(),
                pair.public.to_bytes()
            );
            // And a schnorrkel signature by that pair verifies under the key we encrypt to.
            let ctx = schnorrkel::signing_context(b"substrate");
            let sig = pair.sign(ctx.bytes(b"msg"));
            let pk = schnorrkel::PublicKey::from_bytes(&ours.public()).expect("pk");
            assert!(pk.verify(ctx.bytes(b"msg"), &sig).is_ok());
        }
    }

    #[test]
    fn round_trip() {
        let r = secret_from_seed(seed(1));
        let env = seal(&r.public(), CTX, b"hello opening", OsRng).expect("seal");
        assert_eq!(env.ciphertext.len(), 13 + TAG_LEN);
        check_envelope(&r.public(), CTX, &env).expect("check");
        assert_eq!(open(&r, CTX, &env).expect("open"), b"hello opening");
        // Empty payload too.
        let env = seal(&r.public(), CTX, b"", OsRng).expect("seal");
        assert_eq!(open(&r, CTX, &env).expect("open"), b"");
    }

    #[test]
    fn wrong_context_or_secret_fails() {
        let r = secret_from_seed(seed(1));
        let other = secret_from_seed(seed(2));
        let env = seal(&r.public(), CTX, b"payload", OsRng).expect("seal");
        assert_eq!(
            open(&r, b"zkyuma/opening/v1|other", &env),
            Err(SealError::Decrypt)
        );
        assert_eq!(open(&other, CTX, &env), Err(SealError::Decrypt));
        // The public check fails too: the sender's proof binds the context and the recipient.
        assert_eq!(
            check_envelope(&r.public(), b"other", &env),
            Err(SealError::BadEnvelopeProof)
        );
        assert_eq!(
            check_envelope(&other.public(), CTX, &env),
            Err(SealError::BadEnvelopeProof)
        );
        // Tampered ciphertext: does not decrypt.
        let mut bad = env.clone();
        bad.ciphertext[0] ^= 1;
        assert_eq!(open(&r, CTX, &bad), Err(SealError::Decrypt));
    }

    #[test]
    fn disclosure_verifies_and_decrypts() {
        let r = secret_from_seed(seed(3));
        let env = seal(&r.public(), CTX, b"{\"weights\":[1,2,3]}", OsRng).expect("seal");
        let d = disclose(&r, CTX, &env, OsRng).expect("disclose");
        let got = open_disclosed(&r.public(), CTX, &env, &d).expect("valid disclosure");
        assert_eq!(got, Ok(b"{\"weights\":[1,2,3]}".to_vec()));
        // The wrong context for a valid envelope: the envelope is malformed under that context.
        assert!(matches!(
            open_disclosed(&r.public(), b"other", &env, &d),
            Ok(Err(Undecryptable::Malformed(SealError::BadEnvelopeProof)))
        ));
    }

    #[test]
    fn garbage_envelope_is_proven_undecryptable() {
        let r = secret_from_seed(seed(4));
        let env = garbage_envelope(&r.public(), CTX, 100);
        check_envelope(&r.public(), CTX, &env).expect("on its face the envelope is fine");
        assert_eq!(open(&r, CTX, &env), Err(SealError::Decrypt));
        let d = disclose(&r, CTX, &env, OsRng).expect("disclose");
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &d),
            Ok(Err(Undecryptable::Aead))
        );
    }

    #[test]
    fn envelope_bad_on_its_face() {
        let r = secret_from_seed(seed(5));
        let good = seal(&r.public(), CTX, b"x", OsRng).expect("seal");
        let d = disclose(&r, CTX, &good, OsRng).expect("disclose");
        // Copied ephemeral and proof, the sender's own garbage ciphertext: the proof fails, the
        // recipient refuses to disclose (it would otherwise reveal the other message's key).
        let mut copied = garbage_envelope(&r.public(), CTX, 40);
        copied.ephemeral = good.ephemeral;
        copied.proof = good.proof;
        assert_eq!(
            disclose(&r, CTX, &copied, OsRng),
            Err(SealError::BadEnvelopeProof)
        );
        // A blinded copy r·E with no proof of knowledge is refused as well.
        let e = point_from_bytes(&good.ephemeral, "e").expect("point");
        let mut blinded = garbage_envelope(&r.public(), CTX, 40);
        blinded.ephemeral = (e * Scalar::from(7u64)).compress().to_bytes();
        assert_eq!(
            disclose(&r, CTX, &blinded, OsRng),
            Err(SealError::BadEnvelopeProof)
        );
        // Anyone sees the sender's fault without a disclosure.
        assert_eq!(
            open_disclosed(&r.public(), CTX, &copied, &d),
            Ok(Err(Undecryptable::Malformed(SealError::BadEnvelopeProof)))
        );
        let mut short = good.clone();
        short.ciphertext.truncate(TAG_LEN - 1);
        let err = SealError::BadCiphertextLength {
            len: TAG_LEN - 1,
            min: TAG_LEN,
            max: MAX_CIPHERTEXT,
        };
        assert_eq!(open(&r, CTX, &short), Err(err.clone()));
        assert_eq!(disclose(&r, CTX, &short, OsRng), Err(err.clone()));
        assert_eq!(
            open_disclosed(&r.public(), CTX, &short, &d),
            Ok(Err(Undecryptable::Malformed(err)))
        );
        let mut long = good.clone();
        long.ciphertext = vec![0; MAX_CIPHERTEXT + 1];
        assert!(matches!(
            open(&r, CTX, &long),
            Err(SealError::BadCiphertextLength { .. })
        ));
    }

    #[test]
    fn forged_disclosures_are_rejected() {
        let r = secret_from_seed(seed(6));
        let other = secret_from_seed(seed(7));
        let env = seal(&r.public(), CTX, b"payload", OsRng).expect("seal");
        let env2 = seal(&r.public(), CTX, b"payload", OsRng).expect("seal");
        let d = disclose(&r, CTX, &env, OsRng).expect("disclose");
        // A random shared point with the original proof.
        let mut f = d.clone();
        f.shared = random_point();
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::BadDisclosure)
        );
        // A tweaked response.
        let mut f = d.clone();
        let r_scalar = scalar_from_bytes(&d.response, "r").expect("scalar") + Scalar::ONE;
        f.response = r_scalar.to_bytes();
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::BadDisclosure)
        );
        // A tweaked challenge.
        let mut f = d.clone();
        f.challenge =
            (scalar_from_bytes(&d.challenge, "c").expect("scalar") + Scalar::ONE).to_bytes();
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::BadDisclosure)
        );
        // A valid disclosure for another envelope.
        let d2 = disclose(&r, CTX, &env2, OsRng).expect("disclose");
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &d2),
            Err(SealError::BadDisclosure)
        );
        // Another key's valid disclosure (for its own envelope) presented for r's envelope.
        let env_o = seal(&other.public(), CTX, b"payload", OsRng).expect("seal");
        let d_o = disclose(&other, CTX, &env_o, OsRng).expect("disclose");
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &d_o),
            Err(SealError::BadDisclosure)
        );
        // The other key discloses x_o·E for r's envelope with a self-consistent proof under X_o.
        let e_point = point_from_bytes(&env.ephemeral, "e").expect("point");
        let shared = (e_point * other.scalar).compress().to_bytes();
        let k = Scalar::from(12345u64);
        let a1 = RistrettoPoint::mul_base(&k).compress().to_bytes();
        let a2 = (e_point * k).compress().to_bytes();
        let c = dleq_challenge(&other.public(), &env.ephemeral, &shared, &a1, &a2);
        let forged = Disclosure {
            shared,
            challenge: c.to_bytes(),
            response: (k - c * other.scalar).to_bytes(),
        };
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &forged),
            Err(SealError::BadDisclosure)
        );
        // The identity as shared point; a non-canonical one; non-canonical scalars.
        let mut f = d.clone();
        f.shared = [0u8; 32];
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::IdentityPoint { what: "shared" })
        );
        f.shared = non_canonical_point();
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::BadPoint { what: "shared" })
        );
        let mut f = d.clone();
        f.response = non_canonical_scalar();
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::NonCanonicalScalar { what: "response" })
        );
        let mut f = d.clone();
        f.challenge = [0xff; 32];
        assert_eq!(
            open_disclosed(&r.public(), CTX, &env, &f),
            Err(SealError::NonCanonicalScalar { what: "challenge" })
        );
    }

    #[test]
    fn malformed_bytes_are_typed_errors() {
        let r = secret_from_seed(seed(8));
        assert_eq!(
            seal(&[0u8; 32], CTX, b"x", OsRng),
            Err(SealError::IdentityPoint { what: "recipient" })
        );
        assert_eq!(
            seal(&non_canonical_point(), CTX, b"x", OsRng),
            Err(SealError::BadPoint { what: "recipient" })
        );
        // Negative field element (low bit set) is also non-canonical for Ristretto.
        let mut neg = [0u8; 32];
        neg[0] = 1;
        assert_eq!(
            seal(&neg, CTX, b"x", OsRng),
            Err(SealError::BadPoint { what: "recipient" })
        );
        assert_eq!(
            seal(&r.public(), CTX, &vec![0u8; MAX_PAYLOAD + 1], OsRng),
            Err(SealError::PayloadTooLarge {
                len: MAX_PAYLOAD + 1,
                max: MAX_PAYLOAD
            })
        );
        seal(&r.public(), CTX, &vec![0u8; MAX_PAYLOAD], OsRng).expect("max payload");

        let env = seal(&r.public(), CTX, b"x", OsRng).expect("seal");
        let mut bad = env.clone();
        bad.ephemeral = [0u8; 32];
        assert_eq!(
            open(&r, CTX, &bad),
            Err(SealError::IdentityPoint { what: "ephemeral" })
        );
        assert_eq!(
            disclose(&r, CTX, &bad, OsRng),
            Err(SealError::IdentityPoint { what: "ephemeral" })
        );
        bad.ephemeral = non_canonical_point();
        assert_eq!(
            open(&r, CTX, &bad),
            Err(SealError::BadPoint { what: "ephemeral" })
        );
        assert_eq!(
            check_envelope(&r.public(), CTX, &bad),
            Err(SealError::BadPoint { what: "ephemeral" })
        );
        let mut bad = env.clone();
        bad.proof[32..].copy_from_slice(&non_canonical_scalar());
        assert_eq!(
            check_envelope(&r.public(), CTX, &bad),
            Err(SealError::NonCanonicalScalar {
                what: "envelope proof response"
            })
        );
        let mut bad = env.clone();
        bad.proof[0] ^= 1;
        assert_eq!(
            check_envelope(&r.public(), CTX, &bad),
            Err(SealError::BadEnvelopeProof)
        );
        let d = disclose(&r, CTX, &env, OsRng).expect("disclose");
        assert_eq!(
            open_disclosed(&non_canonical_point(), CTX, &env, &d),
            Err(SealError::BadPoint { what: "recipient" })
        );
        assert_eq!(
            RecipientSecret::from_scalar_bytes(&non_canonical_scalar()).map(|s| s.public()),
            Err(SealError::NonCanonicalScalar {
                what: "recipient secret"
            })
        );
        assert_eq!(
            RecipientSecret::from_scalar_bytes(&[0u8; 32]).map(|s| s.public()),
            Err(SealError::ZeroScalar {
                what: "recipient secret"
            })
        );
        // Random bytes everywhere never panic.
        for _ in 0..200 {
            let mut e = Envelope {
                ephemeral: [0; 32],
                proof: [0; 64],
                ciphertext: vec![0; 40],
            };
            OsRng.fill_bytes(&mut e.ephemeral);
            OsRng.fill_bytes(&mut e.proof);
            OsRng.fill_bytes(&mut e.ciphertext);
            let mut d = Disclosure {
                shared: [0; 32],
                challenge: [0; 32],
                response: [0; 32],
            };
            OsRng.fill_bytes(&mut d.shared);
            OsRng.fill_bytes(&mut d.challenge);
            OsRng.fill_bytes(&mut d.response);
            assert!(open(&r, CTX, &e).is_err());
            assert!(disclose(&r, CTX, &e, OsRng).is_err());
            let _ = open_disclosed(&r.public(), CTX, &e, &d);
            let mut k = [0u8; 32];
            OsRng.fill_bytes(&mut k);
            let _ = seal(&k, CTX, b"x", OsRng);
        }
    }

    #[test]
    fn json_round_trip() {
        let r = secret_from_seed(seed(9));
        let env = seal(&r.public(), CTX, b"json", OsRng).expect("seal");
        let d = disclose(&r, CTX, &env, OsRng).expect("disclose");
        let js = serde_json::to_string(&env).expect("json");
        assert!(js.contains(&format!("\"ephemeral\":\"{}\"", hex::encode(env.ephemeral))));
        assert!(js.contains(&format!(
            "\"ciphertext\":\"{}\"",
            hex::encode(&env.ciphertext)
        )));
        assert_eq!(serde_json::from_str::<Envelope>(&js).expect("parse"), env);
        let jd = serde_json::to_string(&d).expect("json");
        assert_eq!(serde_json::from_str::<Disclosure>(&jd).expect("parse"), d);
        // Wrong lengths and bad hex are parse errors, not panics.
        let short = js.replacen(&hex::encode(env.ephemeral), "abcd", 1);
        assert!(serde_json::from_str::<Envelope>(&short).is_err());
        let nonhex = js.replacen(&hex::encode(env.ephemeral), &"zz".repeat(32), 1);
        assert!(serde_json::from_str::<Envelope>(&nonhex).is_err());
    }

    #[test]
    fn random_payload_sizes() {
        let r = secret_from_seed(seed(10));
        let mut sizes = [0u8; 64];
        OsRng.fill_bytes(&mut sizes);
        for (i, s) in sizes.iter().enumerate() {
            // Mostly small sizes, some up to ~64 KiB, plus the edges.
            let len = match i {
                0 => 0,
                1 => 1,
                2 => MAX_PAYLOAD,
                _ if i % 4 == 0 => (*s as usize) << 8,
                _ => *s as usize,
            };
            let mut payload = vec![0u8; len];
            OsRng.fill_bytes(&mut payload);
            let ctx = [CTX, &(i as u64).to_le_bytes()].concat();
            let env = seal(&r.public(), &ctx, &payload, OsRng).expect("seal");
            assert_eq!(env.ciphertext.len(), len + TAG_LEN);
            assert_eq!(open(&r, &ctx, &env).expect("open"), payload);
            let d = disclose(&r, &ctx, &env, OsRng).expect("disclose");
            assert_eq!(open_disclosed(&r.public(), &ctx, &env, &d), Ok(Ok(payload)));
        }
    }
}
