//! The epoch statement (DESIGN §1 step 4), one proof per epoch:
//!
//! > given the public stake and chain state, the consensus, validator trust, incentive,
//! > dividends, emissions and the new bonds are exactly what subtensor's epoch computes from the
//! > weight rows hidden in the validators' weight commitments and from the previous bonds.
//!
//! Four parts: the public [`EpochStatement`] (its [`EpochChainState`], [`EpochCommitments`] and
//! [`EpochResults`]) and its digest [`EpochStatement::public_digest`]; the private
//! [`EpochWitness`]; the native reference — [`EpochRound::build`] runs the native epoch once and
//! gives both, [`EpochChainState::derive`] is what the chain, the epoch prover and the auditor
//! expect, [`EpochStatement::check`] holds exactly when the circuit is satisfiable — and the
//! constraints ([`constraints::EpochCircuit`], feature `r1cs`, made from a statement and witness).
//!
//! The circuit covers `V` validator rows × `N` uids. Uids outside the rows must be idle (no kept
//! weight, no active stake, no bonds). A subnet with Yuma3 liquid alpha on is proven by the
//! `yuma3-liquid` circuits, whose statements carry liquid alpha's public state
//! ([`LiquidAlphaState`]).

#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(all(feature = "r1cs", feature = "halo2"))]
pub mod halo2;

use crate::commitment::{pack_u16, weight_commitment};
use crate::field::{blake3_to_fr, bytes32_to_fr_pair, pack_le, serde_hex};
use crate::fixed::I32F32;
use crate::poseidon::{hash_many, Domain};
pub use crate::yuma::liquid_alpha::LiquidAlphaState;
use crate::yuma::median::{median_bounds, MedianAlgorithm};
use crate::yuma::{run_core, weight_keep_mask, EpochCore, EpochError, EpochInput, EpochTrace};
use alloc::format;
use alloc::string::String;
use alloc::vec;
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
    /// Yuma3 with liquid alpha (a sigmoid alpha per cell; the fixed alpha when this epoch's
    /// consensus is all zero, as the chain falls back).
    #[serde(rename = "yuma3_liquid")]
    Yuma3Liquid,
}

impl BondsRule {
    /// The rule an epoch's input runs: Yuma3 (with or without liquid alpha) or the original.
    pub fn of(input: &EpochInput) -> Self {
        match (input.yuma3, input.liquid_alpha) {
            (true, true) => Self::Yuma3Liquid,
            (true, false) => Self::Yuma3,
            (false, _) => Self::Original,
        }
    }

    /// Whether the rule is Yuma3's (either alpha).
    pub fn is_yuma3(self) -> bool {
        matches!(self, Self::Yuma3 | Self::Yuma3Liquid)
    }
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
            BondsRule::Yuma3Liquid => "yuma3-liquid",
        };
        format!("{}x{}-{rule}", self.validators, self.uids)
    }
}

/// Identity of an epoch circuit (fixed inside it and hashed into every statement).
pub fn circuit_id(shape: &EpochShape) -> String {
    format!("zkyuma/epoch/v2/{}", shape.name())
}

/// The public chain state an epoch statement is proven against: everything the chain (or an
/// auditor) derives from its own storage with [`EpochChainState::derive`]. A statement is for
/// the chain's epoch exactly when its `chain` equals the derived one (one comparison).
/// Stakes are raw `I32F32` bits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochChainState {
    /// Subnet.
    pub netuid: u16,
    /// Epoch.
    pub epoch: u64,
    /// Circuit shape.
    pub shape: EpochShape,
    /// blake3 of the verifying key.
    #[serde(with = "serde_hex::bytes32")]
    pub vk_hash: [u8; 32],
    /// The uid of each row: the row slots the chain keeps from epoch to epoch
    /// ([`slot_rows`]), distinct uids in slot order.
    pub validators: Vec<u16>,
    /// The uid of each row of the previous bonds commitment (the previous epoch's rows; at
    /// genesis, this epoch's). A slot whose uid changed went to a new permit holder: its
    /// previous row is the departed holder's, which that epoch cleared (DESIGN §3).
    pub prev_validators: Vec<u16>,
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
    /// Liquid alpha's public state: present exactly for a `yuma3_liquid` shape (absent from the
    /// JSON otherwise, so statements of the other rules read and hash as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquid_alpha: Option<LiquidAlphaState>,
}

/// The commitments an epoch statement opens: the validators' weight rows and the bonds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochCommitments {
    /// Weight commitment of each row (the `cw` of its score proof).
    #[serde(with = "serde_hex::fr_vec")]
    pub weight_commitments: Vec<Fr>,
    /// Commitment to the previous bonds rows.
    #[serde(with = "serde_hex::fr")]
    pub prev_bonds_commitment: Fr,
    /// Commitment to the bonds rows written back.
    #[serde(with = "serde_hex::fr")]
    pub new_bonds_commitment: Fr,
}

/// What the epoch pays: consensus, trust, incentive, dividends (`I32F32` bits) and emission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochResults {
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

