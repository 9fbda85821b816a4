//! The demo's keys from a phase-2 ceremony, run the way a subnet owner runs one: a phase 1 (a
//! Perpetual Powers of Tau file given with `--ptau`, or else one made on this machine), then per
//! circuit `init`, three contributions from OS entropy, a beacon, `verify` and `finalize` into the
//! demo's `params/` (verifying key, `circuit.json` recording the transcript hash, the transcript
//! itself). The bundles then name the transcript hash and `zkyuma audit --params` checks the keys
//! against it.
//!
//! Every step is saved as it completes (the ceremony directory's own atomic writes), so a demo
//! killed mid-ceremony resumes at the next step; keys already finalized are loaded and their
//! transcript re-checked.

use crate::progress::Spinner;
use std::path::{Path, PathBuf};
use std::time::Instant;
use zkyuma_prover::ceremony::ptau::{write_local, Ptau};
use zkyuma_prover::ceremony::run::{check_published, file_blake3, CeremonyCircuit, CeremonyDir};
use zkyuma_prover::keys::{KeyPaths, Keys};
use zkyuma_prover::ProverError;

/// Contributions before the beacon.
pub const DEMO_CONTRIBUTORS: usize = 3;

/// `log2` of the beacon's hash iterations (snarkjs's smallest).
pub const DEMO_BEACON_ITERATIONS_EXP: u32 = 10;

/// Where the demo's keys come from.
#[derive(Clone, Debug)]
pub enum DemoSetup {
    /// INSECURE: the seeded setup of `params/` (anyone who reads the seed can forge proofs);
    /// for tests and quick runs.
    InsecureSeed,
    /// A phase-2 ceremony per circuit.
    Ceremony {
        /// The phase 1 (a prepared `.ptau`); `None`: one made on this machine.
        ptau: Option<PathBuf>,
        /// Where the ceremonies (and a local phase 1) are kept.
        work: PathBuf,
    },
}

/// The demo's beacon value for a circuit: public and fixed in advance (a real ceremony takes a
/// future drand round's randomness, announced before the last contribution).
pub fn demo_beacon(circuit_id: &str) -> String {
    blake3::hash(format!("zkyuma demo beacon for {circuit_id}").as_bytes())
        .to_hex()
        .to_string()
}

/// The phase 1 for `circuits`: `ptau` when given (checked when each ceremony starts), else
/// `work/phase1-local.ptau`, written once on this machine with the power the largest circuit
/// needs (and written again, larger, when a later circuit needs more).
pub fn phase1(
    circuits: &[&CeremonyCircuit],
    ptau: Option<&Path>,
    work: &Path,
) -> Result<PathBuf, ProverError> {
    if let Some(p) = ptau {
        return Ok(p.to_path_buf());
    }
    let mut power = 0;
    for c in circuits {
        power = power.max(c.phase1_power()?);
    }
    let path = work.join("phase1-local.ptau");
    if let Ok(existing) = Ptau::open(&path) {
        if existing.power >= power && existing.prepared() {
            return Ok(path);
        }
    }
    let spinner = Spinner::start(format!(
        "phase 1: a one-party powers of tau of power {power} on this machine (pass --ptau with a \
         Perpetual Powers of Tau file instead for a public phase 1)"
    ));
    let started = Instant::now();
    std::fs::create_dir_all(work).map_err(|source| ProverError::Io {
        path: work.display().to_string(),
        source,
    })?;
    write_local(&path, power, &mut rand::rngs::OsRng)?;
    spinner.finish(format!(
        "phase 1: power {power} written in {:.1} s (its secrets are dropped; trust this machine)",
        started.elapsed().as_secs_f64()
    ));
    Ok(path)
}

/// The keys of `circuit` from its ceremony: loaded from `params`/`keys` when finalized there
/// before (their transcript re-checked), else the ceremony run (or resumed) under `work` and
/// finalized.
pub fn ceremony_keys(
    circuit: &CeremonyCircuit,
    ptau: &Path,
    params: &Path,
    keys: &Path,
    work: &Path,
) -> Result<Keys, ProverError> {
    let name = circuit.params_name();
    let paths = KeyPaths::new(params, keys, &name);
    if let Ok(loaded) = paths.load(&circuit.circuit_id()) {
        if loaded.description.setup.transcript_hash().is_some() {
            let t = check_published(
                &loaded.description,
                &loaded.vk_bytes(),
                &paths.load_transcript_bytes()?,
            )?;
            eprintln!(
                "keys {name}: from the ceremony with transcript {} ({} contributions), cached",
                t.hash()?,
                t.contributions.len()
            );
            return Ok(loaded);
        }
    }
    let dir = CeremonyDir::new(&work.join(&name));
    let mut rng = rand::rngs::OsRng;
    // A ceremony left by an earlier run on another phase 1 cannot be resumed.
    if let Ok(t) = dir.transcript() {
        if t.ptau_blake3 != file_blake3(ptau)? || t.circuit != *circuit {
            std::fs::remove_dir_all(work.join(&name)).map_err(|source| ProverError::Io {
                path: work.join(&name).display().to_string(),
                source,
            })?;
        }
    }
    let mut t = match dir.transcript() {
        Ok(t) => {
            eprintln!(
                "ceremony {name}: resuming after {} contributions",
                t.contributions.len()
            );
            t
        }
        Err(_) => {
            let spinner = Spinner::start(format!("ceremony {name}: init from the phase 1"));
            let started = Instant::now();
            std::fs::create_dir_all(work.join(&name)).map_err(|source| ProverError::Io {
                path: work.join(&name).display().to_string(),
                source,
            })?;
            let t = dir.init(circuit.clone(), ptau, &mut rng)?;
            spinner.finish(format!(
                "ceremony {name}: initial key derived in {:.1} s (circuit hash {}…)",
                started.elapsed().as_secs_f64(),
                &t.circuit_hash[..16]
            ));
            t
        }
    };
    let has_beacon = |t: &zkyuma_prover::ceremony::run::Transcript| {
        t.contributions.iter().any(|c| c.beacon.is_some())
    };
    while t.contributions.len() < DEMO_CONTRIBUTORS && !has_beacon(&t) {
        let who = format!("demo contributor {}", t.contributions.len() + 1);
        let started = Instant::now();
        let c = dir.contribute(&who, b"")?;
        eprintln!(
            "ceremony {name}: {who} contributed in {:.1} s, hash {}…",
            started.elapsed().as_secs_f64(),
            &c.hash[..16]
        );
        t = dir.transcript()?;
    }
    if !has_beacon(&t) {
        let value = demo_beacon(&t.circuit_id);
        let c = dir.beacon(&value, DEMO_BEACON_ITERATIONS_EXP)?;
        eprintln!(
            "ceremony {name}: beacon {}… (2^{DEMO_BEACON_ITERATIONS_EXP} SHA-256) applied, hash {}…",
            &value[..16],
            &c.hash[..16]
        );
    }
    let spinner = Spinner::start(format!(
        "ceremony {name}: verifying the transcript against the phase 1 and finalizing"
    ));
    let started = Instant::now();
    let finalized = dir.finalize(ptau, params, keys, &mut rng)?;
    spinner.finish(format!(
        "keys {name}: ceremony verified and finalized in {:.1} s, transcript {}",
        started.elapsed().as_secs_f64(),
        finalized.description.setup.transcript_hash().unwrap_or("")
    ));
    // The keys as a prover loads them (the proving key read from disk when proving).
    paths.load(&circuit.circuit_id())
}
