//! Keys exchanged with snarkjs as `.zkey` files, checked by snarkjs itself on a small circuit:
//! the initial key zkyuma derives from a `.ptau` is the one `snarkjs zkey new` writes (every
//! point and the circuit hash); `snarkjs zkey verify` accepts zkyuma's contributions; zkyuma
//! verifies snarkjs's `zkey contribute` and `zkey beacon` and proves with the result;
//! `snarkjs groth16 prove` on zkyuma's `.zkey` and `.wtns` gives a proof zkyuma's verifier
//! accepts; damaged `.zkey` files are refused by name.

use ark_bn254::{Bn254, Fr};
use rand_chacha::rand_core::SeedableRng;
use std::path::{Path, PathBuf};
use zkyuma_prover::ceremony::phase2::{circuit_hash, contribute, initial_key, verify_phase2};
use zkyuma_prover::ceremony::ptau::Ptau;
use zkyuma_prover::ceremony::snarkjs::ChaCha;
use zkyuma_prover::ceremony::zkey::{read_zkey, write_zkey};
use zkyuma_prover::groth16::{prove_with, ConstraintRows};
use zkyuma_prover::interop::{proof_from_json, write_r1cs, write_wtns};

mod common;
use common::{run_snarkjs, snarkjs_output, Toy};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pot8.ptau")
}

fn zkyuma_verifies(
    pk: &ark_groth16::ProvingKey<Bn254>,
    inputs: &[Fr],
    proof: &ark_groth16::Proof<Bn254>,
) -> bool {
    let vk = zkyuma_verifier::VerifyingKey {
        alpha_g1: pk.vk.alpha_g1,
        beta_g2: pk.vk.beta_g2,
        gamma_g2: pk.vk.gamma_g2,
        delta_g2: pk.vk.delta_g2,
        gamma_abc_g1: pk.vk.gamma_abc_g1.clone(),
    };
    let pvk = zkyuma_verifier::PreparedVerifyingKey::new(vk);
    let proof = zkyuma_verifier::Proof {
        a: proof.a,
        b: proof.b,
        c: proof.c,
    };
    zkyuma_verifier::verify(&pvk, inputs, &proof).is_ok()
}

#[test]
fn keys_and_contributions_cross_between_zkyuma_and_snarkjs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::copy(fixture(), dir.join("pot8.ptau")).expect("copy");
    let ptau = Ptau::open(&fixture()).expect("opens");
    let (x, y) = (Fr::from(6u64), Fr::from(7u64));
    let toy = Toy { x, y };
    write_r1cs(toy.clone(), &dir.join("toy.r1cs")).expect("r1cs");
    let (initial, rows) = initial_key(&ptau, toy.clone()).expect("key");
    let domain = (rows.constraints() + rows.instance_variables).next_power_of_two();
    let cs = circuit_hash(&initial, &ptau, domain).expect("circuit hash");

    // snarkjs's own initial key is zkyuma's, point for point, with the same circuit hash.
    run_snarkjs(
        dir,
        &["zkey", "new", "toy.r1cs", "pot8.ptau", "snarkjs0.zkey"],
    );
    let theirs = read_zkey(&dir.join("snarkjs0.zkey")).expect("snarkjs's zkey reads");
    assert_eq!(theirs.pk, initial, "the initial keys differ");
    assert_eq!(theirs.circuit_hash, cs, "the circuit hashes differ");
    assert!(theirs.contributions.is_empty());
    theirs
        .check_circuit(&rows, Path::new("snarkjs0.zkey"))
        .expect("the same circuit");

    // zkyuma contributes twice; snarkjs verifies the ceremony and prints both hashes.
    let mut key = initial.clone();
    let mut transcript = Vec::new();
    for (name, seed) in [("alice", [11u32; 8]), ("bob", [12u32; 8])] {
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
    write_zkey(&dir.join("two.zkey"), &key, &rows, &cs, &transcript).expect("write");
    let (ok, out) = snarkjs_output(
        dir,
        &["zkey", "verify", "toy.r1cs", "pot8.ptau", "two.zkey"],
    );
    assert!(ok && out.contains("ZKey Ok!"), "snarkjs zkey verify: {out}");
    for c in &transcript {
        assert!(
            out.contains(&c.hash[..8]),
            "snarkjs prints {}'s hash: {out}",
            c.name
        );
    }
    // zkyuma reads its own file back unchanged.
    let back = read_zkey(&dir.join("two.zkey")).expect("reads");
    assert_eq!(back.pk, key);
    assert_eq!(back.contributions, transcript);

    // snarkjs contributes, then a beacon; zkyuma verifies both (the beacon's key re-derived).
    run_snarkjs(
        dir,
        &[
            "zkey",
            "contribute",
            "two.zkey",
            "three.zkey",
            "--name=carol",
            "-e=some entropy",
        ],
    );
    run_snarkjs(
        dir,
        &[
            "zkey",
            "beacon",
            "three.zkey",
            "final.zkey",
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "10",
            "-n=final beacon",
        ],
    );
    let fin = read_zkey(&dir.join("final.zkey")).expect("reads");
    assert_eq!(fin.contributions.len(), 4);
    assert_eq!(fin.contributions[..2], transcript[..]);
    assert_eq!(fin.contributions[2].name, "carol");
    assert!(fin.contributions[3].beacon.is_some());
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let hashes = verify_phase2(&cs, &initial, &fin.pk, &fin.contributions, &mut rng)
        .expect("zkyuma verifies snarkjs's contributions");
    assert_eq!(hashes.len(), 4);

    // zkyuma adds a beacon of its own on top; snarkjs verifies all five (the beacon's key
    // re-derived by snarkjs).
    let value = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    let mut five = fin.pk.clone();
    let mut chain = fin.contributions.clone();
    let beacon = contribute(
        &mut five,
        &cs,
        &chain,
        &mut zkyuma_prover::ceremony::snarkjs::beacon_rng(&hex::decode(value).expect("hex"), 10),
        "zkyuma beacon",
        Some(zkyuma_prover::ceremony::phase2::Beacon {
            value: value.into(),
            iterations_exp: 10,
        }),
    )
    .expect("beacon");
    chain.push(beacon);
    write_zkey(&dir.join("five.zkey"), &five, &rows, &cs, &chain).expect("write");
    let (ok, out) = snarkjs_output(
        dir,
        &["zkey", "verify", "toy.r1cs", "pot8.ptau", "five.zkey"],
    );
    assert!(ok && out.contains("ZKey Ok!"), "snarkjs zkey verify: {out}");
    assert!(out.contains("Beacon generator: a1b2c3d4"), "{out}");

    // zkyuma proves with the key snarkjs finished; zkyuma's verifier accepts.
    let proof = prove_with(&fin.pk, toy.clone(), Fr::from(3u64), Fr::from(4u64)).expect("proves");
    assert!(zkyuma_verifies(&fin.pk, &[x * y, x + y], &proof));

    // snarkjs proves with the same key and zkyuma's witness; zkyuma's verifier accepts, and
    // refuses it for another public input.
    write_wtns(toy, &dir.join("toy.wtns")).expect("wtns");
    run_snarkjs(
        dir,
        &[
            "groth16",
            "prove",
            "final.zkey",
            "toy.wtns",
            "proof.json",
            "public.json",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("proof.json")).expect("proof.json"))
            .expect("json");
    let theirs = proof_from_json(&json).expect("snarkjs's proof decodes");
    assert!(zkyuma_verifies(&fin.pk, &[x * y, x + y], &theirs));
    assert!(!zkyuma_verifies(
        &fin.pk,
        &[x * y, x + y + Fr::from(1u64)],
        &theirs
    ));
}

