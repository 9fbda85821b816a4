//! The epoch circuit as a halo2 circuit: the consensus core and the bonds / dividends / emission
//! steps ([`crate::yuma::halo2`]), the openings of the weight and bonds commitments, and the
//! statement digest, in the order of the R1CS circuit ([`super::constraints`]) and of
//! [`super::EpochStatement::digest_elements`]. Its one public input is the same statement digest
//! ([`super::EpochStatement::public_digest`]).

use super::constraints::EpochCircuit;
use super::{
    circuit_id, per_element, EpochCheckError, EpochRound, EpochShape, EpochStatement, EpochWitness,
    PROPORTION_BITS, RAO_BITS, TRUST_BITS,
};
use crate::commitment::halo2::{pack, pack_u16, u16_commitment};
use crate::commitment::pack_u16 as pack_u16_fr;
use crate::field::{blake3_to_fr, bytes32_to_fr_pair};
use crate::halo2::arith::{boolean, weighted_sum};
use crate::halo2::{range, to_fp, ChipConfig, Fp, Synth, Tamper, Wire};
use crate::poseidon::halo2::hash_many;
use crate::poseidon::Domain;
use crate::score::halo2::LIMB_BITS;
use crate::yuma::halo2::{bonds_and_emission, consensus_core};
use ark_bn254::Fr;
use halo2_axiom::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Circuit, ConstraintSystem, Error};

/// An epoch proof's halo2 circuit: the checked statement and witness (as the R1CS circuit holds
/// them) and the range table's limb width.
#[derive(Clone, Debug)]
pub struct EpochHalo2 {
    /// The statement, the witness and the native inputs the chips read.
    pub circuit: EpochCircuit,
    /// Bits per range-check limb ([`LIMB_BITS`] in production; smaller in small tests).
    pub limb_bits: usize,
    /// Cells a cheating prover changes (negative tests only; empty otherwise).
    pub tamper: Vec<Tamper>,
}

impl EpochHalo2 {
    /// The circuit of a statement and its witness (both checked against the shape).
    pub fn new(statement: EpochStatement, witness: EpochWitness) -> Result<Self, EpochCheckError> {
        Ok(Self::of(EpochCircuit::new(statement, witness)?))
    }

    /// Build a round's statement and witness natively and its circuit.
    pub fn build(round: &EpochRound, vk_hash: [u8; 32]) -> Result<Self, EpochCheckError> {
        Ok(Self::of(EpochCircuit::build(round, vk_hash)?))
    }

    /// A circuit of the given shape with placeholder values, for key generation.
    pub fn blank(shape: EpochShape) -> Self {
        Self::of(EpochCircuit::blank(shape))
    }

    fn of(circuit: EpochCircuit) -> Self {
        Self {
            circuit,
            limb_bits: LIMB_BITS,
            tamper: Vec::new(),
        }
    }

    /// The public inputs in halo2's field: the statement digest.
    pub fn instances(&self) -> Vec<Fp> {
        vec![to_fp(self.circuit.statement.public_digest())]
    }
}

fn known(x: Fr) -> Value<Fp> {
    Value::known(to_fp(x))
}

impl Circuit<Fp> for EpochHalo2 {
    type Config = ChipConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        Self {
            limb_bits: self.limb_bits,
            ..Self::blank(self.circuit.statement.chain.shape)
        }
    }

    fn params(&self) -> usize {
        self.limb_bits
    }

    fn configure_with_params(meta: &mut ConstraintSystem<Fp>, limb_bits: usize) -> ChipConfig {
        ChipConfig::configure(meta, limb_bits)
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> ChipConfig {
        ChipConfig::configure(meta, LIMB_BITS)
    }

    fn synthesize(&self, config: ChipConfig, layouter: impl Layouter<Fp>) -> Result<(), Error> {
        let mut synth = Synth::new(&config, layouter)?.with_tamper(&self.tamper);
        self.lay_out(&mut synth)
    }
}

