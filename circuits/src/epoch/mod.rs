//! The epoch statement (DESIGN §1 step 4), one proof per epoch:
//!
//! > given the public stake and chain state, the consensus, validator trust, incentive,
//! > dividends, emissions and the new bonds are exactly what subtensor's epoch computes from the
//! > weight rows hidden in the validators' weight commitments and from the previous bonds.
//!
//! Four parts: the public [`EpochStatement`] and its digest [`EpochStatement::public_digest`];
//! the private [`EpochWitness`]; the native reference ([`crate::yuma::run_epoch`], through
//! [`EpochRound::build`]); the constraints ([`constraints::EpochCircuit`], feature `r1cs`).
//!
//! The circuit covers `V` validator rows × `N` uids. Uids outside the rows must be idle (no kept
//! weight, no active stake, no bonds); liquid alpha is not supported yet and is refused.

#[cfg(feature = "r1cs")]
pub mod constraints;

use crate::commitment::pack_u16;
use crate::field::{blake3_to_fr, bytes32_to_fr_pair, pack_le, serde_hex};
use crate::fixed::I32F32;
use crate::poseidon::hash_many;
use crate::yuma::median::median_bounds;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};

/// Bonds rule of an epoch circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BondsRule {
    /// Yuma3 with a fixed alpha.
    Yuma3,
    /// The original Yuma.
    Original,
}

/// Shape of an epoch circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochShape {
    /// Validator rows.
    pub validators: u32,
    /// Uids (columns).
    pub uids: u32,
    /// Bonds rule.
    pub bonds: BondsRule,
}

impl EpochShape {
    /// `<V>x<N>-<rule>`, e.g. `16x64-yuma3`.
    pub fn name(&self) -> String {
        let rule = match self.bonds {
            BondsRule::Yuma3 => "yuma3",
            BondsRule::Original => "original",
        };
        format!("{}x{}-{rule}", self.validators, self.uids)
    }
}

/// Identity of an epoch circuit (fixed inside it and hashed into every statement).
pub fn circuit_id(shape: &EpochShape) -> String {
    format!("zkyuma/epoch/v2/{}", shape.name())
}

/// The public statement of an epoch proof. Stakes and results are raw `I32F32` bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochStatement {
    /// Subnet.
    pub netuid: u16,
    /// Epoch.
    pub epoch: u64,
    /// Circuit shape.
    pub shape: EpochShape,
    /// blake3 of the verifying key.
    #[serde(with = "serde_hex::bytes32")]
    pub vk_hash: [u8; 32],
    /// The uid of each row, increasing.
    pub validators: Vec<u16>,
    /// Which stored weights survive the masks, per row and uid.
    pub keep: Vec<Vec<bool>>,
    /// Active stake per row (`I32F32` bits).
    pub active_stake_bits: Vec<i64>,
    /// Normalised stake per uid (`I32F32` bits).
    pub stake_bits: Vec<i64>,
    /// Kappa (u16 proportion).
    pub kappa: u16,
    /// Bonds penalty (u16 proportion).
    pub bonds_penalty: u16,
    /// Bonds moving average (millionths).
    pub bonds_moving_average: u64,
    /// Uids whose previous bonds survive (registered before the last tempo).
    pub bonds_keep: Vec<bool>,
    /// Permits before the epoch, per row (owner forced).
    pub old_permit: Vec<bool>,
    /// Permits after the epoch, per row.
    pub new_permit: Vec<bool>,
    /// Epoch emission in RAO.
    pub rao_emission: u64,
    /// Weight commitment of each row (the `cw` of its score proof).
    #[serde(with = "serde_hex::fr_vec")]
    pub weight_commitments: Vec<Fr>,
    /// Commitment to the previous bonds rows.
    #[serde(with = "serde_hex::fr")]
    pub prev_bonds_commitment: Fr,
    /// Commitment to the bonds rows written back.
    #[serde(with = "serde_hex::fr")]
    pub new_bonds_commitment: Fr,
    /// Consensus per uid (bits).
    pub consensus_bits: Vec<i64>,
    /// Validator trust per row (bits).
    pub validator_trust_bits: Vec<i64>,
    /// Incentive per uid (bits).
    pub incentive_bits: Vec<i64>,
    /// Dividends per row (bits).
    pub dividends_bits: Vec<i64>,
    /// Miner emission per uid (RAO).
    pub server_emission: Vec<u64>,
    /// Validator emission per uid (RAO).
    pub validator_emission: Vec<u64>,
    /// Combined emission per uid (RAO).
    pub emission: Vec<u64>,
}

fn fixed_fr(bits: i64) -> Fr {
    if bits >= 0 {
        Fr::from(bits as u64)
    } else {
        -Fr::from(bits.unsigned_abs())
    }
}

