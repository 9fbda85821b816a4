//! A phase-2 ceremony on disk (`zkyuma ceremony ...`): one directory holding the transcript
//! (`ceremony.json`: the circuit, the phase 1's blake3 and power, every contribution) and the
//! key after the last contribution (`key-<N>.bin`, `N` contributions in) with the circuit's rows
//! (`rows.bin`). Every file is written atomically and the key before the transcript that names
//! it, so a contributor killed at any point leaves the ceremony at its last complete step.

use super::phase2::{
    circuit_hash, contribute, initial_key, same_ratio, transcript_hash, verify_contributions,
    verify_key, Beacon, Contribution, BEACON_ITERATIONS_EXP,
};
use super::ptau::Ptau;
use super::snarkjs::{beacon_rng, entropy_rng, ChaCha};
use super::zkey::{read_zkey, write_zkey};
use crate::groth16::ConstraintRows;
use crate::keys::{
    checksum, write_atomic, CircuitDescription, KeyPaths, Keys, ProvingKeySource, SetupKind,
};
use crate::ProverError;
use ark_bn254::Bn254;
use ark_ec::AffineRepr;
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use zkyuma_circuits::epoch::EpochShape;
use zkyuma_circuits::score::ScoreShape;
use zkyuma_circuits::scoring::{Scoring, ScoringFunction};

/// The circuit a ceremony is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "circuit")]
pub enum CeremonyCircuit {
    /// A score circuit.
    Score {
        /// Its scoring function.
        scoring: Scoring,
        /// Its shape.
        shape: ScoreShape,
    },
    /// An epoch circuit.
    Epoch {
        /// Its shape.
        shape: EpochShape,
    },
}

impl CeremonyCircuit {
    /// The circuit id statements carry.
    pub fn circuit_id(&self) -> String {
        match self {
            Self::Score { scoring, shape } => {
                zkyuma_circuits::score::circuit_id(&scoring.id(), shape)
            }
            Self::Epoch { shape } => zkyuma_circuits::epoch::circuit_id(shape),
        }
    }

    /// Its `params/` directory name.
    pub fn params_name(&self) -> String {
        match self {
            Self::Score { scoring, shape } => crate::score::params_name(scoring, shape),
            Self::Epoch { shape } => crate::epoch::params_name(shape),
        }
    }

    /// The smallest phase-1 power its ceremony needs: its evaluation domain `2^k` (constraints
    /// and instance variables, rounded up) and, for snarkjs's quotient query, the domain
    /// `2^(k+1)`.
    pub fn phase1_power(&self) -> Result<u32, ProverError> {
        let rows = match self {
            Self::Score { scoring, shape } => {
                shape.validate()?;
                ConstraintRows::with_c(zkyuma_circuits::score::constraints::ScoreCircuit::blank(
                    *scoring, *shape,
                ))?
            }
            Self::Epoch { shape } => ConstraintRows::with_c(
                zkyuma_circuits::epoch::constraints::EpochCircuit::blank(*shape),
            )?,
        };
        let size = ark_poly::EvaluationDomain::size(&crate::groth16::domain(&rows)?);
        Ok(size.trailing_zeros() + 1)
    }

    /// Its key from the phase 1, before any contribution.
    pub fn initial_key(
        &self,
        ptau: &Ptau,
    ) -> Result<(ProvingKey<Bn254>, ConstraintRows), ProverError> {
        match self {
            Self::Score { scoring, shape } => {
                shape.validate()?;
                initial_key(
                    ptau,
                    zkyuma_circuits::score::constraints::ScoreCircuit::blank(*scoring, *shape),
                )
            }
            Self::Epoch { shape } => initial_key(
                ptau,
                zkyuma_circuits::epoch::constraints::EpochCircuit::blank(*shape),
            ),
        }
    }
}

/// The transcript (`ceremony.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// The circuit.
    #[serde(flatten)]
    pub circuit: CeremonyCircuit,
    /// Its circuit id.
    pub circuit_id: String,
    /// blake3 of the phase-1 file the key was derived from.
    pub ptau_blake3: String,
    /// Its power.
    pub ptau_power: u32,
    /// snarkjs's circuit hash of the initial key (hex, 64 bytes): the hash `snarkjs zkey new`
    /// prints for the exported `.r1cs` and the same `.ptau`.
    pub circuit_hash: String,
    /// Every contribution, in order.
    pub contributions: Vec<Contribution>,
}