impl EpochHalo2 {
    /// Every rule, region by region.
    pub fn lay_out<L: Layouter<Fp>>(&self, synth: &mut Synth<'_, L>) -> Result<(), Error> {
        let statement = &self.circuit.statement;
        let st = &statement.chain;
        let wit = &self.circuit.witness;
        let n = st.shape.uids as usize;

        let digest = synth.region("epoch public input", |rows| {
            Ok(rows.witnesses(&[known(statement.public_digest())])[0])
        })?;
        synth.expose(&digest, 0);

        // Consensus core, then bonds, dividends and emission.
        let core = consensus_core(synth, &self.circuit.core)?;
        let selection = synth.region("epoch row selection", |rows| {
            statement
                .selection()
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| boolean(rows, Value::known(*b)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let bonds = bonds_and_emission(synth, &core, &self.circuit.bonds, &selection)?;

        // Commitments: each row opens its validator's weight commitment; bonds in and out
        // (rows committed with their uids: the previous ones from the statement, the new ones
        // read off the selection, uid_r = Σ_u u·sel[r][u]).
        let mut weight_commitments = Vec::with_capacity(core.stored.len());
        for (row, blinding) in core.stored.iter().zip(&wit.weight_blindings) {
            weight_commitments.push(synth.region("epoch weight commitment", |rows| {
                let blinding = rows.witnesses(&[known(*blinding)])[0];
                u16_commitment(rows, Domain::WeightRow, row, &blinding)
            })?);
        }
        let (prev_uids, prev, new) = synth.region("epoch bonds commitments", |rows| {
            let prev_uids: Vec<Value<Fp>> = pack_u16_fr(&st.prev_validators)
                .into_iter()
                .map(known)
                .collect();
            let prev_uids = rows.witnesses(&prev_uids);
            let uid_weights: Vec<Fp> = (0..n).map(|u| Fp::from(u as u64)).collect();
            let row_uids = selection
                .iter()
                .map(|sel| {
                    let terms: Vec<(Fp, &Wire)> = uid_weights.iter().copied().zip(sel).collect();
                    weighted_sum(rows, &terms, Fp::ZERO)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let blindings = rows.witnesses(&[
                known(wit.prev_bonds_blinding),
                known(wit.new_bonds_blinding),
            ]);
            let commit = |rows: &mut crate::halo2::Rows<'_, '_>,
                          mut elements: Vec<Wire>,
                          values: &[Vec<Wire>],
                          blinding: &Wire| {
                let flat: Vec<Wire> = values.iter().flatten().copied().collect();
                elements.extend(pack_u16(rows, &flat)?);
                elements.push(*blinding);
                hash_many(rows, Domain::Bonds, &elements)
            };
            let prev = commit(rows, prev_uids.clone(), &bonds.old_bonds, &blindings[0])?;
            let packed_rows = pack_u16(rows, &row_uids)?;
            let new = commit(rows, packed_rows, &bonds.new_bonds, &blindings[1])?;
            Ok((prev_uids, prev, new))
        })?;

        // Statement digest, element by element as `EpochStatement::digest_elements`.
        synth.region("epoch statement digest", |rows| {
            let mut e: Vec<Wire> =
                vec![rows.constant(to_fp(blake3_to_fr(b"zkyuma/epoch-statement/v2")))];
            let mut fields = vec![known(Fr::from(st.netuid)), known(Fr::from(st.epoch))];
            e.extend(rows.witnesses(&fields));
            e.push(rows.constant(to_fp(blake3_to_fr(circuit_id(&st.shape).as_bytes()))));
            fields = bytes32_to_fr_pair(&st.vk_hash).map(known).to_vec();
            e.extend(rows.witnesses(&fields));
            // Booleans (each a boolean cell), packed 250 to an element.
            let mut bools: Vec<Wire> = core.keep.iter().flatten().copied().collect();
            bools.push(core.empty);
            bools.extend(bonds.bonds_keep.iter().copied());
            bools.extend(bonds.old_permit.iter().copied());
            bools.extend(bonds.new_permit.iter().copied());
            bools.extend(selection.iter().flatten().copied());
            e.extend(pack(rows, &bools, 1, 250)?);
            e.extend(prev_uids.iter().copied());
            // Chain-state proportions are range-checked here; the outputs already are.
            let proportions = |rows: &mut crate::halo2::Rows<'_, '_>, xs: &[Wire]| {
                for x in xs {
                    range::check(rows, x, PROPORTION_BITS as usize)?;
                }
                pack(rows, xs, PROPORTION_BITS, per_element(PROPORTION_BITS))
            };
            e.extend(proportions(rows, &core.median_stake)?);
            e.push(core.lo);
            e.push(core.hi);
            e.extend(proportions(rows, &core.active_stake)?);
            e.push(bonds.penalty);
            e.push(bonds.alpha);
            e.extend(proportions(rows, &bonds.stake)?);
            e.push(bonds.rao);
            e.extend(weight_commitments.iter().copied());
            e.push(prev);
            e.push(new);
            let packed = |rows: &mut crate::halo2::Rows<'_, '_>, xs: &[Wire], bits: u32| {
                pack(rows, xs, bits, per_element(bits))
            };
            e.extend(packed(rows, &core.consensus, PROPORTION_BITS)?);
            e.extend(packed(rows, &core.validator_trust, TRUST_BITS)?);
            e.extend(packed(rows, &core.incentive, PROPORTION_BITS)?);
            e.extend(packed(rows, &bonds.dividends, PROPORTION_BITS)?);
            e.extend(packed(rows, &bonds.server_emission, RAO_BITS)?);
            e.extend(packed(rows, &bonds.validator_emission, RAO_BITS)?);
            e.extend(packed(rows, &bonds.emission, RAO_BITS)?);
            // Liquid alpha's parameters last (the u16 consensus packed).
            if let Some(la) = &bonds.liquid {
                let public = la.public();
                e.extend(public[..4].iter().copied());
                e.extend(pack_u16(rows, &public[4..])?);
            }
            let computed = hash_many(rows, Domain::EpochStatement, &e)?;
            rows.equal(&computed, &digest);
            Ok(())
        })
    }
}
