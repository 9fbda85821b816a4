//! The subnet with every role as its own OS process (`zkyuma serve ...`) on loopback: one epoch
//! with real proofs, the chain killed (SIGKILL) and restarted from its redb store between the two
//! validators' submissions and again after payment, and the bundles audited over gRPC.

use serde_json::json;
use std::time::Duration;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_subnet::chain::SubnetConfig;
use zkyuma_subnet::demo::processes::RoleProcess;
use zkyuma_subnet::net::protocol::pb;

mod common;
use common::{start_role as start, write_role_config as write};

async fn chain_epoch(url: &str) -> Option<u64> {
    let mut c = zkyuma_subnet::net::serve::chain_client(url).ok()?;
    let m = c
        .get_metagraph(pb::MetagraphRequest { netuid: 1 })
        .await
        .ok()?
        .into_inner();
    Some(m.epoch)
}

#[test]
fn one_epoch_with_every_role_a_process_and_the_chain_killed_twice() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    // Keys for a 2-validator × 4-uid subnet (the pinned test shapes), set up here.
    let scoring = Scoring::Mse { amplification: 16 };
    let score_shape = ScoreShape {
        miners: 4,
        samples: 4,
        depth: 3,
        mode: WeightsMode::Hidden,
    };
    let epoch_shape = EpochShape {
        validators: 2,
        uids: 4,
        bonds: BondsRule::Yuma3,
    };
    let (params, keys) = (dir.join("params"), dir.join("keys"));
    let insecure = || SetupKind::InsecureDeterministic {
        seed: "processes-test".into(),
    };
    let score_name = zkyuma_prover::score::params_name(&scoring, &score_shape);
    let epoch_name = zkyuma_prover::epoch::params_name(&epoch_shape);
    let sk = zkyuma_prover::score::setup_score(scoring, score_shape, insecure()).expect("setup");
    KeyPaths::new(&params, &keys, &score_name)
        .save(&sk)
        .expect("save");
    let ek = zkyuma_prover::epoch::setup_epoch(epoch_shape, insecure()).expect("setup");
    KeyPaths::new(&params, &keys, &epoch_name)
        .save(&ek)
        .expect("save");

    let data = json!({ "hospitals": 2, "per_hospital": 8, "seed": 7 });
    // Every role process is killed when the test ends, however it ends.
    let mut procs: Vec<RoleProcess> = Vec::new();

    // The chain: first on a free port, then always on that one.
    let subnet = SubnetConfig::local(scoring, score_shape, epoch_shape);
    let chain_config = |listen: &str| {
        json!({
            "listen": listen, "store": dir.join("chain/chain.redb"),
            "bundles": dir.join("chain/bundles"), "params": params,
            "score_key": score_name, "epoch_key": epoch_name, "subnet": subnet,
            "neurons": [
                { "hotkey": { "demo": "hospital-0" }, "stake": 2_000_000_000_000u64 },
                { "hotkey": { "demo": "hospital-1" }, "stake": 1_000_000_000_000u64 },
                { "hotkey": { "demo": "miner-0" }, "stake": 0 },
                { "hotkey": { "demo": "miner-1" }, "stake": 0 },
            ]
        })
    };
    let cfg = write(&dir.join("chain.json"), &chain_config("127.0.0.1:0"));
    let (child, addr) = start("chain", &cfg, true);
    let chain_addr = addr.expect("address");
    let chain_url = format!("http://{chain_addr}");
    let chain_cfg = write(&dir.join("chain.json"), &chain_config(&chain_addr));
    procs.push(child);
    let mut chain_index = procs.len() - 1;

    // Two miners, each watching the chain's task board (they outlive its restarts).
    for (i, model) in [
        json!({ "kind": "linear", "columns": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }),
        json!({ "kind": "mean" }),
    ]
    .into_iter()
    .enumerate()
    {
        let cfg = write(
            &dir.join(format!("miner-{i}.json")),
            &json!({ "chain": chain_url, "netuid": 1, "hotkey": { "demo": format!("miner-{i}") },
                     "model": model, "data": data, "behaviour": "honest", "poll_ms": 100 }),
        );
        procs.push(start("miner", &cfg, false).0);
    }

    // The epoch prover: one epoch, then it exits.
    let cfg = write(
        &dir.join("epoch-prover.json"),
        &json!({ "hotkey": { "demo": "epoch-prover" }, "netuid": 1, "chain": chain_url,
                 "keys": { "params": params, "keys": keys, "name": epoch_name },
                 "shape": epoch_shape, "state_dir": dir.join("epoch-prover"),
                 "poll_ms": 100, "epochs": 1 }),
    );
    let (prover, _) = start("epoch-prover", &cfg, false);
    procs.push(prover);
    let prover_index = procs.len() - 1;

    let validator = |i: usize, epochs: u64| {
        let cfg = write(
            &dir.join(format!("validator-{i}.json")),
            &json!({ "name": format!("hospital-{i}"), "hotkey": { "demo": format!("hospital-{i}") },
                     "netuid": 1, "chain": chain_url,
                     "records": { "patients": { "data": data, "hospital": i } },
                     "uids": 4, "samples": 4, "depth": 3, "scoring": scoring,
                     "keys": { "params": params, "keys": keys, "name": score_name },
                     "state_dir": dir.join(format!("hospital-{i}")),
                     "epochs": epochs, "poll_ms": 100 }),
        );
        start("validator", &cfg, false).0
    };

    // Both validators register first (a registration made once the epoch's beacon round is
    // fixed counts from the next epoch only); validator 1 then waits.
    validator(1, 0)
        .wait(Duration::from_secs(120))
        .expect("validator 1 registers");
    // Validator 0 submits and opens; then the chain is killed and restarted from its store.
    let mut v0 = validator(0, 1);
    v0.wait(Duration::from_secs(300)).expect("validator 0");
    let restart = |procs: &mut Vec<RoleProcess>, index: usize| {
        procs[index].kill();
        let (child, addr) = start("chain", &chain_cfg, true);
        assert_eq!(addr.as_deref(), Some(chain_addr.as_str()), "same address");
        procs.push(child);
        procs.len() - 1
    };
    chain_index = restart(&mut procs, chain_index);
    assert_eq!(
        rt.block_on(chain_epoch(&chain_url)),
        Some(1),
        "still epoch 1"
    );

    // Validator 1; the epoch prover then proves the epoch and the chain pays it.
    let mut v1 = validator(1, 1);
    v1.wait(Duration::from_secs(300)).expect("validator 1");
    procs[prover_index]
        .wait(Duration::from_secs(300))
        .expect("the epoch prover");
    assert_eq!(
        rt.block_on(chain_epoch(&chain_url)),
        Some(2),
        "epoch 1 paid"
    );

    // Killed again after payment: the restarted chain still serves epoch 1's bundle.
    let _ = restart(&mut procs, chain_index);
    assert_eq!(rt.block_on(chain_epoch(&chain_url)), Some(2));
    let fetched = dir.join("fetched");
    let report = rt
        .block_on(zkyuma_subnet::audit::audit_chain(
            &chain_url,
            1,
            1..=1,
            &fetched,
            Some(&params),
        ))
        .expect("audit over gRPC");
    assert!(report.passed(), "{}", report.render());
    assert_eq!(
        report.epochs[0].score_proofs, 2,
        "both validators' proofs, one before and one after the restart"
    );
}
