//! Keys: circuit-specific Groth16 setup, and the files that carry its results.
//!
//! `params/<name>/` (committed) holds what a verifier needs and what pins the circuit:
//! * `vk.bin` — the verifying key, compressed;
//! * `circuit.json` — [`CircuitDescription`]: circuit id, shape, constraint / variable /
//!   public-input counts, how the keys were made, and the blake3 of `vk.bin` and of the proving key;
//! * `checksums.b3` — blake3 of `vk.bin` and `circuit.json` in `b3sum` format.
//!
//! The proving key (`pk.bin`, uncompressed for fast loading) is large and lives outside the
//! repository in a keys directory. Loading keys hashes it (blake3, against `circuit.json`), so a
//! corrupted or substituted key is refused before any proof; the prover then streams it from
//! disk, hashing it again as it reads, and releases a proof only if that hash matches too.
//!
//! **Setup is trusted.** [`SetupKind::InsecureDeterministic`] derives the toxic waste from a
//! public seed (anyone can forge proofs); it exists for tests and demos and is labelled so in
//! every description it produces. [`SetupKind::LocalRandom`] draws it from the OS, which is
//! sound only if the party who ran it is trusted; production keys come from a ceremony and are
//! loaded from files.

use crate::groth16::{self, ConstraintRows};
use crate::ProverError;
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How the setup randomness was obtained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SetupKind {
    /// INSECURE: toxic waste derived from a public seed. Tests and demos only.
    InsecureDeterministic {
        /// The seed (hex).
        seed: String,
    },
    /// Toxic waste from the OS, known (and discarded) by whoever ran the setup.
    LocalRandom,
    /// A phase-2 ceremony on a universal phase 1 (`zkyuma ceremony`): secure if any one
    /// contributor (to the phase 1 or the phase 2) kept its secret.
    Ceremony {
        /// blake3 of the phase-1 (`.ptau`) file.
        ptau_blake3: String,
        /// The transcript hash after the last contribution.
        transcript_hash: String,
        /// How many phase-2 contributions.
        contributions: usize,
    },
}

impl SetupKind {
    /// The ceremony's transcript hash, for keys from a ceremony.
    pub fn transcript_hash(&self) -> Option<&str> {
        match self {
            Self::Ceremony {
                transcript_hash, ..
            } => Some(transcript_hash),
            _ => None,
        }
    }
}

/// What `circuit.json` records about a circuit and its keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CircuitDescription {
    /// Circuit id (hashed into every statement).
    pub circuit_id: String,
    /// Number of R1CS constraints.
    pub constraints: usize,
    /// Number of witness variables.
    pub witness_variables: usize,
    /// Number of public inputs (the constant 1 excluded).
    pub public_inputs: usize,
    /// How the setup randomness was made.
    pub setup: SetupKind,
    /// blake3 of `vk.bin`.
    pub vk_blake3: String,
    /// blake3 of the proving key file.
    pub pk_blake3: String,
    /// Size of the proving key file in bytes.
    pub pk_bytes: u64,
    /// blake3 of the constraint rows file (`rows.bin`, beside the proving key), when the setup
    /// kept them (see [`crate::groth16`]); without it the prover derives them from the circuit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_blake3: Option<String>,
    /// Size of the constraint rows file in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_bytes: Option<u64>,
    /// Seconds the setup took.
    pub setup_seconds: f64,
}

/// Count constraints, witness variables and public inputs of a circuit.
pub fn describe<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> Result<(usize, usize, usize), ProverError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    circuit
        .generate_constraints(cs.clone())
        .map_err(|e| ProverError::Synthesis {
            what: e.to_string(),
        })?;
    cs.finalize();
    Ok((
        cs.num_constraints(),
        cs.num_witness_variables(),
        cs.num_instance_variables() - 1,
    ))
}

