//! The epoch circuit: the consensus core and the bonds / dividends / emission steps of
//! [`crate::yuma::constraints`], the openings of the weight and bonds commitments, and the
//! statement digest — in the order of [`super::EpochStatement::digest_elements`].

use super::{
    bonds_commitment, circuit_id, per_element, BondsRule, EpochRound, EpochShape, EpochStatement,
    EpochWitness, PROPORTION_BITS, RAO_BITS, TRUST_BITS,
};
use crate::commitment::constraints::u16_commitment;
use crate::commitment::weight_commitment;
use crate::field::{blake3_to_fr, bytes32_to_fr_pair};
use crate::fixed::I32F32;
use crate::gadgets::{enforce_range, pack_le_vars};
use crate::poseidon::constraints::hash_many;
use crate::yuma::constraints::{
    bonds_and_emission, check_idle_rows, consensus_core, BondsInputs, BondsMode, ConsensusInputs,
    EpochCircuitError,
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
    core: ConsensusInputs,
    bonds: BondsInputs,
}

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

impl EpochCircuit {
    /// Build the statement and witness of a round from the native epoch, and the circuit.
    pub fn build(round: &EpochRound, vk_hash: [u8; 32]) -> Result<Self, EpochCircuitError> {
        let input = &round.input;
        let rows = round.rows();
        check_idle_rows(input, &rows)?;
        if round.weight_blindings.len() != rows.len() {
            return Err(EpochCircuitError::Rows);
        }
        let core = ConsensusInputs::from_epoch(input, &rows)?;
        let bonds = BondsInputs::from_epoch(input, &rows)?;
        let trace =
            crate::yuma::run_epoch_traced(input, crate::yuma::median::MedianAlgorithm::ClosedForm)?;
        let out = &trace.output;
        let n = usize::from(input.n);
        let at = |v: &[i64]| rows.iter().map(|u| v[usize::from(*u)]).collect::<Vec<_>>();
        let prev_bonds: Vec<Vec<u16>> = dense(&input.bonds, n)
            .into_iter()
            .enumerate()
            .filter(|(u, _)| rows.contains(&(*u as u16)))
            .map(|(_, r)| r)
            .collect();
        let bonds_out = dense(&out.bonds_out, n);
        let new_bonds: Vec<Vec<u16>> = rows
            .iter()
            .map(|u| bonds_out[usize::from(*u)].clone())
            .collect();
        let weights = core.stored.clone();
        let statement = EpochStatement {
            netuid: round.netuid,
            epoch: round.epoch,
            shape: round.shape(),
            vk_hash,
            validators: rows.clone(),
            keep: core.keep.clone(),
            active_stake_bits: core.active_stake.iter().map(|s| s.to_bits()).collect(),
            stake_bits: out.stake_bits.clone(),
            kappa: input.kappa,
            bonds_penalty: input.bonds_penalty,
            bonds_moving_average: input.bonds_moving_average,
            bonds_keep: bonds.bonds_keep.clone(),
            old_permit: bonds.old_permit.clone(),
            new_permit: bonds.new_permit.clone(),
            rao_emission: input.rao_emission,
            weight_commitments: weights
                .iter()
                .zip(&round.weight_blindings)
                .map(|(w, b)| weight_commitment(w, *b))
                .collect(),
            prev_bonds_commitment: bonds_commitment(&prev_bonds, round.prev_bonds_blinding),
            new_bonds_commitment: bonds_commitment(&new_bonds, round.new_bonds_blinding),
            consensus_bits: out.consensus_bits.clone(),
            validator_trust_bits: at(&out.validator_trust_bits),
            incentive_bits: out.incentive_bits.clone(),
            dividends_bits: at(&out.dividends_bits),
            server_emission: out.server_emission.clone(),
            validator_emission: out.validator_emission.clone(),
            emission: out.emission.clone(),
        };
        let witness = EpochWitness {
            weights,
            weight_blindings: round.weight_blindings.clone(),
            prev_bonds,
            prev_bonds_blinding: round.prev_bonds_blinding,
            new_bonds_blinding: round.new_bonds_blinding,
        };
        Ok(Self {
            statement,
            witness,
            core,
            bonds,
        })
    }

    /// A circuit of the given shape with placeholder values, for key generation.
    pub fn blank(shape: EpochShape) -> Self {
        let (v, n) = (shape.validators as usize, shape.uids as usize);
        let zeros = |k: usize| vec![I32F32::ZERO; k];
        let statement = EpochStatement {
            netuid: 0,
            epoch: 0,
            shape,
            vk_hash: [0; 32],
            validators: (0..v as u16).collect(),
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
            weight_commitments: vec![Fr::from(0u64); v],
            prev_bonds_commitment: Fr::from(0u64),
            new_bonds_commitment: Fr::from(0u64),
            consensus_bits: vec![0; n],
            validator_trust_bits: vec![0; v],
            incentive_bits: vec![0; n],
            dividends_bits: vec![0; v],
            server_emission: vec![0; n],
            validator_emission: vec![0; n],
            emission: vec![0; n],
        };
        let witness = EpochWitness {
            weights: vec![vec![0; n]; v],
            weight_blindings: vec![Fr::from(0u64); v],
            prev_bonds: vec![vec![0; n]; v],
            prev_bonds_blinding: Fr::from(0u64),
            new_bonds_blinding: Fr::from(0u64),
        };
        let core = ConsensusInputs {
            validators: statement.validators.clone(),
            stored: vec![vec![0; n]; v],
            keep: vec![vec![false; n]; v],
            active_stake: zeros(v),
            bounds: median_bounds(&zeros(v), I32F32::ZERO),
            consensus: zeros(n),
        };
        let bonds = BondsInputs {
            validators: statement.validators.clone(),
            mode: match shape.bonds {
                BondsRule::Yuma3 => BondsMode::Yuma3,
                BondsRule::Original => BondsMode::Original,
            },
            bonds: vec![vec![0; n]; v],
            bonds_keep: vec![false; n],
            penalty: I32F32::ZERO,
            alpha: I32F32::ZERO,
            stake: zeros(n),
            old_permit: vec![false; v],
            new_permit: vec![false; v],
            rao_emission: 0,
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
        let st = &self.statement;
        let (v, n) = (self.core.stored.len(), self.core.consensus.len());
        let public_input = FpVar::new_input(cs.clone(), || Ok(digest))?;
        let witness = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));

        // Consensus core, then bonds, dividends and emission (rules in crate::yuma::constraints).
        let core = consensus_core(cs.clone(), &self.core)?;
        let selection = st
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
            weight_commitments.push(u16_commitment(row, &witness(*blinding)?)?);
        }
        let flat_old: Vec<FpVar<Fr>> = bonds.old_bonds.iter().flatten().cloned().collect();
        let prev = u16_commitment(&flat_old, &witness(self.witness.prev_bonds_blinding)?)?;
        let flat_new: Vec<FpVar<Fr>> = bonds.new_bonds.iter().flatten().cloned().collect();
        let new = u16_commitment(&flat_new, &witness(self.witness.new_bonds_blinding)?)?;

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
        hash_many(&e)?.enforce_equal(&public_input)?;
        Ok(())
    }
}

impl ConstraintSynthesizer<Fr> for EpochCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let digest = self.statement.public_digest();
        self.synthesize_with_input(cs, digest)
    }
}

/// The shape's circuit id.
pub fn epoch_circuit_id(shape: &EpochShape) -> alloc::string::String {
    circuit_id(shape)
}
