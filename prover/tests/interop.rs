//! snarkjs reads zkyuma's circuits and witnesses: a circuit exported as circom `.r1cs` and its
//! assignment as `.wtns` pass `snarkjs wtns check` (snarkjs evaluates every constraint itself),
//! `snarkjs r1cs info` reports the circuit's counts, and a witness with one value changed fails
//! snarkjs's check — for a small circuit and for the smallest real score circuit.

mod common;

use ark_bn254::Fr;
use common::{snarkjs_output, tiny_score_round, tiny_score_shape, Toy};
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_prover::interop::{write_r1cs, write_wtns};

fn check(dir: &std::path::Path, r1cs: &str, wtns: &str) -> (bool, String) {
    snarkjs_output(dir, &["wtns", "check", r1cs, wtns])
}

#[test]
fn snarkjs_checks_a_small_circuit_and_its_witness() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let toy = Toy {
        x: Fr::from(6u64),
        y: Fr::from(7u64),
    };
    write_r1cs(toy.clone(), &dir.join("toy.r1cs")).expect("r1cs");
    write_wtns(toy, &dir.join("toy.wtns")).expect("wtns");
    let (ok, info) = snarkjs_output(dir, &["r1cs", "info", "toy.r1cs"]);
    assert!(ok, "{info}");
    for line in [
        "# of Wires: 6",
        "# of Constraints: 3",
        "# of Public Inputs: 2",
    ] {
        assert!(info.contains(line), "{line}: {info}");
    }
    let (ok, text) = check(dir, "toy.r1cs", "toy.wtns");
    assert!(ok && text.contains("WITNESS IS CORRECT"), "{text}");
    // One value changed (x·y no longer z): snarkjs finds the broken constraint.
    let mut bytes = std::fs::read(dir.join("toy.wtns")).expect("wtns");
    let at = bytes.len() - 3 * 32;
    bytes[at] ^= 1;
    std::fs::write(dir.join("bad.wtns"), bytes).expect("write");
    let (_, text) = check(dir, "toy.r1cs", "bad.wtns");
    assert!(text.contains("WITNESS IS NOT CORRECT"), "{text}");
}

#[test]
fn snarkjs_checks_a_real_score_circuit_and_its_witness() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (scoring, shape) = tiny_score_shape();
    let round = tiny_score_round(2, 31_000);
    let (statement, witness, _) = round.build(&scoring, [1; 32]).expect("round");
    write_r1cs(ScoreCircuit::blank(scoring, shape), &dir.join("score.r1cs")).expect("r1cs");
    write_wtns(
        ScoreCircuit {
            statement,
            witness,
            scoring,
        },
        &dir.join("score.wtns"),
    )
    .expect("wtns");
    let (ok, info) = snarkjs_output(dir, &["r1cs", "info", "score.r1cs"]);
    assert!(ok && info.contains("# of Constraints: 3008"), "{info}");
    let (ok, text) = check(dir, "score.r1cs", "score.wtns");
    assert!(ok && text.contains("WITNESS IS CORRECT"), "{text}");
}

fn write_json(path: &std::path::Path, v: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).expect("json")).expect("write");
}

#[test]
fn snarkjs_verifies_zkyuma_proofs_with_zkyuma_keys() {
    use ark_bn254::Bn254;
    use ark_groth16::Groth16;
    use ark_serialize::CanonicalDeserialize;
    use ark_snark::SNARK;
    use rand_chacha::rand_core::SeedableRng;
    use zkyuma_prover::interop::{proof_json, public_json, vk_json};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let verify = |vk: &str, public: &str, proof: &str| {
        snarkjs_output(dir, &["groth16", "verify", vk, public, proof])
    };
    // A small circuit.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
    let (x, y) = (Fr::from(4u64), Fr::from(10u64));
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(Toy { x, y }, &mut rng).expect("setup");
    let proof = Groth16::<Bn254>::prove(&pk, Toy { x, y }, &mut rng).expect("proof");
    write_json(&dir.join("toy_vk.json"), &vk_json(&vk));
    write_json(&dir.join("toy_proof.json"), &proof_json(&proof));
    write_json(&dir.join("toy_public.json"), &public_json(&[x * y, x + y]));
    write_json(
        &dir.join("toy_other.json"),
        &public_json(&[x * y, x + y + Fr::from(1u64)]),
    );
    let (ok, text) = verify("toy_vk.json", "toy_public.json", "toy_proof.json");
    assert!(ok && text.contains("OK!"), "{text}");
    let (ok, text) = verify("toy_vk.json", "toy_other.json", "toy_proof.json");
    assert!(!ok && text.contains("Invalid proof"), "{text}");

    // A real score proof, made by zkyuma's prover with zkyuma's keys.
    let (scoring, shape) = tiny_score_shape();
    let keys = zkyuma_prover::score::setup_score(
        scoring,
        shape,
        zkyuma_prover::keys::SetupKind::InsecureDeterministic {
            seed: "interop".into(),
        },
    )
    .expect("setup");
    let round = tiny_score_round(7, 12_000);
    let proved = zkyuma_prover::score::prove_score(&keys, scoring, &round).expect("proves");
    let proof = ark_groth16::Proof::<Bn254>::deserialize_compressed(proved.proof.as_slice())
        .expect("proof");
    write_json(&dir.join("score_vk.json"), &vk_json(keys.vk()));
    write_json(&dir.join("score_proof.json"), &proof_json(&proof));
    write_json(
        &dir.join("score_public.json"),
        &public_json(&proved.statement.public_inputs()),
    );
    let (ok, text) = verify("score_vk.json", "score_public.json", "score_proof.json");
    assert!(ok && text.contains("OK!"), "{text}");
}
