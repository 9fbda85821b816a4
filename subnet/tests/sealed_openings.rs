//! Weight openings travel with their rows, sealed to the epoch prover on the chain, over real
//! loopback gRPC: a validator cannot stall the epoch by withholding its opening (a submission
//! without one is refused by name; one whose sealed opening does not open its commitment is
//! dropped by the epoch prover with a disclosure the chain and the auditor check), and the epoch
//! prover cannot drop an honest row (a disclosure that opens the commitment, or a forged one, is
//! refused by name).

mod local_subnet;

use ark_bn254::Fr;
use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::chain::{opening_context, DropReason, DroppedRow, Refusal};
use zkyuma_subnet::net::hotkey::{score_submission_payload, Hotkey};
use zkyuma_subnet::net::protocol::{pb, to_json, verdict};
use zkyuma_subnet::net::sealed;
use zkyuma_subnet::net::serve::chain_client;
use zkyuma_subnet::roles::validator::{Behaviour, Phase};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_withheld_or_bad_opening_drops_its_row_and_the_epoch_goes_on() {
    let mut net = local_subnet::start("sealed", &[3_000_000, 2_000_000], &[0; 5], |_| {}).await;
    net.validators[1].behaviour = Behaviour::SealsBadOpening;
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    let mut client = chain_client(&net.chain_url).expect("client");

    // v0 proves; a submission of its proof with no sealed opening (withheld) is refused.
    net.validators[0]
        .run_epoch(1, Some(Phase::Proved))
        .await
        .expect("v0 proves");
    let progress: serde_json::Value = serde_json::from_slice(
        &std::fs::read(net.dir.join("v0/epoch-000001.json")).expect("progress"),
    )
    .expect("json");
    let statement: zkyuma_circuits::score::ScoreStatement =
        serde_json::from_value(progress["proved"]["statement"].clone()).expect("statement");
    let proof = hex::decode(progress["proved"]["proof"].as_str().expect("proof")).expect("hex");
    let key = &net.validator_keys[0];
    let withheld = pb::ScoreSubmission {
        statement_json: to_json(&statement),
        proof,
        signature: key
            .sign(&score_submission_payload(
                &statement.public_inputs(),
                &[],
                &[],
            ))
            .to_vec(),
        proof_system: "groth16".into(),
        sealed_opening: Vec::new(),
        dropped_miners_json: Vec::new(),
    };
    let r = client
        .submit_score(withheld)
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(verdict(&r), Err(Refusal::SealedOpening { .. })),
        "{}",
        r.reason
    );
    // Now v0 completes honestly; v1 seals an opening that does not open its commitment.
    for v in &net.validators {
        let report = v.run_epoch(1, None).await.expect("validator epoch");
        assert_eq!(report.accepted, (true, String::new()), "{}", v.name);
    }

    // The epoch prover cannot drop v0's honest row: its own (valid) disclosure of v0's opening
    // shows an opening that opens the commitment, and a forged disclosure does not verify.
    let state = net.chain.epoch_state();
    let row0 = state
        .accepted
        .iter()
        .find(|a| a.uid == 0)
        .expect("v0's row");
    let context0 = opening_context(1, 1, &key.public(), &row0.commitment);
    let prover_key = Hotkey::demo("epoch-prover");
    let honest = sealed::disclose(
        &prover_key.recipient_secret(),
        &context0,
        &row0.sealed_opening,
        rand::rngs::OsRng,
    )
    .expect("disclose");
    let mut forged = honest.clone();
    forged.response[0] ^= 1;
    // A statement whose chain state is the chain's (the rest does not matter: drops are judged
    // before the rows and the proof).
    let (statement, _) = zkyuma_circuits::epoch::EpochRound {
        netuid: 1,
        epoch: 1,
        input: state.input.clone(),
        validators: Some(state.rows.clone()),
        prev_validators: Some(state.prev_rows.clone()),
        weight_blindings: vec![Fr::from(0u64); state.rows.len()],
        prev_bonds_blinding: Fr::from(0u64),
        new_bonds_blinding: Fr::from(0u64),
    }
    .build(net.epoch_vk_hash)
    .expect("statement");
    for (what, disclosure) in [("honest", honest), ("forged", forged)] {
        let r = client
            .submit_epoch(pb::EpochSubmission {
                statement_json: to_json(&statement),
                proof: vec![0; 128],
                proof_system: "groth16".into(),
                dropped_json: to_json(&vec![DroppedRow { uid: 0, disclosure }]),
            })
            .await
            .expect("rpc")
            .into_inner();
        let refusal = verdict(&r);
        match what {
            "honest" => assert_eq!(refusal, Err(Refusal::UnjustifiedDrop { uid: 0 })),
            _ => assert!(
                matches!(refusal, Err(Refusal::BadDisclosure { uid: 0, .. })),
                "{}",
                r.reason
            ),
        }
    }

    // The epoch prover drops v1's row with a disclosure, and the epoch is paid.
    let report = net.prover.prove_and_submit(1).await.expect("epoch 1 paid");
    let n = local_subnet::UIDS as usize;
    assert_eq!(
        report.statement.commitments.weight_commitments[1],
        zkyuma_subnet::chain::dropped_row_commitment(n),
        "v1's row is dropped"
    );
    let bundle: zkyuma_subnet::bundle::EpochBundle =
        serde_json::from_slice(&std::fs::read(&net.chain.results()[0].bundle).expect("bundle"))
            .expect("bundle json");
    assert_eq!(bundle.dropped.len(), 1);
    assert_eq!(bundle.dropped[0].uid, 1);
    assert_eq!(bundle.dropped[0].reason, DropReason::DoesNotOpen);
    let audit = audit_dir(&net.bundles(), None).expect("audit");
    assert!(audit.passed(), "{}", audit.render());
    net.stop().await;
}
