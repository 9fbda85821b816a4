//! snarkjs reads zkyuma's circuits and witnesses: a circuit exported as circom `.r1cs` and its
//! assignment as `.wtns` pass `snarkjs wtns check` (snarkjs evaluates every constraint itself),
//! `snarkjs r1cs info` reports the circuit's counts, and a witness with one value changed fails
//! snarkjs's check — for a small circuit and for the smallest real score circuit.

mod common;

use ark_bn254::Fr;
use common::{snarkjs_output, Toy};
use zkyuma_circuits::score::constraints::ScoreCircuit;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
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
    let scoring = Scoring::Mse { amplification: 16 };
    let shape = ScoreShape {
        miners: 1,
        samples: 1,
        depth: 1,
        mode: WeightsMode::Hidden,
    };
    let round = ScoreRound {
        netuid: 1,
        epoch: 2,
        validator_hotkey: [3; 32],
        depth: 1,
        mode: WeightsMode::Hidden,
        sample_seed: [5; 32],
        records: (0..2)
            .map(|r| Record {
                features: vec![r, 2 * r + 3],
                label: 30_000 + 5_000 * r as u16,
            })
            .collect(),
        samples: 1,
        miners: vec![Some(MinerAnswer {
            outputs: vec![31_000],
            blinding: Fr::from(9u64),
        })],
        weight_blinding: Fr::from(4u64),
    };
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
