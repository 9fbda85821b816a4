//! Key files read front to back and hashed as they are read: [`CheckedFile`] (any file with a
//! recorded blake3), [`KeyFile`] (a proving key file and what it must be) and the streaming reader
//! of `pk.bin` that hands the prover its points one chunk at a time.

use super::prover::{key_size, G1Query, KeyPoints, ScalarInt, G1_CHUNK, G2_CHUNK, G2_QUERY};
use crate::ProverError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{AffineRepr, VariableBaseMSM};
use ark_groth16::VerifyingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A file read front to back and hashed (blake3) as it is read; [`CheckedFile::conclude`] hashes
/// whatever is left and compares the hash with the recorded one.
pub(crate) struct CheckedFile {
    reader: std::io::BufReader<std::fs::File>,
    hasher: blake3::Hasher,
    path: PathBuf,
    expected: String,
    len: u64,
}

impl CheckedFile {
    /// Open `path`, whose blake3 must be `expected`.
    pub(crate) fn open(path: &Path, expected: &str) -> Result<Self, ProverError> {
        let io = |source| ProverError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        Ok(Self {
            reader: std::io::BufReader::with_capacity(1 << 20, file),
            hasher: blake3::Hasher::new(),
            path: path.to_path_buf(),
            expected: expected.to_string(),
            len,
        })
    }

    /// Hash the rest of the file and compare: a file that is not the recorded one is reported as
    /// such, whatever else went wrong while reading it.
    pub(crate) fn conclude(&mut self) -> Result<(), ProverError> {
        std::io::copy(self, &mut std::io::sink()).map_err(|source| ProverError::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        let got = self.hasher.finalize().to_hex().to_string();
        if got != self.expected {
            return Err(ProverError::Checksum {
                path: self.path.display().to_string(),
                expected: self.expected.clone(),
                got,
            });
        }
        Ok(())
    }

    /// The file's path, for errors.
    pub(crate) fn path(&self) -> String {
        self.path.display().to_string()
    }

    fn malformed(&self, message: impl std::fmt::Display) -> ProverError {
        ProverError::Malformed {
            path: self.path(),
            message: message.to_string(),
        }
    }
}

impl Read for CheckedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.reader.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A proving key file and what it must be.
#[derive(Clone, Copy, Debug)]
pub struct KeyFile<'a> {
    /// The file: the key's uncompressed serialization, as [`crate::keys`] writes it.
    pub path: &'a Path,
    /// Its blake3 (hex), as `circuit.json` records it.
    pub blake3: &'a str,
    /// Its size in bytes, as `circuit.json` records it.
    pub bytes: u64,
    /// The verifying key the key must hold (`vk.bin`'s).
    pub vk: &'a VerifyingKey<Bn254>,
}

/// A proving key file (`pk.bin`, uncompressed), read front to back one chunk of points at a time
/// and hashed as it is read. Its points are used before the whole file is hashed, but nothing
/// computed from them leaves the prover unless [`KeyPoints::finish`] finds the hash equal to the
/// recorded one.
pub(crate) struct FilePoints {
    file: CheckedFile,
    vk: VerifyingKey<Bn254>,
    buffer: Vec<u8>,
}

impl FilePoints {
    /// Open the key file, refusing one whose size is not the recorded one.
    pub(crate) fn open(key: KeyFile<'_>) -> Result<Self, ProverError> {
        let file = CheckedFile::open(key.path, key.blake3)?;
        // A file of the wrong size is refused before minutes of proving, not after.
        if file.len != key.bytes {
            return Err(ProverError::CountMismatch {
                path: file.path(),
                what: "bytes",
                expected: key.bytes,
                got: file.len,
            });
        }
        Ok(Self {
            file,
            vk: key.vk.clone(),
            buffer: Vec::new(),
        })
    }

    fn malformed(&self, message: impl std::fmt::Display) -> ProverError {
        self.file.malformed(message)
    }

    /// `error`, unless the file is not the recorded key (then that).
    fn fail(&mut self, error: ProverError) -> ProverError {
        match self.file.conclude() {
            Ok(()) => error,
            Err(e) => e,
        }
    }

    fn read_value<T: CanonicalDeserialize>(&mut self) -> Result<T, ProverError> {
        match T::deserialize_with_mode(&mut self.file, Compress::No, Validate::No) {
            Ok(v) => Ok(v),
            Err(e) => {
                let e = self.malformed(e);
                Err(self.fail(e))
            }
        }
    }

    /// The next query (a length, then points) times `scalars`, chunk by chunk.
    fn query<G: VariableBaseMSM<ScalarField = Fr>>(
        &mut self,
        name: &'static str,
        scalars: &[ScalarInt],
        chunk: usize,
    ) -> Result<G, ProverError>
    where
        G::MulBase: CanonicalDeserialize + AffineRepr,
    {
        let len: u64 = self.read_value()?;
        if len != scalars.len() as u64 {
            let e = key_size(name, scalars.len(), len);
            return Err(self.fail(e));
        }
        let point_size = <G::MulBase as AffineRepr>::zero().uncompressed_size();
        let mut acc = G::zero();
        for scalars in scalars.chunks(chunk) {
            self.buffer.resize(scalars.len() * point_size, 0);
            if let Err(e) = self.file.read_exact(&mut self.buffer) {
                let e = self.malformed(format!("the {name} is cut short: {e}"));
                return Err(self.fail(e));
            }
            let points: Result<Vec<G::MulBase>, _> = self
                .buffer
                .par_chunks(point_size)
                .map(|bytes| G::MulBase::deserialize_with_mode(bytes, Compress::No, Validate::No))
                .collect();
            let points = match points {
                Ok(points) => points,
                Err(e) => {
                    let e = self.malformed(e);
                    return Err(self.fail(e));
                }
            };
            acc += G::msm_bigint(&points, scalars);
        }
        Ok(acc)
    }
}

impl KeyPoints for FilePoints {
    fn header(&mut self) -> Result<(VerifyingKey<Bn254>, G1Affine, G1Affine), ProverError> {
        // The verifying key at the head is compared as bytes, not parsed: nothing the file says
        // (a length prefix, say) is trusted before its hash is known.
        let mut expected = Vec::new();
        self.vk
            .serialize_uncompressed(&mut expected)
            .map_err(|source| ProverError::Serialization {
                what: "the verifying key",
                source,
            })?;
        let mut head = vec![0u8; expected.len()];
        if self.file.read_exact(&mut head).is_err() || head != expected {
            let e = ProverError::VkMismatch {
                path: self.file.path(),
            };
            return Err(self.fail(e));
        }
        Ok((self.vk.clone(), self.read_value()?, self.read_value()?))
    }

    /// The queries are read in the order the file stores them, which is the order the prover
    /// asks for them; `query` names the one in errors.
    fn g1(&mut self, query: G1Query, scalars: &[ScalarInt]) -> Result<G1Projective, ProverError> {
        self.query(query.name(), scalars, G1_CHUNK)
    }

    fn g2(&mut self, scalars: &[ScalarInt]) -> Result<G2Projective, ProverError> {
        self.query(G2_QUERY, scalars, G2_CHUNK)
    }

    fn finish(mut self) -> Result<(), ProverError> {
        // Any bytes after the last query are hashed too, so a lengthened file fails the check.
        self.file.conclude()
    }
}