/// Statement numbers are packed into digest elements by slot width (little-endian, `250 / width`
/// per element): proportions (`I32F32` bits of values in `0..=1`), validator trust (a row sum of
/// clipped proportions) and RAO amounts. Packing is injective only for values inside their slots:
/// [`EpochStatement::validate`] refuses any other, and the circuit range-checks every packed value.
pub const PROPORTION_BITS: u32 = 33;
/// Slot width of validator trust (below `N · 2^33 <= 2^49` in the circuit).
pub const TRUST_BITS: u32 = 50;
/// Slot width of RAO amounts (u64).
pub const RAO_BITS: u32 = 64;

/// Most uids an epoch circuit covers (a subnet's u16 uid space); the circuit's bounds (row sums
/// below `N·65535`, trust below `2^49`) rely on it.
pub const MAX_UIDS: u32 = 65535;

/// How many values of `bits` bits one digest element holds.
pub const fn per_element(bits: u32) -> usize {
    (250 / bits) as usize
}

fn pack_numbers(bits_values: &[i64], bits: u32) -> Vec<Fr> {
    let wide: Vec<u64> = bits_values.iter().map(|b| *b as u64).collect();
    pack_le(&wide, bits, per_element(bits))
}

fn pack_bools(bits: &[bool]) -> Vec<Fr> {
    let wide: Vec<u64> = bits.iter().map(|b| u64::from(*b)).collect();
    pack_le(&wide, 1, 250)
}

/// Why an epoch statement is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("epoch statement: {0}")]
pub struct EpochStatementError(pub String);

impl EpochStatement {
    /// Check every length against the shape.
    pub fn validate(&self) -> Result<(), EpochStatementError> {
        if self.shape.uids > MAX_UIDS {
            return Err(EpochStatementError(format!(
                "{} uids: the epoch circuit covers at most {MAX_UIDS}",
                self.shape.uids
            )));
        }
        let (v, n) = (self.shape.validators as usize, self.shape.uids as usize);
        let bad = |what: &str, got: usize, want: usize| {
            Err(EpochStatementError(format!(
                "{what}: {got} entries, the shape needs {want}"
            )))
        };
        let rows = [
            ("validators", self.validators.len()),
            ("keep", self.keep.len()),
            ("active_stake_bits", self.active_stake_bits.len()),
            ("old_permit", self.old_permit.len()),
            ("new_permit", self.new_permit.len()),
            ("weight_commitments", self.weight_commitments.len()),
            ("validator_trust_bits", self.validator_trust_bits.len()),
            ("dividends_bits", self.dividends_bits.len()),
        ];
        for (what, got) in rows {
            if got != v {
                return bad(what, got, v);
            }
        }
        let cols = [
            ("stake_bits", self.stake_bits.len()),
            ("bonds_keep", self.bonds_keep.len()),
            ("consensus_bits", self.consensus_bits.len()),
            ("incentive_bits", self.incentive_bits.len()),
            ("server_emission", self.server_emission.len()),
            ("validator_emission", self.validator_emission.len()),
            ("emission", self.emission.len()),
        ];
        for (what, got) in cols {
            if got != n {
                return bad(what, got, n);
            }
        }
        if let Some(row) = self.keep.iter().find(|r| r.len() != n) {
            return bad("keep[row]", row.len(), n);
        }
        if self.validators.windows(2).any(|w| w[0] >= w[1])
            || self.validators.iter().any(|u| usize::from(*u) >= n)
        {
            return Err(EpochStatementError(
                "validators must be increasing uids below the uid count".into(),
            ));
        }
        if self.bonds_moving_average > 1_000_000 {
            return Err(EpochStatementError(format!(
                "bonds_moving_average {} > 1000000 (a negative EMA rate) is not supported",
                self.bonds_moving_average
            )));
        }
        let slots = [
            (
                "active_stake_bits",
                &self.active_stake_bits,
                PROPORTION_BITS,
            ),
            ("stake_bits", &self.stake_bits, PROPORTION_BITS),
            ("consensus_bits", &self.consensus_bits, PROPORTION_BITS),
            ("incentive_bits", &self.incentive_bits, PROPORTION_BITS),
            ("dividends_bits", &self.dividends_bits, PROPORTION_BITS),
            (
                "validator_trust_bits",
                &self.validator_trust_bits,
                TRUST_BITS,
            ),
        ];
        for (what, values, bits) in slots {
            if let Some(x) = values.iter().find(|x| **x < 0 || **x >= 1i64 << bits) {
                return Err(EpochStatementError(format!(
                    "{what}: {x} is outside 0..2^{bits}"
                )));
            }
        }
        Ok(())
    }

    /// The row selection `sel[r][u] = [validators[r] = u]`.
    pub fn selection(&self) -> Vec<Vec<bool>> {
        let n = self.shape.uids as usize;
        self.validators
            .iter()
            .map(|u| (0..n).map(|j| usize::from(*u) == j).collect())
            .collect()
    }

