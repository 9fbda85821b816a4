//! Timelocked weight commits (commit-reveal version 4) against real drand quicknet data: the
//! round-1000 pulse subtensor's drand pallet tests store verifies against zkyuma's round
//! identity, a row committed to round 1000 is revealed with that pulse's signature — by zkyuma's
//! reveal and by a decryption written here, step by step from the runtime's `tld` — and every
//! tamper is refused by name. The commit's layout, its SCALE payload and the extrinsics built
//! against the committed runtime metadata are pinned byte by byte.

use aes_gcm::aead::{Aead, KeyInit};
use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::PrimeField;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::SeedableRng;
use sha2_10::{Digest, Sha256};
use zkyuma_subnet::chain::subtensor::{
    self, decode_call, decode_metadata, value_u128, WeightsPath,
};
use zkyuma_subnet::chain::timelock::{
    self, reveal, RevealedWeights, TimelockError, TimelockedCommit,
};

/// drand quicknet round 1000, as subtensor's drand pallet tests store it.
const ROUND: u64 = 1000;
const SIGNATURE: &str = "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39";

fn signature() -> Vec<u8> {
    hex::decode(SIGNATURE).expect("hex")
}

fn rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(7)
}

const HOTKEY: [u8; 32] = [0x11; 32];

/// The `commit` argument of a decoded commit call.
fn commit_arg(decoded: &subtensor::DecodedCall) -> Vec<u8> {
    subtensor::value_seq(decoded.arg("commit").expect("commit"))
        .expect("bytes")
        .into_iter()
        .map(|b| b as u8)
        .collect()
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The runtime's reveal, written here from its code (`tle::tlock::tld` over
/// `TLECiphertext::deserialize_compressed`, then `WeightsTlockPayload::decode`), not through
/// zkyuma's parser or decryption: the fields are read at their offsets, `σ = V ⊕
/// sha256(e(sig, U))`, `key = W ⊕ sha256(σ)`, `r = sha256(σ ‖ key) mod q` must give `r·G2 = U`,
/// then AES-256-GCM opens the body.
fn runtime_tld(commit: &[u8], signature: &[u8]) -> Option<Vec<u8>> {
    let u = G2Affine::deserialize_compressed(&commit[..96]).ok()?;
    let len_at = |at: usize| u64::from_le_bytes(commit[at..at + 8].try_into().expect("8")) as usize;
    assert_eq!(len_at(96), 32);
    let v = &commit[104..136];
    assert_eq!(len_at(136), 32);
    let w = &commit[144..176];
    let body_len = len_at(176);
    let body = &commit[184..184 + body_len];
    let ct_len = u64::from_le_bytes(body[..8].try_into().expect("8")) as usize;
    let ct = &body[8..8 + ct_len];
    assert_eq!(
        u64::from_le_bytes(body[8 + ct_len..16 + ct_len].try_into().expect("8")),
        12
    );
    let nonce = &body[16 + ct_len..28 + ct_len];
    let sig = G1Affine::deserialize_compressed(signature).ok()?;
    let gt = Bls12_381::pairing(sig, u).0;
    let mut gt_bytes = Vec::new();
    gt.serialize_compressed(&mut gt_bytes).expect("gt");
    assert_eq!(gt_bytes.len(), 576);
    let mask = sha256(&[&gt_bytes]);
    let sigma: Vec<u8> = v.iter().zip(mask).map(|(a, b)| a ^ b).collect();
    let key_mask = sha256(&[&sigma]);
    let key: Vec<u8> = w.iter().zip(key_mask).map(|(a, b)| a ^ b).collect();
    let r = Fr::from_be_bytes_mod_order(&sha256(&[&sigma, &key]));
    if (G2Projective::generator() * r).into_affine() != u {
        return None;
    }
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key).ok()?;
    cipher.decrypt(aes_gcm::Nonce::from_slice(nonce), ct).ok()
}

