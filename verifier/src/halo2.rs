//! halo2 verification over BN254 (feature `halo2`, std only): the IPA backend (transparent: no
//! setup at all) and the KZG backend (one universal setup, SHPLONK openings).
//!
//! # Key encoding
//! A halo2 verifying key here is the bytes
//!
//! | field | bytes |
//! |---|---|
//! | magic `zkyuma-halo2-vk/1` | 17 |
//! | proof system (`1` IPA, `2` KZG) | 1 |
//! | range-table limb bits | 1 |
//! | `k` (rows `2^k`), little-endian | 4 |
//! | KZG only: `G1` generator, `G2` generator, `[τ]G2` (halo2curves raw) | 64 + 128 + 128 |
//! | halo2's verifying key (`SerdeFormat::RawBytes`) | rest |
//!
//! halo2's own key holds the commitments to the fixed columns and the permutation; the gates
//! are not in it but re-derived from [`zkyuma_circuits::halo2::ChipLayout`] — every zkyuma halo2
//! circuit is laid out on the same gates, so one reader serves the score and the epoch keys.
//! That is the one piece of constraint *configuration* this crate links (no witness or proving
//! code). A key decodes only from its canonical bytes (decode, re-encode, compare), so one key
//! has one hash.
//!
//! The KZG verifier needs only the three points above from the setup, so the key carries them.
//! The IPA verifier needs all `2^k` generators, which are public (hash to curve) and derived
//! once per `k` in this process.

use crate::error::VerifyError;
use alloc::sync::Arc;
use alloc::vec::Vec;
use halo2_axiom::halo2curves::bn256::{Bn256, G1Affine, G2Affine};
use halo2_axiom::plonk::{verify_proof, VerifyingKey};
use halo2_axiom::poly::commitment::ParamsProver;
use halo2_axiom::poly::ipa::commitment::{IPACommitmentScheme, ParamsIPA};
use halo2_axiom::poly::ipa::multiopen::VerifierIPA;
use halo2_axiom::poly::ipa::strategy::SingleStrategy as IpaSingle;
use halo2_axiom::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_axiom::poly::kzg::multiopen::VerifierSHPLONK;
use halo2_axiom::poly::kzg::strategy::SingleStrategy as KzgSingle;
use halo2_axiom::poly::VerificationStrategy;
use halo2_axiom::transcript::{Blake2bRead, Challenge255, TranscriptReadBuffer};
use halo2_axiom::SerdeFormat;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use zkyuma_circuits::halo2::{to_fp, ChipLayout, Fp};
use zkyuma_circuits::statement::ProofSystem;

/// The key encoding's magic prefix.
pub const KEY_MAGIC: &[u8; 17] = b"zkyuma-halo2-vk/1";
/// The largest `k` an IPA key may name (`2^k` rows). IPA verification derives `2^k` generators
/// and runs an MSM over them, so a key read from a stranger's bundle must not make an auditor do
/// unbounded work; `2^20` rows is eight times the score circuit at the network shape.
pub const MAX_K: u32 = 20;
/// The largest `k` a KZG key may name. A KZG verifier's work does not grow with the rows (two
/// pairings, and the domain's few constants), so the bound is only the largest circuit a
/// powers-of-tau file serves here (the epoch at 64 × 256 with liquid alpha is `2^24` rows).
pub const MAX_K_KZG: u32 = 24;
/// The largest halo2 proof accepted (bytes).
pub const MAX_PROOF_BYTES: usize = 1 << 20;

/// Which commitment scheme a halo2 key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Inner-product argument: transparent.
    Ipa,
    /// KZG: one universal setup.
    Kzg,
}

impl Scheme {
    /// The scheme's proof system.
    pub fn system(self) -> ProofSystem {
        match self {
            Self::Ipa => ProofSystem::Halo2Ipa,
            Self::Kzg => ProofSystem::Halo2Kzg,
        }
    }

    /// The scheme of a halo2 proof system.
    pub fn of(system: ProofSystem) -> Option<Self> {
        match system {
            ProofSystem::Halo2Ipa => Some(Self::Ipa),
            ProofSystem::Halo2Kzg => Some(Self::Kzg),
            ProofSystem::Groth16 => None,
        }
    }

    fn tag(self) -> u8 {
        match self {
            Self::Ipa => 1,
            Self::Kzg => 2,
        }
    }
}

/// The three setup points a KZG verifier uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KzgPoints {
    /// `G1` generator.
    pub g1: G1Affine,
    /// `G2` generator.
    pub g2: G2Affine,
    /// `[τ]G2`.
    pub s_g2: G2Affine,
}

/// A decoded halo2 verifying key.
#[derive(Clone, Debug)]
pub struct Halo2Key {
    scheme: Scheme,
    limb_bits: u8,
    k: u32,
    public_inputs: usize,
    vk: Arc<VerifyingKey<G1Affine>>,
    kzg: Option<KzgPoints>,
    bytes: Arc<Vec<u8>>,
    hash: [u8; 32],
}