impl EpochResults {
    /// The consensus as the chain stores it after the epoch (subtensor's `Consensus`: each
    /// value `fixed_proportion_to_u16`), which the next epoch's liquid-alpha sigmoid reads in
    /// the `previous` mode (and in `auto` with bonds penalty 65535).
    pub fn stored_consensus(&self) -> Vec<u16> {
        self.consensus_bits
            .iter()
            .map(|b| I32F32::from_bits(*b).proportion_to_u16())
            .collect()
    }
}

/// The public statement of an epoch proof: the chain state, the commitments and the results.
/// Its JSON is flat (the three groups' fields side by side).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochStatement {
    /// The chain state the epoch reads.
    #[serde(flatten)]
    pub chain: EpochChainState,
    /// The commitments it opens.
    #[serde(flatten)]
    pub commitments: EpochCommitments,
    /// What it pays.
    #[serde(flatten)]
    pub results: EpochResults,
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
pub enum EpochStatementError {
    /// More uids than a subnet holds.
    #[error("epoch statement: {uids} uids: the epoch circuit covers at most {MAX_UIDS}")]
    TooManyUids {
        /// The shape's uid count.
        uids: u32,
    },
    /// A list's length does not match the shape.
    #[error("epoch statement: {what}: {got} entries, the shape needs {expected}")]
    Length {
        /// The field.
        what: &'static str,
        /// What the shape needs.
        expected: usize,
        /// What the statement has.
        got: usize,
    },
    /// The rows (or the previous bonds rows) are not distinct uids below the uid count.
    #[error(
        "epoch statement: validators and prev_validators must be distinct uids below the uid count"
    )]
    Validators,
    /// A uid that held a row of the previous bonds commitment sits in another row now, so its
    /// previous bonds would be read as another uid's.
    #[error("epoch statement: uid {uid} moved to row {row}, away from its previous bonds row")]
    SlotMoved {
        /// The row it sits in now.
        row: usize,
        /// The uid.
        uid: u16,
    },
    /// A bonds moving average above 10^6 (a negative EMA rate).
    #[error("epoch statement: bonds_moving_average {0} > 1000000 (a negative EMA rate) is not supported")]
    NegativeAlpha(u64),
    /// Liquid alpha's state is present for a rule without it, or absent for `yuma3_liquid`.
    #[error("epoch statement: liquid_alpha must be present exactly for the yuma3_liquid rule")]
    LiquidAlphaRule,
    /// Liquid alpha's bounds are inverted (the chain keeps `alpha_low <= alpha_high`).
    #[error("epoch statement: alpha_low {low} > alpha_high {high}")]
    LiquidAlphaBounds {
        /// `alpha_low`.
        low: u16,
        /// `alpha_high`.
        high: u16,
    },
    /// A packed number outside its digest slot.
    #[error("epoch statement: {what}: {value} is outside 0..2^{bits}")]
    Slot {
        /// The field.
        what: &'static str,
        /// The value.
        value: i64,
        /// The slot width.
        bits: u32,
    },
}

impl EpochStatement {
    /// The circuit shape.
    pub fn shape(&self) -> EpochShape {
        self.chain.shape
    }