#[test]
fn quicknet_signed_round_1000_for_the_identity_zkyuma_encrypts_to() {
    let pk = timelock::quicknet_public_key();
    assert!(!pk.is_zero(), "the quicknet key decodes");
    let mut bytes = Vec::new();
    pk.serialize_compressed(&mut bytes).expect("pk");
    assert_eq!(hex::encode(bytes), timelock::QUICKNET_PUBLIC_KEY);
    let sig = timelock::parse_signature(&signature()).expect("signature");
    assert!(timelock::verify_round_signature(&pk, ROUND, &sig));
    assert!(!timelock::verify_round_signature(&pk, ROUND + 1, &sig));
    // The runtime accepts an ASCII 0x prefix on stored signatures.
    let prefixed = [b"0x".as_slice(), &signature()].concat();
    assert_eq!(timelock::parse_signature(&prefixed), Ok(sig));
    assert_eq!(
        timelock::parse_signature(&signature()[..47]),
        Err(TimelockError::BadSignature)
    );
}

#[test]
fn a_committed_row_is_revealed_with_the_rounds_signature() {
    let (uids, values) = (vec![0u16, 3, 7, 250], vec![65535u16, 12, 0, 40000]);
    let commit =
        timelock::commit_weights(&HOTKEY, &uids, &values, 7, ROUND, &mut rng()).expect("commit");
    let payload = timelock::WeightsTlockPayload {
        hotkey: HOTKEY.to_vec(),
        uids: uids.clone(),
        values: values.clone(),
        version_key: 7,
    };
    // The SCALE payload, by hand: compact lengths, u16 and u64 little-endian.
    let mut scale = vec![32 << 2];
    scale.extend_from_slice(&HOTKEY);
    scale.push(4 << 2);
    for u in &uids {
        scale.extend_from_slice(&u.to_le_bytes());
    }
    scale.push(4 << 2);
    for v in &values {
        scale.extend_from_slice(&v.to_le_bytes());
    }
    scale.extend_from_slice(&7u64.to_le_bytes());
    assert_eq!(parity_scale_codec::Encode::encode(&payload), scale);
    // The layout: m + 244 bytes, the length fields where the runtime reads them.
    let m = scale.len();
    assert_eq!(commit.len(), m + timelock::COMMIT_OVERHEAD);
    assert_eq!(&commit[176..184], &((m + 44) as u64).to_le_bytes());
    assert_eq!(&commit[commit.len() - 8..], timelock::CIPHER_SUITE);
    // The runtime's decryption, written here, recovers the payload; so does zkyuma's reveal.
    assert_eq!(runtime_tld(&commit, &signature()), Some(scale));
    assert_eq!(
        reveal(&commit, &signature(), &HOTKEY),
        Ok(RevealedWeights {
            uids: uids.clone(),
            values: values.clone(),
            version_key: 7,
            legacy: false,
        })
    );
    // Parsing and writing back is the identity.
    let parsed = TimelockedCommit::from_bytes(&commit).expect("parses");
    assert_eq!(parsed.to_bytes(), commit);
    // The same rng draws give the same bytes (the key, the IBE scalar, the nonce, in order).
    let again =
        timelock::commit_weights(&HOTKEY, &uids, &values, 7, ROUND, &mut rng()).expect("commit");
    assert_eq!(again, commit);
    // The version-3 payload has no hotkey; the runtime still reads it.
    let v3 = timelock::commit_weights_v3(&uids, &values, 7, ROUND, &mut rng()).expect("v3");
    assert_eq!(
        reveal(&v3, &signature(), &HOTKEY).map(|r| r.legacy),
        Ok(true)
    );
}

