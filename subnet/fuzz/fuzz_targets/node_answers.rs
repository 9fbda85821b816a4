//! What the live audit takes from a node (the first byte picks): a registry log's topics and
//! data, a recording of answers, and a block's `System::Events` decoded with mainnet's metadata.
//! Each is decoded or refused with a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use zkyuma_subnet::chain::subtensor::{decode_metadata, OfflineChain, MAINNET_METADATA};
use zkyuma_subnet::subtensor_audit::{score_record, Recording};

fn chain() -> &'static OfflineChain {
    static CHAIN: OnceLock<OfflineChain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        OfflineChain::new(
            decode_metadata(MAINNET_METADATA).expect("mainnet metadata"),
            [0; 32],
            0,
            1,
        )
        .expect("offline chain")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            // The first byte counts the topics, then the topics, then the data.
            let Some((&n, rest)) = rest.split_first() else {
                return;
            };
            let n = usize::from(n % 6);
            if rest.len() < 32 * n {
                return;
            }
            let topics: Vec<[u8; 32]> = rest[..32 * n]
                .chunks(32)
                .map(|c| {
                    let mut t = [0u8; 32];
                    t.copy_from_slice(c);
                    t
                })
                .collect();
            let log = &rest[32 * n..];
            if let Ok(Some(r)) = score_record(7, &topics, log) {
                assert_eq!((topics.len(), log.len()), (4, 320));
                assert_eq!((r.key_id, r.hotkey), (topics[1], topics[3]));
                assert_eq!(r.weights[..], log[..32]);
            }
        }
        1 => {
            if let Ok(r) = Recording::from_json(rest) {
                let text = serde_json::to_vec(&r).expect("serializes");
                assert_eq!(Recording::from_json(&text), Ok(r));
            }
        }
        _ => {
            let _ = chain().evm_logs(rest.to_vec());
        }
    }
});
