//! The epoch circuit: the consensus core and the bonds / dividends / emission steps of
//! [`crate::yuma::constraints`], the openings of the weight and bonds commitments, and the
//! statement digest — in the order of [`super::EpochStatement::digest_elements`].

use super::{
    circuit_id, per_element, BondsRule, EpochChainState, EpochCheckError, EpochCommitments,
    EpochResults, EpochRound, EpochShape, EpochStatement, EpochWitness, LiquidAlphaState,
    PROPORTION_BITS, RAO_BITS, TRUST_BITS,
};
use crate::commitment::constraints::{pack_u16, u16_commitment};
use crate::commitment::pack_u16 as pack_u16_fr;
use crate::field::{blake3_to_fr, bytes32_to_fr_pair};
use crate::fixed::I32F32;
use crate::gadgets::{enforce_range, pack_le_vars};
use crate::poseidon::constraints::hash_many;
use crate::poseidon::Domain;
use crate::yuma::constraints::{
    bonds_and_emission, consensus_core, BondsInputs, BondsMode, ConsensusInputs,
};
use crate::yuma::median::median_bounds;
use alloc::vec;
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// An epoch proof's circuit.
#[derive(Clone, Debug)]
pub struct EpochCircuit {
    /// Public statement.
    pub statement: EpochStatement,
    /// Private witness.
    pub witness: EpochWitness,
    pub(crate) core: ConsensusInputs,
    pub(crate) bonds: BondsInputs,
}

impl EpochCircuit {
    /// The circuit of a statement and its witness (both checked against the shape). The
    /// circuit's inputs are read from them alone: no epoch is run here.
    pub fn new(statement: EpochStatement, witness: EpochWitness) -> Result<Self, EpochCheckError> {
        statement.validate()?;
        let (c, n) = (&statement.chain, statement.chain.shape.uids as usize);
        let v = c.validators.len();
        for (what, got) in [
            ("weights", witness.weights.len()),
            ("weight_blindings", witness.weight_blindings.len()),
            ("prev_bonds", witness.prev_bonds.len()),
        ] {
            if got != v {
                return Err(EpochCheckError::Witness {
                    what,
                    expected: v,
                    got,
                });
            }
        }
        if let Some(row) = witness
            .weights
            .iter()
            .chain(&witness.prev_bonds)
            .find(|r| r.len() != n)
        {
            return Err(EpochCheckError::Witness {
                what: "row",
                expected: n,
                got: row.len(),
            });
        }
        let bits = |xs: &[i64]| xs.iter().map(|b| I32F32::from_bits(*b)).collect::<Vec<_>>();
        let active_stake = bits(&c.active_stake_bits);
        let core = ConsensusInputs {
            validators: c.validators.clone(),
            stored: witness.weights.clone(),
            keep: c.keep.clone(),
            bounds: median_bounds(&active_stake, I32F32::from_u16_proportion(c.kappa)),
            active_stake,
            consensus: bits(&statement.results.consensus_bits),
        };
        let bonds = BondsInputs {
            validators: c.validators.clone(),
            mode: bonds_mode(c.shape.bonds),
            bonds: witness.prev_bonds.clone(),
            bonds_keep: c.bonds_keep.clone(),
            penalty: I32F32::from_u16_proportion(c.bonds_penalty),
            alpha: crate::yuma::bonds_moving_average_alpha(c.bonds_moving_average),
            stake: bits(&c.stake_bits),
            old_permit: c.old_permit.clone(),
            new_permit: c.new_permit.clone(),
            rao_emission: c.rao_emission,
            liquid: c.liquid_alpha.clone(),
        };
        Ok(Self {
            statement,
            witness,
            core,
            bonds,
        })
    }

    /// Build a round's statement and witness natively ([`EpochRound::build`]) and its circuit.
    pub fn build(round: &EpochRound, vk_hash: [u8; 32]) -> Result<Self, EpochCheckError> {
        let (statement, witness) = round.build(vk_hash)?;
        Self::new(statement, witness)
    }

