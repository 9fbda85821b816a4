//! The subnet end to end over real loopback gRPC (port 0) at a tiny shape: 2 validators and 5
//! miners answering through the chain's task board (one honest, one silent, one slow past the
//! commit window, one mis-signing, one posting an oversized sealed opening). Two epochs are
//! proven and paid; along the way: a validator restarted mid-epoch, forged and replayed score
//! submissions, an oversized message to the chain, a bad weight opening, and tampered bundles
//! caught by the auditor.

use ark_bn254::Fr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{Keys, SetupKind};
use zkyuma_prover::system::{Groth16Epoch, Groth16Score, StatementProver};
use zkyuma_subnet::audit::{audit_chain, audit_dir};
use zkyuma_subnet::chain::{
    opening_context, EmbeddedChain, KeyRegistration, Neuron, Refusal, SubnetConfig,
};
use zkyuma_subnet::net::hotkey::{score_submission_payload, Hotkey};
use zkyuma_subnet::net::protocol::{fr_to_bytes, pb, to_json, verdict};
use zkyuma_subnet::net::serve::{chain_client, serve_chain};
use zkyuma_subnet::roles::epoch_prover::EpochProver;
use zkyuma_subnet::roles::miner::{Behaviour, Miner, MinerSession, TaskOutcome};
use zkyuma_subnet::roles::validator::{
    Behaviour as ValidatorBehaviour, MinerStatus, Phase, Validator,
};

const SEED: &str = "zkyuma-e2e-test-setup";
const V: usize = 2;
const SAMPLES: u32 = 4;
const DEPTH: u32 = 3;

fn shapes() -> (ScoreShape, EpochShape) {
    (
        ScoreShape {
            miners: 7,
            samples: SAMPLES,
            depth: DEPTH,
            mode: WeightsMode::Hidden,
        },
        EpochShape {
            validators: V as u32,
            uids: 7,
            bonds: BondsRule::Yuma3,
        },
    )
}

fn keys() -> (Keys, Keys) {
    let (score, epoch) = shapes();
    let kind = || SetupKind::InsecureDeterministic { seed: SEED.into() };
    let scoring = Scoring::Mse { amplification: 4 };
    (
        zkyuma_prover::score::setup_score(scoring, score, kind()).expect("score setup"),
        zkyuma_prover::epoch::setup_epoch(epoch, kind()).expect("epoch setup"),
    )
}

// Records whose first feature is the label: the honest miner reads it off (a perfect model).
use zkyuma_subnet::local::records;

/// The progress file a validator keeps (its format is the validator's; the test reads the
/// proven statement and proof from it to build forged and replayed submissions).
fn proved(dir: &Path, epoch: u64) -> (ScoreStatement, Vec<u8>) {
    let bytes = std::fs::read(dir.join(format!("epoch-{epoch:06}.json"))).expect("progress");
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let statement: ScoreStatement =
        serde_json::from_value(v["proved"]["statement"].clone()).expect("statement");
    let proof = hex::decode(v["proved"]["proof"].as_str().expect("proof")).expect("hex");
    (statement, proof)
}