impl Transcript {
    /// The circuit hash's bytes.
    pub fn circuit_hash_bytes(&self) -> Result<[u8; 64], ProverError> {
        hex::decode(&self.circuit_hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ProverError::Malformed {
                path: "ceremony.json".into(),
                message: "the circuit hash is not 64 bytes of hex".into(),
            })
    }

    /// The transcript hash now: blake2b-512 of the circuit hash and every contribution's public
    /// key (hex).
    pub fn hash(&self) -> Result<String, ProverError> {
        Ok(hex::encode(transcript_hash(
            &self.circuit_hash_bytes()?,
            &self.contributions,
        )?))
    }
}

/// blake3 of a file, streamed.
pub fn file_blake3(path: &Path) -> Result<String, ProverError> {
    let io = |source| ProverError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().to_hex().to_string())
}

/// A ceremony directory.
pub struct CeremonyDir {
    dir: PathBuf,
}

fn malformed(path: &Path, message: impl std::fmt::Display) -> ProverError {
    ProverError::Malformed {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn read_key(path: &Path) -> Result<ProvingKey<Bn254>, ProverError> {
    let bytes = std::fs::read(path).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })?;
    ProvingKey::<Bn254>::deserialize_uncompressed(bytes.as_slice()).map_err(|e| malformed(path, e))
}

fn write_key(path: &Path, pk: &ProvingKey<Bn254>) -> Result<(), ProverError> {
    let mut bytes = Vec::new();
    pk.serialize_uncompressed(&mut bytes)
        .map_err(|source| ProverError::Serialization {
            what: "the ceremony key",
            source,
        })?;
    write_atomic(path, &bytes)
}

/// The random-number generator a contribution's secret comes from: 64 bytes of OS entropy and
/// the contributor's text (the text alone never decides it), as snarkjs's `zkey contribute`.
pub fn contribution_rng(entropy: &[u8]) -> ChaCha {
    let mut os = [0u8; 64];
    OsRng.fill_bytes(&mut os);
    let rng = entropy_rng(&os, entropy);
    os.fill(0);
    rng
}

/// What `verify` found: each contribution's name and hash, in order.
pub type VerifiedTranscript = Vec<(String, String)>;

