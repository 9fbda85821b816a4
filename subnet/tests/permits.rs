//! Bonds bound to uids, end to end over loopback gRPC: a subnet that stakes its emission (as
//! subtensor does) moves a validator permit from uid 0 to the miner uid 2 after epoch 2. Epoch 3
//! keeps uid 1 in its row slot and gives uid 0's slot to uid 2, opens the previous bonds
//! commitment with the chain's own rows, is paid and audits; an epoch statement whose rows are
//! re-mapped (uid 1 moved into uid 0's old row, as a positional bonds commitment allowed) is
//! refused by name.

mod local_subnet;

use ark_bn254::Fr;
use zkyuma_circuits::epoch::{EpochRound, EpochStatement, EpochStatementError};
use zkyuma_circuits::statement::Statement;
use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::chain::Refusal;
use zkyuma_subnet::net::protocol::{pb, to_json, verdict};
use zkyuma_subnet::net::serve::chain_client;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bonds_follow_uids_when_a_permit_changes_hands() {
    // uid 0 and 1 validate (uid 1 with more stake); uid 2 is the one miner that answers well,
    // with a little stake of its own; uids 3..6 are silent miners. Emission is staked.
    let net = local_subnet::start(
        "permits",
        &[2_000_000, 3_000_000],
        &[1_000_000, 0, 0, 0, 0],
        |c| {
            c.stake_emission = true;
            // Epoch 3's new permit holder (uid 2) never submits: the epoch closes with the window.
            c.score_window_secs = 20;
        },
    )
    .await;
    let (chain, prover, validators) = (&net.chain, &net.prover, &net.validators);
    for v in validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }

    // Epochs 1 and 2: both validators score uid 2; its incentive is staked to it.
    for epoch in 1..=2 {
        for v in validators.iter() {
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

    // Until the score window closes (uid 2, a permit holder, has not submitted), the epoch
    // prover cannot close the epoch: it cannot leave a row out by closing early.
    let early = prover.prove_and_submit(3).await;
    assert!(
        matches!(
            early,
            Err(
                zkyuma_subnet::roles::epoch_prover::EpochProverError::Refused(
                    Refusal::ScoreWindowOpen { .. }
                )
            )
        ),
        "{early:?}"
    );
    net.wait_until_ready().await.expect("epoch ready");

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
    let audit = audit_dir(&net.bundles(), None).expect("audit runs");
    assert!(audit.passed(), "{}", audit.render());
    assert_eq!(audit.epochs.len(), 3);

    net.stop().await;
}
