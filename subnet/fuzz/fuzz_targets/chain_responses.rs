//! What the roles take from the chain's answers: the first byte picks the response, the rest is
//! its protobuf encoding, decoded as the miner, validator, epoch prover and auditor decode it —
//! the epoch state's and the task board's JSON, a receipt's verdict, the metagraph's and the
//! seed's fixed-width fields. Each is taken or refused with a typed error, never a panic; what is
//! taken writes back to JSON that reads back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use zkyuma_subnet::chain::tasks::TaskBoard;
use zkyuma_subnet::chain::{EpochState, Refusal};
use zkyuma_subnet::net::protocol::{self, pb};

/// `value` survives a write and a read: written again, it is the same JSON.
fn settles<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) {
    let once = serde_json::to_vec(value).expect("a value serializes");
    let back: T = serde_json::from_slice(&once).expect("written JSON reads back");
    assert_eq!(
        serde_json::to_vec(&back).expect("a value serializes"),
        once,
        "a value does not survive a write and a read"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, msg)) = data.split_first() else {
        return;
    };
    match which % 5 {
        0 => {
            let Ok(m) = pb::EpochState::decode(msg) else { return };
            if let Ok(s) = protocol::json_field::<EpochState>("state_json", &m.state_json) {
                settles(&s);
            }
        }
        1 => {
            let Ok(m) = pb::TaskBoard::decode(msg) else { return };
            if let Ok(board) = protocol::json_field::<TaskBoard>("board_json", &m.board_json) {
                settles(&board);
                let again: TaskBoard =
                    serde_json::from_slice(&protocol::to_json(&board)).expect("reads back");
                assert_eq!(again, board);
                for t in &board.tasks {
                    for e in &t.envelopes {
                        let _ = board.commitment(t.validator_uid, e.uid);
                        let _ = board.complaint(t.validator_uid, e.uid);
                    }
                }
            }
        }
        2 => {
            let Ok(m) = pb::Receipt::decode(msg) else { return };
            match protocol::verdict(&m) {
                Ok(()) => assert!(m.accepted),
                Err(refusal) => {
                    assert!(!m.accepted);
                    settles(&refusal);
                    let back: Refusal =
                        serde_json::from_slice(&protocol::to_json(&refusal)).expect("reads back");
                    assert_eq!(back, refusal);
                }
            }
        }
        3 => {
            let Ok(m) = pb::Metagraph::decode(msg) else { return };
            for n in &m.neurons {
                match protocol::bytes32("hotkey", &n.hotkey) {
                    Ok(h) => assert_eq!(h.as_slice(), n.hotkey.as_slice()),
                    Err(_) => assert_ne!(n.hotkey.len(), 32),
                }
                match protocol::u16_field("uid", n.uid) {
                    Ok(u) => assert_eq!(u32::from(u), n.uid),
                    Err(_) => assert!(n.uid > u32::from(u16::MAX)),
                }
            }
        }
        _ => {
            let Ok(m) = pb::EpochSeed::decode(msg) else { return };
            for (field, bytes) in [("sample_seed", &m.sample_seed)] {
                if let Ok(b) = protocol::bytes32(field, bytes) {
                    assert_eq!(b.as_slice(), bytes.as_slice());
                }
            }
        }
    }
});