impl CeremonyDir {
    /// The ceremony in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    fn transcript_path(&self) -> PathBuf {
        self.dir.join("ceremony.json")
    }

    fn key_path(&self, contributions: usize) -> PathBuf {
        self.dir.join(format!("key-{contributions:04}.bin"))
    }

    /// The transcript.
    pub fn transcript(&self) -> Result<Transcript, ProverError> {
        let path = self.transcript_path();
        let bytes = std::fs::read(&path).map_err(|source| ProverError::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| malformed(&path, e))
    }

    fn save(&self, t: &Transcript) -> Result<(), ProverError> {
        let bytes =
            serde_json::to_vec_pretty(t).map_err(|e| malformed(&self.transcript_path(), e))?;
        write_atomic(&self.transcript_path(), &bytes)
    }

    /// Start a ceremony for `circuit` on the phase 1 in `ptau` (checked first): the key with
    /// `δ = 1` and no contribution. Refuses a directory that already holds one.
    pub fn init(
        &self,
        circuit: CeremonyCircuit,
        ptau_path: &Path,
        rng: &mut impl RngCore,
    ) -> Result<Transcript, ProverError> {
        if self.transcript_path().exists() {
            return Err(malformed(
                &self.transcript_path(),
                "a ceremony is already here: contribute to it, or start in another directory",
            ));
        }
        let ptau = Ptau::open(ptau_path)?;
        ptau.verify(rng)?;
        let (pk, rows) = circuit.initial_key(&ptau)?;
        let circuit_id = circuit.circuit_id();
        let domain_size = ark_poly::EvaluationDomain::size(&crate::groth16::domain(&rows)?);
        let t = Transcript {
            circuit_hash: hex::encode(circuit_hash(&pk, &ptau, domain_size)?),
            circuit,
            circuit_id,
            ptau_blake3: file_blake3(ptau_path)?,
            ptau_power: ptau.power,
            contributions: Vec::new(),
        };
        let mut rows_bytes = Vec::new();
        rows.serialize_uncompressed(&mut rows_bytes)
            .map_err(|source| ProverError::Serialization {
                what: "the constraint rows",
                source,
            })?;
        write_atomic(&self.dir.join("rows.bin"), &rows_bytes)?;
        write_key(&self.key_path(0), &pk)?;
        self.save(&t)?;
        Ok(t)
    }

    /// Add a contribution drawn from `rng`; the new key is written before the transcript names
    /// it.
    fn add(
        &self,
        name: &str,
        rng: &mut ChaCha,
        beacon: Option<Beacon>,
    ) -> Result<Contribution, ProverError> {
        let mut t = self.transcript()?;
        let n = t.contributions.len();
        let mut pk = read_key(&self.key_path(n))?;
        let c = contribute(
            &mut pk,
            &t.circuit_hash_bytes()?,
            &t.contributions,
            rng,
            name,
            beacon,
        )?;
        write_key(&self.key_path(n + 1), &pk)?;
        t.contributions.push(c.clone());
        self.save(&t)?;
        let _ = std::fs::remove_file(self.key_path(n));
        Ok(c)
    }

    /// Contribute OS entropy (and the contributor's `entropy` text).
    pub fn contribute(&self, name: &str, entropy: &[u8]) -> Result<Contribution, ProverError> {
        self.add(name, &mut contribution_rng(entropy), None)
    }

    /// The final contribution from a public beacon value (hex, 1 to 255 bytes), SHA-256'd
    /// `2^iterations_exp` times (snarkjs's `zkey beacon`, 10 to 40 here).
    pub fn beacon(
        &self,
        value_hex: &str,
        iterations_exp: u32,
    ) -> Result<Contribution, ProverError> {
        let value = hex::decode(value_hex).map_err(|e| malformed(&self.transcript_path(), e))?;
        if value.is_empty() || value.len() > 255 {
            return Err(malformed(
                &self.transcript_path(),
                "a beacon value is 1 to 255 bytes",
            ));
        }
        if !BEACON_ITERATIONS_EXP.contains(&iterations_exp) {
            return Err(malformed(
                &self.transcript_path(),
                format!(
                    "beacon iterations 2^{iterations_exp}: from 2^{} to 2^{}",
                    BEACON_ITERATIONS_EXP.start(),
                    BEACON_ITERATIONS_EXP.end()
                ),
            ));
        }
        let beacon = Beacon {
            value: value_hex.to_lowercase(),
            iterations_exp,
        };
        self.add(
            "beacon",
            &mut beacon_rng(&value, iterations_exp),
            Some(beacon),
        )
    }

    /// The ceremony's current key as a snarkjs `.zkey` at `path`, its contributions in
    /// section 10: `snarkjs zkey verify` checks it against the `.r1cs` and the `.ptau`, and
    /// `snarkjs zkey contribute` extends it (take the result back with
    /// [`CeremonyDir::import_zkey`]).
    pub fn export_zkey(&self, path: &Path) -> Result<(), ProverError> {
        let t = self.transcript()?;
        let pk = read_key(&self.key_path(t.contributions.len()))?;
        let rows = self.rows()?;
        write_zkey(path, &pk, &rows, &t.circuit_hash_bytes()?, &t.contributions)
    }

    /// Take back a `.zkey` that extends this ceremony (snarkjs's `zkey contribute` or `zkey
    /// beacon` on an exported key): refused before any long computation if it is for another
    /// circuit or another circuit hash, or does not start with this ceremony's contributions;
    /// then the whole transcript and the key are verified against the phase 1 before the new
    /// contributions are recorded. Returns the new contributions.
    pub fn import_zkey(
        &self,
        zkey_path: &Path,
        ptau_path: &Path,
        rng: &mut impl RngCore,
    ) -> Result<Vec<Contribution>, ProverError> {
        let mut t = self.transcript()?;
        let rows = self.rows()?;
        let z = read_zkey(zkey_path)?;
        z.check_circuit(&rows, zkey_path)?;
        if z.circuit_hash != t.circuit_hash_bytes()? {
            return Err(malformed(
                zkey_path,
                "the key's circuit hash is not this ceremony's (another phase 1 or circuit)",
            ));
        }
        let n = t.contributions.len();
        if z.contributions.len() <= n
            || z.contributions[..n]
                .iter()
                .zip(&t.contributions)
                .any(|(a, b)| a.hash != b.hash)
        {
            return Err(malformed(
                zkey_path,
                "the key does not extend this ceremony (its first contributions are not ours, \
                 or it adds none)",
            ));
        }
        // The contributions first (a pairing or two each), then the phase 1 and the key.
        let (_, delta) = verify_contributions(&t.circuit_hash_bytes()?, &z.contributions)?;
        let (_, initial) = self.checked_initial(&t, ptau_path, rng)?;
        verify_key(&initial, &z.pk, delta, rng)?;
        let added = z.contributions[n..].to_vec();
        write_key(&self.key_path(z.contributions.len()), &z.pk)?;
        t.contributions = z.contributions;
        self.save(&t)?;
        let _ = std::fs::remove_file(self.key_path(n));
        Ok(added)
    }

    fn rows(&self) -> Result<ConstraintRows, ProverError> {
        let rows_path = self.dir.join("rows.bin");
        let rows_bytes = std::fs::read(&rows_path).map_err(|source| ProverError::Io {
            path: rows_path.display().to_string(),
            source,
        })?;
        ConstraintRows::deserialize_uncompressed(rows_bytes.as_slice())
            .map_err(|e| malformed(&rows_path, e))
    }

    /// The phase 1 checked (its blake3 the recorded one, its consistency) and the initial key
    /// recomputed from it, its circuit hash the recorded one.
    fn checked_initial(
        &self,
        t: &Transcript,
        ptau_path: &Path,
        rng: &mut impl RngCore,
    ) -> Result<(Ptau, ProvingKey<Bn254>), ProverError> {
        let blake3 = file_blake3(ptau_path)?;
        if blake3 != t.ptau_blake3 {
            return Err(ProverError::Checksum {
                path: ptau_path.display().to_string(),
                expected: t.ptau_blake3.clone(),
                got: blake3,
            });
        }
        if t.circuit_id != t.circuit.circuit_id() {
            return Err(malformed(
                &self.transcript_path(),
                "the circuit id is not the circuit's",
            ));
        }
        let ptau = Ptau::open(ptau_path)?;
        ptau.verify(rng)?;
        let (initial, rows) = t.circuit.initial_key(&ptau)?;
        let domain_size = ark_poly::EvaluationDomain::size(&crate::groth16::domain(&rows)?);
        if circuit_hash(&initial, &ptau, domain_size)? != t.circuit_hash_bytes()? {
            return Err(malformed(
                &self.transcript_path(),
                "the circuit hash is not the recomputed initial key's",
            ));
        }
        Ok((ptau, initial))
    }

    /// Re-check the whole ceremony against the phase 1 in `ptau_path` and the circuit: the
    /// phase 1 itself, its blake3, the initial key recomputed, every contribution and the
    /// current key.
    pub fn verify(
        &self,
        ptau_path: &Path,
        rng: &mut impl RngCore,
    ) -> Result<(Transcript, ProvingKey<Bn254>, VerifiedTranscript), ProverError> {
        let t = self.transcript()?;
        // The contributions first (a pairing or two each): an empty or edited transcript is
        // refused before the phase 1 is read.
        let (hashes, delta) = verify_contributions(&t.circuit_hash_bytes()?, &t.contributions)?;
        let (_, initial) = self.checked_initial(&t, ptau_path, rng)?;
        let key = read_key(&self.key_path(t.contributions.len()))?;
        verify_key(&initial, &key, delta, rng)?;
        let named = t
            .contributions
            .iter()
            .zip(hashes)
            .map(|(c, h)| (c.name.clone(), h))
            .collect();
        Ok((t, key, named))
    }

    /// Verify, then write the keys: `vk.bin`, `circuit.json` (its setup the ceremony, with the
    /// phase 1's blake3 and the transcript hash) and `checksums.b3` under `params`, the proving
    /// key and rows under `keys`.
    pub fn finalize(
        &self,
        ptau_path: &Path,
        params: &Path,
        keys_root: &Path,
        rng: &mut impl RngCore,
    ) -> Result<Keys, ProverError> {
        let (t, pk, _) = self.verify(ptau_path, rng)?;
        let rows = self.rows()?;
        let (pk_blake3, pk_bytes) = checksum(&pk)?;
        let (rows_blake3, rows_len) = checksum(&rows)?;
        let mut keys = Keys {
            vk: pk.vk.clone(),
            pk: ProvingKeySource::Memory(Box::new(pk)),
            description: CircuitDescription {
                circuit_id: t.circuit_id.clone(),
                constraints: rows.constraints(),
                witness_variables: rows.witness_variables,
                public_inputs: rows.instance_variables - 1,
                setup: SetupKind::Ceremony {
                    ptau_blake3: t.ptau_blake3.clone(),
                    transcript_hash: t.hash()?,
                    contributions: t.contributions.len(),
                },
                vk_blake3: String::new(),
                pk_blake3,
                pk_bytes,
                rows_blake3: Some(rows_blake3),
                rows_bytes: Some(rows_len),
                setup_seconds: 0.0,
            },
            rows: Some(rows),
        };
        keys.description.vk_blake3 = blake3::hash(&keys.vk_bytes()).to_hex().to_string();
        let transcript =
            serde_json::to_vec_pretty(&t).map_err(|e| malformed(&self.transcript_path(), e))?;
        KeyPaths::new(params, keys_root, &t.circuit.params_name())
            .save_with_transcript(&keys, Some(&transcript))?;
        Ok(keys)
    }
}