#[test]
fn every_tamper_is_refused_by_name() {
    let commit =
        timelock::commit_weights(&HOTKEY, &[1, 2], &[3, 4], 0, ROUND, &mut rng()).expect("commit");
    let flip = |at: usize| {
        let mut c = commit.clone();
        c[at] ^= 1;
        c
    };
    // Another hotkey committed it: the runtime drops the row.
    assert_eq!(
        reveal(&commit, &signature(), &[0x22; 32]),
        Err(TimelockError::HotkeyMismatch)
    );
    // Another round's signature (a valid G1 point that is not round 1000's): the FO check fails.
    let mut other = Vec::new();
    (G1Affine::generator() * Fr::from(5u64))
        .into_affine()
        .serialize_compressed(&mut other)
        .expect("g1");
    assert_eq!(
        reveal(&commit, &other, &HOTKEY),
        Err(TimelockError::DecryptionFailed)
    );
    assert_eq!(runtime_tld(&commit, &other), None);
    // V or W altered: the FO check fails; the body altered: AES-GCM refuses it.
    assert_eq!(
        reveal(&flip(110), &signature(), &HOTKEY),
        Err(TimelockError::DecryptionFailed)
    );
    assert_eq!(
        reveal(&flip(150), &signature(), &HOTKEY),
        Err(TimelockError::DecryptionFailed)
    );
    assert_eq!(
        reveal(&flip(195), &signature(), &HOTKEY),
        Err(TimelockError::BodyRejected)
    );
    // U not on the curve, the commit cut short, a nonce of 11 bytes.
    assert_eq!(
        reveal(&flip(40), &signature(), &HOTKEY),
        Err(TimelockError::BadPoint)
    );
    for cut in [0, 50, 100, 170, 200, commit.len() - 1] {
        assert!(
            matches!(
                TimelockedCommit::from_bytes(&commit[..cut]),
                Err(TimelockError::Malformed { .. }) | Err(TimelockError::BadPoint)
            ),
            "cut at {cut}"
        );
    }
    let mut parsed = TimelockedCommit::from_bytes(&commit).expect("parses");
    parsed.cipher_suite = b"xx".to_vec();
    // The runtime does not read the suite name.
    assert!(reveal(&parsed.to_bytes(), &signature(), &HOTKEY).is_ok());
    let bytes = parsed.to_bytes();
    let mut short_nonce = bytes.clone();
    let ct_len = u64::from_le_bytes(bytes[184..192].try_into().expect("8")) as usize;
    let nonce_len_at = 192 + ct_len;
    short_nonce[nonce_len_at] = 11;
    assert!(matches!(
        TimelockedCommit::from_bytes(&short_nonce),
        Err(TimelockError::Malformed { field: "nonce", .. })
    ));
    // A huge length field is refused before anything is allocated.
    let mut huge = commit.clone();
    huge[96..104].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        TimelockedCommit::from_bytes(&huge),
        Err(TimelockError::Malformed { field: "V", .. })
    ));
    // A row of unequal lengths, and one too large for the extrinsic.
    assert_eq!(
        timelock::commit_weights(&HOTKEY, &[1], &[1, 2], 0, ROUND, &mut rng()),
        Err(TimelockError::RowLength { uids: 1, values: 2 })
    );
    let n = 2_400u16;
    let uids: Vec<u16> = (0..n).collect();
    assert!(matches!(
        timelock::commit_weights(&HOTKEY, &uids, &uids, 0, ROUND, &mut rng()),
        Err(TimelockError::TooLarge { max: 5000, .. })
    ));
}

#[test]
fn the_reveal_round_follows_the_sdk() {
    // Netuid 1 (index 1), tempo 360, reveal period 1, block 1000 at a known time: the current
    // epoch is (1000 + 2) / 361 = 2, the reveal epoch 3, whose first block is 3·361 − 2 = 1081;
    // ingest at 1084, 84 blocks of 12 s = 1008 s away.
    let now = 1_700_000_000.0;
    let expected = ((now + 1008.0 - timelock::QUICKNET_GENESIS as f64) / 3.0).floor() as u64;
    assert_eq!(timelock::reveal_round(1000, 1, 360, 1, 12.0, now), expected);
    // Before quicknet's genesis the SDK's floor is round 1.
    assert_eq!(timelock::reveal_round(0, 1, 360, 1, 12.0, 0.0), 1);
}

#[test]
fn the_timelocked_extrinsics_against_the_runtime_metadata() {
    let metadata = decode_metadata(subtensor::METADATA).expect("metadata");
    // The committed (March 2025) runtime has version-3 timelocked commits only.
    assert_eq!(
        WeightsPath::choose(&metadata, true, 4),
        WeightsPath::TimelockedV3
    );
    assert_eq!(WeightsPath::choose(&metadata, false, 4), WeightsPath::Plain);
    assert!(!subtensor::has_call(&metadata, "commit_timelocked_weights"));
    let chain = subtensor::OfflineChain::new(
        decode_metadata(subtensor::METADATA).expect("metadata"),
        [7; 32],
        225,
        1,
    )
    .expect("chain");
    let commit = timelock::commit_weights_v3(&[1, 2], &[3, 4], 9, ROUND, &mut rng()).expect("v3");
    let data = chain
        .call_data(&subtensor::commit_crv3_weights(5, &commit, ROUND))
        .expect("encodes");
    let decoded = decode_call(&metadata, &data).expect("decodes");
    assert_eq!(decoded.call, "commit_crv3_weights");
    assert_eq!(decoded.arg("netuid").and_then(value_u128), Some(5));
    assert_eq!(decoded.arg("reveal_round").and_then(value_u128), Some(1000));
    let bytes = commit_arg(&decoded);
    assert_eq!(bytes, commit);
    assert_eq!(
        reveal(&bytes, &signature(), &HOTKEY).map(|r| (r.uids, r.values, r.version_key)),
        Ok((vec![1, 2], vec![3, 4], 9))
    );
    // The version-4 call is not in this runtime: refused by name, not mis-encoded.
    let v4 = chain.call_data(&subtensor::commit_timelocked_weights(5, &commit, ROUND, 4));
    assert!(
        matches!(v4, Err(subtensor::ChainError::Encode { .. })),
        "{v4:?}"
    );
}

