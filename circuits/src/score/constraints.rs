//! The score circuit: every rule of the score statement, in R1CS, in the order of the native
//! reference [`super::evaluate`].

use super::{
    blank, circuit_id, ScoreShape, ScoreStatement, ScoreWitness, WeightsMode, INDICES_PER_ELEMENT,
};
use crate::commitment::constraints::{
    merkle_root, public_weights_digest, query_digest, record_leaf, u16_commitment,
};
use crate::field::{blake3_to_fr, bytes32_to_fr_pair};
use crate::gadgets::{alloc_u16, from_bits_le, value_or_zero};
use crate::poseidon::constraints::hash_many;
use crate::poseidon::Domain;
use crate::scoring::ScoringGadget;
use crate::weights::constraints::u16_max_upscale;
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// A score proof's circuit: the public statement, the private witness and the scoring function.
#[derive(Clone, Debug)]
pub struct ScoreCircuit<S: ScoringGadget> {
    /// Public statement (encoded as [`ScoreStatement::public_inputs`]).
    pub statement: ScoreStatement,
    /// Private witness.
    pub witness: ScoreWitness,
    /// The public scoring function.
    pub scoring: S,
}

impl<S: ScoringGadget> ScoreCircuit<S> {
    /// A circuit of the given shape with placeholder values, for key generation.
    pub fn blank(scoring: S, shape: ScoreShape) -> Self {
        Self {
            statement: super::blank_statement(&scoring.id(), shape),
            witness: blank(&shape),
            scoring,
        }
    }
}

/// Handles to the circuit's key variables (for tests that tamper with them).
#[derive(Clone, Debug)]
pub struct ScoreVars {
    /// The six public inputs, in [`ScoreStatement::public_inputs`] order.
    pub inputs: Vec<FpVar<Fr>>,
    /// Presence flag per miner (allocated witnesses).
    pub present: Vec<Boolean<Fr>>,
    /// Score per miner (allocated witnesses).
    pub scores: Vec<FpVar<Fr>>,
    /// The stored row (allocated witnesses).
    pub row: Vec<FpVar<Fr>>,
    /// The row's maximum score (allocated witness).
    pub max: FpVar<Fr>,
}

impl<S: ScoringGadget> ConstraintSynthesizer<Fr> for ScoreCircuit<S> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        self.synthesize(cs).map(|_| ())
    }
}

