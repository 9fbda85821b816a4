//! Sealed delivery (`net::sealed`): envelopes and disclosures posted by strangers. The input is
//! laid out as the envelope's ephemeral point (32 bytes), its proof (64), a disclosure's shared
//! point, challenge and response (32 each) and the ciphertext (the rest); the seeds are a real
//! envelope to a fixed recipient and the recipient's honest disclosure.
//!
//! What must hold, whatever the bytes:
//! - an envelope that opens passes `check_envelope`;
//! - a disclosure never yields a plaintext other than the one the recipient's secret opens, and
//!   never shows an envelope undecryptable that the secret opens (a miner cannot win a false
//!   complaint, an epoch prover cannot drop an honest row);
//! - envelopes and disclosures survive a write and a read as JSON;
//! - every refusal is a typed `SealError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::rand_core::SeedableRng;
use std::sync::OnceLock;
use zkyuma_subnet::net::sealed::{
    check_envelope, disclose, open, open_disclosed, seal, secret_from_seed, Disclosure, Envelope,
    RecipientSecret, Undecryptable,
};

const CONTEXT: &[u8] = b"zkyuma fuzz context";

fn recipient() -> &'static RecipientSecret {
    static R: OnceLock<RecipientSecret> = OnceLock::new();
    R.get_or_init(|| {
        let secret = secret_from_seed([7; 32]);
        if let Some(dir) = std::env::var_os("ZKYUMA_FUZZ_SEEDS") {
            // The seeds: a real envelope and its honest disclosure, laid out as the input is.
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
            for (name, payload) in [("short", &b"{\"records\":[[1,2]]}"[..]), ("empty", &b""[..])] {
                let env = seal(&secret.public(), CONTEXT, payload, &mut rng).expect("seals");
                let d = disclose(&secret, CONTEXT, &env, &mut rng).expect("discloses");
                let mut bytes = env.ephemeral.to_vec();
                bytes.extend(env.proof);
                bytes.extend(d.shared);
                bytes.extend(d.challenge);
                bytes.extend(d.response);
                bytes.extend(&env.ciphertext);
                let dir = std::path::PathBuf::from(&dir);
                std::fs::create_dir_all(&dir).expect("the seed directory");
                std::fs::write(dir.join(name), bytes).expect("write a seed");
            }
        }
        secret
    })
}

fn settles<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let back: T = serde_json::from_slice(&serde_json::to_vec(v).expect("serializes"))
        .expect("written JSON reads back");
    assert_eq!(&back, v);
}

fuzz_target!(|data: &[u8]| {
    let secret = recipient();
    if data.len() < 32 * 5 + 64 {
        return;
    }
    let take = |from: usize| -> [u8; 32] { data[from..from + 32].try_into().expect("32 bytes") };
    let env = Envelope {
        ephemeral: take(0),
        proof: data[32..96].try_into().expect("64 bytes"),
        ciphertext: data[192..].to_vec(),
    };
    let d = Disclosure {
        shared: take(96),
        challenge: take(128),
        response: take(160),
    };
    settles(&env);
    settles(&d);
    let me = secret.public();
    let checked = check_envelope(&me, CONTEXT, &env);
    let opened = open(secret, CONTEXT, &env);
    if opened.is_ok() {
        assert_eq!(checked, Ok(()), "an envelope that opens fails its check");
    }
    match open_disclosed(&me, CONTEXT, &env, &d) {
        Ok(Ok(plaintext)) => assert_eq!(
            opened,
            Ok(plaintext),
            "a disclosure yields another plaintext than the secret opens"
        ),
        Ok(Err(Undecryptable::Malformed(e))) => assert_eq!(checked, Err(e)),
        Ok(Err(Undecryptable::Aead)) => assert!(
            opened.is_err(),
            "a disclosure shows undecryptable an envelope the secret opens"
        ),
        Err(_) => {}
    }
});
