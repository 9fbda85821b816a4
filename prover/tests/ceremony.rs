//! Phase 1 import: a powers-of-tau file made by snarkjs itself (`tests/fixtures/pot8.ptau`, see
//! `tests/fixtures/README.md`) is read and its consistency checked; every kind of damage is
//! refused by name; and a circuit's key derived from it proves and verifies.

use ark_bn254::{Bn254, Fr, G1Affine};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand_chacha::rand_core::SeedableRng;
use std::path::{Path, PathBuf};
use zkyuma_prover::ceremony::phase2::initial_key;
use zkyuma_prover::ceremony::ptau::{g1_to_bytes, Ptau, Section};
use zkyuma_prover::groth16::SnarkjsReduction;
use zkyuma_prover::ProverError;

mod common;
use common::{run_snarkjs, Toy};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pot8.ptau")
}

fn rng() -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(7)
}

/// A copy of the fixture with `edit` applied to its bytes.
fn damaged(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(fixture()).expect("fixture");
    edit(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// Byte offset of point `i` of section `kind` in the fixture.
fn point_offset(bytes: &[u8], kind: u32, i: usize, width: usize) -> usize {
    let count = u32::from_le_bytes(bytes[8..12].try_into().expect("count"));
    let mut pos = 12usize;
    for _ in 0..count {
        let k = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("kind"));
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().expect("size")) as usize;
        if k == kind {
            return pos + 12 + i * width;
        }
        pos += 12 + size;
    }
    panic!("no section {kind}");
}

fn message(e: ProverError) -> String {
    e.to_string()
}

#[test]
fn a_snarkjs_powers_of_tau_is_read_and_verified() {
    let ptau = Ptau::open(&fixture()).expect("opens");
    assert_eq!((ptau.power, ptau.ceremony_power), (8, 8));
    assert!(ptau.prepared(), "prepared for phase 2");
    ptau.verify(&mut rng()).expect("a consistent phase 1");
    // τ^0 is the generator, and the second power is not.
    let g = ptau.read_g1(Section::TauG1, 0, 2).expect("points");
    assert_eq!(g[0], G1Affine::generator());
    assert_ne!(g[1], G1Affine::generator());
}

#[test]
fn every_kind_of_damage_is_refused_by_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = Ptau::open(&fixture()).expect("opens");
    // A valid point where another belongs: τ^5·G1 replaced by 2·τ^5·G1.
    let p5 = ptau.read_g1(Section::TauG1, 5, 1).expect("point")[0];
    let doubled = g1_to_bytes(&(p5.into_group().double()).into_affine());
    let path = damaged(dir, "tau.ptau", |b| {
        let at = point_offset(b, 2, 5, 64);
        b[at..at + 64].copy_from_slice(&doubled);
    });
    let err = message(
        Ptau::open(&path)
            .expect("opens")
            .verify(&mut rng())
            .expect_err("τ^i"),
    );
    assert!(err.contains("inconsistent powers of tau: τ^i·G1"), "{err}");
    // The same in the α series and in a Lagrange basis.
    let a3 = ptau.read_g1(Section::AlphaTauG1, 3, 1).expect("point")[0];
    let path = damaged(dir, "alpha.ptau", |b| {
        let at = point_offset(b, 4, 3, 64);
        b[at..at + 64].copy_from_slice(&g1_to_bytes(&a3.into_group().double().into_affine()));
    });
    let err = message(
        Ptau::open(&path)
            .expect("opens")
            .verify(&mut rng())
            .expect_err("α"),
    );
    assert!(err.contains("α·τ^i·G1"), "{err}");
    let at_l = Ptau::lagrange_offset(6) + 9;
    let l = ptau.read_g1(Section::LagrangeG1, at_l, 1).expect("point")[0];
    let path = damaged(dir, "lagrange.ptau", |b| {
        let at = point_offset(b, 12, at_l as usize, 64);
        b[at..at + 64].copy_from_slice(&g1_to_bytes(&l.into_group().double().into_affine()));
    });
    let err = message(
        Ptau::open(&path)
            .expect("opens")
            .verify(&mut rng())
            .expect_err("L"),
    );
    assert!(err.contains("Lagrange basis of 2^6"), "{err}");
    // Bytes that are no curve point.
    let path = damaged(dir, "point.ptau", |b| {
        let at = point_offset(b, 2, 7, 64);
        b[at] ^= 1;
    });
    let err = message(
        Ptau::open(&path)
            .expect("opens")
            .verify(&mut rng())
            .expect_err("point"),
    );
    assert!(err.contains("not a valid curve point"), "{err}");
    // Not a .ptau, another version, a truncated file, a section running past the end.
    for (name, edit, expected) in [
        (
            "magic",
            Box::new(|b: &mut Vec<u8>| b[0] = b'x') as Box<dyn FnOnce(&mut Vec<u8>)>,
            "magic",
        ),
        ("version", Box::new(|b: &mut Vec<u8>| b[4] = 2), "version 2"),
        (
            "truncated",
            Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2)),
            "past the file's end",
        ),
        (
            "empty",
            Box::new(|b: &mut Vec<u8>| b.truncate(6)),
            "failed to fill",
        ),
    ] {
        let path = damaged(dir, &format!("{name}.ptau"), edit);
        let err = message(Ptau::open(&path).expect_err(name));
        assert!(err.contains(expected), "{name}: {err}");
    }
}

