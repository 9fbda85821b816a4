//! The protocol tests' local subnet ([`zkyuma_subnet::local`]) at its tiny shape: 7 uids, the
//! validators first, then miners (by default the first answers with a perfect model, the others
//! stay silent); 2 epoch-circuit rows; a 1.5 s commit window.

#![allow(dead_code, unused_imports)]

use zkyuma_subnet::chain::SubnetConfig;
use zkyuma_subnet::local::{local_keys, LocalSubnetSpec};
pub use zkyuma_subnet::local::{records, shapes, LocalSubnet, UIDS};
use zkyuma_subnet::roles::miner::Behaviour;

/// Start a subnet: validators with `validator_stakes`, then miners with `miner_stakes` (the
/// first miner honest), the subnet configuration adjusted by `tweak`.
pub async fn start(
    name: &str,
    validator_stakes: &[u64],
    miner_stakes: &[u64],
    tweak: impl FnOnce(&mut SubnetConfig),
) -> LocalSubnet {
    let miners: Vec<(u64, Behaviour)> = miner_stakes
        .iter()
        .enumerate()
        .map(|(i, stake)| {
            let b = if i == 0 {
                Behaviour::Honest
            } else {
                Behaviour::Silent
            };
            (*stake, b)
        })
        .collect();
    start_with(name, validator_stakes, &miners, tweak).await
}

/// Start a subnet whose miners have the given (stake, behaviour), all with the perfect model.
pub async fn start_with(
    name: &str,
    validator_stakes: &[u64],
    miner_specs: &[(u64, Behaviour)],
    tweak: impl FnOnce(&mut SubnetConfig),
) -> LocalSubnet {
    let keys = local_keys().expect("local setup");
    start_keyed(name, validator_stakes, miner_specs, keys, tweak).await
}

/// Start a subnet with the given keys (score, epoch), each registered under its name.
pub async fn start_keyed(
    name: &str,
    validator_stakes: &[u64],
    miner_specs: &[(u64, Behaviour)],
    keys: [(String, zkyuma_prover::keys::Keys); 2],
    tweak: impl FnOnce(&mut SubnetConfig),
) -> LocalSubnet {
    let spec = LocalSubnetSpec {
        name: name.into(),
        validator_stakes: validator_stakes.to_vec(),
        miners: miner_specs.to_vec(),
        keys,
        dir: None,
        score_prover: None,
        epoch_prover: None,
    };
    LocalSubnet::start(spec, tweak).await.expect("local subnet")
}
