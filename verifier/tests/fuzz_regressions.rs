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