    /// Check every length against the shape.
    pub fn validate(&self) -> Result<(), EpochStatementError> {
        let (c, m, r) = (&self.chain, &self.commitments, &self.results);
        if c.shape.uids > MAX_UIDS {
            return Err(EpochStatementError::TooManyUids { uids: c.shape.uids });
        }
        let (v, n) = (c.shape.validators as usize, c.shape.uids as usize);
        let length = |what, got, expected| {
            (got != expected).then_some(EpochStatementError::Length {
                what,
                expected,
                got,
            })
        };
        let rows = [
            ("validators", c.validators.len()),
            ("prev_validators", c.prev_validators.len()),
            ("keep", c.keep.len()),
            ("active_stake_bits", c.active_stake_bits.len()),
            ("old_permit", c.old_permit.len()),
            ("new_permit", c.new_permit.len()),
            ("weight_commitments", m.weight_commitments.len()),
            ("validator_trust_bits", r.validator_trust_bits.len()),
            ("dividends_bits", r.dividends_bits.len()),
        ];
        let cols = [
            ("stake_bits", c.stake_bits.len()),
            ("bonds_keep", c.bonds_keep.len()),
            ("consensus_bits", r.consensus_bits.len()),
            ("incentive_bits", r.incentive_bits.len()),
            ("server_emission", r.server_emission.len()),
            ("validator_emission", r.validator_emission.len()),
            ("emission", r.emission.len()),
        ];
        let keep_rows = c.keep.iter().map(|row| ("keep[row]", row.len()));
        if let Some(e) = rows
            .into_iter()
            .map(|(w, g)| length(w, g, v))
            .chain(cols.into_iter().map(|(w, g)| length(w, g, n)))
            .chain(keep_rows.map(|(w, g)| length(w, g, n)))
            .flatten()
            .next()
        {
            return Err(e);
        }
        if !distinct_uids(&c.validators, n) || !distinct_uids(&c.prev_validators, n) {
            return Err(EpochStatementError::Validators);
        }
        // A uid in both row lists keeps its slot, so its previous bonds row is its own.
        if let Some((row, uid)) = c.validators.iter().enumerate().find_map(|(r, u)| {
            (c.prev_validators.contains(u) && c.prev_validators[r] != *u).then_some((r, *u))
        }) {
            return Err(EpochStatementError::SlotMoved { row, uid });
        }
        if c.bonds_moving_average > 1_000_000 {
            return Err(EpochStatementError::NegativeAlpha(c.bonds_moving_average));
        }
        match (&c.liquid_alpha, c.shape.bonds) {
            (None, BondsRule::Yuma3Liquid) => return Err(EpochStatementError::LiquidAlphaRule),
            (Some(_), BondsRule::Yuma3 | BondsRule::Original) => {
                return Err(EpochStatementError::LiquidAlphaRule)
            }
            (Some(la), _) => {
                if la.alpha_low > la.alpha_high {
                    return Err(EpochStatementError::LiquidAlphaBounds {
                        low: la.alpha_low,
                        high: la.alpha_high,
                    });
                }
                if let Some(got) = la.sigmoid_consensus.as_ref().map(Vec::len) {
                    if got != n {
                        return Err(EpochStatementError::Length {
                            what: "liquid_alpha.sigmoid_consensus",
                            expected: n,
                            got,
                        });
                    }
                }
            }
            (None, _) => {}
        }
        let slots = [
            ("active_stake_bits", &c.active_stake_bits, PROPORTION_BITS),
            ("stake_bits", &c.stake_bits, PROPORTION_BITS),
            ("consensus_bits", &r.consensus_bits, PROPORTION_BITS),
            ("incentive_bits", &r.incentive_bits, PROPORTION_BITS),
            ("dividends_bits", &r.dividends_bits, PROPORTION_BITS),
            ("validator_trust_bits", &r.validator_trust_bits, TRUST_BITS),
        ];
        for (what, values, bits) in slots {
            if let Some(x) = values.iter().find(|x| **x < 0 || **x >= 1i64 << bits) {
                return Err(EpochStatementError::Slot {
                    what,
                    value: *x,
                    bits,
                });
            }
        }
        Ok(())
    }

    /// The row selection `sel[r][u] = [validators[r] = u]`.
    pub fn selection(&self) -> Vec<Vec<bool>> {
        let n = self.chain.shape.uids as usize;
        self.chain
            .validators
            .iter()
            .map(|u| (0..n).map(|j| usize::from(*u) == j).collect())
            .collect()
    }

    /// The canonical field elements, in the order the circuit rebuilds them.
    pub fn digest_elements(&self) -> Vec<Fr> {
        let (c, m, r) = (&self.chain, &self.commitments, &self.results);
        let active: Vec<I32F32> = c
            .active_stake_bits
            .iter()
            .map(|b| I32F32::from_bits(*b))
            .collect();
        let bounds = median_bounds(&active, I32F32::from_u16_proportion(c.kappa));
        let mut e = alloc::vec![
            blake3_to_fr(b"zkyuma/epoch-statement/v2"),
            Fr::from(c.netuid),
            Fr::from(c.epoch),
            blake3_to_fr(circuit_id(&c.shape).as_bytes()),
        ];
        e.extend(bytes32_to_fr_pair(&c.vk_hash));
        let mut bools: Vec<bool> = c.keep.iter().flatten().copied().collect();
        bools.push(bounds.empty);
        bools.extend(c.bonds_keep.iter().copied());
        bools.extend(c.old_permit.iter().copied());
        bools.extend(c.new_permit.iter().copied());
        bools.extend(self.selection().into_iter().flatten());
        e.extend(pack_bools(&bools));
        e.extend(pack_u16(&c.prev_validators));
        let median_stake: Vec<i64> = bounds.stake.iter().map(|s| s.to_bits()).collect();
        e.extend(pack_numbers(&median_stake, PROPORTION_BITS));
        e.push(fixed_fr(bounds.lo.to_bits()));
        e.push(fixed_fr(bounds.hi.to_bits()));
        e.extend(pack_numbers(&c.active_stake_bits, PROPORTION_BITS));
        e.push(fixed_fr(
            I32F32::from_u16_proportion(c.bonds_penalty).to_bits(),
        ));
        e.push(fixed_fr(
            crate::yuma::bonds_moving_average_alpha(c.bonds_moving_average).to_bits(),
        ));
        e.extend(pack_numbers(&c.stake_bits, PROPORTION_BITS));
        e.push(Fr::from(c.rao_emission));
        e.extend(m.weight_commitments.iter().copied());
        e.push(m.prev_bonds_commitment);
        e.push(m.new_bonds_commitment);
        e.extend(pack_numbers(&r.consensus_bits, PROPORTION_BITS));
        e.extend(pack_numbers(&r.validator_trust_bits, TRUST_BITS));
        e.extend(pack_numbers(&r.incentive_bits, PROPORTION_BITS));
        e.extend(pack_numbers(&r.dividends_bits, PROPORTION_BITS));
        for amounts in [&r.server_emission, &r.validator_emission, &r.emission] {
            e.extend(pack_le(amounts, RAO_BITS, per_element(RAO_BITS)));
        }
        // Liquid alpha's state last (only `yuma3_liquid` statements have it): the bounds and the
        // slope as the circuit reads them, whether the stored consensus is read, and that
        // consensus (zeros when unused).
        if let Some(la) = &c.liquid_alpha {
            e.push(fixed_fr(la.low().to_bits()));
            e.push(fixed_fr(la.high().to_bits()));
            e.push(fixed_fr(la.factor().to_bits()));
            e.push(Fr::from(la.sigmoid_consensus.is_some()));
            let n = c.shape.uids as usize;
            let stored = la.sigmoid_consensus.clone().unwrap_or_else(|| vec![0; n]);
            e.extend(pack_u16(&stored));
        }
        e
    }