/// Where a circuit's proving key is.
pub enum ProvingKeySource {
    /// In memory, fresh from a setup.
    Memory(Box<ProvingKey<Bn254>>),
    /// A `pk.bin` file whose blake3 is `circuit.json`'s `pk_blake3`: the prover reads it one chunk
    /// of points at a time ([`groth16::prove_from_file`]), hashing it as it goes and checking the
    /// hash at the end, so the key is never resident.
    File(PathBuf),
}

/// Groth16 keys of one circuit.
pub struct Keys {
    /// Verifying key.
    pub vk: VerifyingKey<Bn254>,
    /// Proving key.
    pub pk: ProvingKeySource,
    /// The circuit's `A` and `B` constraint rows, kept by the setup (proving without them derives
    /// them from the circuit).
    pub rows: Option<ConstraintRows>,
    /// Description.
    pub description: CircuitDescription,
}

impl Keys {
    /// The verifying key.
    pub fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.vk
    }

    /// The keys' proof system (Groth16: these keys come from a Groth16 setup).
    pub fn proof_system(&self) -> zkyuma_circuits::statement::ProofSystem {
        zkyuma_circuits::statement::ProofSystem::Groth16
    }

    /// The compressed verifying key (`vk.bin`).
    pub fn vk_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.vk.serialize_compressed(&mut out);
        out
    }

    /// blake3 of the compressed verifying key: the `vk_hash` of statements.
    pub fn vk_hash(&self) -> [u8; 32] {
        *blake3::hash(&self.vk_bytes()).as_bytes()
    }
}

/// Prove `circuit` with the keys on all cores (fresh OS randomness) and return the 128-byte
/// compressed proof. A proving key on disk is streamed, never loaded whole.
pub fn prove_compressed<C: ConstraintSynthesizer<Fr> + Clone>(
    keys: &Keys,
    circuit: C,
) -> Result<Vec<u8>, ProverError> {
    let mut rng = ChaCha20Rng::from_entropy();
    let rows = keys.rows.as_ref();
    let proof = match &keys.pk {
        ProvingKeySource::Memory(pk) => groth16::prove(pk, rows, circuit, &mut rng)?,
        ProvingKeySource::File(path) => {
            let r = Fr::rand(&mut rng);
            let s = Fr::rand(&mut rng);
            let key = groth16::KeyFile {
                path,
                blake3: &keys.description.pk_blake3,
                bytes: keys.description.pk_bytes,
                vk: &keys.vk,
            };
            groth16::prove_from_file(key, rows, circuit, r, s)?
        }
    };
    let mut bytes = Vec::new();
    proof
        .serialize_compressed(&mut bytes)
        .map_err(|source| ProverError::Serialization {
            what: "the proof",
            source,
        })?;
    Ok(bytes)
}

/// Run the circuit-specific setup ([`groth16::generate`]: arkworks' Groth16 generator, the
/// same key from the same randomness, in a fraction of its memory).
pub fn setup<C: ConstraintSynthesizer<Fr>>(
    circuit_id: &str,
    circuit: C,
    kind: SetupKind,
) -> Result<Keys, ProverError> {
    let mut rng = match &kind {
        SetupKind::InsecureDeterministic { seed } => {
            ChaCha20Rng::from_seed(*blake3::hash(seed.as_bytes()).as_bytes())
        }
        SetupKind::LocalRandom => ChaCha20Rng::from_entropy(),
        SetupKind::Ceremony { .. } => {
            return Err(ProverError::Malformed {
                path: circuit_id.to_string(),
                message: "ceremony keys come from `ceremony::run::CeremonyDir`, not a setup".into(),
            })
        }
    };
    let start = std::time::Instant::now();
    let (pk, rows) = groth16::generate(circuit, &mut rng)?;
    let setup_seconds = start.elapsed().as_secs_f64();
    let (pk_blake3, pk_bytes) = checksum(&pk)?;
    let (rows_blake3, rows_bytes) = checksum(&rows)?;
    let mut keys = Keys {
        vk: pk.vk.clone(),
        pk: ProvingKeySource::Memory(Box::new(pk)),
        description: CircuitDescription {
            circuit_id: circuit_id.to_string(),
            constraints: rows.constraints(),
            witness_variables: rows.witness_variables,
            public_inputs: rows.instance_variables - 1,
            setup: kind,
            vk_blake3: String::new(),
            pk_blake3,
            pk_bytes,
            rows_blake3: Some(rows_blake3),
            rows_bytes: Some(rows_bytes),
            setup_seconds,
        },
        rows: Some(rows),
    };
    keys.description.vk_blake3 = blake3::hash(&keys.vk_bytes()).to_hex().to_string();
    Ok(keys)
}

