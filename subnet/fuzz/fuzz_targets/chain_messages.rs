//! The embedded chain's gRPC requests, as the chain service hands them over once decoded: the
//! first byte picks the message, the rest is its protobuf encoding. A message that decodes is
//! either taken or refused with a typed error, never a panic, and re-encodes to a message that
//! decodes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::OnceLock;
use zkyuma_circuits::epoch::{BondsRule, EpochShape};
use zkyuma_circuits::score::{ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_circuits::statement::ProofSystem;
use zkyuma_subnet::chain::{EmbeddedChain, KeyRegistration, Neuron, SubnetConfig};
use zkyuma_subnet::net::hotkey::Hotkey;
use zkyuma_subnet::net::protocol::pb;

/// A 4-uid chain (two validators, two miners) with the pinned insecure keys of `params/`.
fn chain() -> &'static EmbeddedChain {
    static CHAIN: OnceLock<EmbeddedChain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let config = SubnetConfig::local(
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
        );
        let neurons = (0..4)
            .map(|i| Neuron {
                hotkey: Hotkey::demo(&format!("fuzz-{i}")).public(),
                stake: if i < 2 { 1_000_000 } else { 0 },
                endpoint: String::new(),
            })
            .collect();
        let key = |name: &str, bytes: &[u8]| KeyRegistration {
            name: name.into(),
            system: ProofSystem::Groth16,
            bytes: bytes.to_vec(),
            transcript_hash: None,
        };
        let dir = std::env::temp_dir().join(format!("zkyuma-fuzz-chain-{}", std::process::id()));
        EmbeddedChain::genesis(
            config,
            neurons,
            key(
                "score-mse-a16-4x4-d3-hidden",
                include_bytes!("../../../params/score-mse-a16-4x4-d3-hidden/vk.bin"),
            ),
            key(
                "epoch-2x4-yuma3",
                include_bytes!("../../../params/epoch-2x4-yuma3/vk.bin"),
            ),
            dir,
        )
        .expect("the fuzzing chain's genesis")
    })
}

fn round_trip<M: Message + Default + PartialEq + std::fmt::Debug>(m: &M) {
    let again = M::decode(m.encode_to_vec().as_slice()).expect("a message re-encodes");
    assert_eq!(&again, m);
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, msg)) = data.split_first() else {
        return;
    };
    let chain = chain();
    macro_rules! take {
        ($ty:ty, $call:ident) => {
            if let Ok(m) = <$ty>::decode(msg) {
                round_trip(&m);
                let _ = chain.$call(&m);
            }
        };
    }
    match which % 7 {
        0 => take!(pb::DatasetRegistration, register_dataset),
        1 => take!(pb::TaskPost, post_task),
        2 => take!(pb::CommitmentPost, post_commitment),
        3 => take!(pb::ComplaintPost, post_complaint),
        4 => take!(pb::ScoreSubmission, submit_score),
        5 => take!(pb::EpochSubmission, submit_epoch),
        _ => {
            if let Ok(m) = pb::BundleRequest::decode(msg) {
                round_trip(&m);
                let _ = chain.bundle(m.epoch);
            }
        }
    }
});