    /// The proof's single public input.
    pub fn public_digest(&self) -> Fr {
        hash_many(Domain::EpochStatement, &self.digest_elements())
    }

    /// The native check: holds exactly when the epoch circuit is satisfiable for this statement
    /// and witness (for a chain state that [`EpochChainState::derive`] produces). The witness
    /// opens every commitment, and the epoch computed from the statement's chain state, the
    /// opened weight rows and the opened previous bonds ([`run_core`], the same code the chain's
    /// epoch runs) gives exactly the statement's results and new bonds commitment.
    pub fn check(&self, witness: &EpochWitness) -> Result<(), EpochCheckError> {
        self.validate()?;
        let (c, m) = (&self.chain, &self.commitments);
        let (v, n) = (c.shape.validators as usize, c.shape.uids as usize);
        let sizes = [
            ("weights", witness.weights.len(), v),
            ("weight_blindings", witness.weight_blindings.len(), v),
            ("prev_bonds", witness.prev_bonds.len(), v),
        ];
        let cells = witness
            .weights
            .iter()
            .map(|r| ("weights[row]", r.len(), n))
            .chain(
                witness
                    .prev_bonds
                    .iter()
                    .map(|r| ("prev_bonds[row]", r.len(), n)),
            );
        if let Some((what, got, expected)) = sizes
            .into_iter()
            .chain(cells)
            .find(|(_, got, expected)| got != expected)
        {
            return Err(EpochCheckError::Witness {
                what,
                expected,
                got,
            });
        }
        // Openings: each row's weight commitment and the previous bonds.
        for (row, ((w, b), cw)) in witness
            .weights
            .iter()
            .zip(&witness.weight_blindings)
            .zip(&m.weight_commitments)
            .enumerate()
        {
            if weight_commitment(w, *b) != *cw {
                return Err(EpochCheckError::WeightOpening { row });
            }
        }
        if bonds_commitment(
            &c.prev_validators,
            &witness.prev_bonds,
            witness.prev_bonds_blinding,
        ) != m.prev_bonds_commitment
        {
            return Err(EpochCheckError::PrevBondsOpening);
        }
        // The epoch from the statement's chain state and the opened rows.
        let trace = run_core(&self.core(witness), MedianAlgorithm::ClosedForm);
        let (expected, new_bonds) =
            results_at(&trace, &c.validators, n, witness.new_bonds_blinding);
        let r = &self.results;
        let fields = [
            (
                "consensus_bits",
                r.consensus_bits == expected.consensus_bits,
            ),
            (
                "validator_trust_bits",
                r.validator_trust_bits == expected.validator_trust_bits,
            ),
            (
                "incentive_bits",
                r.incentive_bits == expected.incentive_bits,
            ),
            (
                "dividends_bits",
                r.dividends_bits == expected.dividends_bits,
            ),
            (
                "server_emission",
                r.server_emission == expected.server_emission,
            ),
            (
                "validator_emission",
                r.validator_emission == expected.validator_emission,
            ),
            ("emission", r.emission == expected.emission),
            ("new_bonds_commitment", m.new_bonds_commitment == new_bonds),
        ];
        if let Some((field, _)) = fields.into_iter().find(|(_, ok)| !ok) {
            return Err(EpochCheckError::Result { field });
        }
        Ok(())
    }