impl<S: ScoringGadget> ScoreCircuit<S> {
    /// Generate the constraints and return handles to the key variables.
    pub fn synthesize(&self, cs: ConstraintSystemRef<Fr>) -> Result<ScoreVars, SynthesisError> {
        let st = &self.statement;
        let wit = &self.witness;
        let shape = st.shape;
        let (m, k, d) = (
            shape.miners as usize,
            shape.samples as usize,
            shape.depth as usize,
        );
        let witness = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));

        // The public inputs: netuid, epoch and the hotkey are used as they are; `weights` and
        // `rest_digest` are recomputed below and enforced equal.
        let inputs = st
            .public_inputs()
            .into_iter()
            .map(|x| FpVar::new_input(cs.clone(), || Ok(x)))
            .collect::<Result<Vec<_>, _>>()?;

        // Statement fields that only enter the rest digest (bound by it).
        let vk_hash = bytes32_to_fr_pair(&st.vk_hash).map(witness);
        let dataset_size = witness(Fr::from(st.dataset_size))?;
        let seed = bytes32_to_fr_pair(&st.sample_seed).map(witness);

        // Sampled records: u16 labels, features digests, indices as `depth` bits.
        let indices = st.sample_indices();
        let mut labels = Vec::with_capacity(k);
        let mut features = Vec::with_capacity(k);
        let mut index_bits = Vec::with_capacity(k);
        for s in 0..k {
            labels.push(alloc_u16(cs.clone(), wit.labels[s])?.0);
            features.push(witness(wit.features_digests[s])?);
            let idx = indices.get(s).copied().unwrap_or(0);
            let bits = (0..d)
                .map(|b| Boolean::new_witness(cs.clone(), || Ok((idx >> b) & 1 == 1)))
                .collect::<Result<Vec<_>, _>>()?;
            index_bits.push(bits);
        }

        // Evaluation set: every sampled leaf opens the same root at its index.
        let mut root: Option<FpVar<Fr>> = None;
        for s in 0..k {
            let leaf = record_leaf(&features[s], &labels[s])?;
            let path = wit.paths[s]
                .iter()
                .map(|x| witness(*x))
                .collect::<Result<Vec<_>, _>>()?;
            let r = merkle_root(&leaf, &index_bits[s], &path)?;
            match &root {
                None => root = Some(r),
                Some(first) => first.enforce_equal(&r)?,
            }
        }
        let root = root.unwrap_or_else(FpVar::zero);

        // Queries: the sampled features digests hash to the query digest the miners signed.
        let query_digest = query_digest(&features)?;

        // Miners: range-checked outputs open each commitment; each is scored. An absent miner
        // (`present = 0`) enters the statement as commitment 0 and scores 0; a present one enters
        // with its commitment, which is never 0, so the flag is fixed by the statement.
        let mut commitments = Vec::with_capacity(m);
        let mut scores = Vec::with_capacity(m);
        let mut present = Vec::with_capacity(m);
        for i in 0..m {
            let outputs = wit.outputs[i]
                .iter()
                .map(|o| alloc_u16(cs.clone(), *o).map(|(v, _)| v))
                .collect::<Result<Vec<_>, _>>()?;
            let blinding = witness(wit.blindings[i])?;
            let here = Boolean::new_witness(cs.clone(), || Ok(st.present(i)))?;
            let flag = FpVar::from(here.clone());
            commitments.push(&flag * u16_commitment(Domain::MinerOutputs, &outputs, &blinding)?);
            let score = &flag * self.scoring.score_gadget(&outputs, &labels)?;
            let allocated = witness(value_or_zero(&score))?;
            allocated.enforce_equal(&score)?;
            scores.push(allocated);
            present.push(here);
        }

        // Score → the row the chain stores (max-upscale rule).
        let (row, max) = u16_max_upscale(&scores)?;

        // The row is bound hidden (cw) or public.
        let binding = match shape.mode {
            WeightsMode::Hidden => {
                let blinding = witness(wit.weight_blinding)?;
                u16_commitment(Domain::WeightRow, &row, &blinding)?
            }
            WeightsMode::Public => public_weights_digest(&row)?,
        };
        binding.enforce_equal(&inputs[4])?;
        let vars = ScoreVars {
            inputs: inputs.clone(),
            present,
            scores: scores.clone(),
            row: row.clone(),
            max,
        };

        // Rest digest: the same elements as `ScoreStatement::rest_elements`.
        let mut elements: Vec<FpVar<Fr>> = Vec::new();
        elements.push(FpVar::constant(blake3_to_fr(b"zkyuma/score-statement/v2")));
        elements.extend(inputs[..4].iter().cloned());
        elements.push(FpVar::constant(blake3_to_fr(
            circuit_id(&self.scoring.id(), &shape).as_bytes(),
        )));
        for v in vk_hash {
            elements.push(v?);
        }
        elements.push(root);
        elements.push(dataset_size);
        for s in seed {
            elements.push(s?);
        }
        elements.push(query_digest);
        for chunk in index_bits.chunks(INDICES_PER_ELEMENT) {
            let mut packed = FpVar::zero();
            let mut shift = Fr::from(1u64);
            for bits in chunk {
                packed += from_bits_le(bits) * shift;
                shift *= Fr::from(1u64 << 32);
            }
            elements.push(packed);
        }
        elements.extend(commitments);
        hash_many(Domain::ScoreRest, &elements)?.enforce_equal(&inputs[5])?;
        Ok(vars)
    }
}