#[test]
fn a_seeded_key_exported_as_zkey_proves_in_snarkjs() {
    // Keys from zkyuma's own generator (snarkjs's reduction) prove in snarkjs unchanged.
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (x, y) = (Fr::from(2u64), Fr::from(30u64));
    let toy = Toy { x, y };
    let (pk, rows) = zkyuma_prover::groth16::generate(
        toy.clone(),
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(9),
    )
    .expect("generate");
    write_zkey(&dir.join("seeded.zkey"), &pk, &rows, &[0; 64], &[]).expect("write");
    write_wtns(toy, &dir.join("toy.wtns")).expect("wtns");
    run_snarkjs(
        dir,
        &[
            "groth16",
            "prove",
            "seeded.zkey",
            "toy.wtns",
            "proof.json",
            "public.json",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("proof.json")).expect("proof.json"))
            .expect("json");
    let proof = proof_from_json(&json).expect("decodes");
    assert!(zkyuma_verifies(&pk, &[x * y, x + y], &proof));
}

#[test]
fn damaged_zkey_files_are_refused_by_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = Ptau::open(&fixture()).expect("opens");
    let toy = Toy {
        x: Fr::from(1u64),
        y: Fr::from(2u64),
    };
    let (pk, rows) = initial_key(&ptau, toy).expect("key");
    let good = dir.join("good.zkey");
    write_zkey(&good, &pk, &rows, &[1; 64], &[]).expect("write");
    let bytes = std::fs::read(&good).expect("read");
    let refused = |name: &str, edit: &dyn Fn(&mut Vec<u8>), expected: &str| {
        let mut b = bytes.clone();
        edit(&mut b);
        let path = dir.join(name);
        std::fs::write(&path, &b).expect("write");
        let err = read_zkey(&path).expect_err(expected).to_string();
        assert!(err.contains(expected), "{name}: {expected}: {err}");
    };
    refused("magic.zkey", &|b| b[0] = b'x', "no `zkey` magic");
    refused(
        "short.zkey",
        &|b| b.truncate(b.len() - 10),
        "runs past the end",
    );
    refused("empty.zkey", &|b| b.truncate(3), "no `zkey` magic");
    refused("version.zkey", &|b| b[4] = 2, "version 2");
    // The header's variable count (after the protocol section's 16 bytes and the header's
    // 12-byte section head, two 4 + 32-byte primes): the section sizes no longer match.
    refused(
        "vars.zkey",
        &|b| {
            let at = 12 + 16 + 12 + 72;
            b[at] = b[at].wrapping_add(1);
        },
        "the header implies",
    );
    // A point moved off the curve: the first A point's x coordinate.
    refused(
        "point.zkey",
        &|b| {
            // Sections in order 1..=10: find section 5.
            let mut pos = 12usize;
            loop {
                let kind = u32::from_le_bytes(b[pos..pos + 4].try_into().expect("kind"));
                let size =
                    u64::from_le_bytes(b[pos + 4..pos + 12].try_into().expect("size")) as usize;
                if kind == 5 {
                    b[pos + 12] ^= 1;
                    break;
                }
                pos += 12 + size;
            }
        },
        "not on G1",
    );
    // A key for another circuit is refused by the circuit check.
    let other = Toy {
        x: Fr::from(1u64),
        y: Fr::from(2u64),
    };
    let z = read_zkey(&good).expect("reads");
    let mut other_rows: ConstraintRows = ConstraintRows::of(other).expect("rows");
    other_rows
        .coefficients
        .iter_mut()
        .for_each(|c| *c += Fr::from(1u64));
    let err = z
        .check_circuit(&other_rows, &good)
        .expect_err("another circuit")
        .to_string();
    assert!(err.contains("for another circuit"), "{err}");
}
