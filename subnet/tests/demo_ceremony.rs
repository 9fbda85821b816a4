//! The demo's keys from a phase-2 ceremony (`zkyuma demo --setup ceremony`), at the local
//! subnet's shapes: a phase 1 made on this machine, three contributions and a beacon per circuit,
//! the keys finalized with their transcript; an epoch proven and paid on them over real loopback
//! gRPC; its bundle naming each key's transcript hash; `audit --params` checking the keys against
//! the published transcripts — and refusing, by name, published keys that do not match them.

mod local_subnet;

use std::path::Path;
use zkyuma_prover::ceremony::run::{CeremonyCircuit, Transcript};
use zkyuma_prover::keys::{CircuitDescription, SetupKind};
use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::bundle::EpochBundle;
use zkyuma_subnet::demo::ceremony::{ceremony_keys, phase1, DEMO_CONTRIBUTORS};
use zkyuma_subnet::roles::miner::Behaviour as Miner;

/// A copy of `params` with the files of circuit `name` edited by `edit`, and `checksums.b3`
/// rewritten to match (as a forger publishing other keys would).
fn forged(params: &Path, name: &str, edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(params).expect("params") {
        let from = entry.expect("entry").path();
        let to = copy.path().join(from.file_name().expect("name"));
        std::fs::create_dir_all(&to).expect("mkdir");
        for f in std::fs::read_dir(&from).expect("circuit dir") {
            let f = f.expect("file").path();
            std::fs::copy(&f, to.join(f.file_name().expect("name"))).expect("copy");
        }
    }
    let dir = copy.path().join(name);
    edit(&dir);
    let mut sums = String::new();
    for f in ["vk.bin", "circuit.json", "transcript.json"] {
        if let Ok(bytes) = std::fs::read(dir.join(f)) {
            sums.push_str(&format!("{}  {f}\n", blake3::hash(&bytes).to_hex()));
        }
    }
    std::fs::write(dir.join("checksums.b3"), sums).expect("checksums");
    copy
}

fn description(dir: &Path) -> CircuitDescription {
    serde_json::from_slice(&std::fs::read(dir.join("circuit.json")).expect("read")).expect("json")
}

fn write_description(dir: &Path, d: &CircuitDescription) {
    std::fs::write(
        dir.join("circuit.json"),
        serde_json::to_vec_pretty(d).expect("json"),
    )
    .expect("write");
}