    /// The canonical field elements, in the order the circuit rebuilds them.
    pub fn digest_elements(&self) -> Vec<Fr> {
        let active: Vec<I32F32> = self
            .active_stake_bits
            .iter()
            .map(|b| I32F32::from_bits(*b))
            .collect();
        let bounds = median_bounds(&active, I32F32::from_u16_proportion(self.kappa));
        let mut e = alloc::vec![
            blake3_to_fr(b"zkyuma/epoch-statement/v2"),
            Fr::from(self.netuid),
            Fr::from(self.epoch),
            blake3_to_fr(circuit_id(&self.shape).as_bytes()),
        ];
        e.extend(bytes32_to_fr_pair(&self.vk_hash));
        let mut bools: Vec<bool> = self.keep.iter().flatten().copied().collect();
        bools.push(bounds.empty);
        bools.extend(self.bonds_keep.iter().copied());
        bools.extend(self.old_permit.iter().copied());
        bools.extend(self.new_permit.iter().copied());
        bools.extend(self.selection().into_iter().flatten());
        e.extend(pack_bools(&bools));
        let median_stake: Vec<i64> = bounds.stake.iter().map(|s| s.to_bits()).collect();
        e.extend(pack_numbers(&median_stake, PROPORTION_BITS));
        e.push(fixed_fr(bounds.lo.to_bits()));
        e.push(fixed_fr(bounds.hi.to_bits()));
        e.extend(pack_numbers(&self.active_stake_bits, PROPORTION_BITS));
        e.push(fixed_fr(
            I32F32::from_u16_proportion(self.bonds_penalty).to_bits(),
        ));
        e.push(fixed_fr(
            crate::yuma::bonds_moving_average_alpha(self.bonds_moving_average).to_bits(),
        ));
        e.extend(pack_numbers(&self.stake_bits, PROPORTION_BITS));
        e.push(Fr::from(self.rao_emission));
        e.extend(self.weight_commitments.iter().copied());
        e.push(self.prev_bonds_commitment);
        e.push(self.new_bonds_commitment);
        e.extend(pack_numbers(&self.consensus_bits, PROPORTION_BITS));
        e.extend(pack_numbers(&self.validator_trust_bits, TRUST_BITS));
        e.extend(pack_numbers(&self.incentive_bits, PROPORTION_BITS));
        e.extend(pack_numbers(&self.dividends_bits, PROPORTION_BITS));
        for amounts in [
            &self.server_emission,
            &self.validator_emission,
            &self.emission,
        ] {
            e.extend(pack_le(amounts, RAO_BITS, per_element(RAO_BITS)));
        }
        e
    }

    /// The proof's single public input.
    pub fn public_digest(&self) -> Fr {
        hash_many(&self.digest_elements())
    }
}

/// Commitment to V×N u16 bonds rows (row-major) with a blinding.
pub fn bonds_commitment(rows: &[Vec<u16>], blinding: Fr) -> Fr {
    let flat: Vec<u16> = rows.iter().flatten().copied().collect();
    let mut elements = pack_u16(&flat);
    elements.push(blinding);
    hash_many(&elements)
}

/// The private witness of an epoch proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochWitness {
    /// Each row's weight row as the validator committed it (dense u16 over the N uids).
    pub weights: Vec<Vec<u16>>,
    /// Blinding of each row's weight commitment.
    #[serde(with = "serde_hex::fr_vec")]
    pub weight_blindings: Vec<Fr>,
    /// Previous bonds rows (dense u16).
    pub prev_bonds: Vec<Vec<u16>>,
    /// Blinding of the previous bonds commitment.
    #[serde(with = "serde_hex::fr")]
    pub prev_bonds_blinding: Fr,
    /// Blinding of the new bonds commitment.
    #[serde(with = "serde_hex::fr")]
    pub new_bonds_blinding: Fr,
}

/// The epoch prover's input: the chain state, the validators' openings and the bonds blindings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochRound {
    /// Subnet.
    pub netuid: u16,
    /// Epoch number.
    pub epoch: u64,
    /// The chain state the epoch reads (the native epoch's input).
    pub input: crate::yuma::EpochInput,
    /// Validator rows (default: every uid holding a permit before the epoch).
    #[serde(default)]
    pub validators: Option<Vec<u16>>,
    /// Blinding of each row's weight commitment (same order as the rows).
    #[serde(with = "serde_hex::fr_vec")]
    pub weight_blindings: Vec<Fr>,
    /// Blinding of the previous bonds commitment.
    #[serde(with = "serde_hex::fr")]
    pub prev_bonds_blinding: Fr,
    /// Blinding of the new bonds commitment.
    #[serde(with = "serde_hex::fr")]
    pub new_bonds_blinding: Fr,
}

impl EpochRound {
    /// The validator rows: given, or every uid with a permit before the epoch (owner included).
    pub fn rows(&self) -> Vec<u16> {
        self.validators.clone().unwrap_or_else(|| {
            (0..self.input.n)
                .filter(|u| {
                    self.input.validator_permit[usize::from(*u)] || self.input.owner_uid == Some(*u)
                })
                .collect()
        })
    }

    /// The circuit shape.
    pub fn shape(&self) -> EpochShape {
        EpochShape {
            validators: self.rows().len() as u32,
            uids: u32::from(self.input.n),
            bonds: if self.input.yuma3 {
                BondsRule::Yuma3
            } else {
                BondsRule::Original
            },
        }
    }
}