#[test]
fn a_key_derived_from_the_powers_of_tau_proves_and_verifies() {
    let ptau = Ptau::open(&fixture()).expect("opens");
    ptau.verify(&mut rng()).expect("consistent");
    let (x, y) = (Fr::from(3u64), Fr::from(11u64));
    let (pk, _rows) = initial_key(&ptau, Toy { x, y }).expect("key");
    let proof = Groth16::<Bn254, SnarkjsReduction>::prove(&pk, Toy { x, y }, &mut rng())
        .expect("a proof with the key");
    let pvk = Groth16::<Bn254>::process_vk(&pk.vk).expect("vk");
    assert!(
        Groth16::<Bn254>::verify_with_processed_vk(&pvk, &[x * y, x + y], &proof).expect("runs"),
        "the proof verifies"
    );
    assert!(
        !Groth16::<Bn254>::verify_with_processed_vk(&pvk, &[x * y + Fr::from(1u64), x + y], &proof)
            .expect("runs"),
        "another public input does not"
    );
}

#[test]
fn phase_two_contributions_chain_verify_and_give_a_key_that_proves() {
    use zkyuma_prover::ceremony::phase2::{circuit_hash, contribute, verify_phase2, Beacon};
    use zkyuma_prover::ceremony::snarkjs::{beacon_rng, ChaCha};
    let ptau = Ptau::open(&fixture()).expect("opens");
    let (x, y) = (Fr::from(5u64), Fr::from(9u64));
    let (initial, rows) = initial_key(&ptau, Toy { x, y }).expect("key");
    let domain = rows.constraints() + rows.instance_variables;
    let cs = circuit_hash(&initial, &ptau, domain.next_power_of_two()).expect("circuit hash");
    let mut key = initial.clone();
    let mut transcript = Vec::new();
    for (name, seed) in [("alice", [1u32; 8]), ("bob", [2u32; 8])] {
        let c = contribute(
            &mut key,
            &cs,
            &transcript,
            &mut ChaCha::new(seed),
            name,
            None,
        )
        .expect("contributes");
        transcript.push(c);
    }
    let value = "0102030405060708090a0b0c0d0e0f10";
    let beacon = Beacon {
        value: value.into(),
        iterations_exp: 10,
    };
    let mut r = beacon_rng(&hex::decode(value).expect("hex"), 10);
    let c = contribute(&mut key, &cs, &transcript, &mut r, "beacon", Some(beacon)).expect("beacon");
    transcript.push(c);
    let mut rng = rng();
    let hashes = verify_phase2(&cs, &initial, &key, &transcript, &mut rng).expect("verifies");
    assert_eq!(hashes.len(), 3);
    assert_eq!(hashes[2], transcript[2].hash);
    // The final key proves and verifies; the initial one (δ = 1) is refused as unfinished.
    let proof =
        Groth16::<Bn254, SnarkjsReduction>::prove(&key, Toy { x, y }, &mut rng).expect("proves");
    let pvk = Groth16::<Bn254>::process_vk(&key.vk).expect("vk");
    assert!(
        Groth16::<Bn254>::verify_with_processed_vk(&pvk, &[x * y, x + y], &proof).expect("runs")
    );
    let err = message(verify_phase2(&cs, &initial, &initial, &[], &mut rng).expect_err("empty"));
    assert!(err.contains("no contribution"), "{err}");

    // Damage, each refused by name.
    let check = |t: &[zkyuma_prover::ceremony::phase2::Contribution],
                 k: &ark_groth16::ProvingKey<Bn254>,
                 expected: &str| {
        let err = message(
            verify_phase2(
                &cs,
                &initial,
                k,
                t,
                &mut rand_chacha::ChaCha20Rng::seed_from_u64(1),
            )
            .expect_err(expected),
        );
        assert!(err.contains(expected), "{expected}: {err}");
    };
    // Contributions out of order; another circuit hash.
    let mut swapped = transcript.clone();
    swapped.swap(0, 1);
    check(&swapped, &key, "does not continue the transcript");
    let err = message(
        verify_phase2(&[9u8; 64], &initial, &key, &transcript, &mut rng).expect_err("hash"),
    );
    assert!(err.contains("does not continue the transcript"), "{err}");
    // A recorded hash that is not the contribution's.
    let mut rehashed = transcript.clone();
    rehashed[1].hash = transcript[0].hash.clone();
    check(&rehashed, &key, "its hash is not its content's");
    // The last contribution's proof of knowledge forged (another d·H).
    let mut forged = transcript.clone();
    forged[2].g2_spx = transcript[1].g2_spx.clone();
    check(&forged, &key, "its proof of knowledge does not verify");
    // A beacon contribution whose key did not come from its (changed) beacon.
    let mut other_beacon = transcript.clone();
    if let Some(b) = other_beacon[2].beacon.as_mut() {
        b.value = "ff".into();
    }
    check(&other_beacon, &key, "its key is not the beacon's");
    // The key: another δ, an L point changed, an H point changed, an A point changed.
    let mut k = key.clone();
    k.delta_g1 = initial.delta_g1;
    check(
        &transcript,
        &k,
        "the key's δ is not the last contribution's",
    );
    let mut k = key.clone();
    k.l_query[0] = (k.l_query[0].into_group().double()).into_affine();
    check(&transcript, &k, "L query is not the phase 1's over δ");
    let mut k = key.clone();
    k.h_query[1] = initial.h_query[1];
    check(&transcript, &k, "H query is not the phase 1's over δ");
    let mut k = key.clone();
    k.a_query[1] = k.a_query[2];
    check(
        &transcript,
        &k,
        "α, β, γ, A or B queries are not the phase 1's",
    );
}

