//! What a role process reads from its configuration file (JSON; one file per role, documented in
//! the README under "Running a role on its own machine"): keys, data and models.

use crate::demo::patients;
use crate::net::hotkey::Hotkey;
use crate::roles::miner::Model;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkyuma_circuits::score::Record;

/// Why a role's configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid configuration; `field` names where.
    #[error("{path}: field `{field}`: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A value that parses but cannot be used.
    #[error("{0}")]
    Unusable(String),
}

/// Read a role's configuration file.
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| ConfigError::Invalid {
        path: path.display().to_string(),
        field: e.path().to_string(),
        message: e.inner().to_string(),
    })
}

/// A role's own signing hotkey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HotkeySpec {
    /// A file holding the 32-byte secret seed as 64 hex digits.
    SeedFile(PathBuf),
    /// INSECURE: a key derived from a public name ([`Hotkey::demo`]); local runs and tests.
    Demo(String),
}

impl HotkeySpec {
    /// The hotkey.
    pub fn load(&self) -> Result<Hotkey, ConfigError> {
        match self {
            Self::Demo(name) => Ok(Hotkey::demo(name)),
            Self::SeedFile(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
                let seed = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        ConfigError::Unusable(format!(
                            "{}: expected a 32-byte seed as 64 hex digits",
                            path.display()
                        ))
                    })?;
                Ok(Hotkey::from_seed(seed))
            }
        }
    }
}

/// A neuron's public hotkey, as the chain registers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicKeySpec {
    /// 32 bytes as 64 hex digits.
    Public(String),
    /// The public half of [`HotkeySpec::Demo`].
    Demo(String),
}

impl PublicKeySpec {
    /// The 32-byte public key.
    pub fn public(&self) -> Result<[u8; 32], ConfigError> {
        match self {
            Self::Demo(name) => Ok(Hotkey::demo(name).public()),
            Self::Public(h) => hex::decode(h)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    ConfigError::Unusable(format!("hotkey {h}: expected 64 hex digits"))
                }),
        }
    }
}

/// The demo's patient data, dealt as `zkyuma demo` deals it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientData {
    /// Hospitals (validators).
    pub hospitals: usize,
    /// Patients per hospital.
    pub per_hospital: usize,
    /// Shuffle seed.
    pub seed: u64,
}

impl PatientData {
    /// Deal the patients.
    pub fn split(&self) -> Result<patients::Split, ConfigError> {
        patients::split(self.hospitals, self.per_hospital, self.seed).map_err(ConfigError::Unusable)
    }
}

/// A validator's private evaluation set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordsSpec {
    /// A JSON file: `[{"features": [..], "label": u16}, ..]`.
    File(PathBuf),
    /// Hospital `hospital`'s share of the demo's patient data.
    Patients {
        /// How the data is dealt.
        data: PatientData,
        /// Which hospital.
        hospital: usize,
    },
}

impl RecordsSpec {
    /// The records.
    pub fn load(&self) -> Result<Vec<Record>, ConfigError> {
        match self {
            Self::File(path) => load(path),
            Self::Patients { data, hospital } => data
                .split()?
                .hospitals
                .get(*hospital)
                .cloned()
                .ok_or_else(|| ConfigError::Unusable(format!("no hospital {hospital}"))),
        }
    }
}

/// A miner's model, trained on the demo's public training data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSpec {
    /// Least squares on the given feature columns.
    Linear {
        /// Feature columns.
        columns: Vec<usize>,
    },
    /// The training mean.
    Mean,
    /// Least squares on every feature, with deterministic noise of this amplitude.
    Noisy {
        /// Noise amplitude (u16 units).
        amplitude: u16,
    },
    /// Exact answers on a leaked hospital's records, the mean elsewhere.
    Leaked {
        /// The hospital whose records leaked.
        hospital: usize,
    },
    /// A random predictor.
    Random,
}

impl ModelSpec {
    /// The model, trained on `data`'s training share.
    pub fn build(&self, data: &PatientData) -> Result<Model, ConfigError> {
        let split = data.split()?;
        let train = &split.training;
        let all: Vec<usize> = (0..10).collect();
        Ok(match self {
            Self::Linear { columns } => {
                patients::linear(train, columns).map_err(ConfigError::Unusable)?
            }
            Self::Mean => patients::mean(train),
            Self::Noisy { amplitude } => patients::noisy(
                patients::linear(train, &all).map_err(ConfigError::Unusable)?,
                *amplitude,
            ),
            Self::Leaked { hospital } => {
                let leak = split
                    .hospitals
                    .get(*hospital)
                    .ok_or_else(|| ConfigError::Unusable(format!("no hospital {hospital}")))?;
                patients::leaked(leak, patients::mean(train))
            }
            Self::Random => patients::random(),
        })
    }
}

/// Where a circuit's keys are: the pinned `params/` directory, the proving-key cache, and the
/// circuit's params name (e.g. `score-mse-a16-12x16-d7-hidden`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysSpec {
    /// The params directory (verifying keys, descriptions).
    pub params: PathBuf,
    /// The proving keys' directory.
    pub keys: PathBuf,
    /// The circuit's params name.
    pub name: String,
}
