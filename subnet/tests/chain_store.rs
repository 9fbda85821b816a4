//! The chain's redb store: a restart resumes the same chain, a configuration meaning another
//! chain is refused by name, and a damaged database file is refused without a panic.

use std::path::Path;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_subnet::chain::{
    ChainError, ChainStore, EmbeddedChain, KeyRegistration, Neuron, SubnetConfig,
};
use zkyuma_subnet::net::hotkey::Hotkey;

fn key(name: &str) -> KeyRegistration {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../params")
        .join(name)
        .join("vk.bin");
    KeyRegistration {
        name: name.into(),
        system: ProofSystem::Groth16,
        bytes: std::fs::read(path).expect("pinned vk"),
        transcript_hash: None,
    }
}

fn open(dir: &Path, config: SubnetConfig) -> Result<(EmbeddedChain, bool), ChainError> {
    let neurons = (0..4)
        .map(|i| Neuron {
            hotkey: Hotkey::demo(&format!("n{i}")).public(),
            stake: if i < 2 { 1_000_000_000 } else { 0 },
            endpoint: String::new(),
        })
        .collect();
    let store = ChainStore::open(&dir.join("chain.redb"))
        .map_err(|e| ChainError::Storage(e.to_string()))?;
    EmbeddedChain::open(
        config,
        neurons,
        key("score-mse-a16-4x4-d3-hidden"),
        key("epoch-2x4-yuma3"),
        dir.join("bundles"),
        store,
    )
}

fn config() -> SubnetConfig {
    SubnetConfig::local(
        Scoring::Mse { amplification: 16 },
        ScoreShape {
            miners: 4,
            samples: 4,
            depth: 3,
            mode: WeightsMode::Hidden,
        },
        EpochShape {
            validators: 2,
            uids: 4,
            bonds: BondsRule::Yuma3,
        },
    )
}

#[test]
fn a_restart_resumes_and_another_chain_is_refused() {
    // Why: a killed chain must restart where it stopped, and must not silently run another
    // configuration over its stored state.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (chain, resumed) = open(tmp.path(), config()).expect("genesis");
    assert!(!resumed);
    let metagraph = chain.metagraph();
    drop(chain);
    let (chain, resumed) = open(tmp.path(), config()).expect("resume");
    assert!(resumed);
    assert_eq!(chain.metagraph(), metagraph);
    drop(chain);
    let mut other = config();
    other.kappa += 1;
    assert!(matches!(
        open(tmp.path(), other),
        Err(ChainError::Config(m)) if m.contains("subnet's parameters")
    ));
}

#[test]
fn a_damaged_store_is_refused_without_a_panic() {
    // Why: the store is outside input after a crash or a disk fault; it gets a typed error.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("chain.redb"), vec![0x5a; 4096]).expect("write");
    assert!(matches!(
        open(tmp.path(), config()),
        Err(ChainError::Storage(_))
    ));
}

#[test]
fn genesis_permits_follow_subtensors_tie_rule() {
    // Why: genesis must give permits as every later epoch does (`is_topk_nonzero`: on a stake
    // tie the lower uid loses), or the permit set changes after epoch 1 by itself.
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut one = config();
    one.max_allowed_validators = 1;
    let (chain, _) = open(tmp.path(), one).expect("genesis");
    let permits: Vec<bool> = chain
        .metagraph()
        .neurons
        .iter()
        .map(|n| n.validator_permit)
        .collect();
    assert_eq!(permits, vec![false, true, false, false]);
}