    /// The epoch's input as [`run_core`] reads it, from the statement's chain state (uids outside
    /// the rows idle) and the witness's rows.
    fn core(&self, witness: &EpochWitness) -> EpochCore {
        let c = &self.chain;
        let n = c.shape.uids as usize;
        let bits = |b: &i64| I32F32::from_bits(*b);
        let mut active_stake = vec![I32F32::ZERO; n];
        let mut permits = vec![false; n];
        let mut new_permits = vec![false; n];
        let mut weights = vec![Vec::new(); n];
        let mut bonds_stored = vec![Vec::new(); n];
        let mut bonds_kept = vec![Vec::new(); n];
        for (r, uid) in c.validators.iter().enumerate() {
            let u = usize::from(*uid);
            active_stake[u] = bits(&c.active_stake_bits[r]);
            permits[u] = c.old_permit[r];
            new_permits[u] = c.new_permit[r];
            let cells = |row: &[u16]| -> Vec<(u16, u16)> {
                row.iter()
                    .enumerate()
                    .filter(|(_, x)| **x != 0)
                    .map(|(j, x)| (j as u16, *x))
                    .collect()
            };
            weights[u] = cells(&witness.weights[r])
                .into_iter()
                .filter(|(j, _)| c.keep[r][usize::from(*j)])
                .map(|(j, w)| (j, I32F32::from_u16(w)))
                .collect();
            bonds_stored[u] = cells(&witness.prev_bonds[r]);
            bonds_kept[u] = bonds_stored[u]
                .iter()
                .filter(|(j, _)| c.bonds_keep[usize::from(*j)])
                .copied()
                .collect();
        }
        EpochCore {
            n: c.shape.uids as u16,
            active: vec![true; n],
            stake: c.stake_bits.iter().map(bits).collect(),
            active_stake,
            validator_permits: permits,
            new_validator_permits: new_permits,
            weights,
            bonds_stored,
            bonds_kept,
            kappa: c.kappa,
            bonds_penalty: c.bonds_penalty,
            bonds_moving_average: c.bonds_moving_average,
            yuma3: c.shape.bonds.is_yuma3(),
            liquid_alpha: c.liquid_alpha.as_ref().map(LiquidAlphaState::params),
            liquid_alpha_consensus: c
                .liquid_alpha
                .as_ref()
                .and_then(LiquidAlphaState::fed_consensus),
            rao_emission: c.rao_emission,
        }
    }
}

/// The results of an epoch at the statement's rows, and the commitment to its new bonds rows.
fn results_at(trace: &EpochTrace, rows: &[u16], n: usize, blinding: Fr) -> (EpochResults, Fr) {
    let out = &trace.output;
    let at = |v: &[i64]| rows.iter().map(|u| v[usize::from(*u)]).collect::<Vec<_>>();
    let bonds_out = dense(&out.bonds_out, n);
    let new_bonds: Vec<Vec<u16>> = rows
        .iter()
        .map(|u| bonds_out[usize::from(*u)].clone())
        .collect();
    let results = EpochResults {
        consensus_bits: out.consensus_bits.clone(),
        validator_trust_bits: at(&out.validator_trust_bits),
        incentive_bits: out.incentive_bits.clone(),
        dividends_bits: at(&out.dividends_bits),
        server_emission: out.server_emission.clone(),
        validator_emission: out.validator_emission.clone(),
        emission: out.emission.clone(),
    };
    (results, bonds_commitment(rows, &new_bonds, blinding))
}

/// Sparse `(uid, value)` rows as dense u16 rows over `n` uids (entries beyond `n` dropped).
fn dense(rows: &[Vec<(u16, u16)>], n: usize) -> Vec<Vec<u16>> {
    rows.iter()
        .map(|row| {
            let mut d = vec![0u16; n];
            for &(j, w) in row {
                if let Some(c) = d.get_mut(usize::from(j)) {
                    *c = w;
                }
            }
            d
        })
        .collect()
}

/// Why a statement and witness fail the native check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochCheckError {
    /// The statement is malformed.
    #[error(transparent)]
    Statement(#[from] EpochStatementError),
    /// The epoch cannot be proven by the circuit.
    #[error(transparent)]
    Circuit(#[from] EpochCircuitError),
    /// A witness list's length does not match the shape.
    #[error("epoch witness: {what}: {got} entries, the shape needs {expected}")]
    Witness {
        /// The field.
        what: &'static str,
        /// What the shape needs.
        expected: usize,
        /// What the witness has.
        got: usize,
    },
    /// A row's weights and blinding do not open its weight commitment.
    #[error("row {row}: the weights do not open the weight commitment")]
    WeightOpening {
        /// The row.
        row: usize,
    },
    /// The previous bonds do not open the previous bonds commitment.
    #[error("the previous bonds do not open the previous bonds commitment")]
    PrevBondsOpening,
    /// A result differs from the epoch computed from the chain state and the openings.
    #[error("{field} differs from the epoch computed from the chain state and the openings")]
    Result {
        /// The statement field.
        field: &'static str,
    },
}

/// Why an epoch cannot be proven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochCircuitError {
    /// Liquid alpha's bounds are inverted (the chain keeps `alpha_low <= alpha_high`; the
    /// circuit's alphas stay inside `[alpha_low, alpha_high]`).
    #[error("liquid alpha: alpha_low {low} > alpha_high {high}")]
    LiquidAlphaBounds {
        /// `alpha_low`.
        low: u16,
        /// `alpha_high`.
        high: u16,
    },
    /// A stored row liquid alpha reads in a way a dense, uid-ordered row cannot stand for.
    #[error("liquid alpha: row {row} holds {why}, which the epoch circuit's dense rows do not represent")]
    LiquidAlphaRow {
        /// The row (uid).
        row: usize,
        /// What it holds.
        why: &'static str,
    },
    /// The stored previous consensus the liquid-alpha sigmoid reads has another length than
    /// the subnet's uids.
    #[error(
        "liquid alpha: the stored previous consensus has {got} entries, the subnet {expected} uids"
    )]
    PreviousConsensusLength {
        /// The subnet's uids.
        expected: usize,
        /// The stored entries.
        got: usize,
    },
    /// A bonds moving average above 10^6 makes the EMA rate negative, which the circuit's
    /// fixed-point steps (non-negative values) do not cover.
    #[error("bonds_moving_average {0} > 1000000 (a negative EMA rate) is not supported by the epoch circuit")]
    NegativeAlpha(u64),
    /// The epoch input is invalid.
    #[error(transparent)]
    Epoch(#[from] EpochError),
    /// A uid outside the circuit's rows holds weights, active stake or bonds.
    #[error("uid {uid} is not among the circuit's validator rows but holds {what}")]
    RowOutsideShape {
        /// The uid.
        uid: u16,
        /// What it holds.
        what: &'static str,
    },
    /// The validator rows (or the previous bonds rows) are not distinct uids below n.
    #[error("validator rows must be distinct uids below n")]
    Rows,
    /// A row slot changed hands but the previous bonds of its old or new uid are not empty, so
    /// the slot's previous row is not the new holder's (DESIGN §3).
    #[error("row {row}: the slot passed from uid {departed} to uid {arrived}, but one of them holds bonds")]
    ReassignedSlotBonds {
        /// The row.
        row: usize,
        /// The uid that held the slot in the previous bonds commitment.
        departed: u16,
        /// The uid that holds it now.
        arrived: u16,
    },
    /// The round's blindings do not match its rows.
    #[error("{what}: {got} entries, the rows need {expected}")]
    Length {
        /// The field.
        what: &'static str,
        /// What the rows need.
        expected: usize,
        /// What the round has.
        got: usize,
    },
    /// A stored weight row names a uid twice (impossible through set_weights).
    #[error("weights[{row}]: uid {uid} appears twice")]
    DuplicateWeight {
        /// The row (uid).
        row: usize,
        /// The repeated uid.
        uid: u16,
    },
}

