//! The miner commitments of a score statement are the chain's, never the validator's choice
//! (DESIGN §1 step 2), over real loopback gRPC: each attack a validator (or a miner) could try is
//! performed against the real chain and refused by name.
//!
//! Uids: validators 0 and 1 (both permit holders), then miners 2..=6: honest, honest, silent,
//! one sealing an opening that does not open its commitment, honest.

mod local_subnet;

use local_subnet::LocalSubnet;
use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::chain::tasks::{miner_opening_context, task_context, ComplaintReason};
use zkyuma_subnet::chain::{DropReason, Refusal};
use zkyuma_subnet::net::hotkey::{miner_commitment_payload, score_submission_payload, Hotkey};
use zkyuma_subnet::net::protocol::{fr_to_bytes, pb, to_json, verdict};
use zkyuma_subnet::net::sealed;
use zkyuma_subnet::net::serve::chain_client;
use zkyuma_subnet::roles::miner::Behaviour as Miner;
use zkyuma_subnet::roles::validator::{Behaviour, MinerStatus, Phase, ValidatorError};

async fn subnet(name: &str) -> LocalSubnet {
    let miners = [
        (0, Miner::Honest),
        (0, Miner::Honest),
        (0, Miner::Silent),
        (0, Miner::SealsBadOpening),
        (0, Miner::Honest),
    ];
    let net = local_subnet::start_with(name, &[3_000_000, 2_000_000], &miners, |_| {}).await;
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    net
}

