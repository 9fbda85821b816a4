//! The score circuit as a halo2 circuit: every rule of the score statement, in the order of the
//! R1CS circuit (`constraints.rs`) and the native reference [`super::evaluate`], with the same six
//! public inputs ([`ScoreStatement::public_inputs`]).

use super::{
    blank, circuit_id, ScoreShape, ScoreStatement, ScoreWitness, WeightsMode, INDICES_PER_ELEMENT,
};
use crate::commitment::halo2::{
    merkle_root, public_weights_digest, query_digest, record_leaf, u16_commitment,
};
use crate::field::{blake3_to_fr, bytes32_to_fr_pair};
use crate::halo2::arith::{boolean, mul, weighted_sum};
use crate::halo2::{range, to_fp, ChipConfig, Fp, Synth, Tamper, Wire};
use crate::poseidon::halo2::hash_many;
use crate::poseidon::Domain;
use crate::scoring::halo2::ScoringChip;
use crate::weights::halo2::u16_max_upscale;
use ark_bn254::Fr;
use halo2_axiom::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_axiom::halo2curves::ff::Field;
use halo2_axiom::plonk::{Circuit, ConstraintSystem, Error};

/// Bits per range-check limb of the production circuits (a `2^16`-row table).
pub const LIMB_BITS: usize = 16;

/// A score proof's halo2 circuit: the statement, the witness, the scoring function and the
/// range table's limb width.
#[derive(Clone, Debug)]
pub struct ScoreHalo2<S: ScoringChip + Clone> {
    /// Public statement.
    pub statement: ScoreStatement,
    /// Private witness.
    pub witness: ScoreWitness,
    /// The public scoring function.
    pub scoring: S,
    /// Bits per range-check limb ([`LIMB_BITS`] in production; smaller in small tests).
    pub limb_bits: usize,
    /// Cells a cheating prover changes (negative tests only; empty otherwise).
    pub tamper: Vec<Tamper>,
}

impl<S: ScoringChip + Clone> ScoreHalo2<S> {
    /// The circuit for `statement` and `witness`.
    pub fn new(statement: ScoreStatement, witness: ScoreWitness, scoring: S) -> Self {
        Self {
            statement,
            witness,
            scoring,
            limb_bits: LIMB_BITS,
            tamper: Vec::new(),
        }
    }

    /// A circuit of the given shape with placeholder values, for key generation.
    pub fn blank(scoring: S, shape: ScoreShape) -> Self {
        Self::new(
            super::blank_statement(&scoring.id(), shape),
            blank(&shape),
            scoring,
        )
    }

    /// The public inputs in halo2's field (the statement's [`ScoreStatement::public_inputs`]).
    pub fn instances(&self) -> Vec<Fp> {
        self.statement
            .public_inputs()
            .into_iter()
            .map(to_fp)
            .collect()
    }
}

fn known(x: Fr) -> Value<Fp> {
    Value::known(to_fp(x))
}

impl<S: ScoringChip + Clone> Circuit<Fp> for ScoreHalo2<S> {
    type Config = ChipConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = usize;

