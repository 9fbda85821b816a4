//! The Null epoch consensus (subtensor's `EpochConsensus::Null`, runtime 475): the largest-stake
//! uid is the sole validator, its raw weight row pays the miners, dividends follow stake, and
//! consensus, trust and bonds stand still. Read from the runtime's `epoch_mechanism_with_budgets`
//! (`pallets/subtensor/src/epoch/run_epoch.rs`, its `is_null` branches and `apportion_units`)
//! and checked against its tests (`tests/null_consensus.rs`).
//!
//! Step by step, for one mechanism with emission `E` (`epoch_mechanism`: a dividend budget of
//! `⌊E/2⌋`, the rest for miners, all of `E` for miners when nobody holds stake):
//! 1. the winner is the first uid of the largest stake (`I64F64` of the RAO stake, before any
//!    threshold or permit); it alone holds a permit after the epoch (the owner is not forced);
//! 2. only the winner's stored row is read: uids `< n`, its self-weight dropped (kept for the
//!    owner), entries to uids registered since its last update dropped, and — with commit-reveal
//!    — entries to uids registered after its earliest live commit; the values stay the raw u16s;
//! 3. miner shares are those u16s (every uid gets share 1 when none is positive); validator
//!    shares are the stakes of every uid with positive stake (permit, activity and threshold
//!    aside);
//! 4. each budget is apportioned in uid order with exact cumulative ratios
//!    ([`apportion_units`]): whole RAO, summing exactly to the budget;
//! 5. reported proportions: incentive and dividends are the normalised shares, consensus and
//!    validator trust are zero; the bonds are not written.

use super::math::{inplace_mask_vector, inplace_normalize, SparseMatrix};
use super::{normalized_stake, EpochError, EpochInput, EpochOutput};
use crate::fixed::{I32F32, I64F64};
use alloc::vec;
use alloc::vec::Vec;

/// A 256-bit unsigned integer as (high, low) halves: enough for `Σ shares · budget` with
/// `u128` shares (the runtime's `U256`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct U256 {
    hi: u128,
    lo: u128,
}

impl U256 {
    fn from_u128(x: u128) -> Self {
        Self { hi: 0, lo: x }
    }

    fn saturating_add(self, rhs: Self) -> Self {
        let (lo, carry) = self.lo.overflowing_add(rhs.lo);
        match self
            .hi
            .checked_add(rhs.hi)
            .and_then(|h| h.checked_add(u128::from(carry)))
        {
            Some(hi) => Self { hi, lo },
            None => Self {
                hi: u128::MAX,
                lo: u128::MAX,
            },
        }
    }

    fn checked_sub(self, rhs: Self) -> Option<Self> {
        let (lo, borrow) = self.lo.overflowing_sub(rhs.lo);
        let hi = self
            .hi
            .checked_sub(rhs.hi)?
            .checked_sub(u128::from(borrow))?;
        Some(Self { hi, lo })
    }

    /// `self · m`, saturating.
    fn saturating_mul_u64(self, m: u64) -> Self {
        let m = u128::from(m);
        let (l0, l1) = (self.lo & u128::from(u64::MAX), self.lo >> 64);
        let (h0, h1) = (self.hi & u128::from(u64::MAX), self.hi >> 64);
        // Limbs of 64 bits, each product below 2^128.
        let p0 = l0 * m;
        let p1 = l1 * m + (p0 >> 64);
        let p2 = h0 * m + (p1 >> 64);
        let p3 = h1 * m + (p2 >> 64);
        if p3 >> 64 != 0 {
            return Self {
                hi: u128::MAX,
                lo: u128::MAX,
            };
        }
        let mask = u128::from(u64::MAX);
        Self {
            lo: (p0 & mask) | ((p1 & mask) << 64),
            hi: (p2 & mask) | ((p3 & mask) << 64),
        }
    }

    fn bit(self, k: u32) -> bool {
        if k >= 128 {
            (self.hi >> (k - 128)) & 1 == 1
        } else {
            (self.lo >> k) & 1 == 1
        }
    }

    fn shl1(self) -> Self {
        Self {
            hi: (self.hi << 1) | (self.lo >> 127),
            lo: self.lo << 1,
        }
    }

    /// `⌊self / d⌋` (`d > 0`), by binary long division.
    fn div(self, d: Self) -> Self {
        let mut q = Self::default();
        let mut r = Self::default();
        for k in (0..256).rev() {
            r = r.shl1();
            if self.bit(k) {
                r.lo |= 1;
            }
            if let Some(rest) = r.checked_sub(d) {
                r = rest;
                q = Self {
                    hi: q.hi | if k >= 128 { 1 << (k - 128) } else { 0 },
                    lo: q.lo | if k < 128 { 1 << k } else { 0 },
                };
            }
        }
        q
    }

    fn low_u64(self) -> u64 {
        self.lo as u64
    }
}

/// The runtime's `apportion_units`: whole units of `budget` in uid order by exact cumulative
/// ratios, `through_i = ⌊(Σ_{k<=i} share_k)·budget / Σ share⌋` and `pay_i = through_i −
/// through_{i−1}` — each the floor or the ceiling of its exact share, summing to `budget` when
/// any share is positive, all zero otherwise.
pub fn apportion_units(shares: &[u128], budget: u64) -> Vec<u64> {
    let total = shares.iter().fold(U256::default(), |s, x| {
        s.saturating_add(U256::from_u128(*x))
    });
    if total == U256::default() {
        return vec![0; shares.len()];
    }
    let mut prefix = U256::default();
    let mut allocated = 0u64;
    shares
        .iter()
        .map(|share| {
            prefix = prefix.saturating_add(U256::from_u128(*share));
            let through = prefix.saturating_mul_u64(budget).div(total).low_u64();
            let pay = through.saturating_sub(allocated);
            allocated = through;
            pay
        })
        .collect()
}

