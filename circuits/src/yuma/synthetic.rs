//! Deterministic synthetic epochs: realistic-looking chain states of any shape, for benchmarks,
//! property tests and demos.

use super::EpochInput;
use alloc::vec;
use alloc::vec::Vec;

/// SplitMix64: a tiny deterministic generator (no platform dependence).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound > 0`).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// Shape and mode of a synthetic epoch.
#[derive(Clone, Copy, Debug)]
pub struct SyntheticEpoch {
    /// Validators (uids `0..validators` hold permits and set weights).
    pub validators: u16,
    /// Total uids.
    pub uids: u16,
    /// Yuma3 bonds.
    pub yuma3: bool,
    /// Liquid alpha.
    pub liquid_alpha: bool,
    /// Seed.
    pub seed: u64,
}

impl SyntheticEpoch {
    /// Build the epoch input: validators with random stake set dense noisy weights on every
    /// other uid (a shared quality signal plus per-validator noise), previous bonds exist, every
    /// uid is active.
    pub fn build(&self) -> EpochInput {
        let mut rng = SplitMix64::new(self.seed);
        let n = self.uids;
        let nu = usize::from(n);
        let v = usize::from(self.validators.min(n));
        let quality: Vec<u64> = (0..nu).map(|_| 1 + rng.below(1000)).collect();
        let mut stake = vec![0u64; nu];
        let mut weights = vec![Vec::new(); nu];
        let mut bonds = vec![Vec::new(); nu];
        let mut permit = vec![false; nu];
        for i in 0..v {
            stake[i] = 1_000_000_000 * (1 + rng.below(10_000));
            permit[i] = true;
            let row: Vec<u16> = (0..nu)
                .map(|j| {
                    if j == i {
                        0
                    } else {
                        (quality[j] * (800 + rng.below(400)) / 1000).min(65535) as u16
                    }
                })
                .collect();
            let uids: Vec<u16> = (0..n).filter(|&j| usize::from(j) != i).collect();
            let vals: Vec<u16> = uids.iter().map(|&j| row[usize::from(j)]).collect();
            weights[i] = uids
                .iter()
                .copied()
                .zip(crate::weights::u16_max_upscale(&vals))
                .collect();
            for j in 0..n {
                if rng.below(4) != 0 {
                    bonds[i].push((j, rng.below(65536) as u16));
                }
            }
        }
        for s in stake.iter_mut().skip(v) {
            *s = rng.below(1_000_000_000);
        }
        EpochInput {
            n,
            current_block: 1_000,
            tempo: 360,
            activity_cutoff_blocks: 5_000,
            last_mechanism_step_block: 0,
            last_update: vec![999; nu],
            block_at_registration: vec![0; nu],
            stake,
            stake_threshold: 0,
            owner_uid: None,
            validator_permit: permit,
            max_allowed_validators: self.validators,
            weights,
            bonds,
            kappa: 32767,
            bonds_penalty: 65535,
            bonds_moving_average: 975_000,
            yuma3: self.yuma3,
            liquid_alpha: self.liquid_alpha,
            alpha_low: 45875,
            alpha_high: 58982,
            alpha_sigmoid_steepness: 1000,
            rao_emission: 1_000_000_000,
            commit_reveal_commit_blocks: None,
            ..EpochInput::default_modes()
        }
    }
}