    fn without_witnesses(&self) -> Self {
        Self {
            limb_bits: self.limb_bits,
            ..Self::blank(self.scoring.clone(), self.statement.shape)
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

impl<S: ScoringChip + Clone> ScoreHalo2<S> {
    /// Every rule, region by region.
    pub fn lay_out<L: Layouter<Fp>>(&self, synth: &mut Synth<'_, L>) -> Result<(), Error> {
        let st = &self.statement;
        let wit = &self.witness;
        let shape = st.shape;
        let (m, k, d) = (
            shape.miners as usize,
            shape.samples as usize,
            shape.depth as usize,
        );

        // The public inputs: netuid, epoch and the hotkey are used as they are; `weights` and
        // `rest_digest` are recomputed below and must equal them.
        let inputs: Vec<Value<Fp>> = st.public_inputs().into_iter().map(known).collect();
        let inputs = synth.region("score public inputs", |rows| Ok(rows.witnesses(&inputs)))?;
        for (i, w) in inputs.iter().enumerate() {
            synth.expose(w, i);
        }

        // Statement fields that only enter the rest digest (bound by it).
        let mut fields: Vec<Value<Fp>> = bytes32_to_fr_pair(&st.vk_hash).map(known).to_vec();
        fields.push(known(Fr::from(st.dataset_size)));
        fields.extend(bytes32_to_fr_pair(&st.sample_seed).map(known));
        let fields = synth.region("score statement fields", |rows| Ok(rows.witnesses(&fields)))?;

        // Sampled records: u16 labels, features digests, indices as `depth` boolean cells; every
        // sampled leaf opens the same root at its index.
        let indices = st.sample_indices();
        let mut labels = Vec::with_capacity(k);
        let mut features = Vec::with_capacity(k);
        let mut index_values = Vec::with_capacity(k);
        let mut root: Option<Wire> = None;
        for s in 0..k {
            let idx = indices.get(s).copied().unwrap_or(0);
            let (label, feature, index, r) = synth.region("score sample", |rows| {
                let label = range::witness(
                    rows,
                    Value::known(Fp::from(u64::from(wit.labels.get(s).copied().unwrap_or(0)))),
                    16,
                )?;
                let feature = rows.witnesses(&[known(
                    wit.features_digests.get(s).copied().unwrap_or_default(),
                )])[0];
                let bits = (0..d)
                    .map(|b| boolean(rows, Value::known((idx >> b) & 1 == 1)))
                    .collect::<Result<Vec<_>, _>>()?;
                let powers: Vec<Fp> = (0..d).map(|b| Fp::from(1u64 << b)).collect();
                let terms: Vec<(Fp, &Wire)> = powers.iter().copied().zip(&bits).collect();
                let index = weighted_sum(rows, &terms, Fp::ZERO)?;
                let path: Vec<Value<Fp>> = (0..d)
                    .map(|l| {
                        known(
                            wit.paths
                                .get(s)
                                .and_then(|p| p.get(l))
                                .copied()
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                let path = rows.witnesses(&path);
                let leaf = record_leaf(rows, &feature, &label)?;
                let r = merkle_root(rows, &leaf, &bits, &path)?;
                if let Some(first) = &root {
                    rows.equal(first, &r);
                }
                Ok((label, feature, index, r))
            })?;
            root.get_or_insert(r);
            labels.push(label);
            features.push(feature);
            index_values.push(index);
        }

        // Queries: the sampled features digests hash to the query digest the miners signed.
        let query = synth.region("score query digest", |rows| query_digest(rows, &features))?;

        // Miners: range-checked outputs open each commitment; each is scored. An absent miner
        // (`present = 0`) enters the statement as commitment 0 and scores 0; a present one
        // enters with its commitment, which is never 0, so the flag is fixed by the statement.
        let mut commitments = Vec::with_capacity(m);
        let mut scores = Vec::with_capacity(m);
        for i in 0..m {
            let (commitment, score) = synth.region("score miner", |rows| {
                let outputs = (0..k)
                    .map(|s| {
                        let o = wit
                            .outputs
                            .get(i)
                            .and_then(|o| o.get(s))
                            .copied()
                            .unwrap_or(0);
                        range::witness(rows, Value::known(Fp::from(u64::from(o))), 16)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let blinding =
                    rows.witnesses(&[known(wit.blindings.get(i).copied().unwrap_or_default())])[0];
                let flag = boolean(rows, Value::known(st.present(i)))?;
                let opened = u16_commitment(rows, Domain::MinerOutputs, &outputs, &blinding)?;
                let commitment = mul(rows, &flag, &opened)?;
                let raw = self.scoring.score_chip(rows, &outputs, &labels)?;
                let score = mul(rows, &flag, &raw)?;
                Ok((commitment, score))
            })?;
            commitments.push(commitment);
            scores.push(score);
        }

        // Scores → the row the chain stores (max-upscale rule), bound hidden (cw) or public.
        synth.region("score weights", |rows| {
            let (row, _max) = u16_max_upscale(rows, &scores)?;
            let binding = match shape.mode {
                WeightsMode::Hidden => {
                    let blinding = rows.witnesses(&[known(wit.weight_blinding)])[0];
                    u16_commitment(rows, Domain::WeightRow, &row, &blinding)?
                }
                WeightsMode::Public => public_weights_digest(rows, &row)?,
            };
            rows.equal(&binding, &inputs[4]);
            Ok(())
        })?;

        // Rest digest: the same elements as `ScoreStatement::rest_elements`.
        synth.region("score rest digest", |rows| {
            let mut elements: Vec<Wire> = Vec::new();
            elements.push(rows.constant(to_fp(blake3_to_fr(b"zkyuma/score-statement/v2"))));
            elements.extend(inputs[..4].iter().copied());
            elements.push(rows.constant(to_fp(blake3_to_fr(
                circuit_id(&self.scoring.id(), &shape).as_bytes(),
            ))));
            elements.extend(fields[..2].iter().copied());
            elements.push(root.unwrap_or(rows.constant(Fp::ZERO)));
            elements.push(fields[2]);
            elements.extend(fields[3..5].iter().copied());
            elements.push(query);
            for chunk in index_values.chunks(INDICES_PER_ELEMENT) {
                let shifts: Vec<Fp> = (0..chunk.len())
                    .map(|j| Fp::from(2).pow([32 * j as u64]))
                    .collect();
                let terms: Vec<(Fp, &Wire)> = shifts.iter().copied().zip(chunk).collect();
                elements.push(weighted_sum(rows, &terms, Fp::ZERO)?);
            }
            elements.extend(commitments.iter().copied());
            let digest = hash_many(rows, Domain::ScoreRest, &elements)?;
            rows.equal(&digest, &inputs[5]);
            Ok(())
        })
    }
}