#[test]
fn the_version_4_call_against_mainnet_metadata() {
    let metadata = decode_metadata(subtensor::MAINNET_METADATA).expect("finney metadata decodes");
    let pallet = metadata
        .pallet_by_name("SubtensorModule")
        .expect("SubtensorModule");
    let call = pallet
        .call_variant_by_name("commit_timelocked_weights")
        .expect("commit_timelocked_weights");
    let names: Vec<_> = call
        .fields
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect();
    assert_eq!(
        names,
        ["netuid", "commit", "reveal_round", "commit_reveal_version"]
    );
    assert!(pallet
        .storage()
        .and_then(|s| s.entry_by_name(subtensor::storage::COMMIT_REVEAL_VERSION))
        .is_some());
    // This runtime predates the stateful epoch schedule: the client takes the block-number
    // rule for its reveal round there.
    assert!(pallet
        .storage()
        .and_then(|s| s.entry_by_name(subtensor::storage::SUBNET_EPOCH_INDEX))
        .is_none());
    // The client picks the version-4 call on this runtime, and plain weights with
    // commit-reveal off.
    assert_eq!(
        WeightsPath::choose(&metadata, true, 4),
        WeightsPath::Timelocked { version: 4 }
    );
    assert_eq!(WeightsPath::choose(&metadata, false, 4), WeightsPath::Plain);
    // A version-3 subnet setting on a runtime that still has the version-3 call would use it;
    // this runtime has only the mechanism variant of it, so the hash path is the fallback.
    assert!(!subtensor::has_call(&metadata, "commit_crv3_weights"));
    assert_eq!(
        WeightsPath::choose(&metadata, true, 3),
        WeightsPath::HashCommit
    );
    // The extrinsic encodes against the node's metadata and decodes back to the same commit,
    // which the runtime's reveal opens with the round's signature.
    let chain = subtensor::OfflineChain::new(
        decode_metadata(subtensor::MAINNET_METADATA).expect("metadata"),
        [7; 32],
        1,
        1,
    )
    .expect("chain");
    let commit =
        timelock::commit_weights(&HOTKEY, &[1, 2], &[3, 4], 9, ROUND, &mut rng()).expect("commit");
    let data = chain
        .call_data(&subtensor::commit_timelocked_weights(5, &commit, ROUND, 4))
        .expect("encodes");
    let decoded = decode_call(&metadata, &data).expect("decodes");
    assert_eq!(decoded.call, "commit_timelocked_weights");
    assert_eq!(decoded.arg("netuid").and_then(value_u128), Some(5));
    assert_eq!(decoded.arg("reveal_round").and_then(value_u128), Some(1000));
    assert_eq!(
        decoded.arg("commit_reveal_version").and_then(value_u128),
        Some(4)
    );
    let bytes = commit_arg(&decoded);
    assert_eq!(bytes, commit);
    assert_eq!(
        reveal(&bytes, &signature(), &HOTKEY).map(|r| (r.uids, r.values, r.version_key, r.legacy)),
        Ok((vec![1, 2], vec![3, 4], 9, false))
    );
    // The other weight calls encode on this runtime too.
    for call in [
        subtensor::set_weights(5, &[1, 2], &[3, 4], 9).expect("row"),
        subtensor::commit_weights(5, [1; 32]),
        subtensor::reveal_weights(5, &[1, 2], &[3, 4], &[5], 9).expect("row"),
    ] {
        let data = chain.call_data(&call).expect("encodes");
        assert_eq!(
            decode_call(&metadata, &data).expect("decodes").call,
            call.call_name()
        );
    }
}