fn audit_failures(bundles: &Path, params: &Path) -> Vec<String> {
    let report = audit_dir(bundles, Some(params)).expect("audit runs");
    assert!(!report.passed(), "{}", report.render());
    report
        .epochs
        .iter()
        .flat_map(|e| e.failures.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keys_from_the_demo_ceremony_prove_an_epoch_that_audits_against_their_transcripts() {
    let (scoring, score_shape, epoch_shape) = local_subnet::shapes();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (params, keys, work) = (
        tmp.path().join("params"),
        tmp.path().join("keys"),
        tmp.path().join("work"),
    );
    let score = CeremonyCircuit::Score {
        scoring,
        shape: score_shape,
    };
    let epoch = CeremonyCircuit::Epoch { shape: epoch_shape };
    let ptau = phase1(&[&score, &epoch], None, &work).expect("a local phase 1");
    let score_keys = ceremony_keys(&score, &ptau, &params, &keys, &work).expect("score ceremony");
    let epoch_keys = ceremony_keys(&epoch, &ptau, &params, &keys, &work).expect("epoch ceremony");
    for (c, k) in [(&score, &score_keys), (&epoch, &epoch_keys)] {
        let SetupKind::Ceremony { contributions, .. } = &k.description.setup else {
            panic!("{:?} is not a ceremony's", k.description.setup);
        };
        assert_eq!(
            *contributions,
            DEMO_CONTRIBUTORS + 1,
            "three and the beacon"
        );
        let t: Transcript = serde_json::from_slice(
            &std::fs::read(params.join(c.params_name()).join("transcript.json")).expect("read"),
        )
        .expect("the published transcript");
        assert!(t.contributions[..DEMO_CONTRIBUTORS]
            .iter()
            .all(|c| c.beacon.is_none()));
        assert!(t.contributions[DEMO_CONTRIBUTORS].beacon.is_some());
    }
    // A second run loads the finalized keys (no phase 1 is read).
    let again = ceremony_keys(&score, Path::new("/no/such.ptau"), &params, &keys, &work)
        .expect("cached keys");
    assert_eq!(again.vk_bytes(), score_keys.vk_bytes());

    // An epoch on the ceremony's keys.
    let miners = [
        (0, Miner::Honest),
        (0, Miner::Honest),
        (0, Miner::Silent),
        (0, Miner::Honest),
        (0, Miner::Honest),
    ];
    let score_name = score.params_name();
    let transcripts: Vec<Option<String>> = [&score_keys, &epoch_keys]
        .iter()
        .map(|k| k.description.setup.transcript_hash().map(str::to_string))
        .collect();
    let mut net = local_subnet::start_keyed(
        "ceremony",
        &[3_000_000, 2_000_000],
        &miners,
        [
            (score_name.clone(), score_keys),
            (epoch.params_name(), epoch_keys),
        ],
        |_| {},
    )
    .await;
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    for v in net.validators.iter_mut() {
        let report = v.run_epoch(1, None).await.expect("a validator runs");
        assert_eq!(report.accepted, (true, String::new()));
    }
    net.wait_until_ready().await.expect("epoch ready");
    net.prover.prove_and_submit(1).await.expect("epoch 1 paid");
    let bundles = net.bundles();

    // The bundle names each key's transcript hash.
    let file = std::fs::read_dir(&bundles)
        .expect("bundles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a bundle");
    let bundle: EpochBundle =
        serde_json::from_slice(&std::fs::read(file).expect("read")).expect("bundle");
    let named: Vec<Option<String>> = bundle
        .keys
        .iter()
        .map(|k| k.transcript_hash.clone())
        .collect();
    assert_eq!(named, transcripts);
    let report = audit_dir(&bundles, Some(&params)).expect("audit runs");
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.epochs[0].key_origins.len(), 2);
    assert!(
        report.render().contains("phase-2 ceremony, transcript"),
        "{}",
        report.render()
    );

    // Published keys that do not match their transcript, each refused by name:
    // (1) another ceremony's transcript (the epoch circuit's) beside this key, circuit.json
    // recording it;
    let theirs = params.join(epoch.params_name());
    let swapped = forged(&params, &score_name, |dir| {
        std::fs::copy(theirs.join("transcript.json"), dir.join("transcript.json")).expect("copy");
        let mut d = description(dir);
        d.setup = description(&theirs).setup;
        write_description(dir, &d);
    });
    let f = audit_failures(&bundles, swapped.path());
    assert!(
        f.iter()
            .any(|f| f.contains("the transcript is for circuit")),
        "{f:?}"
    );
    // (2) a contribution forged (its proof of knowledge replaced; the hashes recomputed);
    let edited = forged(&params, &score_name, |dir| {
        let mut t: Transcript =
            serde_json::from_slice(&std::fs::read(dir.join("transcript.json")).expect("read"))
                .expect("json");
        t.contributions[2].g1_sx = t.contributions[1].g1_sx.clone();
        std::fs::write(
            dir.join("transcript.json"),
            serde_json::to_vec_pretty(&t).expect("json"),
        )
        .expect("write");
        let mut d = description(dir);
        if let SetupKind::Ceremony {
            transcript_hash, ..
        } = &mut d.setup
        {
            *transcript_hash = t.hash().expect("hash");
        }
        write_description(dir, &d);
    });
    let f = audit_failures(&bundles, edited.path());
    assert!(f.iter().any(|f| f.contains("contribution 3")), "{f:?}");
    // (3) the keys relabelled as a seeded setup while the bundle names a transcript;
    let relabelled = forged(&params, &score_name, |dir| {
        std::fs::remove_file(dir.join("transcript.json")).expect("remove");
        let mut d = description(dir);
        d.setup = SetupKind::InsecureDeterministic {
            seed: "anything".into(),
        };
        write_description(dir, &d);
    });
    let f = audit_failures(&bundles, relabelled.path());
    assert!(
        f.iter()
            .any(|f| f.contains("but the published keys are from no ceremony")),
        "{f:?}"
    );
    // (4) the transcript edited without its checksum.
    let unlisted = forged(&params, &score_name, |_| {});
    let t = unlisted.path().join(&score_name).join("transcript.json");
    let mut bytes = std::fs::read(&t).expect("read");
    bytes.push(b'\n');
    std::fs::write(&t, bytes).expect("write");
    let f = audit_failures(&bundles, unlisted.path());
    assert!(
        f.iter().any(|f| f.contains("does not match the recorded")),
        "{f:?}"
    );
    net.stop().await;
}
