//! Inputs the fuzzers (`verifier/fuzz`) found, each kept as a test named after its finding, and
//! the neighbouring cases the fix covers.

use zkyuma_verifier::{Proof, VerifyError, VerifyingKey};

/// `verifying_key_bytes` crash-03fafed3: an `IC` point whose compressed bytes carry the identity
/// flag beside non-zero coordinate bytes decoded (as the identity), so one key had many
/// encodings. Only the canonical encoding is a key now.
#[test]
fn verifying_key_bytes_crash_03fafed3_a_flagged_identity_with_coordinate_bytes_is_refused() {
    let data = include_bytes!("regressions/verifying_key_bytes-crash-03fafed3");
    let (n, key) = (usize::from(data[0] % 9), &data[1..]);
    assert_eq!(
        VerifyingKey::from_bytes(key, n),
        Err(VerifyError::Encoding {
            what: "verifying key"
        })
    );
}

/// The same flag in a proof's `A`: refused as a non-canonical encoding (the identity itself,
/// canonically encoded, is refused by name).
#[test]
fn a_proof_point_flagged_as_identity_is_refused_whatever_its_bytes() {
    let good = include_bytes!("regressions/score-proof");
    assert!(Proof::from_bytes(good).is_ok());
    let mut junk = *good;
    junk[31] |= 0x40; // A's infinity flag, its coordinate bytes left in place
    assert_eq!(
        Proof::from_bytes(&junk),
        Err(VerifyError::Encoding { what: "proof" })
    );
    let mut identity = *good;
    identity[..32].fill(0);
    identity[31] = 0x40;
    assert_eq!(
        Proof::from_bytes(&identity),
        Err(VerifyError::IdentityPoint { element: "a" })
    );
}

/// `halo2_key_bytes` crash-fffe77c7: halo2's own key header names its rows (`k`) again, and its
/// reader built the evaluation domain from that `k` before anything checked it: `2^12558` rows
/// asserted inside halo2 (a panic the decoder's `catch_unwind` contained, but a panic all the
/// same, and a large enough `k` would have allocated `2^k` selector bits first). halo2's header
/// must now name the rows the key's own header bounded, or the key is refused before halo2
/// reads it.
#[test]
fn halo2_key_bytes_crash_fffe77c7_halo2s_header_must_name_the_bounded_rows() {
    use zkyuma_circuits::statement::ProofSystem;
    use zkyuma_verifier::halo2::Halo2Key;
    let rows = VerifyError::Encoding {
        what: "halo2 key: rows",
    };
    let data = include_bytes!("regressions/halo2_key_bytes-crash-fffe77c7");
    let refused = Halo2Key::from_bytes(ProofSystem::Halo2Ipa, &data[1..], 1);
    assert_eq!(refused.err(), Some(rows.clone()));
    let honest: &[u8] =
        include_bytes!("../../params/score-mse-a16-12x16-d7-hidden.halo2-ipa/vk.bin");
    let key = Halo2Key::from_bytes(ProofSystem::Halo2Ipa, honest, 6).expect("the pinned key");
    assert_eq!(key.k(), 14);
    // Our header is the magic, scheme, limb bits and k (4 bytes); halo2's follows: its version,
    // then its k. One row exponent more or less there, or another version, is refused.
    let inner = zkyuma_verifier::halo2::KEY_MAGIC.len() + 1 + 1 + 4;
    assert_eq!(honest[inner], 0x02);
    for (offset, value) in [
        (inner + 1, 15u8),
        (inner + 1, 13),
        (inner, 0x03),
        (inner + 4, 1),
    ] {
        let mut changed = honest.to_vec();
        changed[offset] = value;
        assert_eq!(
            Halo2Key::from_bytes(ProofSystem::Halo2Ipa, &changed, 6).err(),
            Some(rows.clone()),
            "byte {offset} set to {value}"
        );
    }
}
