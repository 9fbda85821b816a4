//! A subnet with liquid alpha on, end to end over loopback gRPC: the epoch proof is the
//! `yuma3-liquid` circuit, and the chain runs the runtime's `auto` consensus mode (bonds penalty
//! 65535, so from epoch 2 on the sigmoid reads the consensus the chain stored after epoch 1).
//! Two epochs are proven, paid and audited; an epoch prover that steers the sigmoid to this
//! epoch's consensus is refused by name, and bundles whose stored consensus or mode is changed
//! fail the audit by name.

mod local_subnet;

use ark_bn254::Fr;
use zkyuma_circuits::epoch::{BondsRule, EpochRound, EpochShape};
use zkyuma_circuits::yuma::ConsensusMode;
use zkyuma_prover::keys::SetupKind;
use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::chain::Refusal;
use zkyuma_subnet::net::protocol::{pb, to_json, verdict};
use zkyuma_subnet::net::serve::chain_client;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn liquid_alpha_epochs_read_the_stored_consensus() {
    let (scoring, score_shape, _) = local_subnet::shapes();
    let epoch_shape = EpochShape {
        validators: 2,
        uids: local_subnet::UIDS,
        bonds: BondsRule::Yuma3Liquid,
    };
    let kind = || SetupKind::InsecureDeterministic {
        seed: "zkyuma-liquid-subnet-test-setup".into(),
    };
    let score_keys =
        zkyuma_prover::score::setup_score(scoring, score_shape, kind()).expect("score setup");
    let epoch_keys = zkyuma_prover::epoch::setup_epoch(epoch_shape, kind()).expect("epoch setup");
    let net = local_subnet::start_keyed(
        "liquid",
        &[2_000_000, 3_000_000],
        &[
            (0, zkyuma_subnet::roles::miner::Behaviour::Honest),
            (0, zkyuma_subnet::roles::miner::Behaviour::Honest),
            (0, zkyuma_subnet::roles::miner::Behaviour::Silent),
            (0, zkyuma_subnet::roles::miner::Behaviour::Silent),
            (0, zkyuma_subnet::roles::miner::Behaviour::Silent),
        ],
        [("score".into(), score_keys), ("epoch".into(), epoch_keys)],
        |c| c.epoch_shape = epoch_shape,
    )
    .await;
    let (chain, prover, validators) = (&net.chain, &net.prover, &net.validators);
    for v in validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }

    // Epoch 1: nothing stored yet, so the sigmoid reads this epoch's consensus.
    for v in validators.iter() {
        let report = v.run_epoch(1, None).await.expect("validator epoch 1");
        assert_eq!(report.accepted, (true, String::new()));
    }
    let first = prover.prove_and_submit(1).await.expect("epoch 1 paid");
    let liquid = first.statement.chain.liquid_alpha.clone().expect("liquid");
    assert_eq!(liquid.sigmoid_consensus, None, "epoch 1 reads its own");

    // Epoch 2: the chain's input runs `auto` over epoch 1's stored consensus.
    for v in validators.iter() {
        let report = v.run_epoch(2, None).await.expect("validator epoch 2");
        assert_eq!(report.accepted, (true, String::new()));
    }
    let results = chain.results();
    let stored = results[0].statement.results.stored_consensus();
    assert!(stored.iter().any(|c| *c > 0), "epoch 1 has a consensus");
    let state = chain.epoch_state();
    assert_eq!(state.input.liquid_alpha_consensus_mode, ConsensusMode::Auto);
    assert_eq!(state.input.bonds_penalty, u16::MAX);
    assert_eq!(state.input.previous_consensus.as_ref(), Some(&stored));

    // The attack: the epoch prover builds epoch 2 with the sigmoid reading this epoch's
    // consensus (the `current` mode). Its statement is well formed, but it is not the chain's.
    let steered = EpochRound {
        netuid: 1,
        epoch: 2,
        input: zkyuma_circuits::yuma::EpochInput {
            liquid_alpha_consensus_mode: ConsensusMode::Current,
            ..state.input.clone()
        },
        validators: Some(state.rows.clone()),
        prev_validators: Some(state.prev_rows.clone()),
        weight_blindings: vec![Fr::from(0u64); 2],
        prev_bonds_blinding: Fr::from(0u64),
        new_bonds_blinding: Fr::from(0u64),
    };
    let (statement, _) = steered
        .build(results[0].statement.chain.vk_hash)
        .expect("the steered round builds natively");
    assert_eq!(
        statement
            .chain
            .liquid_alpha
            .as_ref()
            .map(|l| l.sigmoid_consensus.clone()),
        Some(None)
    );
    let real_proof = {
        let text = std::fs::read(&results[0].bundle).expect("bundle");
        let b: serde_json::Value = serde_json::from_slice(&text).expect("json");
        hex::decode(b["epoch_proof"].as_str().expect("proof")).expect("hex")
    };
    let mut client = chain_client(&net.chain_url).expect("client");
    let r = client
        .submit_epoch(pb::EpochSubmission {
            statement_json: to_json(&statement),
            proof: real_proof,
            proof_system: "groth16".into(),
            dropped_json: Vec::new(),
        })
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        verdict(&r),
        Err(Refusal::ChainStateMismatch),
        "{}",
        r.reason
    );

    // The honest epoch 2 is proven over the stored consensus, paid, and audits.
    let second = prover.prove_and_submit(2).await.expect("epoch 2 paid");
    let liquid = second.statement.chain.liquid_alpha.clone().expect("liquid");
    assert_eq!(liquid.sigmoid_consensus, Some(stored.clone()));
    let report = audit_dir(&net.bundles(), None).expect("audit runs");
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.epochs.len(), 2);

    assert!(report.epochs.iter().all(|e| e.unchecked.is_empty()));
    // Epoch 2 audited without epoch 1: it checks out, and says what it could not check.
    let results = chain.results();
    let alone = net.dir.join("epoch-2-alone");
    std::fs::create_dir_all(&alone).expect("dir");
    std::fs::copy(
        &results[1].bundle,
        alone.join(results[1].bundle.file_name().expect("name")),
    )
    .expect("copy");
    let report = audit_dir(&alone, None).expect("audit runs");
    assert!(report.passed(), "{}", report.render());
    assert!(
        report.epochs[0].unchecked[0].contains("continuity with epoch 1"),
        "{:?}",
        report.epochs[0].unchecked
    );
    assert!(report
        .render()
        .contains("unchecked: continuity with epoch 1"));

    // Epoch 2's bundle with its stored consensus or its mode changed, re-addressed and audited
    // beside the honest epoch 1, fails by name.
    let honest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&results[1].bundle).expect("bundle")).expect("json");
    let mut other = stored.clone();
    other[0] = other[0].wrapping_add(1);
    type BundleTamper = Box<dyn Fn(&mut serde_json::Value)>;
    let tampers: Vec<(&str, BundleTamper)> = vec![
        (
            "stored consensus",
            Box::new(move |b| {
                b["epoch_input"]["previous_consensus"] = serde_json::json!(other.clone())
            }),
        ),
        (
            "mode",
            Box::new(|b| {
                b["epoch_input"]["liquid_alpha_consensus_mode"] = serde_json::json!("previous")
            }),
        ),
        (
            "nothing stored",
            Box::new(|b| b["epoch_input"]["previous_consensus"] = serde_json::Value::Null),
        ),
    ];
    for (what, tamper) in tampers {
        let mut b = honest.clone();
        tamper(&mut b);
        let bytes = serde_json::to_vec(&b).expect("json");
        let dir = net.dir.join(format!("tampered-{}", what.replace(' ', "-")));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::copy(
            &results[0].bundle,
            dir.join(results[0].bundle.file_name().expect("name")),
        )
        .expect("copy");
        let name = zkyuma_subnet::bundle::EpochBundle::file_name(2, &bytes).0;
        std::fs::write(dir.join(name), &bytes).expect("write");
        let report = audit_dir(&dir, None).expect("audit runs");
        assert!(report.epochs[0].failures.is_empty(), "epoch 1 untouched");
        let failures = report.epochs[1].failures.join("; ");
        assert!(
            failures.contains("liquid-alpha consensus mode or stored consensus is not the chain's"),
            "{what}: {failures}"
        );
    }

    net.stop().await;
}