/// The first uid of the largest stake (`null_validator_winner`): a later uid replaces the
/// winner only with strictly more stake.
pub fn null_winner(stake: &[I64F64]) -> Option<usize> {
    let mut winner: Option<usize> = None;
    for (uid, s) in stake.iter().enumerate() {
        if winner.is_none_or(|w| *s > stake[w]) {
            winner = Some(uid);
        }
    }
    winner
}

/// One Null epoch; see the module documentation. Refuses what [`EpochInput::validate`] refuses
/// and a total stake beyond the chain's `I64F64` range.
pub fn run_null_epoch(input: &EpochInput) -> Result<EpochOutput, EpochError> {
    input.validate()?;
    let n = usize::from(input.n);
    let owner = input.owner_uid;

    let active: Vec<bool> = input
        .last_update
        .iter()
        .map(|u| u.saturating_add(input.activity_cutoff_blocks) >= input.current_block)
        .collect();
    let total: Vec<I64F64> = input
        .stake
        .iter()
        .map(|s| I64F64::saturating_from_u64(*s))
        .collect();
    // Reported stake weights, as under Yuma (threshold, owner exempt).
    let stake = normalized_stake(&input.stake, input.stake_threshold, owner)?;
    let winner = null_winner(&total);
    let new_validator_permit: Vec<bool> = (0..n).map(|i| Some(i) == winner).collect();
    // Reported active stake: the permits held before the epoch (the owner not forced).
    let mut active_stake = stake.clone();
    let inactive: Vec<bool> = active.iter().map(|a| !a).collect();
    let forbids: Vec<bool> = input.validator_permit.iter().map(|p| !p).collect();
    inplace_mask_vector(&inactive, &mut active_stake);
    inplace_mask_vector(&forbids, &mut active_stake);
    inplace_normalize(&mut active_stake);

    // The winner's row alone, raw, through the shared masks.
    let mut weights: SparseMatrix = vec![Vec::new(); n];
    if let Some(w) = winner {
        weights[w] = input.weights[w]
            .iter()
            .filter(|(j, _)| *j < input.n)
            .map(|&(j, v)| (j, I32F32::from_u16(v)))
            .collect();
    }
    let weights = super::shared_weight_masks(&weights, input);

    let mut miner_shares = vec![0u128; n];
    if let Some(row) = winner.and_then(|w| weights.get(w)) {
        for &(j, v) in row {
            if let Some(s) = miner_shares.get_mut(usize::from(j)) {
                *s = u128::from(v.saturating_to_u16());
            }
        }
    }
    if miner_shares.iter().all(|s| *s == 0) {
        miner_shares.fill(1);
    }
    let validator_shares: Vec<u128> = total
        .iter()
        .map(|s| {
            if *s <= I64F64::ZERO {
                0
            } else {
                s.to_bits() as u128
            }
        })
        .collect();
    let report = |shares: &[u128]| -> Result<Vec<I32F32>, EpochError> {
        let wide: Vec<I64F64> = shares
            .iter()
            .map(|s| I64F64::from_bits(i128::try_from(*s).unwrap_or(i128::MAX)))
            .collect();
        super::normalize_64_narrowed(&wide)
    };
    // Miner shares are integers: as `I64F64::saturating_from_num(share)`.
    let incentive = report(&miner_shares.iter().map(|s| s << 64).collect::<Vec<_>>())?;
    let dividends = report(&validator_shares)?;

    let e = input.rao_emission;
    let has_validators = validator_shares.iter().any(|s| *s > 0);
    let (miner_budget, validator_budget) = if has_validators {
        (e - e / 2, e / 2)
    } else {
        (e, 0)
    };
    let server_emission = apportion_units(&miner_shares, miner_budget);
    let validator_emission = apportion_units(&validator_shares, validator_budget);
    let emission = server_emission
        .iter()
        .zip(&validator_emission)
        .map(|(a, b)| a.saturating_add(*b))
        .collect();

    let zeros = vec![I32F32::ZERO; n];
    let u16s = |v: &[I32F32]| -> Vec<u16> { v.iter().map(|x| x.proportion_to_u16()).collect() };
    let bits = |v: &[I32F32]| -> Vec<i64> { v.iter().map(|x| x.to_bits()).collect() };
    Ok(EpochOutput {
        active,
        new_validator_permit,
        stake_weight_u16: u16s(&stake),
        consensus_u16: u16s(&zeros),
        incentive_u16: u16s(&incentive),
        dividends_u16: u16s(&dividends),
        validator_trust_u16: u16s(&zeros),
        server_emission,
        validator_emission,
        emission,
        bonds_out: input.bonds.clone(),
        stake_bits: bits(&stake),
        active_stake_bits: bits(&active_stake),
        consensus_bits: bits(&zeros),
        incentive_bits: bits(&incentive),
        dividends_bits: bits(&dividends),
        validator_trust_bits: bits(&zeros),
    })
}