fn signed_submission(
    statement: &ScoreStatement,
    proof: Vec<u8>,
    key: &Hotkey,
) -> pb::ScoreSubmission {
    // A well-formed opening sealed to the demo epoch prover for this statement's row (its
    // contents are the epoch prover's to judge, not the chain's at admission).
    let cw = match statement.weights {
        zkyuma_circuits::score::WeightsBinding::Hidden { commitment } => commitment,
        _ => Fr::from(0u64),
    };
    let context = opening_context(
        statement.netuid,
        statement.epoch,
        &statement.validator_hotkey,
        &cw,
    );
    let envelope = zkyuma_subnet::net::sealed::seal(
        &Hotkey::demo("epoch-prover").public(),
        &context,
        b"{}",
        rand::rngs::OsRng,
    )
    .expect("seal");
    let sealed_opening = to_json(&envelope);
    pb::ScoreSubmission {
        statement_json: to_json(statement),
        proof,
        signature: key
            .sign(&score_submission_payload(
                &statement.public_inputs(),
                &sealed_opening,
                &[],
            ))
            .to_vec(),
        proof_system: "groth16".into(),
        sealed_opening,
        dropped_miners_json: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_epochs_end_to_end_with_faults() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (score_keys, epoch_keys) = keys();
    let (score_shape, epoch_shape) = shapes();
    let scoring = Scoring::Mse { amplification: 4 };
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");

    // Miners.
    let perfect: zkyuma_subnet::roles::miner::Model = Arc::new(|f: &[i64]| f[0] as u16);
    let behaviours = [
        Behaviour::Honest,
        Behaviour::Silent,
        Behaviour::Slow(Duration::from_secs(3)),
        Behaviour::MisSigns,
        Behaviour::Oversized,
    ];
    let validator_keys: Vec<Hotkey> = (0..V)
        .map(|i| Hotkey::demo(&format!("e2e-validator-{i}")))
        .collect();
    let mut neurons: Vec<Neuron> = validator_keys
        .iter()
        .enumerate()
        .map(|(i, k)| Neuron {
            hotkey: k.public(),
            stake: 1_000_000 * (3 - i as u64),
            endpoint: String::new(),
        })
        .collect();
    let mut miners = Vec::new();
    for (i, b) in behaviours.iter().enumerate() {
        let key = Hotkey::demo(&format!("e2e-miner-{i}"));
        miners.push(Miner::new(key.clone(), perfect.clone(), b.clone()));
        neurons.push(Neuron {
            hotkey: key.public(),
            stake: 0,
            endpoint: String::new(),
        });
    }

    // Chain and epoch prover.
    let mut config = SubnetConfig::local(scoring, score_shape, epoch_shape);
    config.commit_window_ms = 1500;
    let bundles = tmp.path().join("bundles");
    let chain = EmbeddedChain::genesis(
        config,
        neurons,
        KeyRegistration::from_keys("score", &score_keys),
        KeyRegistration::from_keys("epoch", &epoch_keys),
        bundles.clone(),
    )
    .expect("genesis");
    let chain_served = serve_chain(chain.clone(), any).await.expect("chain serves");
    // The miners watch the task board; what each did with each task is kept for the test.
    type Outcomes = Arc<std::sync::Mutex<Vec<(usize, (u64, u16), TaskOutcome)>>>;
    let outcomes: Outcomes = Arc::default();
    let (stop_miners, stopped) = tokio::sync::watch::channel(false);
    let mut miner_tasks = tokio::task::JoinSet::new();
    for (i, miner) in miners.into_iter().enumerate() {
        let (url, outcomes, stopped) = (chain_served.url(), outcomes.clone(), stopped.clone());
        miner_tasks.spawn(async move {
            let mut chain = chain_client(&url).expect("client");
            let mut session = MinerSession::default();
            while !*stopped.borrow() {
                if let Ok(done) = miner.answer_open_tasks(&mut chain, 1, &mut session).await {
                    let mut o = outcomes.lock().expect("outcomes");
                    o.extend(done.into_iter().map(|(k, r)| (i + V, k, r)));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
    let prover = EpochProver::open(
        1,
        Hotkey::demo("epoch-prover"),
        Arc::new(Groth16Epoch::new(Arc::new(epoch_keys))),
        chain_served.url(),
        tmp.path().join("prover"),
    )
    .expect("prover");

    let score_prover: Arc<dyn StatementProver<ScoreStatement>> =
        Arc::new(Groth16Score::new(Arc::new(score_keys), scoring));
    let validators: Vec<Validator> = (0..V)
        .map(|i| Validator {
            name: format!("v{i}"),
            hotkey: validator_keys[i].clone(),
            netuid: 1,
            records: Arc::new(records(100 * i as u16)),
            depth: DEPTH,
            samples: SAMPLES,
            scoring,
            keys: score_prover.clone(),
            chain_url: chain_served.url(),
            state_dir: tmp.path().join(format!("v{i}")),
            behaviour: ValidatorBehaviour::Honest,
        })
        .collect();
    for v in &validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    let mut client = chain_client(&chain_served.url()).expect("client");

    // ---- epoch 1 ----
    // v0 is killed after collecting answers, then restarted: it resumes without posting again.
    let first = validators[0]
        .run_epoch(1, Some(Phase::Answered))
        .await
        .expect("v0 part 1");
    assert!(!first.resumed);
    let statuses: Vec<MinerStatus> = first.miners.iter().map(|m| m.status.clone()).collect();
    assert_eq!(statuses[2], MinerStatus::Answered, "honest miner");
    assert!(
        statuses[3..]
            .iter()
            .all(|s| *s == MinerStatus::NoCommitment),
        "silent, slow, mis-signing and oversized miners have no commitment: {statuses:?}"
    );
    // What the chain told the faulty miners (the slow one answers after the window closed).
    tokio::time::sleep(Duration::from_millis(2000)).await;
    {
        let o = outcomes.lock().expect("outcomes");
        let told = |uid: usize| {
            o.iter()
                .find(|(u, (e, v), _)| *u == uid && *e == 1 && *v == 0)
                .map(|(_, _, r)| r.clone())
        };
        assert_eq!(told(2), Some(TaskOutcome::Committed), "honest miner");
        assert_eq!(told(3), None, "the silent miner posts nothing");
        assert!(
            matches!(
                told(4),
                Some(TaskOutcome::Refused(Refusal::CommitWindowClosed { .. }))
            ),
            "slow miner: {:?}",
            told(4)
        );
        assert_eq!(
            told(5),
            Some(TaskOutcome::Refused(Refusal::MinerSignature { uid: 5 })),
            "mis-signer"
        );
        assert!(
            matches!(
                told(6),
                Some(TaskOutcome::Refused(Refusal::MinerOpening { uid: 6, .. }))
            ),
            "oversized sealed opening: {:?}",
            told(6)
        );
    }
    let resumed = validators[0].run_epoch(1, None).await.expect("v0 resumes");
    assert!(resumed.resumed);
    assert_eq!(
        resumed.miners, first.miners,
        "the resumed run keeps the same answers"
    );
    assert_eq!(resumed.accepted, (true, String::new()));
    assert_eq!(resumed.scores[2], 65535, "the perfect miner");
    assert!(
        resumed.scores[3..].iter().all(|s| *s == 0),
        "faulty miners score 0"
    );
    // Run again after completion: nothing is submitted twice.
    let again = validators[0].run_epoch(1, None).await.expect("v0 again");
    assert_eq!(again.accepted, (true, String::new()));

    // v1 proves, but before it submits: a forged proof and a proof claimed for another validator.
    validators[1]
        .run_epoch(1, Some(Phase::Proved))
        .await
        .expect("v1 proves");
    let (st1, proof1) = proved(&tmp.path().join("v1"), 1);
    let mut forged = proof1.clone();
    forged[5] ^= 1;
    let forged_submission = signed_submission(&st1, forged, &validator_keys[1]);
    let r = client
        .submit_score(forged_submission)
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        // A flipped byte leaves a point off the curve or a different valid point.
        matches!(
            verdict(&r),
            Err(Refusal::MalformedProof { .. } | Refusal::ProofRejected { .. })
        ),
        "a forged proof is refused: {}",
        r.reason
    );
    // A well-formed proof of another statement (v0's) for v1's statement does not verify.
    let (_, other_proof) = proved(&tmp.path().join("v0"), 1);
    let wrong = signed_submission(&st1, other_proof, &validator_keys[1]);
    let r = client.submit_score(wrong).await.expect("rpc").into_inner();
    assert!(
        matches!(verdict(&r), Err(Refusal::ProofRejected { .. })),
        "another statement's proof is refused: {}",
        r.reason
    );
    // A proof of a proof system the chain does not know is refused at the wire.
    let mut unknown = signed_submission(&st1, proof1.clone(), &validator_keys[1]);
    unknown.proof_system = "plonk".into();
    let status = client
        .submit_score(unknown)
        .await
        .expect_err("unknown proof system");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status}");
    let (st0, proof0) = proved(&tmp.path().join("v0"), 1);
    let mut stolen = st0.clone();
    stolen.validator_hotkey = validator_keys[1].public();
    let r = client
        .submit_score(signed_submission(
            &stolen,
            proof0.clone(),
            &validator_keys[1],
        ))
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(verdict(&r), Err(Refusal::DatasetMismatch)),
        "v0's proof claimed by v1 is refused: {}",
        r.reason
    );
    // Oversized message: refused by the transport.
    let huge = pb::ScoreSubmission {
        statement_json: vec![b' '; 5 << 20],
        ..Default::default()
    };
    assert!(
        client.submit_score(huge).await.is_err(),
        "oversized message"
    );
    let v1 = validators[1].run_epoch(1, None).await.expect("v1 resumes");
    assert_eq!(v1.accepted, (true, String::new()));

    let report = prover
        .prove_and_submit(1)
        .await
        .expect("epoch 1 proven and paid");
    assert_eq!(report.statement.chain.epoch, 1);
    let results = chain.results();
    assert_eq!(results.len(), 1);
    let e1 = &results[0];
    // Only the honest miner and the validators earn; faulty miners get nothing.
    assert!(e1.statement.results.incentive_bits[2] > 0);
    assert!(e1.statement.results.incentive_bits[3..]
        .iter()
        .all(|x| *x == 0));
    assert_eq!(chain.emission_totals()[3..], [0, 0, 0, 0]);
    assert!(chain.emission_totals()[2] > 0);
    // The bundle records every submission that decodes: v0 once, v1's refused attempts and its
    // accepted proof.
    let accepted = e1.scores.iter().filter(|s| s.accepted).count();
    assert_eq!(
        accepted, 2,
        "one accepted submission per validator, no duplicates"
    );
    // v1's three refused attempts (a flipped byte, another statement's proof, v0's proof
    // claimed) and its proof; the unknown proof system was refused at the wire, unrecorded.
    assert_eq!(e1.scores.len(), 5);

    // ---- epoch 2 ----
    // Epoch 2's seed: asking fixes its beacon round; it is known once the round is published.
    loop {
        let seed = client
            .get_seed(pb::MetagraphRequest { netuid: 1 })
            .await
            .expect("rpc")
            .into_inner();
        if !seed.sample_seed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // v0's epoch-1 submission replayed in epoch 2 is refused.
    let r = client
        .submit_score(signed_submission(&st0, proof0.clone(), &validator_keys[0]))
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(
            verdict(&r),
            Err(Refusal::WrongEpoch {
                epoch: 1,
                chain_epoch: 2,
                ..
            })
        ),
        "replay: {}",
        r.reason
    );
    assert!(
        chain.epoch_state().submitted.is_empty(),
        "a replay from another epoch counted as the validator's submission"
    );
    // Registrations: one signed for epoch 1 replayed now is refused; a replacement root signed
    // for epoch 2 is accepted but, epoch 2's beacon round being fixed, only takes effect from
    // epoch 3 (epoch 2 still uses the old).
    let register = |epoch: u64, root: Fr| {
        let key = &validator_keys[1];
        pb::DatasetRegistration {
            netuid: 1,
            validator_hotkey: key.public().to_vec(),
            root: fr_to_bytes(&root).to_vec(),
            size: 8,
            signature: key
                .sign(&zkyuma_subnet::net::hotkey::dataset_payload(
                    1,
                    &key.public(),
                    &root,
                    8,
                    epoch,
                ))
                .to_vec(),
            epoch,
        }
    };
    let r = client
        .register_dataset(register(1, Fr::from(77u64)))
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(
            verdict(&r),
            Err(Refusal::WrongEpoch {
                epoch: 1,
                chain_epoch: 2,
                ..
            })
        ),
        "replayed registration: {}",
        r.reason
    );
    let r = client
        .register_dataset(register(2, Fr::from(77u64)))
        .await
        .expect("rpc")
        .into_inner();
    assert!(r.accepted, "replacement registration: {}", r.reason);
    // A statement that scores a validator's own uid is refused (validators are not miners);
    // v0 posts its epoch-2 task first (a statement before it has one is `NoTask`, unrecorded).
    let r = client
        .submit_score(signed_submission(
            &{
                let mut s = st0.clone();
                s.epoch = 2;
                s
            },
            proof0.clone(),
            &validator_keys[0],
        ))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(verdict(&r), Err(Refusal::NoTask { uid: 0 }));
    validators[0]
        .run_epoch(2, Some(Phase::Answered))
        .await
        .expect("v0 posts its epoch-2 task");
    // Under v0's name, bytes v0 did not sign (a stranger's, here signed by v1): refused by
    // name and not counted as v0's submission (else anyone could close the score window for
    // every validator and have the epoch proven without their rows).
    let mut under_v0 = st0.clone();
    under_v0.epoch = 2;
    let r = client
        .submit_score(signed_submission(
            &under_v0,
            proof0.clone(),
            &validator_keys[1],
        ))
        .await
        .expect("rpc")
        .into_inner();
    assert!(verdict(&r).is_err(), "a stranger's bytes under v0's name");
    assert!(
        chain.epoch_state().submitted.is_empty(),
        "a stranger's bytes counted as v0's submission: {}",
        r.reason
    );
    let mut self_scored = st0.clone();
    self_scored.epoch = 2;
    self_scored.miner_commitments[0] = Fr::from(5u64);
    let r = client
        .submit_score(signed_submission(
            &self_scored,
            proof0.clone(),
            &validator_keys[0],
        ))
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(verdict(&r), Err(Refusal::ValidatorScored { uid: 0 })),
        "a validator scored: {}",
        r.reason
    );
    // v0's own signed (refused) submission counts as its turn.
    assert_eq!(chain.epoch_state().submitted, vec![0]);
    // Spam: v0 has one refused submission recorded this epoch; three more are recorded, then
    // the chain refuses without recording (at most MAX_REFUSED_PER_HOTKEY per hotkey and epoch).
    for attempt in 0..4 {
        let r = client
            .submit_score(signed_submission(
                &self_scored,
                proof0.clone(),
                &validator_keys[0],
            ))
            .await
            .expect("rpc")
            .into_inner();
        let expected_limit = attempt == 3;
        assert!(
            matches!(
                (verdict(&r), expected_limit),
                (Err(Refusal::ValidatorScored { uid: 0 }), false)
                    | (Err(Refusal::TooManyRefused { limit: 4 }), true)
            ),
            "spam attempt {attempt}: {}",
            r.reason
        );
    }
    for v in &validators {
        assert!(v.run_epoch(2, None).await.expect("epoch 2").accepted.0);
    }
    prover
        .prove_and_submit(2)
        .await
        .expect("epoch 2 proven and paid");
    assert_eq!(chain.results().len(), 2);

    // ---- audit ----
    let report = audit_dir(&bundles, None).expect("audit runs");
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.epochs.len(), 2);
    assert_eq!(report.epochs[0].score_proofs, 2);
    assert_eq!(report.epochs[0].refused, 3, "v1's three refused attempts");
    assert_eq!(
        report.epochs[1].refused, 4,
        "the self-scoring statement and three of the four spam submissions (the replay and the \
         stranger's bytes are not recorded)"
    );
    let fetched = tmp.path().join("fetched");
    let over_grpc = audit_chain(&chain_served.url(), 1, 1..=2, &fetched, None)
        .await
        .expect("audit over gRPC");
    assert!(over_grpc.passed(), "{}", over_grpc.render());

    // Tampered bundles: an emission changed (file name kept, then re-addressed), a bundle
    // removed from the chain of epochs.
    let e2_path = chain.results()[1].bundle.clone();
    let text = std::fs::read_to_string(&e2_path).expect("bundle");
    let honest_emission = format!(
        "\"emission\":{:?}",
        chain.results()[1].statement.results.emission
    )
    .replace(' ', "");
    assert!(text.contains(&honest_emission), "bundle layout");
    let mut inflated = chain.results()[1].statement.results.emission.clone();
    inflated[2] += 1;
    let tampered = text.replace(
        &honest_emission,
        &format!("\"emission\":{inflated:?}").replace(' ', ""),
    );
    for readdress in [false, true] {
        let dir = tmp.path().join(format!("tampered-{readdress}"));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::copy(
            &results[0].bundle,
            dir.join(results[0].bundle.file_name().expect("name")),
        )
        .expect("copy");
        let name = if readdress {
            zkyuma_subnet::bundle::EpochBundle::file_name(2, tampered.as_bytes()).0
        } else {
            e2_path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string()
        };
        std::fs::write(dir.join(name), &tampered).expect("write");
        let report = audit_dir(&dir, None).expect("audit runs");
        assert!(
            !report.passed(),
            "tampered emission (re-addressed: {readdress}) must fail"
        );
        assert!(report.epochs[0].failures.is_empty(), "epoch 1 untouched");
        let failures = report.epochs[1].failures.join("; ");
        assert!(failures.contains("epoch proof"), "{failures}");
    }
    // The chain state the statement was proven against is re-derived from the bundle's epoch
    // input: a kappa, or a stake changed in the input and the metagraph alike, re-addressed,
    // fails the audit by name.
    let honest: serde_json::Value = serde_json::from_str(&text).expect("bundle json");
    type BundleTamper = Box<dyn Fn(&mut serde_json::Value)>;
    let tampers: Vec<(&str, BundleTamper)> = vec![
        (
            "kappa",
            Box::new(|b| b["epoch_input"]["kappa"] = serde_json::json!(30000)),
        ),
        (
            "last update",
            // An accepted validator's row masked out as outdated.
            Box::new(|b| b["epoch_input"]["last_update"][0] = serde_json::json!(0)),
        ),
        (
            "stake",
            Box::new(|b| {
                let s = b["neurons"][0]["stake"].as_u64().expect("stake") * 3;
                b["neurons"][0]["stake"] = serde_json::json!(s);
                b["epoch_input"]["stake"][0] = serde_json::json!(s);
            }),
        ),
    ];
    // Epoch 2's bundle tampered, re-addressed, audited beside the honest epoch 1: its failures.
    let audit_tampered = |what: &str, tamper: &dyn Fn(&mut serde_json::Value)| -> String {
        let mut b = honest.clone();
        tamper(&mut b);
        let bytes = serde_json::to_vec(&b).expect("json");
        let dir = tmp
            .path()
            .join(format!("tampered-{}", what.replace(' ', "-")));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::copy(
            &results[0].bundle,
            dir.join(results[0].bundle.file_name().expect("name")),
        )
        .expect("copy");
        let name = zkyuma_subnet::bundle::EpochBundle::file_name(2, &bytes).0;
        std::fs::write(dir.join(name), &bytes).expect("write");
        let report = audit_dir(&dir, None).expect("audit runs");
        assert!(!report.passed(), "tampered {what} must fail");
        report.epochs[1].failures.join("; ")
    };
    for (what, tamper) in tampers {
        let failures = audit_tampered(what, &tamper);
        assert!(
            failures.contains("not the one derived from the epoch input"),
            "{what}: {failures}"
        );
        if what == "last update" {
            assert!(
                failures.contains("uid 0: last update 0 does not follow"),
                "{failures}"
            );
        }
    }
    // The miner commitments are re-derived from the bundle's task board: the honest miner's
    // commitment removed from it (so the statement seems to carry one nobody posted), or its
    // signature changed, re-addressed, fails the audit by name.
    let board_tampers: Vec<(&str, BundleTamper, &str)> = vec![
        (
            "commitment removed",
            Box::new(|b| {
                let c = b["tasks"]["commitments"]
                    .as_array_mut()
                    .expect("commitments");
                c.retain(|c| c["miner_uid"] != serde_json::json!(2));
            }),
            "is not the one posted to the chain",
        ),
        (
            "miner signature",
            Box::new(|b| {
                let c = &mut b["tasks"]["commitments"][0]["signature"];
                let s = c.as_str().expect("signature").to_string();
                let flipped = if s.starts_with('0') { "1" } else { "0" };
                *c = serde_json::json!(format!("{flipped}{}", &s[1..]));
            }),
            "miner signature does not verify",
        ),
    ];
    for (what, tamper, expected) in board_tampers {
        let failures = audit_tampered(what, &tamper);
        assert!(failures.contains(expected), "{what}: {failures}");
    }
    let gap = tmp.path().join("gap");
    std::fs::create_dir_all(&gap).expect("dir");
    std::fs::copy(&e2_path, gap.join(e2_path.file_name().expect("name"))).expect("copy");
    std::fs::write(gap.join("epoch-000001-0000.json"), b"{not json").expect("write");
    let report = audit_dir(&gap, None).expect("audit runs");
    assert!(!report.passed(), "a malformed bundle fails the audit");

    let _ = stop_miners.send(true);
    while miner_tasks.join_next().await.is_some() {}
    drop(stopped);
    chain_served.stop().await;
}