fn encoding(what: &'static str) -> VerifyError {
    VerifyError::Encoding { what }
}

fn read_point<T: halo2_axiom::SerdeCurveAffine>(
    bytes: &mut &[u8],
    what: &'static str,
) -> Result<T, VerifyError> {
    T::read(bytes, SerdeFormat::RawBytes).map_err(|_| encoding(what))
}

impl Halo2Key {
    /// Encode a key made by the prover.
    pub fn encode(
        scheme: Scheme,
        limb_bits: u8,
        vk: &VerifyingKey<G1Affine>,
        kzg: Option<&KzgPoints>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(KEY_MAGIC);
        out.push(scheme.tag());
        out.push(limb_bits);
        out.extend_from_slice(&vk.get_domain().k().to_le_bytes());
        if let Some(points) = kzg {
            use halo2_axiom::SerdeCurveAffine;
            // Writing to a vector does not fail.
            let _ = points.g1.write(&mut out, SerdeFormat::RawBytes);
            let _ = points.g2.write(&mut out, SerdeFormat::RawBytes);
            let _ = points.s_g2.write(&mut out, SerdeFormat::RawBytes);
        }
        out.extend_from_slice(&vk.to_bytes(SerdeFormat::RawBytes));
        out
    }

    /// Decode a key of `system` for a circuit with `public_inputs` public inputs: the canonical
    /// encoding only.
    pub fn from_bytes(
        system: ProofSystem,
        bytes: &[u8],
        public_inputs: usize,
    ) -> Result<Self, VerifyError> {
        let scheme = Scheme::of(system).ok_or(encoding("halo2 key: not a halo2 proof system"))?;
        let header = KEY_MAGIC.len() + 6;
        if bytes.len() < header || &bytes[..KEY_MAGIC.len()] != KEY_MAGIC {
            return Err(encoding("halo2 key header"));
        }
        let mut rest = &bytes[KEY_MAGIC.len()..];
        if rest[0] != scheme.tag() {
            return Err(VerifyError::SystemMismatch {
                expected: system,
                got: if rest[0] == Scheme::Ipa.tag() {
                    ProofSystem::Halo2Ipa
                } else if rest[0] == Scheme::Kzg.tag() {
                    ProofSystem::Halo2Kzg
                } else {
                    return Err(encoding("halo2 key: proof system tag"));
                },
            });
        }
        let limb_bits = rest[1];
        if !(1..=24).contains(&limb_bits) {
            return Err(encoding("halo2 key: limb bits"));
        }
        let k = u32::from_le_bytes([rest[2], rest[3], rest[4], rest[5]]);
        let max_k = match scheme {
            Scheme::Ipa => MAX_K,
            Scheme::Kzg => MAX_K_KZG,
        };
        if k <= u32::from(limb_bits) || k > max_k {
            return Err(encoding("halo2 key: rows"));
        }
        rest = &rest[6..];
        let kzg = match scheme {
            Scheme::Ipa => None,
            Scheme::Kzg => Some(KzgPoints {
                g1: read_point(&mut rest, "halo2 key: G1 generator")?,
                g2: read_point(&mut rest, "halo2 key: G2 generator")?,
                s_g2: read_point(&mut rest, "halo2 key: [τ]G2")?,
            }),
        };
        let vk = decode_vk(rest, usize::from(limb_bits), k)?;
        if vk.get_domain().k() != k {
            return Err(encoding("halo2 key: rows"));
        }
        if Self::encode(scheme, limb_bits, &vk, kzg.as_ref()) != bytes {
            return Err(encoding("halo2 key: not canonical"));
        }
        Ok(Self {
            scheme,
            limb_bits,
            k,
            public_inputs,
            vk: Arc::new(vk),
            kzg,
            bytes: Arc::new(bytes.to_vec()),
            hash: *blake3::hash(bytes).as_bytes(),
        })
    }

