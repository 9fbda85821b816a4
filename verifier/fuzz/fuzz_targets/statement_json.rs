//! The statements a verifier reads as JSON (the first byte picks score or epoch): a document
//! that parses round-trips through JSON unchanged, its shape check never panics, and a statement
//! that passes it yields its public inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkyuma_circuits::epoch::EpochStatement;
use zkyuma_circuits::score::ScoreStatement;

fuzz_target!(|data: &[u8]| {
    let Some((&which, doc)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(st) = serde_json::from_slice::<ScoreStatement>(doc) {
            let text = serde_json::to_string(&st).expect("a statement serializes");
            let again: ScoreStatement = serde_json::from_str(&text).expect("and parses back");
            assert_eq!(again, st);
            if st.validate().is_ok() {
                assert_eq!(st.public_inputs().len(), zkyuma_circuits::score::PUBLIC_INPUTS);
            }
        }
    } else if let Ok(st) = serde_json::from_slice::<EpochStatement>(doc) {
        let text = serde_json::to_string(&st).expect("a statement serializes");
        let again: EpochStatement = serde_json::from_str(&text).expect("and parses back");
        assert_eq!(again, st);
        if st.validate().is_ok() {
            let _ = st.public_digest();
        }
    }
});
