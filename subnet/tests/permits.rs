//! Bonds bound to uids, end to end over loopback gRPC: a subnet that stakes its emission (as
//! subtensor does) moves a validator permit from uid 0 to the miner uid 2 after epoch 2. Epoch 3
//! keeps uid 1 in its row slot and gives uid 0's slot to uid 2, opens the previous bonds
//! commitment with the chain's own rows, is paid and audits; an epoch statement whose rows are
//! re-mapped (uid 1 moved into uid 0's old row, as a positional bonds commitment allowed) is
//! refused by name.

use ark_bn254::Fr;
use std::sync::Arc;
use std::time::Duration;
use zkyuma_circuits::epoch::{
    BondsRule, EpochRound, EpochShape, EpochStatement, EpochStatementError,
};
use zkyuma_circuits::score::{Record, ScoreShape, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_circuits::statement::Statement;
use zkyuma_prover::keys::SetupKind;
use zkyuma_prover::system::{Groth16Epoch, Groth16Score, StatementProver};
use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::chain::{EmbeddedChain, KeyRegistration, Neuron, Refusal, SubnetConfig};
use zkyuma_subnet::net::hotkey::Hotkey;
use zkyuma_subnet::net::protocol::{pb, to_json, verdict};
use zkyuma_subnet::net::serve::{chain_client, serve_chain, serve_epoch_prover, serve_miner};
use zkyuma_subnet::roles::epoch_prover::{EpochProver, EpochProverService};
use zkyuma_subnet::roles::miner::{Behaviour, Miner};
use zkyuma_subnet::roles::validator::{Behaviour as ValidatorBehaviour, Validator};

const SEED: &str = "zkyuma-permits-test-setup";
const UIDS: u32 = 7;

fn records(offset: u16) -> Vec<Record> {
    (0..8u16)
        .map(|r| {
            let label = 3000 + 7000 * r + offset;
            Record {
                features: vec![i64::from(label), i64::from(r)],
                label,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bonds_follow_uids_when_a_permit_changes_hands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let score_shape = ScoreShape {
        miners: UIDS,
        samples: 4,
        depth: 3,
        mode: WeightsMode::Hidden,
    };
    let epoch_shape = EpochShape {
        validators: 2,
        uids: UIDS,
        bonds: BondsRule::Yuma3,
    };
    let scoring = Scoring::Mse { amplification: 4 };
    let kind = || SetupKind::InsecureDeterministic { seed: SEED.into() };
    let score_keys =
        zkyuma_prover::score::setup_score(scoring, score_shape, kind()).expect("score setup");
    let epoch_keys = zkyuma_prover::epoch::setup_epoch(epoch_shape, kind()).expect("epoch setup");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");

    // uid 0 and 1 validate (uid 1 with more stake); uid 2 is the one miner that answers well,
    // with a little stake of its own; uids 3..6 are silent miners.
    let validator_keys: Vec<Hotkey> = (0..2)
        .map(|i| Hotkey::demo(&format!("permits-validator-{i}")))
        .collect();
    let mut neurons: Vec<Neuron> = validator_keys
        .iter()
        .zip([2_000_000u64, 3_000_000])
        .map(|(k, stake)| Neuron {
            hotkey: k.public(),
            stake,
            endpoint: String::new(),
        })
        .collect();
    let perfect: zkyuma_subnet::roles::miner::Model = Arc::new(|f: &[i64]| f[0] as u16);
    let mut miners = Vec::new();
    for i in 0..5 {
        let key = Hotkey::demo(&format!("permits-miner-{i}"));
        let behaviour = if i == 0 {
            Behaviour::Honest
        } else {
            Behaviour::Silent
        };
        let served = serve_miner(Miner::new(key.clone(), perfect.clone(), behaviour), any)
            .await
            .expect("miner serves");
        neurons.push(Neuron {
            hotkey: key.public(),
            stake: if i == 0 { 1_000_000 } else { 0 },
            endpoint: served.url(),
        });
        miners.push(served);
    }

    let mut config = SubnetConfig::local(scoring, score_shape, epoch_shape);
    config.stake_emission = true;
    let bundles = tmp.path().join("bundles");
    let chain = EmbeddedChain::genesis(
        config,
        neurons,
        KeyRegistration {
            name: "score".into(),
            system: score_keys.proof_system(),
            bytes: score_keys.vk_bytes(),
        },
        KeyRegistration {
            name: "epoch".into(),
            system: epoch_keys.proof_system(),
            bytes: epoch_keys.vk_bytes(),
        },
        bundles.clone(),
    )
    .expect("genesis");
    let chain_served = serve_chain(chain.clone(), any).await.expect("chain serves");
    let prover = EpochProver::open(
        1,
        Arc::new(Groth16Epoch::new(Arc::new(epoch_keys))),
        chain_served.url(),
        tmp.path().join("prover"),
    )
    .expect("prover");
    let prover_served = serve_epoch_prover(EpochProverService::new(prover.clone()), any)
        .await
        .expect("prover serves");
    let score_prover: Arc<dyn StatementProver<ScoreStatement>> =
        Arc::new(Groth16Score::new(Arc::new(score_keys), scoring));
    let validators: Vec<Validator> = (0..2)
        .map(|i| Validator {
            name: format!("v{i}"),
            hotkey: validator_keys[i].clone(),
            netuid: 1,
            records: Arc::new(records(100 * i as u16)),
            depth: 3,
            samples: 4,
            scoring,
            keys: score_prover.clone(),
            chain_url: chain_served.url(),
            prover_url: prover_served.url(),
            state_dir: tmp.path().join(format!("v{i}")),
            deadline: Duration::from_millis(800),
            behaviour: ValidatorBehaviour::Honest,
        })
        .collect();
    for v in &validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }

    // Epochs 1 and 2: both validators score uid 2; its incentive is staked to it.
    for epoch in 1..=2 {
        for v in &validators {
            let report = v.run_epoch(epoch, None).await.expect("validator epoch");
            assert_eq!(report.accepted, (true, String::new()), "epoch {epoch}");
        }
        let report = prover.prove_and_submit(epoch).await.expect("epoch paid");
        assert_eq!(
            report.statement.chain.validators,
            vec![0, 1],
            "epoch {epoch}"
        );
    }
    let results = chain.results();
    assert_eq!(
        results[1].statement.chain.new_permit,
        vec![false, true],
        "epoch 2 moves uid 0's permit (to uid 2, which now outstakes it)"
    );

    // Epoch 3: the rows are the kept slots, [2, 1], not the increasing permit holders [1, 2].
    let state = chain.epoch_state();
    assert_eq!(state.prev_rows, vec![0, 1]);
    assert_eq!(state.rows, vec![2, 1]);
    let v1 = validators[1].run_epoch(3, None).await.expect("v1 epoch 3");
    assert_eq!(v1.accepted, (true, String::new()));

    // The attack: the epoch prover re-maps the rows to [1, 2], so uid 1 would read uid 0's
    // cleared bonds row and uid 2 uid 1's bonds. The statement is malformed (uid 1 left its
    // slot) and the chain refuses it before looking at the proof.
    let remapped = EpochRound {
        netuid: 1,
        epoch: 3,
        input: state.input.clone(),
        validators: Some(vec![1, 2]),
        prev_validators: Some(state.prev_rows.clone()),
        weight_blindings: vec![Fr::from(0u64); 2],
        prev_bonds_blinding: Fr::from(0u64),
        new_bonds_blinding: Fr::from(0u64),
    };
    let (statement, _) = remapped
        .build(results[1].statement.chain.vk_hash)
        .expect("a re-mapped round builds natively");
    assert_eq!(
        statement.validate(),
        Err(EpochStatementError::SlotMoved { row: 0, uid: 1 })
    );
    let real_proof = {
        let text = std::fs::read(&results[1].bundle).expect("bundle");
        let b: serde_json::Value = serde_json::from_slice(&text).expect("json");
        hex::decode(b["epoch_proof"].as_str().expect("proof")).expect("hex")
    };
    let mut client = chain_client(&chain_served.url()).expect("client");
    let r = client
        .submit_epoch(pb::EpochSubmission {
            statement_json: to_json(&statement),
            proof: real_proof,
            proof_system: "groth16".into(),
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

    // The honest epoch 3 opens the previous bonds commitment with the chain's rows and is paid.
    let report = prover.prove_and_submit(3).await.expect("epoch 3 paid");
    let st: &EpochStatement = &report.statement;
    assert_eq!(st.chain.validators, vec![2, 1]);
    assert_eq!(st.chain.prev_validators, vec![0, 1]);
    assert_eq!(
        st.commitments.prev_bonds_commitment,
        results[1].statement.commitments.new_bonds_commitment
    );
    assert!(Statement::validate(st).is_ok());
    let audit = audit_dir(&bundles, None).expect("audit runs");
    assert!(audit.passed(), "{}", audit.render());
    assert_eq!(audit.epochs.len(), 3);

    prover_served.stop().await;
    chain_served.stop().await;
    for m in miners {
        m.stop().await;
    }
}