    /// The key's canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.as_ref().clone()
    }

    /// blake3 of the canonical bytes.
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// The proof system.
    pub fn system(&self) -> ProofSystem {
        self.scheme.system()
    }

    /// Rows `2^k`.
    pub fn k(&self) -> u32 {
        self.k
    }

    /// The range table's limb width.
    pub fn limb_bits(&self) -> u8 {
        self.limb_bits
    }

    /// Verify `proof` (halo2 transcript bytes) for `inputs`.
    pub fn verify(&self, inputs: &[ark_bn254::Fr], proof: &[u8]) -> Result<(), VerifyError> {
        if inputs.len() != self.public_inputs {
            return Err(VerifyError::PublicInputs {
                expected: self.public_inputs,
                got: inputs.len(),
            });
        }
        if proof.is_empty() || proof.len() > MAX_PROOF_BYTES {
            return Err(VerifyError::Length {
                what: "halo2 proof",
                expected: MAX_PROOF_BYTES,
                got: proof.len(),
            });
        }
        let column: Vec<Fp> = inputs.iter().map(|x| to_fp(*x)).collect();
        let instances: [&[Fp]; 1] = [&column];
        let mut unread = proof;
        let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&mut unread);
        let ok = match self.scheme {
            Scheme::Ipa => {
                let params = ipa_params(self.k);
                verify_proof::<IPACommitmentScheme<G1Affine>, VerifierIPA<_>, _, _, _>(
                    &params,
                    &self.vk,
                    IpaSingle::new(&params),
                    &[&instances],
                    &mut transcript,
                )
                .is_ok()
            }
            Scheme::Kzg => {
                let points = self.kzg.as_ref().ok_or(encoding("halo2 key: KZG points"))?;
                let params = kzg_verifier_params(self.k, points)?;
                verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<_>, _, _, _>(
                    &params,
                    &self.vk,
                    KzgSingle::new(&params),
                    &[&instances],
                    &mut transcript,
                )
                .is_ok()
            }
        };
        // The whole proof is read: trailing bytes would give one proof many encodings.
        if ok && unread.is_empty() {
            Ok(())
        } else {
            Err(VerifyError::Rejected)
        }
    }
}

/// halo2's key encoding version (its first byte); the row exponent `k` follows, little-endian.
const HALO2_VK_VERSION: u8 = 0x02;

fn decode_vk(
    bytes: &[u8],
    limb_bits: usize,
    k: u32,
) -> Result<VerifyingKey<G1Affine>, VerifyError> {
    // halo2's reader builds the evaluation domain from the `k` it reads before anything checks
    // it, and asserts (or overflows a shift, or allocates `2^k` selector bits) on a large one:
    // its header must name the rows our header bounded.
    match bytes {
        [HALO2_VK_VERSION, a, b, c, d, ..] if u32::from_le_bytes([*a, *b, *c, *d]) == k => {}
        _ => return Err(encoding("halo2 key: rows")),
    }
    // halo2's reader may still panic on other malformed inputs (it unwraps inside); a malformed
    // key is a typed refusal here.
    let read = std::panic::catch_unwind(|| {
        VerifyingKey::<G1Affine>::from_bytes::<ChipLayout>(bytes, SerdeFormat::RawBytes, limb_bits)
    });
    match read {
        Ok(Ok(vk)) => Ok(vk),
        _ => Err(encoding("halo2 key: verifying key")),
    }
}

/// The IPA generators for `2^k` rows (public: hash to curve), derived once per `k`.
pub fn ipa_params(k: u32) -> Arc<ParamsIPA<G1Affine>> {
    static CACHE: OnceLock<Mutex<HashMap<u32, Arc<ParamsIPA<G1Affine>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(p) = cache.lock().ok().and_then(|c| c.get(&k).cloned()) {
        return p;
    }
    let params = Arc::new(ParamsIPA::<G1Affine>::new(k));
    if let Ok(mut c) = cache.lock() {
        c.insert(k, params.clone());
    }
    params
}

/// KZG verifier parameters from the key's three setup points: the SHPLONK verifier reads only
/// the `G1` generator, the two `G2` points and `n = 2^k` (it takes the instance values directly,
/// without committing to them).
fn kzg_verifier_params(k: u32, points: &KzgPoints) -> Result<ParamsKZG<Bn256>, VerifyError> {
    kzg_params_from_parts(
        k,
        vec![points.g1],
        Some(vec![points.g1]),
        points.g2,
        points.s_g2,
    )
    .map_err(|_| encoding("halo2 key: KZG points"))
}

/// KZG parameters for `2^k` rows from their parts: the `G1` series `g` (and its Lagrange basis,
/// computed here when `None`), `G2` and `τ·G2`. halo2-axiom builds parameters only from a full
/// series or a reader (`from_parts` is a method of an existing one), so a one-row series read
/// back stands in first. The prover (from a `.ptau`) and the verifier (from a key) both use it.
pub fn kzg_params_from_parts(
    k: u32,
    g: Vec<G1Affine>,
    g_lagrange: Option<Vec<G1Affine>>,
    g2: G2Affine,
    s_g2: G2Affine,
) -> std::io::Result<ParamsKZG<Bn256>> {
    use halo2_axiom::SerdeCurveAffine;
    let first = *g
        .first()
        .ok_or_else(|| std::io::Error::other("an empty G1 series"))?;
    let mut bytes = 0u32.to_le_bytes().to_vec();
    first.write(&mut bytes, SerdeFormat::RawBytes)?;
    first.write(&mut bytes, SerdeFormat::RawBytes)?;
    g2.write(&mut bytes, SerdeFormat::RawBytes)?;
    s_g2.write(&mut bytes, SerdeFormat::RawBytes)?;
    let one_row = ParamsKZG::<Bn256>::read_custom(&mut bytes.as_slice(), SerdeFormat::RawBytes)?;
    Ok(one_row.from_parts(k, g, g_lagrange, g2, s_g2))
}