/// Check that every uid outside `validators` is idle: no kept weight, no active stake, no
/// bonds — so leaving its row out of the circuit changes nothing.
pub fn check_idle_rows(input: &EpochInput, validators: &[u16]) -> Result<(), EpochCircuitError> {
    check_idle(input, &EpochCore::from_input(input)?, validators)
}

pub(crate) fn check_idle(
    input: &EpochInput,
    core: &EpochCore,
    validators: &[u16],
) -> Result<(), EpochCircuitError> {
    let n = input.n;
    if !distinct_uids(validators, usize::from(n)) {
        return Err(EpochCircuitError::Rows);
    }
    for uid in (0..n).filter(|u| !validators.contains(u)) {
        let i = usize::from(uid);
        let holds = if core.weights[i].iter().any(|(_, w)| *w != I32F32::ZERO) {
            Some("weights")
        } else if core.active_stake[i] != I32F32::ZERO {
            Some("active stake")
        } else if input.bonds[i].iter().any(|(_, b)| *b > 0) {
            Some("bonds")
        } else {
            None
        };
        if let Some(what) = holds {
            return Err(EpochCircuitError::RowOutsideShape { uid, what });
        }
    }
    Ok(())
}

impl EpochChainState {
    /// The chain state of epoch `epoch` over the rows `validators`, as the chain derives it from
    /// its storage (`input`'s weights and bonds are not read but for the idle-row check). The
    /// chain, the epoch prover and the auditor all derive it with this one function.
    ///
    /// `prev_validators` are the rows of the previous bonds commitment (the previous epoch's
    /// rows; at genesis, [`permit_rows`]); the chain's rows are [`slot_rows`] of them.
    pub fn derive(
        netuid: u16,
        epoch: u64,
        input: &EpochInput,
        (validators, prev_validators): (&[u16], &[u16]),
        vk_hash: [u8; 32],
    ) -> Result<Self, EpochCircuitError> {
        let rows = validators;
        let core = read_chain(input, rows)?;
        if !distinct_uids(prev_validators, usize::from(input.n)) {
            return Err(EpochCircuitError::Rows);
        }
        Ok(Self::from_core(
            netuid,
            epoch,
            input,
            &core,
            (rows, prev_validators),
            vk_hash,
        ))
    }

    fn from_core(
        netuid: u16,
        epoch: u64,
        input: &EpochInput,
        core: &EpochCore,
        (rows, prev_rows): (&[u16], &[u16]),
        vk_hash: [u8; 32],
    ) -> Self {
        let keep = weight_keep_mask(input);
        let at = |i: &u16| usize::from(*i);
        let last_tempo = input.bonds_cutoff_block();
        Self {
            netuid,
            epoch,
            shape: EpochShape {
                validators: rows.len() as u32,
                uids: u32::from(input.n),
                bonds: BondsRule::of(input),
            },
            vk_hash,
            validators: rows.to_vec(),
            prev_validators: prev_rows.to_vec(),
            keep: rows.iter().map(|u| keep[at(u)].clone()).collect(),
            active_stake_bits: rows
                .iter()
                .map(|u| core.active_stake[at(u)].to_bits())
                .collect(),
            stake_bits: core.stake.iter().map(|s| s.to_bits()).collect(),
            kappa: input.kappa,
            bonds_penalty: input.bonds_penalty,
            bonds_moving_average: input.bonds_moving_average,
            bonds_keep: input
                .block_at_registration
                .iter()
                .map(|reg| last_tempo > *reg)
                .collect(),
            old_permit: rows.iter().map(|u| core.validator_permits[at(u)]).collect(),
            new_permit: rows
                .iter()
                .map(|u| core.new_validator_permits[at(u)])
                .collect(),
            rao_emission: input.rao_emission,
            liquid_alpha: LiquidAlphaState::from_input(input),
        }
    }
}

