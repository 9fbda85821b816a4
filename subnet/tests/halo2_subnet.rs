//! A local subnet whose validators prove their scores and whose epoch prover proves the epoch
//! with halo2 (IPA: no setup): the chain registers both halo2 keys, verifies each submission and
//! the epoch proof under them, pays the epoch, and the bundle it writes names halo2-ipa for the
//! keys and proofs and passes the offline audit (which re-verifies every proof under the
//! bundle's keys).
use std::sync::Arc;
use zkyuma_circuits::epoch::halo2::EpochHalo2;
use zkyuma_circuits::score::halo2::ScoreHalo2;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_prover::halo2::{Halo2Keys, Halo2Setup};
use zkyuma_prover::system::{Halo2Epoch, Halo2Score};
use zkyuma_subnet::local::{local_keys, shapes, LocalSubnet, LocalSubnetSpec};
use zkyuma_subnet::roles::miner::Behaviour;

#[tokio::test(flavor = "multi_thread")]
async fn halo2_score_and_epoch_proofs_through_the_chain_and_the_audit() {
    let (scoring, score_shape, _) = shapes();
    let blank = ScoreHalo2 {
        limb_bits: 8,
        ..ScoreHalo2::blank(scoring, score_shape)
    };
    let keys = Halo2Keys::generate(
        &Halo2Setup::Ipa,
        &blank,
        zkyuma_circuits::score::PUBLIC_INPUTS,
    )
    .expect("halo2 keys");
    let prover = Arc::new(Halo2Score::new(Arc::new(keys), scoring, &score_shape, 8));
    let (_, _, epoch_shape) = shapes();
    let blank = EpochHalo2 {
        limb_bits: 8,
        ..EpochHalo2::blank(epoch_shape)
    };
    let keys = Halo2Keys::generate(&Halo2Setup::Ipa, &blank, 1).expect("halo2 epoch keys");
    let epoch_prover = Arc::new(Halo2Epoch::new(Arc::new(keys), &epoch_shape, 8));
    let spec = LocalSubnetSpec {
        name: "halo2".into(),
        validator_stakes: vec![3_000_000, 2_000_000],
        miners: (0..5).map(|_| (0, Behaviour::Honest)).collect(),
        keys: local_keys().expect("local keys"),
        dir: None,
        score_prover: Some(prover),
        epoch_prover: Some(epoch_prover),
    };
    let net = LocalSubnet::start(spec, |_| {}).await.expect("subnet");
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    for v in &net.validators {
        let r = v.run_epoch(1, None).await.expect("validator epoch");
        assert!(r.accepted.0, "{r:?}");
    }
    net.wait_until_ready().await.expect("ready");
    net.prover.prove_and_submit(1).await.expect("epoch 1 paid");

    let path = std::fs::read_dir(net.bundles())
        .expect("bundles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a bundle");
    let bytes = std::fs::read(&path).expect("read");
    let bundle: zkyuma_subnet::bundle::EpochBundle =
        serde_json::from_slice(&bytes).expect("bundle");
    assert_eq!(bundle.scores.len(), 2);
    assert!(bundle
        .scores
        .iter()
        .all(|s| s.accepted && s.proof_system == ProofSystem::Halo2Ipa));
    assert_eq!(bundle.epoch_proof_system, ProofSystem::Halo2Ipa);
    let (audit, _) = zkyuma_subnet::audit::audit_bundle(&path, &bytes, None, None);
    assert!(audit.failures.is_empty(), "{:?}", audit.failures);
    // The epoch proof with one byte changed: the audit re-verifies it and fails it.
    let mut changed = bundle.clone();
    let at = changed.epoch_proof.len() - 10;
    let flipped = if &changed.epoch_proof[at..at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    changed.epoch_proof.replace_range(at..at + 1, flipped);
    let changed_bytes = serde_json::to_vec_pretty(&changed).expect("json");
    let digest = blake3::hash(&changed_bytes).to_hex().to_string();
    let changed_path = path.with_file_name(format!("epoch-1-{digest}.json"));
    let (audit, _) = zkyuma_subnet::audit::audit_bundle(&changed_path, &changed_bytes, None, None);
    assert!(
        audit.failures.iter().any(|f| f.starts_with("epoch proof:")),
        "{:?}",
        audit.failures
    );
    assert_eq!(audit.score_proofs, 2);

    // One byte of a halo2 score proof changed in the bundle (re-named after its new content):
    // the audit re-verifies it and fails that proof.
    let mut changed = bundle.clone();
    let proof = &mut changed.scores[0].proof;
    let at = proof.len() - 10;
    let flipped = if &proof[at..at + 1] == "0" { "1" } else { "0" };
    proof.replace_range(at..at + 1, flipped);
    let bytes = serde_json::to_vec_pretty(&changed).expect("json");
    let digest = blake3::hash(&bytes).to_hex().to_string();
    let path = path.with_file_name(format!("epoch-1-{digest}.json"));
    let (audit, _) = zkyuma_subnet::audit::audit_bundle(&path, &bytes, None, None);
    assert!(
        audit.failures.iter().any(|f| f.contains("does not verify")),
        "{:?}",
        audit.failures
    );
    net.stop().await;
}
