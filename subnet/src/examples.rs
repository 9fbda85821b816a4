//! Synthetic inputs for examples and tests.

use ark_bn254::Fr;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, ScoreShape};
use zkyuma_circuits::yuma::synthetic::SplitMix64;

/// A round of `shape`: `2^depth` (at most 1024) records with a noisy linear label, miners whose
/// outputs are the labels plus miner-specific noise (miner `i` is noisier than miner `i − 1`).
pub fn synthetic_round(shape: &ScoreShape, seed: u64) -> ScoreRound {
    let mut rng = SplitMix64::new(seed);
    let n_records = (1usize << shape.depth.min(10)).max(1);
    let records: Vec<Record> = (0..n_records)
        .map(|_| {
            let features: Vec<i64> = (0..4).map(|_| rng.below(1 << 16) as i64).collect();
            let label = ((features[0] + features[1]) / 2) as u16;
            Record { features, label }
        })
        .collect();
    let bytes = |rng: &mut SplitMix64| {
        let mut b = [0u8; 32];
        for chunk in b.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        b
    };
    let validator_hotkey = bytes(&mut rng);
    let sample_seed = bytes(&mut rng);
    let indices = zkyuma_circuits::commitment::sample_indices(
        &sample_seed,
        &validator_hotkey,
        shape.samples as usize,
        records.len() as u64,
    );
    let miners = (0..shape.miners as u64)
        .map(|i| {
            Some(MinerAnswer {
                outputs: indices
                    .iter()
                    .map(|&r| {
                        let noise = rng.below(1 + 400 * (i + 1)) as i64 - (200 * (i + 1)) as i64;
                        (i64::from(records[r as usize].label) + noise).clamp(0, 65535) as u16
                    })
                    .collect(),
                blinding: Fr::from(rng.next_u64()),
            })
        })
        .collect();
    ScoreRound {
        netuid: 1,
        epoch: 1,
        validator_hotkey,
        depth: shape.depth,
        mode: shape.mode,
        sample_seed,
        records,
        samples: shape.samples,
        miners,
        weight_blinding: Fr::from(rng.next_u64()),
    }
}

/// An epoch round of `shape`: a synthetic chain state whose `validators` first uids hold permits
/// and weight every other uid, with weight-commitment blindings.
pub fn synthetic_epoch_round(
    shape: &zkyuma_circuits::epoch::EpochShape,
    seed: u64,
) -> zkyuma_circuits::epoch::EpochRound {
    use zkyuma_circuits::epoch::BondsRule;
    use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
    let input = SyntheticEpoch {
        validators: shape.validators as u16,
        uids: shape.uids as u16,
        yuma3: shape.bonds.is_yuma3(),
        liquid_alpha: shape.bonds == BondsRule::Yuma3Liquid,
        seed,
    }
    .build();
    let mut rng = SplitMix64::new(seed ^ 0xb10d);
    zkyuma_circuits::epoch::EpochRound {
        netuid: 1,
        epoch: seed,
        input,
        validators: None,
        prev_validators: None,
        weight_blindings: (0..shape.validators)
            .map(|_| Fr::from(rng.next_u64()))
            .collect(),
        prev_bonds_blinding: Fr::from(rng.next_u64()),
        new_bonds_blinding: Fr::from(rng.next_u64()),
    }
}