fn last_verdict(report: &zkyuma_subnet::roles::validator::ValidatorReport) -> Result<(), Refusal> {
    report
        .attempts
        .last()
        .expect("a submission was made")
        .verdict
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_validator_cannot_drop_an_answering_miner() {
    let mut net = subnet("drop").await;
    // v0 drops every answering miner but uid 2 (its friend) and proves that row honestly.
    net.validators[0].behaviour = Behaviour::DropsMiners { keep: 2 };
    let attack = net.validators[0].run_epoch(1, None).await.expect("v0 runs");
    assert_eq!(
        last_verdict(&attack),
        Err(Refusal::CommitmentMismatch { uid: 3 }),
        "the first dropped miner is named"
    );
    // v1 is honest: the silent miner has no commitment, the bad opening is dropped with a
    // disclosure the chain accepts, the rest answered.
    let honest = net.validators[1].run_epoch(1, None).await.expect("v1 runs");
    assert_eq!(honest.accepted, (true, String::new()));
    let statuses: Vec<MinerStatus> = honest.miners.iter().map(|m| m.status.clone()).collect();
    assert_eq!(
        statuses,
        vec![
            MinerStatus::NotAMiner,
            MinerStatus::Own,
            MinerStatus::Answered,
            MinerStatus::Answered,
            MinerStatus::NoCommitment,
            MinerStatus::Dropped {
                reason: DropReason::DoesNotOpen
            },
            MinerStatus::Answered,
        ]
    );
    assert_eq!(honest.scores[2], 65535, "the perfect miner");

    // The epoch is proven over v1's row only (v0's refused row is dropped), paid, and audits:
    // the auditor re-derives every statement's miner commitments from the bundle's board.
    net.wait_until_ready().await.expect("epoch ready");
    let report = net.prover.prove_and_submit(1).await.expect("epoch 1 paid");
    assert_eq!(
        report.statement.commitments.weight_commitments[0],
        zkyuma_subnet::chain::dropped_row_commitment(local_subnet::UIDS as usize),
        "v0's refused row is dropped"
    );
    let audit = audit_dir(&net.bundles(), None).expect("audit");
    assert!(audit.passed(), "{}", audit.render());
    assert_eq!(audit.epochs[0].score_proofs, 1);
    assert_eq!(audit.epochs[0].refused, 1, "v0's dropping row");
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_must_reach_every_miner_and_open_to_its_digest() {
    let mut net = subnet("task").await;
    // v0 leaves miner 3 out of its task: the chain refuses the task.
    net.validators[0].behaviour = Behaviour::OmitsTask { uid: 3 };
    let err = net.validators[0]
        .run_epoch(1, None)
        .await
        .expect_err("the task is refused");
    assert!(
        matches!(
            err,
            ValidatorError::TaskRefused(Refusal::TaskIncomplete { uid: 3 })
        ),
        "{err}"
    );
    // v1 seals miner 3 features that are not its task's: miner 3 complains (justly, with its
    // disclosure), and v1's score submission is refused.
    net.validators[1].behaviour = Behaviour::SealsBadTask { uid: 3 };
    let report = net.validators[1].run_epoch(1, None).await.expect("v1 runs");
    assert_eq!(report.miners[3].status, MinerStatus::Complained);
    assert_eq!(
        last_verdict(&report),
        Err(Refusal::TaskComplaint { uid: 3 })
    );
    let (_, board) = net.chain.task_board();
    assert_eq!(board.complaints.len(), 1);
    assert_eq!(board.complaints[0].reason, ComplaintReason::WrongFeatures);

    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_commit_window_and_the_disclosures_cannot_be_gamed() {
    let mut net = local_subnet::start_with(
        "window",
        &[3_000_000, 2_000_000],
        &[
            (0, Miner::Honest),
            (0, Miner::Honest),
            (0, Miner::Silent),
            (0, Miner::Honest),
            (0, Miner::Honest),
        ],
        // Long enough for the test to act while v0's window is open (the silent miner keeps
        // it open to its deadline).
        |c| c.commit_window_ms = 4000,
    )
    .await;
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    let mut client = chain_client(&net.chain_url).expect("client");
    // v1 scores miner 2 zero with a true disclosure of its (valid) opening.
    net.validators[1].behaviour = Behaviour::FalselyDrops { uid: 2 };
    net.validators[1]
        .run_epoch(1, Some(Phase::Proved))
        .await
        .expect("v1 proves");
    let progress: serde_json::Value = serde_json::from_slice(
        &std::fs::read(net.dir.join("v1/epoch-000001.json")).expect("progress"),
    )
    .expect("json");
    let st1: zkyuma_circuits::score::ScoreStatement =
        serde_json::from_value(progress["proved"]["statement"].clone()).expect("statement");
    let proof1 = hex::decode(progress["proved"]["proof"].as_str().expect("proof")).expect("hex");

    // v0 posts its task; while its window is open:
    let v0 = net.validators[0].clone();
    let v0_run = tokio::spawn(async move { v0.run_epoch(1, None).await });
    let board = loop {
        let (_, board) = net.chain.task_board();
        if board.task(0).is_some() && board.commitment(0, 2).is_some() {
            break board;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let task = board.task(0).expect("v0's task").clone();
    let v0_key = net.validator_keys[0].clone();
    // 1. a score statement for v0 (it could only carry the commitments posted so far) is
    //    refused, unrecorded, until the window closes;
    let mut early = st1.clone();
    early.validator_hotkey = v0_key.public();
    let r = client
        .submit_score(pb::ScoreSubmission {
            statement_json: to_json(&early),
            proof: proof1.clone(),
            signature: v0_key
                .sign(&score_submission_payload(&early.public_inputs(), &[], &[]))
                .to_vec(),
            proof_system: "groth16".into(),
            sealed_opening: Vec::new(),
            dropped_miners_json: Vec::new(),
        })
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(verdict(&r), Err(Refusal::CommitWindowOpen { .. })),
        "{}",
        r.reason
    );
    // 2. the silent miner (uid 4) cannot complain about a task that opens: its true disclosure
    //    shows the features hash to the posted digest;
    let miner4 = Hotkey::demo("window-miner-2");
    let context = task_context(1, 1, &v0_key.public(), &miner4.public(), &task.query_digest);
    let envelope = &task
        .envelopes
        .iter()
        .find(|e| e.uid == 4)
        .expect("an envelope for uid 4")
        .envelope;
    let disclosure = sealed::disclose(
        &miner4.recipient_secret(),
        &context,
        envelope,
        rand::rngs::OsRng,
    )
    .expect("disclose");
    let complaint = |miner: &Hotkey, disclosure: &sealed::Disclosure| pb::ComplaintPost {
        netuid: 1,
        epoch: 1,
        validator_hotkey: v0_key.public().to_vec(),
        miner_hotkey: miner.public().to_vec(),
        disclosure_json: to_json(disclosure),
    };
    let r = client
        .post_complaint(complaint(&miner4, &disclosure))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(verdict(&r), Err(Refusal::UnjustifiedComplaint { uid: 4 }));
    // 3. nor can a miner that committed complain afterwards (to void the validator's row).
    let miner2 = Hotkey::demo("window-miner-0");
    let r = client
        .post_complaint(complaint(&miner2, &disclosure))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(verdict(&r), Err(Refusal::AlreadyCommitted { uid: 2 }));
    // 4. nor can anyone front-run a miner's commitment with another sealed opening: the
    //    miner's signature covers its opening (miner 4 signs one, an attacker posts it with
    //    another first).
    let commitment = ark_bn254::Fr::from(77u64);
    let seal_to_v0 = |payload: &[u8]| {
        let context = miner_opening_context(1, 1, &v0_key.public(), &miner4.public(), &commitment);
        to_json(
            &sealed::seal(&v0_key.public(), &context, payload, rand::rngs::OsRng).expect("seal"),
        )
    };
    let genuine = seal_to_v0(b"{\"outputs\":[1,2,3,4],\"blinding\":\"0x01\"}");
    let signature = miner4.sign(&miner_commitment_payload(
        1,
        1,
        &v0_key.public(),
        &task.query_digest,
        &commitment,
        &genuine,
    ));
    let r = client
        .post_commitment(pb::CommitmentPost {
            netuid: 1,
            epoch: 1,
            validator_hotkey: v0_key.public().to_vec(),
            miner_hotkey: miner4.public().to_vec(),
            commitment: fr_to_bytes(&commitment).to_vec(),
            signature: signature.to_vec(),
            sealed_opening: seal_to_v0(b"garbage"),
        })
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(verdict(&r), Err(Refusal::MinerSignature { uid: 4 }));
    let v0_report = v0_run.await.expect("join").expect("v0 runs");
    assert_eq!(v0_report.accepted, (true, String::new()));
    assert_eq!(v0_report.miners[4].status, MinerStatus::NoCommitment);

    // v1's drop of a miner whose opening is valid is refused by name.
    let v1_report = net.validators[1]
        .run_epoch(1, None)
        .await
        .expect("v1 submits");
    assert_eq!(
        last_verdict(&v1_report),
        Err(Refusal::UnjustifiedMinerDrop { uid: 2 })
    );
    let (_, board) = net.chain.task_board();
    assert!(board.complaints.is_empty(), "no complaint was recorded");
    net.stop().await;
}