#[test]
fn a_fresh_snarkjs_ceremony_is_imported_and_keys_a_circuit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    run_snarkjs(dir, &["powersoftau", "new", "bn128", "5", "p0.ptau"]);
    run_snarkjs(
        dir,
        &[
            "powersoftau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name=one",
            "-e=zkyuma test",
        ],
    );
    run_snarkjs(
        dir,
        &[
            "powersoftau",
            "beacon",
            "p1.ptau",
            "p2.ptau",
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "10",
            "-n=final",
        ],
    );
    // Before `prepare phase2` the file verifies but cannot key a circuit.
    let unprepared = Ptau::open(&dir.join("p2.ptau")).expect("opens");
    unprepared.verify(&mut rng()).expect("consistent");
    let (x, y) = (Fr::from(2u64), Fr::from(21u64));
    let err = message(initial_key(&unprepared, Toy { x, y }).expect_err("unprepared"));
    assert!(err.contains("not prepared for phase 2"), "{err}");
    run_snarkjs(
        dir,
        &["powersoftau", "prepare", "phase2", "p2.ptau", "final.ptau"],
    );
    let ptau = Ptau::open(&dir.join("final.ptau")).expect("opens");
    assert_eq!(ptau.power, 5);
    ptau.verify(&mut rng()).expect("consistent");
    let (pk, _) = initial_key(&ptau, Toy { x, y }).expect("key");
    let proof =
        Groth16::<Bn254, SnarkjsReduction>::prove(&pk, Toy { x, y }, &mut rng()).expect("proves");
    let pvk = Groth16::<Bn254>::process_vk(&pk.vk).expect("vk");
    assert!(
        Groth16::<Bn254>::verify_with_processed_vk(&pvk, &[x * y, x + y], &proof).expect("runs")
    );
}