    /// A circuit of the given shape with placeholder values, for key generation.
    pub fn blank(shape: EpochShape) -> Self {
        let (v, n) = (shape.validators as usize, shape.uids as usize);
        let zeros = |k: usize| vec![I32F32::ZERO; k];
        let statement = EpochStatement {
            chain: EpochChainState {
                netuid: 0,
                epoch: 0,
                shape,
                vk_hash: [0; 32],
                validators: (0..v as u16).collect(),
                prev_validators: (0..v as u16).collect(),
                keep: vec![vec![false; n]; v],
                active_stake_bits: vec![0; v],
                stake_bits: vec![0; n],
                kappa: 0,
                bonds_penalty: 0,
                bonds_moving_average: 0,
                bonds_keep: vec![false; n],
                old_permit: vec![false; v],
                new_permit: vec![false; v],
                rao_emission: 0,
                liquid_alpha: (shape.bonds == BondsRule::Yuma3Liquid).then_some(LiquidAlphaState {
                    alpha_low: 0,
                    alpha_high: 0,
                    steepness: 0,
                    sigmoid_consensus: None,
                }),
            },
            commitments: EpochCommitments {
                weight_commitments: vec![Fr::from(0u64); v],
                prev_bonds_commitment: Fr::from(0u64),
                new_bonds_commitment: Fr::from(0u64),
            },
            results: EpochResults {
                consensus_bits: vec![0; n],
                validator_trust_bits: vec![0; v],
                incentive_bits: vec![0; n],
                dividends_bits: vec![0; v],
                server_emission: vec![0; n],
                validator_emission: vec![0; n],
                emission: vec![0; n],
            },
        };
        let witness = EpochWitness {
            weights: vec![vec![0; n]; v],
            weight_blindings: vec![Fr::from(0u64); v],
            prev_bonds: vec![vec![0; n]; v],
            prev_bonds_blinding: Fr::from(0u64),
            new_bonds_blinding: Fr::from(0u64),
        };
        let core = ConsensusInputs {
            validators: statement.chain.validators.clone(),
            stored: vec![vec![0; n]; v],
            keep: vec![vec![false; n]; v],
            active_stake: zeros(v),
            bounds: median_bounds(&zeros(v), I32F32::ZERO),
            consensus: zeros(n),
        };
        let bonds = BondsInputs {
            validators: statement.chain.validators.clone(),
            mode: bonds_mode(shape.bonds),
            bonds: vec![vec![0; n]; v],
            bonds_keep: vec![false; n],
            penalty: I32F32::ZERO,
            alpha: I32F32::ZERO,
            stake: zeros(n),
            old_permit: vec![false; v],
            new_permit: vec![false; v],
            rao_emission: 0,
            liquid: statement.chain.liquid_alpha.clone(),
        };
        Self {
            statement,
            witness,
            core,
            bonds,
        }
    }