#[test]
fn set_weights_dry_run_commits_a_timelocked_row_on_the_command_line() {
    // `zkyuma chain set-weights --dry-run --commit-reveal --reveal-round 1000` prints the
    // `commit_timelocked_weights` call built against mainnet's metadata; its commit names the
    // key's hotkey and reveals, with round 1000's signature, to the row given.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zkyuma"))
        .args([
            "chain",
            "set-weights",
            "--url",
            "ws://127.0.0.1:1",
            "--key",
            "//Alice",
            "--netuid",
            "5",
            "--uids",
            "0,4",
            "--values",
            "65535,77",
            "--version-key",
            "3",
            "--dry-run",
            "--commit-reveal",
            "--reveal-round",
            "1000",
        ])
        .output()
        .expect("zkyuma runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hex_data = stdout
        .split("call data: 0x")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("call data printed");
    assert!(
        stdout.starts_with("SubtensorModule::commit_timelocked_weights"),
        "{stdout}"
    );
    let metadata = decode_metadata(subtensor::MAINNET_METADATA).expect("metadata");
    let decoded = decode_call(&metadata, &hex::decode(hex_data).expect("hex")).expect("decodes");
    assert_eq!(decoded.arg("netuid").and_then(value_u128), Some(5));
    assert_eq!(
        decoded.arg("commit_reveal_version").and_then(value_u128),
        Some(4)
    );
    let commit = commit_arg(&decoded);
    let alice = subtensor::account_of(&subtensor::keypair("//Alice").expect("key"));
    assert_eq!(
        reveal(&commit, &signature(), &alice).map(|r| (r.uids, r.values, r.version_key)),
        Ok((vec![0, 4], vec![65535, 77], 3))
    );
    assert_eq!(
        reveal(&commit, &signature(), &HOTKEY),
        Err(TimelockError::HotkeyMismatch)
    );
    // Without a round, the dry run is refused by name.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zkyuma"))
        .args([
            "chain",
            "set-weights",
            "--url",
            "ws://x",
            "--key",
            "//Alice",
            "--netuid",
            "5",
            "--uids",
            "0",
            "--values",
            "1",
            "--dry-run",
            "--commit-reveal",
        ])
        .output()
        .expect("zkyuma runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reveal-round"));
}

#[test]
fn the_reveal_block_follows_the_stateful_epoch_schedule() {
    use timelock::{EpochSchedule, ScheduleError};
    let at = |last, pending, tempo, head| EpochSchedule {
        tempo,
        last_epoch_block: last,
        pending_epoch_at: pending,
        subnet_epoch_index: 0,
        blocks_since_last_step: 0,
        current_block: head,
    };
    // The current SDK's vectors (`epoch_schedule_vectors`): an epoch every `tempo` blocks from
    // `LastEpochBlock`, or at an owner-set `PendingEpochAt`.
    assert_eq!(at(10, 0, 50, 10).first_reveal_block(1), Ok(60));
    assert_eq!(at(80, 95, 20, 91).first_reveal_block(1), Ok(95));
    // Two epochs on: the next fire after 60 is 110 (the period is `tempo`, not `tempo + 1`).
    assert_eq!(at(10, 0, 50, 10).first_reveal_block(2), Ok(110));
    // A commit in a block where the epoch fires belongs to the next epoch already.
    assert_eq!(at(10, 0, 50, 59).first_reveal_block(1), Ok(110));
    // Past MAX_TEMPO blocks without a step, the epoch fires regardless of tempo: here in block
    // 11's coinbase, so a commit included in 11 is revealed from block 12.
    let mut stalled = at(0, 0, u16::MAX, 10);
    stalled.blocks_since_last_step = timelock::MAX_TEMPO;
    assert_eq!(stalled.first_reveal_block(1), Ok(12));
    assert_eq!(
        at(10, 0, 0, 10).first_reveal_block(1),
        Err(ScheduleError::TempoIsZero)
    );
    // The round: 3 blocks into the window, 12 s a block, from the wall clock.
    let now = 1_700_000_000.0;
    let expected =
        ((now + (60.0 + 3.0 - 10.0) * 12.0 - timelock::QUICKNET_GENESIS as f64) / 3.0).floor();
    assert_eq!(
        timelock::reveal_round_for_schedule(&at(10, 0, 50, 10), 1, 12.0, now),
        Ok(expected as u64)
    );
}