/// The default validator rows of an epoch: every uid holding a permit before it (the owner
/// included).
pub fn permit_rows(input: &EpochInput) -> Vec<u16> {
    (0..input.n)
        .filter(|u| {
            input.validator_permit.get(usize::from(*u)).copied() == Some(true)
                || input.owner_uid == Some(*u)
        })
        .collect()
}

/// The rows of an epoch as slots kept from the previous epoch's rows `prev`: every permit
/// holder before the epoch ([`permit_rows`]) keeps the slot it held; a slot whose holder lost
/// its permit goes to a new permit holder, in increasing uid order. With no previous rows of the
/// same count (genesis, or a change in the number of permits), the rows are [`permit_rows`].
/// Bonds rows are committed per slot together with the slot's uid, so a validator's bonds
/// follow its uid from epoch to epoch (DESIGN §3).
pub fn slot_rows(prev: &[u16], input: &EpochInput) -> Vec<u16> {
    let now = permit_rows(input);
    if prev.len() != now.len() || !distinct_uids(prev, usize::from(input.n)) {
        return now;
    }
    let mut arriving = now.iter().filter(|u| !prev.contains(u)).copied();
    prev.iter()
        .map(|u| {
            if now.contains(u) {
                Some(*u)
            } else {
                arriving.next()
            }
        })
        .collect::<Option<Vec<u16>>>()
        .unwrap_or(now)
}

/// Whether `uids` are distinct and below `n`.
fn distinct_uids(uids: &[u16], n: usize) -> bool {
    let mut seen = vec![false; n];
    uids.iter().all(|u| match seen.get_mut(usize::from(*u)) {
        Some(s) if !*s => {
            *s = true;
            true
        }
        _ => false,
    })
}

/// Liquid alpha's state of an epoch (`None` with it off), refused when the circuit cannot prove
/// it: inverted bounds, or a stored previous consensus of another length than the uids.
pub fn check_liquid_alpha(
    input: &EpochInput,
    core: &EpochCore,
) -> Result<Option<LiquidAlphaState>, EpochCircuitError> {
    let state = LiquidAlphaState::from_input(input);
    if let Some(la) = &state {
        // The circuit reads weight rows dense (an absent uid and an explicit 0 alike) and in
        // uid order. Liquid alpha's EMA tells them apart where the weights for bonds are the
        // stored rows themselves (bonds penalty 0 or 65535): it keeps an old bond under an
        // explicit 0 and merges rows in stored order. Rows committed through zkyuma are dense
        // and ordered; a stored row that is not is refused rather than proven as another.
        let stored_rows = input.bonds_penalty == 0 || input.bonds_penalty == u16::MAX;
        for (row, weights) in core.weights.iter().enumerate() {
            let ordered = weights.windows(2).all(|p| p[0].0 < p[1].0);
            let zero = weights.iter().find(|(_, w)| *w == I32F32::ZERO);
            if stored_rows && (!ordered || zero.is_some()) {
                return Err(EpochCircuitError::LiquidAlphaRow {
                    row,
                    why: if ordered {
                        "an explicit zero weight"
                    } else {
                        "weights out of uid order"
                    },
                });
            }
        }
        if let Some(row) = input
            .bonds
            .iter()
            .position(|b| !b.windows(2).all(|p| p[0].0 < p[1].0))
        {
            return Err(EpochCircuitError::LiquidAlphaRow {
                row,
                why: "bonds out of uid order",
            });
        }
        if la.alpha_low > la.alpha_high {
            return Err(EpochCircuitError::LiquidAlphaBounds {
                low: la.alpha_low,
                high: la.alpha_high,
            });
        }
        if let Some(got) = la.sigmoid_consensus.as_ref().map(Vec::len) {
            if got != usize::from(input.n) {
                return Err(EpochCircuitError::PreviousConsensusLength {
                    expected: usize::from(input.n),
                    got,
                });
            }
        }
    }
    Ok(state)
}

/// Read the chain state and refuse what the circuit cannot prove.
fn read_chain(input: &EpochInput, validators: &[u16]) -> Result<EpochCore, EpochCircuitError> {
    if input.bonds_moving_average > 1_000_000 {
        return Err(EpochCircuitError::NegativeAlpha(input.bonds_moving_average));
    }
    let core = EpochCore::from_input(input)?;
    check_liquid_alpha(input, &core)?;
    check_idle(input, &core, validators)?;
    Ok(core)
}

