//! The epoch seed comes from a randomness beacon (a local beacon with its own key, through the
//! same verification as drand quicknet), over real loopback gRPC: nothing the epoch prover or a
//! validator chooses enters it, a round signed by another key or another round is refused by
//! name, and an evaluation set registered once the epoch's round is fixed waits for the next
//! epoch (so no validator picks its labels after the seed is known).

mod local_subnet;

use zkyuma_subnet::audit::audit_dir;
use zkyuma_subnet::chain::beacon::{verify_round, LocalBeacon};
use zkyuma_subnet::chain::{epoch_seed, Refusal};
use zkyuma_subnet::net::protocol::{pb, verdict};
use zkyuma_subnet::net::serve::chain_client;
use zkyuma_subnet::roles::epoch_prover::EpochProverError;

fn now() -> u64 {
    zkyuma_subnet::chain::unix_now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_seed_comes_from_the_beacon_not_the_epoch_prover() {
    let net = local_subnet::start("seed", &[3_000_000, 2_000_000], &[0; 5], |_| {}).await;
    let mut client = chain_client(&net.chain_url).expect("client");
    let beacon = LocalBeacon::demo();
    for v in &net.validators {
        assert_eq!(v.register().await.expect("register"), (true, String::new()));
    }
    let request = || pb::MetagraphRequest { netuid: 1 };
    let post = |round: u64, signature: Vec<u8>| pb::BeaconRoundPost { round, signature };

    // No round is fixed before anyone asks for the seed: a posted round is not the epoch's.
    let early = beacon.round(beacon.info().round_at(now()));
    let r = client
        .post_beacon_round(post(early.round, early.signature.clone()))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        verdict(&r),
        Err(Refusal::WrongBeaconRound {
            expected: None,
            got: early.round
        })
    );
    // The epoch prover cannot close an epoch whose seed is not known (it would pick which rows
    // count, and re-roll the next seed).
    let early = net.prover.prove_and_submit(1).await;
    assert!(
        matches!(
            early,
            Err(EpochProverError::Refused(Refusal::SeedUnknown { epoch: 1 }))
        ),
        "{early:?}"
    );
    // Asking fixes a round that is not published yet.
    let asked_at = now();
    let status = client.get_seed(request()).await.expect("rpc").into_inner();
    assert_eq!(status.epoch, 1);
    assert!(
        status.round > beacon.info().round_at(asked_at),
        "a future round"
    );
    assert_eq!(status.published_at, beacon.info().time_of(status.round));
    // The fixed round signed by another key, and another round signed by the beacon: refused.
    let forger = LocalBeacon::from_seed([7; 32], 0, 1);
    let forged = forger.round(status.round);
    let r = client
        .post_beacon_round(post(forged.round, forged.signature))
        .await
        .expect("rpc")
        .into_inner();
    assert!(
        matches!(verdict(&r), Err(Refusal::BadBeaconRound { .. })),
        "{}",
        r.reason
    );
    let other = beacon.round(status.round + 1);
    let r = client
        .post_beacon_round(post(other.round, other.signature))
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(
        verdict(&r),
        Err(Refusal::WrongBeaconRound {
            expected: Some(status.round),
            got: status.round + 1
        })
    );

    // Epoch 1 runs once the round is published (the validators wait for it).
    for v in &net.validators {
        let report = v.run_epoch(1, None).await.expect("validator epoch");
        assert_eq!(report.accepted, (true, String::new()));
    }
    let seed1 = client.get_seed(request()).await.expect("rpc").into_inner();
    let round1 = beacon.round(status.round);
    let randomness = verify_round(&beacon.info(), &round1).expect("the beacon's round");
    assert_eq!(
        seed1.sample_seed,
        epoch_seed(1, 1, status.round, &randomness).to_vec(),
        "the seed is the beacon round's"
    );
    net.prover.prove_and_submit(1).await.expect("epoch 1 paid");
    let paid_at = now();

    // The attack: the epoch prover chose epoch 1's bonds blinding (and so its digest), from
    // which the old seed was hashed. Epoch 2's seed is the beacon's round alone, fixed after
    // payment in the future of the payment.
    let status2 = client.get_seed(request()).await.expect("rpc").into_inner();
    assert_eq!(status2.epoch, 2);
    assert!(status2.round > beacon.info().round_at(paid_at));
    let round2 = beacon.round(status2.round);
    let expected2 = epoch_seed(1, 2, status2.round, &round2.randomness());
    // Relay the round as a drand relay would (before the chain reads it itself, or after).
    while now() < status2.published_at {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = client
        .post_beacon_round(post(round2.round, round2.signature.clone()))
        .await
        .expect("rpc")
        .into_inner();
    assert!(r.accepted, "{}", r.reason);
    let seed2 = client.get_seed(request()).await.expect("rpc").into_inner();
    assert_eq!(seed2.sample_seed, expected2.to_vec());
    let meta = client
        .get_metagraph(request())
        .await
        .expect("rpc")
        .into_inner();
    assert_eq!(meta.sample_seed, expected2.to_vec());

    // The bundle carries the round; the auditor verifies it and re-derives the seed, and a
    // bundle whose round was swapped for a forged one (re-addressed) fails by name.
    let report = audit_dir(&net.bundles(), None).expect("audit");
    assert!(report.passed(), "{}", report.render());
    let path = &net.chain.results()[0].bundle;
    let mut b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("bundle")).expect("json");
    b["beacon_round"]["signature"] =
        serde_json::json!(hex::encode(forger.round(status.round).signature));
    let bytes = serde_json::to_vec(&b).expect("json");
    let dir = net.dir.join("forged-round");
    std::fs::create_dir_all(&dir).expect("dir");
    let name = zkyuma_subnet::bundle::EpochBundle::file_name(1, &bytes).0;
    std::fs::write(dir.join(name), &bytes).expect("write");
    let report = audit_dir(&dir, None).expect("audit");
    let failures = report.epochs[0].failures.join("; ");
    assert!(
        failures.contains(&format!("beacon round {}", status.round)),
        "{failures}"
    );
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn labels_registered_after_the_seed_is_fixed_wait_for_the_next_epoch() {
    let net = local_subnet::start("labels", &[3_000_000, 2_000_000], &[0; 5], |_| {}).await;
    let (v0, v1) = (&net.validators[0], &net.validators[1]);
    assert_eq!(
        v0.register().await.expect("register"),
        (true, String::new())
    );
    // v0 asks for the seed, which fixes epoch 1's beacon round.
    let mut client = chain_client(&net.chain_url).expect("client");
    client
        .get_seed(pb::MetagraphRequest { netuid: 1 })
        .await
        .expect("rpc");
    // The attack: v1 registers its labels only now (after it could wait for the seed and the
    // miners' answers). The registration is accepted for the next epoch only.
    assert_eq!(
        v1.register().await.expect("register"),
        (true, String::new())
    );
    let r0 = v0.run_epoch(1, None).await.expect("v0 epoch 1");
    assert_eq!(r0.accepted, (true, String::new()));
    let r1 = v1.run_epoch(1, None).await.expect("v1 epoch 1");
    assert_eq!(
        r1.accepted,
        (false, Refusal::NoDataset.to_string()),
        "v1's late labels do not count in epoch 1"
    );
    net.prover.prove_and_submit(1).await.expect("epoch 1 paid");
    let r1 = v1.run_epoch(2, None).await.expect("v1 epoch 2");
    assert_eq!(r1.accepted, (true, String::new()), "active from epoch 2");
    net.stop().await;
}