    /// Generate the constraints, taking `digest` as the public input.
    pub fn synthesize_with_input(
        &self,
        cs: ConstraintSystemRef<Fr>,
        digest: Fr,
    ) -> Result<(), SynthesisError> {
        let st = &self.statement.chain;
        let (v, n) = (self.core.stored.len(), self.core.consensus.len());
        let public_input = FpVar::new_input(cs.clone(), || Ok(digest))?;
        let witness = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));

        // Consensus core, then bonds, dividends and emission (rules in crate::yuma::constraints).
        let core = consensus_core(cs.clone(), &self.core)?;
        let selection = self
            .statement
            .selection()
            .iter()
            .map(|row| {
                row.iter()
                    .map(|b| Boolean::new_witness(cs.clone(), || Ok(*b)))
                    .collect()
            })
            .collect::<Result<Vec<Vec<_>>, _>>()?;
        let bonds = bonds_and_emission(
            cs.clone(),
            &core,
            &core.active_stake,
            &self.bonds,
            &selection,
        )?;

        // Commitments: each row opens its validator's weight commitment; bonds in and out.
        let mut weight_commitments = Vec::with_capacity(v);
        for (row, blinding) in core.stored.iter().zip(&self.witness.weight_blindings) {
            weight_commitments.push(u16_commitment(
                Domain::WeightRow,
                row,
                &witness(*blinding)?,
            )?);
        }
        // Bonds rows are committed with their rows' uids (`super::bonds_commitment`): the
        // previous ones with the statement's `prev_validators` (packed, as in the digest), the
        // new ones with this epoch's rows, read off the selection (uid_r = Σ_u u·sel[r][u]).
        let prev_uids = pack_u16_fr(&st.prev_validators)
            .into_iter()
            .map(witness)
            .collect::<Result<Vec<_>, _>>()?;
        let row_uids: Vec<FpVar<Fr>> = selection
            .iter()
            .map(|row| {
                row.iter().enumerate().fold(FpVar::zero(), |acc, (u, b)| {
                    acc + FpVar::from(b.clone()) * Fr::from(u as u64)
                })
            })
            .collect();
        let flat_old: Vec<FpVar<Fr>> = bonds.old_bonds.iter().flatten().cloned().collect();
        let prev = bonds_commitment(
            prev_uids.clone(),
            &flat_old,
            &witness(self.witness.prev_bonds_blinding)?,
        )?;
        let flat_new: Vec<FpVar<Fr>> = bonds.new_bonds.iter().flatten().cloned().collect();
        let new = bonds_commitment(
            pack_u16(&row_uids),
            &flat_new,
            &witness(self.witness.new_bonds_blinding)?,
        )?;

        // Statement digest, element by element as `EpochStatement::digest_elements`.
        let mut e: Vec<FpVar<Fr>> = vec![
            FpVar::constant(blake3_to_fr(b"zkyuma/epoch-statement/v2")),
            witness(Fr::from(st.netuid))?,
            witness(Fr::from(st.epoch))?,
        ];
        e.push(FpVar::constant(blake3_to_fr(
            circuit_id(&st.shape).as_bytes(),
        )));
        for h in bytes32_to_fr_pair(&st.vk_hash) {
            e.push(witness(h)?);
        }
        let keep_count = v * n;
        let (bp, cp) = (&bonds.public, &core.public);
        // Booleans (each allocated as a `Boolean`, so constrained to 0/1), packed 250 per element.
        let mut bools: Vec<FpVar<Fr>> = Vec::new();
        bools.extend(cp[..keep_count].iter().cloned());
        bools.push(cp[keep_count + v + 2].clone());
        bools.extend(bp[2..2 + n + 2 * v].iter().cloned());
        bools.extend(selection.iter().flatten().map(|b| FpVar::from(b.clone())));
        e.extend(pack_le_vars(&bools, 1, 250));
        e.extend(prev_uids);
        // Numbers packed by slot width. Chain-state proportions are range-checked here; the
        // outputs already are (consensus, incentive, dividends: 33 bits; emissions: 64 bits;
        // trust: a sum of N values below 2^33, so below 2^49).
        let proportions = |xs: &[FpVar<Fr>]| -> Result<Vec<FpVar<Fr>>, SynthesisError> {
            for x in xs {
                enforce_range(x, PROPORTION_BITS as usize)?;
            }
            Ok(pack_le_vars(
                xs,
                PROPORTION_BITS,
                per_element(PROPORTION_BITS),
            ))
        };
        e.extend(proportions(&cp[keep_count..keep_count + v])?);
        e.extend(cp[keep_count + v..keep_count + v + 2].iter().cloned());
        e.extend(proportions(&core.active_stake)?);
        e.push(bp[0].clone());
        e.push(bp[1].clone());
        let stake_start = 2 + n + 2 * v;
        e.extend(proportions(&bp[stake_start..stake_start + n])?);
        e.push(bp[stake_start + n].clone());
        e.extend(weight_commitments);
        e.push(prev);
        e.push(new);
        let packed = |xs: &[FpVar<Fr>], bits: u32| pack_le_vars(xs, bits, per_element(bits));
        e.extend(packed(&core.consensus, PROPORTION_BITS));
        e.extend(packed(&core.validator_trust, TRUST_BITS));
        e.extend(packed(&core.incentive, PROPORTION_BITS));
        e.extend(packed(&bonds.dividends, PROPORTION_BITS));
        e.extend(packed(&bonds.server_emission, RAO_BITS));
        e.extend(packed(&bonds.validator_emission, RAO_BITS));
        e.extend(packed(&bonds.emission, RAO_BITS));
        // Liquid alpha's parameters last, as the digest has them (the u16 consensus packed).
        if let Some(la) = &bonds.liquid {
            let public = la.public();
            e.extend(public[..4].iter().cloned());
            e.extend(pack_u16(&public[4..]));
        }
        hash_many(Domain::EpochStatement, &e)?.enforce_equal(&public_input)?;
        Ok(())
    }
}

impl ConstraintSynthesizer<Fr> for EpochCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let digest = self.statement.public_digest();
        self.synthesize_with_input(cs, digest)
    }
}

/// The circuit's bonds step for a statement's rule (liquid alpha rides on Yuma3's, with its
/// state in [`BondsInputs::liquid`]).
fn bonds_mode(rule: BondsRule) -> BondsMode {
    match rule {
        BondsRule::Yuma3 | BondsRule::Yuma3Liquid => BondsMode::Yuma3,
        BondsRule::Original => BondsMode::Original,
    }
}

/// The bonds commitment of [`super::bonds_commitment`] over packed uids and range-checked u16
/// bonds values.
fn bonds_commitment(
    packed_uids: Vec<FpVar<Fr>>,
    values: &[FpVar<Fr>],
    blinding: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut elements = packed_uids;
    elements.extend(pack_u16(values));
    elements.push(blinding.clone());
    hash_many(Domain::Bonds, &elements)
}
