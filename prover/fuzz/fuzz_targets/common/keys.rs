//! The key-file targets' template: real keys of a small score circuit on disk, and how a
//! fuzzed copy of them is laid out and written.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{CircuitDescription, KeyPaths, SetupKind};
use zkyuma_prover::score::{params_name, prove_score, setup_score};
use zkyuma_prover::ProverError;

pub const SCORING: Scoring = Scoring::Mse { amplification: 16 };

pub fn round() -> ScoreRound {
    ScoreRound {
        netuid: 3,
        epoch: 1,
        validator_hotkey: [1; 32],
        depth: 2,
        mode: WeightsMode::Hidden,
        sample_seed: [1; 32],
        records: (0..3)
            .map(|r| Record {
                features: vec![r, 2 * r + 1],
                label: 10_000 * r as u16,
            })
            .collect(),
        samples: 2,
        miners: (0..2)
            .map(|i| {
                Some(MinerAnswer {
                    outputs: (0..2).map(|k| (i * 9_000 + k * 4_000) as u16).collect(),
                    blinding: ark_bn254::Fr::from(77 + i as u64),
                })
            })
            .collect(),
        weight_blinding: ark_bn254::Fr::from(5u64),
    }
}

/// The template: the five files of real keys, and where the fuzzed copy goes.
pub struct Template {
    pub files: [(String, Vec<u8>); 5],
    pub description: CircuitDescription,
    pub work: PathBuf,
    pub name: String,
}

pub const CHECKSUMS: usize = 0;
pub const DESCRIPTION: usize = 1;
pub const VK: usize = 2;
pub const ROWS: usize = 3;
pub const PK: usize = 4;

pub fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        std::env::set_var("RAYON_NUM_THREADS", "1");
        let shape = round().shape();
        let keys = setup_score(
            SCORING,
            shape,
            SetupKind::InsecureDeterministic {
                seed: "zkyuma-fuzz".into(),
            },
        )
        .expect("setup");
        let root = std::env::temp_dir().join(format!("zkyuma-fuzz-keys-{}", std::process::id()));
        let name = params_name(&SCORING, &shape);
        let paths = paths(&root.join("template"), &name);
        paths.save(&keys).expect("save");
        let read = |p: &Path| std::fs::read(p).expect("read a template file");
        let files = [
            (
                "checksums.b3".to_string(),
                read(&paths.params_dir.join("checksums.b3")),
            ),
            ("circuit.json".to_string(), read(&paths.description_path())),
            ("vk.bin".to_string(), read(&paths.vk_path())),
            ("rows.bin".to_string(), read(&paths.rows_path())),
            ("pk.bin".to_string(), read(&paths.pk_path)),
        ];
        verify_untouched(&paths);
        Template {
            files,
            description: keys.description.clone(),
            work: root.join("work"),
            name,
        }
    })
}

/// The untouched keys, loaded back, prove and the proof verifies.
pub fn verify_untouched(paths: &KeyPaths) {
    let keys = paths.load(&paths_id()).expect("the template keys load");
    let p = prove_score(&keys, SCORING, &round()).expect("the template keys prove");
    let vk = zkyuma_verifier::VerifyingKey::from_bytes(&keys.vk_bytes(), keys.description.public_inputs)
        .expect("vk.bin decodes");
    let proof = zkyuma_verifier::Proof::from_bytes(&p.proof).expect("a proof decodes");
    zkyuma_verifier::verify(
        &zkyuma_verifier::PreparedVerifyingKey::new(vk),
        &p.statement.public_inputs(),
        &proof,
    )
    .expect("a proof from the untouched keys verifies");
}

pub fn paths_id() -> String {
    zkyuma_circuits::score::circuit_id(&zkyuma_circuits::scoring::ScoringFunction::id(&SCORING), &round().shape())
}

pub fn paths(root: &Path, name: &str) -> KeyPaths {
    KeyPaths::new(&root.join("params"), &root.join("keys"), name)
}

pub fn location(paths: &KeyPaths, which: usize) -> PathBuf {
    match which {
        CHECKSUMS => paths.params_dir.join("checksums.b3"),
        DESCRIPTION => paths.description_path(),
        VK => paths.vk_path(),
        ROWS => paths.rows_path(),
        _ => paths.pk_path.clone(),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

pub fn first_listed<'a>(sums: &'a str, name: &str) -> Option<&'a str> {
    sums.lines()
        .find_map(|l| l.strip_suffix(&format!("  {name}")))
}
/// The fuzzed copy: file `which` replaced (the small files) or patched (`rows.bin`, `pk.bin`)
/// by `rest`, restamped when asked, written over the last run's copy; returns the files and
/// whether file `which` differs from the template's.
pub fn lay_out(t: &Template, which: usize, restamp: bool, rest: &[u8]) -> (Vec<Vec<u8>>, bool) {
    let mut files: Vec<Vec<u8>> = t.files.iter().map(|(_, b)| b.clone()).collect();
    files[which] = match which {
        ROWS | PK => super::patched(&files[which], rest),
        _ => rest.to_vec(),
    };
    let changed = files[which] != t.files[which].1;
    if restamp && which != CHECKSUMS {
        let mut description = t.description.clone();
        match which {
            VK => description.vk_blake3 = hex(&files[VK]),
            ROWS => {
                description.rows_blake3 = Some(hex(&files[ROWS]));
                description.rows_bytes = Some(files[ROWS].len() as u64);
            }
            PK => {
                description.pk_blake3 = hex(&files[PK]);
                description.pk_bytes = files[PK].len() as u64;
            }
            _ => {}
        }
        if which != DESCRIPTION {
            files[DESCRIPTION] =
                serde_json::to_vec_pretty(&description).expect("a description serializes");
        }
        files[CHECKSUMS] = format!(
            "{}  vk.bin\n{}  circuit.json\n",
            hex(&files[VK]),
            hex(&files[DESCRIPTION])
        )
        .into_bytes();
    }

    let work = paths(&t.work, &t.name);
    // Only the files that differ from what the last run left are written (megabytes each).
    static ON_DISK: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
    let mut on_disk = ON_DISK.lock().expect("one run at a time");
    on_disk.resize(files.len(), Vec::new());
    for (i, bytes) in files.iter().enumerate() {
        if on_disk[i] != *bytes || bytes.is_empty() {
            let path = location(&work, i);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("a work directory");
            std::fs::write(&path, bytes).expect("write a work file");
            on_disk[i] = bytes.clone();
        }
    }
    drop(on_disk);
    (files, changed)
}

/// Load the fuzzed copy as a prover does.
pub fn load(t: &Template) -> Result<zkyuma_prover::keys::Keys, ProverError> {
    paths(&t.work, &t.name).load(&t.description.circuit_id)
}

/// A refusal a prover may give for keys it was handed.
pub fn typed_proving_refusal(e: &ProverError) -> bool {
    matches!(
        e,
        ProverError::Checksum { .. }
            | ProverError::Malformed { .. }
            | ProverError::CountMismatch { .. }
            | ProverError::KeySize { .. }
            | ProverError::VkMismatch { .. }
            | ProverError::Unsatisfied
            | ProverError::Io { .. }
    )
}
