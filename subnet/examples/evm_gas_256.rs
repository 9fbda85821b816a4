//! Gas of an on-chain score-proof verification at the network shape (256 miners × 32 samples,
//! depth 10, hidden row): a real setup (INSECURE deterministic demo seed), a real proof of a
//! synthetic round, the generated verifier and the registry compiled by solc-js and run in revm
//! with Bittensor's precompile map. Needs about 2 GB of memory and a few minutes on 2 cores.
//!
//! ```sh
//! cargo run --release -p zkyuma-subnet --example evm_gas_256
//! ```
#[path = "../tests/evm_support/mod.rs"]
mod evm_support;

use evm_support::{deploy_verifier, deployer, register_call, registry, verify_call, Chain, Evm};
use revm::primitives::{keccak256, Address};
use std::time::Instant;
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::{Scoring, ScoringFunction};
use zkyuma_prover::keys::SetupKind;
use zkyuma_prover::score::{prove_score, setup_score};
use zkyuma_verifier::evm::{key_id_preimage, submit_score_calldata, PrecompileMap};
use zkyuma_verifier::{Proof, VerifyingKey};

fn main() {
    let shape = ScoreShape {
        miners: 256,
        samples: 32,
        depth: 10,
        mode: WeightsMode::Hidden,
    };
    let scoring = Scoring::Mse { amplification: 16 };
    let started = Instant::now();
    let keys = setup_score(
        scoring,
        shape,
        SetupKind::InsecureDeterministic {
            seed: "zkyuma-insecure-demo-setup".into(),
        },
    )
    .expect("setup");
    eprintln!("setup: {:.1} s", started.elapsed().as_secs_f64());
    let round = zkyuma_subnet::examples::synthetic_round(&shape, 1);
    let started = Instant::now();
    let proved = prove_score(&keys, scoring, &round).expect("prove");
    eprintln!("prove: {:.1} s", started.elapsed().as_secs_f64());
    let vk = VerifyingKey::from_bytes(&keys.vk_bytes(), 6).expect("vk");
    let proof = Proof::from_bytes(&proved.proof).expect("proof");
    let st = proved.statement;
    let inputs = st.public_inputs();

    let mut evm = Evm::new(Chain::Bittensor);
    let circuit = format!("score/{}", scoring.id());
    let (verifier, compiled) = deploy_verifier(
        &mut evm,
        &vk,
        PrecompileMap::Bittensor,
        &circuit,
        &shape.name(),
    );
    let verify = evm.call(deployer(), verifier, verify_call(&proof, &inputs));
    assert!(verify.returned_bool(), "the 256-miner proof must verify");

    let reg = evm.deploy(deployer(), &registry().creation);
    let register = register_call(st.netuid, &circuit, &shape.name(), 1, verifier, 1);
    assert!(evm.call(deployer(), reg, register).success, "register");
    let pre = key_id_preimage(st.netuid, &circuit, &shape.name(), 1);
    let key = keccak256(&pre).0;
    let submit = evm.call(
        Address::from_slice(&st.validator_hotkey[..20]),
        reg,
        submit_score_calldata(
            &key,
            st.epoch,
            &st.validator_hotkey,
            &inputs[4],
            &inputs[5],
            &proof,
        ),
    );
    assert!(submit.success, "submitScore: {submit:?}");
    println!(
        "256x32-d10-hidden on the Bittensor precompile map:\n  verifyProof transaction: {} gas\n  \
         submitScore transaction (verify + record): {} gas\n  verifier runtime code: {} bytes\n  \
         registry runtime code: {} bytes",
        verify.gas,
        submit.gas,
        compiled.runtime.len(),
        registry().runtime.len()
    );
}