/// Check keys published from a ceremony (`circuit.json` and `vk.bin` in `params/`) against the
/// transcript published beside them, without the phase 1: the description records this
/// transcript (its hash, its number of contributions, its phase 1's blake3 and circuit), every
/// contribution verifies and extends the one before, and the verifying key's `δ` is the last
/// contribution's. What this leaves to `zkyuma ceremony verify` (which needs the `.ptau`): that
/// the key's `α`, `β`, `γ` and its queries come from the phase 1 and the circuit. `vk_bytes`
/// is `vk.bin`'s encoding. Returns the transcript.
pub fn check_published(
    description: &CircuitDescription,
    vk_bytes: &[u8],
    transcript: &[u8],
) -> Result<Transcript, ProverError> {
    let bad = |message: String| ProverError::Malformed {
        path: "transcript.json".into(),
        message,
    };
    let vk = ark_groth16::VerifyingKey::<Bn254>::deserialize_compressed(vk_bytes).map_err(|e| {
        ProverError::Malformed {
            path: "vk.bin".into(),
            message: e.to_string(),
        }
    })?;
    let SetupKind::Ceremony {
        ptau_blake3,
        transcript_hash,
        contributions,
    } = &description.setup
    else {
        return Err(bad(format!(
            "the keys of {} are not from a ceremony",
            description.circuit_id
        )));
    };
    let t: Transcript = serde_json::from_slice(transcript).map_err(|e| bad(e.to_string()))?;
    if t.circuit_id != description.circuit_id || t.circuit.circuit_id() != t.circuit_id {
        return Err(bad(format!(
            "the transcript is for circuit {}, the keys for {}",
            t.circuit_id, description.circuit_id
        )));
    }
    if &t.ptau_blake3 != ptau_blake3 {
        return Err(bad(
            "the transcript's phase 1 is not the one circuit.json records".into(),
        ));
    }
    if t.contributions.len() != *contributions || &t.hash()? != transcript_hash {
        return Err(bad(
            "the transcript is not the one circuit.json records (its hash differs)".into(),
        ));
    }
    let (_, delta) = verify_contributions(&t.circuit_hash_bytes()?, &t.contributions)?;
    if !same_ratio(
        ark_bn254::G1Affine::generator(),
        delta,
        ark_bn254::G2Affine::generator(),
        vk.delta_g2,
    ) {
        return Err(bad(
            "the verifying key's δ is not the transcript's last contribution's".into(),
        ));
    }
    Ok(t)
}