/// Commitment to V×N u16 bonds rows (row-major) held by the uids `uids` (one per row), with a
/// blinding: `hash_many(Bonds, pack(uids) ‖ pack(rows) ‖ blinding)`. The uids bind each row to its
/// validator, so a row cannot be opened as another uid's.
pub fn bonds_commitment(uids: &[u16], rows: &[Vec<u16>], blinding: Fr) -> Fr {
    let flat: Vec<u16> = rows.iter().flatten().copied().collect();
    let mut elements = pack_u16(uids);
    elements.extend(pack_u16(&flat));
    elements.push(blinding);
    hash_many(Domain::Bonds, &elements)
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
    pub input: EpochInput,
    /// Validator rows (default: [`slot_rows`] of the previous rows).
    #[serde(default)]
    pub validators: Option<Vec<u16>>,
    /// The rows of the previous bonds commitment (the previous epoch's rows; default: the
    /// given rows, else — as at genesis — every uid holding a permit before the epoch).
    #[serde(default)]
    pub prev_validators: Option<Vec<u16>>,
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
    /// The rows of the previous bonds commitment: given, else the given rows, else
    /// [`permit_rows`].
    pub fn prev_rows(&self) -> Vec<u16> {
        self.prev_validators
            .clone()
            .or_else(|| self.validators.clone())
            .unwrap_or_else(|| permit_rows(&self.input))
    }

    /// The validator rows: given, or [`slot_rows`] of the previous rows.
    pub fn rows(&self) -> Vec<u16> {
        self.validators
            .clone()
            .unwrap_or_else(|| slot_rows(&self.prev_rows(), &self.input))
    }

    /// The circuit shape.
    pub fn shape(&self) -> EpochShape {
        EpochShape {
            validators: self.rows().len() as u32,
            uids: u32::from(self.input.n),
            bonds: BondsRule::of(&self.input),
        }
    }

    /// The statement and witness of this round, from one run of the native epoch.
    pub fn build(
        &self,
        vk_hash: [u8; 32],
    ) -> Result<(EpochStatement, EpochWitness), EpochCircuitError> {
        let input = &self.input;
        let (rows, prev_rows) = (self.rows(), self.prev_rows());
        let core = read_chain(input, &rows)?;
        if !distinct_uids(&prev_rows, usize::from(input.n)) {
            return Err(EpochCircuitError::Rows);
        }
        if self.weight_blindings.len() != rows.len() {
            return Err(EpochCircuitError::Length {
                what: "weight_blindings",
                expected: rows.len(),
                got: self.weight_blindings.len(),
            });
        }
        let n = usize::from(input.n);
        for (row, weights) in input.weights.iter().enumerate() {
            let mut seen = vec![false; n];
            for &(uid, _) in weights {
                if let Some(s) = seen.get_mut(usize::from(uid)) {
                    if *s {
                        return Err(EpochCircuitError::DuplicateWeight { row, uid });
                    }
                    *s = true;
                }
            }
        }
        let trace = run_core(&core, MedianAlgorithm::ClosedForm);
        let chain = EpochChainState::from_core(
            self.netuid,
            self.epoch,
            input,
            &core,
            (&rows, &prev_rows),
            vk_hash,
        );
        let at_rows = |m: Vec<Vec<u16>>| -> Vec<Vec<u16>> {
            rows.iter().map(|u| m[usize::from(*u)].clone()).collect()
        };
        let weights = at_rows(dense(&input.weights, n));
        let stored = dense(&input.bonds, n);
        // A slot that changed hands opens the departed holder's row and enters the epoch as the
        // new holder's: both must be empty (a permit lost clears the row; one never held has none).
        for (row, (arrived, departed)) in rows.iter().zip(&prev_rows).enumerate() {
            let empty = |u: &u16| stored[usize::from(*u)].iter().all(|b| *b == 0);
            if arrived != departed && !(empty(arrived) && empty(departed)) {
                return Err(EpochCircuitError::ReassignedSlotBonds {
                    row,
                    departed: *departed,
                    arrived: *arrived,
                });
            }
        }
        let prev_bonds = at_rows(stored);
        let (results, new_bonds_commitment) = results_at(&trace, &rows, n, self.new_bonds_blinding);
        let commitments = EpochCommitments {
            weight_commitments: weights
                .iter()
                .zip(&self.weight_blindings)
                .map(|(w, b)| weight_commitment(w, *b))
                .collect(),
            prev_bonds_commitment: bonds_commitment(
                &prev_rows,
                &prev_bonds,
                self.prev_bonds_blinding,
            ),
            new_bonds_commitment,
        };
        let witness = EpochWitness {
            weights,
            weight_blindings: self.weight_blindings.clone(),
            prev_bonds,
            prev_bonds_blinding: self.prev_bonds_blinding,
            new_bonds_blinding: self.new_bonds_blinding,
        };
        Ok((
            EpochStatement {
                chain,
                commitments,
                results,
            },
            witness,
        ))
    }
}