/// blake3 (hex) and size of the uncompressed serialization of `x` (a proving key, constraint
/// rows), computed while serializing it (the value is never held twice in memory).
pub fn checksum(x: &impl CanonicalSerialize) -> Result<(String, u64), ProverError> {
    let mut hasher = blake3::Hasher::new();
    x.serialize_uncompressed(&mut hasher)
        .map_err(|source| ProverError::Serialization {
            what: "a value to checksum",
            source,
        })?;
    Ok((
        hasher.finalize().to_hex().to_string(),
        x.uncompressed_size() as u64,
    ))
}

/// Write the uncompressed serialization of `x` to `path` atomically, streaming.
fn write_serialized_atomic(path: &Path, x: &impl CanonicalSerialize) -> Result<(), ProverError> {
    write_atomic_with(path, |w| {
        x.serialize_uncompressed(w)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
}

/// Open `path`, let `read` take what it wants from the front, hash the whole file (blake3) and
/// require the hash to be `expected`: the checksum decides before anything `read` made is used.
fn with_checked_file<R>(
    path: &Path,
    expected: &str,
    read: impl FnOnce(&mut dyn std::io::Read) -> R,
) -> Result<R, ProverError> {
    let mut file = groth16::CheckedFile::open(path, expected)?;
    let made = read(&mut file);
    file.conclude()?;
    Ok(made)
}

/// Read the value `T` at the head of `path` (uncompressed, no curve checks) from a file whose
/// blake3 must be `expected`.
fn read_checked<T: CanonicalDeserialize>(path: &Path, expected: &str) -> Result<T, ProverError> {
    with_checked_file(path, expected, |r| {
        T::deserialize_with_mode(r, Compress::No, Validate::No)
    })?
    .map_err(|e| ProverError::Malformed {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Require `path`'s blake3 to be `expected` and the file to begin with `head`.
fn check_file(path: &Path, expected: &str, head: &[u8]) -> Result<(), ProverError> {
    let start = with_checked_file(path, expected, |r| {
        let mut start = vec![0u8; head.len()];
        r.read_exact(&mut start).map(|()| start)
    })?;
    if start.ok().as_deref() != Some(head) {
        return Err(ProverError::VkMismatch {
            path: path.display().to_string(),
        });
    }
    Ok(())
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, flushed and
/// synced, then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProverError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] with the contents streamed by `fill` into a buffered writer.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ProverError> {
    let io = |source| ProverError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

fn read(path: &Path) -> Result<Vec<u8>, ProverError> {
    std::fs::read(path).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Where a circuit's files live.
#[derive(Clone, Debug)]
pub struct KeyPaths {
    /// `params/<name>/`.
    pub params_dir: PathBuf,
    /// The proving key file.
    pub pk_path: PathBuf,
}

impl KeyPaths {
    /// `<params>/<name>/` and `<keys>/<name>/pk.bin`.
    pub fn new(params_root: &Path, keys_root: &Path, name: &str) -> Self {
        Self {
            params_dir: params_root.join(name),
            pk_path: keys_root.join(name).join("pk.bin"),
        }
    }

    /// `rows.bin`: the constraint rows, beside the proving key.
    pub fn rows_path(&self) -> PathBuf {
        self.pk_path.with_file_name("rows.bin")
    }

    /// Write the proving key and, when the setup kept them, the constraint rows.
    fn write_private(&self, keys: &Keys) -> Result<(), ProverError> {
        match &keys.pk {
            ProvingKeySource::Memory(pk) => write_serialized_atomic(&self.pk_path, pk.as_ref())?,
            ProvingKeySource::File(from) if *from != self.pk_path => {
                let mut file = std::fs::File::open(from).map_err(|source| ProverError::Io {
                    path: from.display().to_string(),
                    source,
                })?;
                write_atomic_with(&self.pk_path, |w| std::io::copy(&mut file, w).map(|_| ()))?
            }
            ProvingKeySource::File(_) => {}
        }
        if let Some(rows) = &keys.rows {
            write_serialized_atomic(&self.rows_path(), rows)?;
        }
        Ok(())
    }

    /// `vk.bin`.
    pub fn vk_path(&self) -> PathBuf {
        self.params_dir.join("vk.bin")
    }

    /// `circuit.json`.
    pub fn description_path(&self) -> PathBuf {
        self.params_dir.join("circuit.json")
    }

    /// `transcript.json`: a ceremony's transcript (only for keys from a ceremony).
    pub fn transcript_path(&self) -> PathBuf {
        self.params_dir.join("transcript.json")
    }

    /// Write the keys: `vk.bin`, `circuit.json`, `checksums.b3` and the proving key.
    pub fn save(&self, keys: &Keys) -> Result<(), ProverError> {
        self.save_with_transcript(keys, None)
    }

    /// Write the keys as [`KeyPaths::save`] does and, for keys from a ceremony, its transcript
    /// (`transcript.json`, listed in `checksums.b3` with the rest). The transcript is written
    /// first and `checksums.b3` last, so a crash leaves the old files listed or the new ones.
    pub fn save_with_transcript(
        &self,
        keys: &Keys,
        transcript: Option<&[u8]>,
    ) -> Result<(), ProverError> {
        if let Some(t) = transcript {
            write_atomic(&self.transcript_path(), t)?;
        } else if self.transcript_path().exists() {
            // Keys from another setup: a stale transcript must not be taken for theirs.
            std::fs::remove_file(self.transcript_path()).map_err(|source| ProverError::Io {
                path: self.transcript_path().display().to_string(),
                source,
            })?;
        }
        let vk = keys.vk_bytes();
        let description =
            serde_json::to_vec_pretty(&keys.description).map_err(|e| ProverError::Malformed {
                path: self.description_path().display().to_string(),
                message: e.to_string(),
            })?;
        self.write_private(keys)?;
        write_atomic(&self.vk_path(), &vk)?;
        write_atomic(&self.description_path(), &description)?;
        let mut sums = format!(
            "{}  vk.bin\n{}  circuit.json\n",
            blake3::hash(&vk).to_hex(),
            blake3::hash(&description).to_hex()
        );
        if let Some(t) = transcript {
            sums.push_str(&format!("{}  transcript.json\n", blake3::hash(t).to_hex()));
        }
        write_atomic(&self.params_dir.join("checksums.b3"), sums.as_bytes())
    }

    /// Keep freshly generated keys: when `params/<name>/` already pins exactly these keys (same
    /// verifying and proving key checksums, as a deterministic setup reproduces), write only the
    /// proving key and leave the pinned files untouched; when nothing is pinned yet, write
    /// everything; when the pinned keys differ, refuse (the pinned files are never replaced).
    pub fn cache(&self, keys: &Keys) -> Result<(), ProverError> {
        match self.load_description() {
            Ok(pinned)
                if pinned.vk_blake3 != keys.description.vk_blake3
                    || pinned.pk_blake3 != keys.description.pk_blake3 =>
            {
                Err(ProverError::Checksum {
                    path: self.params_dir.display().to_string(),
                    expected: pinned.vk_blake3,
                    got: keys.description.vk_blake3.clone(),
                })
            }
            Ok(_) => self.write_private(keys),
            Err(ProverError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                self.save(keys)
            }
            Err(e) => Err(e),
        }
    }

    /// Read and check `circuit.json` against `checksums.b3`.
    pub fn load_description(&self) -> Result<CircuitDescription, ProverError> {
        let path = self.description_path();
        let bytes = read(&path)?;
        self.check_listed(&bytes, "circuit.json")?;
        serde_json::from_slice(&bytes).map_err(|e| ProverError::Malformed {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    pub(crate) fn check_listed(&self, bytes: &[u8], name: &str) -> Result<(), ProverError> {
        let sums_path = self.params_dir.join("checksums.b3");
        let sums = String::from_utf8_lossy(&read(&sums_path)?).to_string();
        let expected = sums
            .lines()
            .find_map(|l| l.strip_suffix(&format!("  {name}")))
            .ok_or_else(|| ProverError::Malformed {
                path: sums_path.display().to_string(),
                message: format!("no checksum for {name}"),
            })?
            .to_string();
        let got = blake3::hash(bytes).to_hex().to_string();
        if got != expected {
            return Err(ProverError::Checksum {
                path: self.params_dir.join(name).display().to_string(),
                expected,
                got,
            });
        }
        Ok(())
    }

    /// Read `transcript.json` (a ceremony's transcript), checked against `checksums.b3`.
    pub fn load_transcript_bytes(&self) -> Result<Vec<u8>, ProverError> {
        let bytes = read(&self.transcript_path())?;
        self.check_listed(&bytes, "transcript.json")?;
        Ok(bytes)
    }

    /// Read `vk.bin`, checked against `checksums.b3`.
    pub fn load_vk_bytes(&self) -> Result<Vec<u8>, ProverError> {
        let bytes = read(&self.vk_path())?;
        self.check_listed(&bytes, "vk.bin")?;
        Ok(bytes)
    }

    /// Load the keys: the description, `vk.bin` (checked by `checksums.b3` and `circuit.json`),
    /// the proving key's checksum (the key itself stays on disk) and the constraint rows.
    pub fn load(&self, circuit_id: &str) -> Result<Keys, ProverError> {
        let description = self.load_description()?;
        if description.circuit_id != circuit_id {
            return Err(ProverError::WrongCircuit {
                expected: circuit_id.to_string(),
                found: description.circuit_id,
            });
        }
        let vk_path = self.vk_path();
        let vk_bytes = self.load_vk_bytes()?;
        if blake3::hash(&vk_bytes).to_hex().to_string() != description.vk_blake3 {
            return Err(ProverError::Malformed {
                path: vk_path.display().to_string(),
                message: "vk.bin is not the verifying key circuit.json records".into(),
            });
        }
        let vk = VerifyingKey::<Bn254>::deserialize_compressed(&vk_bytes[..]).map_err(|e| {
            ProverError::Malformed {
                path: vk_path.display().to_string(),
                message: e.to_string(),
            }
        })?;
        // The proving key stays on disk (the prover streams it); here it is hashed once, so a
        // corrupted or substituted key is refused now rather than after a long proof, and the
        // verifying key at its head must be vk.bin's.
        let mut head = Vec::new();
        vk.serialize_uncompressed(&mut head)
            .map_err(|source| ProverError::Serialization {
                what: "the verifying key",
                source,
            })?;
        check_file(&self.pk_path, &description.pk_blake3, &head)?;
        let rows = match &description.rows_blake3 {
            Some(expected) => {
                let path = self.rows_path();
                let rows: ConstraintRows = read_checked(&path, expected)?;
                rows.check().map_err(|message| ProverError::Malformed {
                    path: path.display().to_string(),
                    message,
                })?;
                for (what, expected, got) in [
                    ("constraints", description.constraints, rows.constraints()),
                    (
                        "witness variables",
                        description.witness_variables,
                        rows.witness_variables,
                    ),
                    (
                        "instance variables",
                        description.public_inputs + 1,
                        rows.instance_variables,
                    ),
                ] {
                    if got != expected {
                        return Err(ProverError::CountMismatch {
                            path: path.display().to_string(),
                            what,
                            expected: expected as u64,
                            got: got as u64,
                        });
                    }
                }
                Some(rows)
            }
            None => None,
        };
        Ok(Keys {
            vk,
            pk: ProvingKeySource::File(self.pk_path.clone()),
            rows,
            description,
        })
    }
}
