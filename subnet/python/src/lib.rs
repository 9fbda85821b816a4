//! `zkyuma._native`: the Python bindings of zkyuma.
//!
//! Everything here is a thin, typed door onto the Rust crates: the commitments and evaluation-set
//! trees of `zkyuma-circuits`, score keys and proofs of `zkyuma-prover`, verification of
//! `zkyuma-verifier`, the native epoch, bundle audits and a local subnet of `zkyuma-subnet`. No
//! rule is restated here. Field elements cross as Python `int`s (canonical, below the BN254 scalar
//! modulus), hotkeys and seeds as 32-byte `bytes`, rows and matrices as sequences of ints (numpy
//! arrays included, through their `tolist`). Every Rust error becomes a Python exception of the
//! matching class whose `kind` names the Rust variant and whose `fields` (also set as attributes)
//! hold its fields.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt};
use pyo3::PyTypeInfo;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use zkyuma_circuits::commitment::{self, MerkleTree};
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, ScoreShape, WeightsMode};
use zkyuma_circuits::scoring::{Scoring, ScoringFunction};

pyo3::create_exception!(
    zkyuma,
    ZkyumaError,
    PyException,
    "Base of every zkyuma error: `kind` names the Rust error's variant, `fields` holds its fields."
);
pyo3::create_exception!(
    zkyuma,
    InputError,
    ZkyumaError,
    "An argument zkyuma cannot take (a wrong length, a value out of range, a malformed document)."
);
pyo3::create_exception!(
    zkyuma,
    ScoreError,
    ZkyumaError,
    "A score round or statement the rules refuse (an opening that does not open, a length that does not fit the shape)."
);
pyo3::create_exception!(
    zkyuma,
    ProverError,
    ZkyumaError,
    "Keys that cannot be made, read or used, or a proof that cannot be made."
);
pyo3::create_exception!(
    zkyuma,
    VerifyError,
    ZkyumaError,
    "A proof, key or statement that does not verify or does not decode."
);
pyo3::create_exception!(
    zkyuma,
    EpochError,
    ZkyumaError,
    "An epoch input the native epoch refuses."
);
pyo3::create_exception!(
    zkyuma,
    AuditError,
    ZkyumaError,
    "Bundles that cannot be read for an audit."
);
pyo3::create_exception!(
    zkyuma,
    SubnetError,
    ZkyumaError,
    "A local subnet or one of its roles that failed (the chain, a validator, the epoch prover)."
);

/// The deepest evaluation-set tree built here: the tree is held whole (2^24 leaves is 1 GiB).
const MAX_TREE_DEPTH: u32 = 24;

/// One error field: its name and its Python value.
type Field = (&'static str, Py<PyAny>);

/// Raise exception class `T` with `kind` and `fields`, each also set as an attribute.
fn raise<T: PyTypeInfo>(py: Python<'_>, kind: &str, message: String, fields: Vec<Field>) -> PyErr {
    let err = PyErr::new::<T, _>(message);
    let value = err.value(py);
    let dict = PyDict::new(py);
    let _ = value.setattr("kind", kind);
    for (name, v) in fields {
        let _ = value.setattr(name, v.bind(py));
        let _ = dict.set_item(name, v);
    }
    let _ = value.setattr("fields", dict);
    err
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    use pyo3::IntoPyObjectExt;
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

fn input_error(py: Python<'_>, what: &str, message: impl std::fmt::Display) -> PyErr {
    raise::<InputError>(
        py,
        "Input",
        format!("{what}: {message}"),
        vec![("argument", obj(py, what))],
    )
}

fn score_error(py: Python<'_>, e: &zkyuma_circuits::score::ScoreError) -> PyErr {
    use zkyuma_circuits::score::ScoreError as E;
    let (kind, fields): (&str, Vec<Field>) = match e {
        E::Shape(s) => ("Shape", vec![("shape", obj(py, s.as_str()))]),
        E::Length {
            what,
            expected,
            got,
        } => (
            "Length",
            vec![
                ("what", obj(py, *what)),
                ("expected", obj(py, *expected)),
                ("got", obj(py, *got)),
            ],
        ),
        E::Mode => ("Mode", vec![]),
        E::MinerOpening { miner } => ("MinerOpening", vec![("miner", obj(py, *miner))]),
        E::RecordOpening { sample, index } => (
            "RecordOpening",
            vec![("sample", obj(py, *sample)), ("index", obj(py, *index))],
        ),
        E::QueryDigest => ("QueryDigest", vec![]),
        E::WeightsBinding => ("WeightsBinding", vec![]),
        E::Scoring { expected, got } => (
            "Scoring",
            vec![
                ("expected", obj(py, expected.as_str())),
                ("got", obj(py, got.as_str())),
            ],
        ),
        E::Dataset(m) => ("Dataset", vec![("reason", obj(py, m.as_str()))]),
    };
    raise::<ScoreError>(py, kind, e.to_string(), fields)
}

fn verify_error(py: Python<'_>, e: &zkyuma_verifier::VerifyError) -> PyErr {
    use zkyuma_verifier::VerifyError as E;
    let (kind, fields): (&str, Vec<Field>) = match e {
        E::Length {
            what,
            expected,
            got,
        } => (
            "Length",
            vec![
                ("what", obj(py, *what)),
                ("expected", obj(py, *expected)),
                ("got", obj(py, *got)),
            ],
        ),
        E::Encoding { what } => ("Encoding", vec![("what", obj(py, *what))]),
        E::IdentityPoint { element } => ("IdentityPoint", vec![("element", obj(py, *element))]),
        E::PublicInputs { expected, got } => (
            "PublicInputs",
            vec![("expected", obj(py, *expected)), ("got", obj(py, *got))],
        ),
        E::SystemMismatch { expected, got } => (
            "SystemMismatch",
            vec![
                ("expected", obj(py, expected.to_string())),
                ("got", obj(py, got.to_string())),
            ],
        ),
        E::VkMismatch => ("VkMismatch", vec![]),
        E::UnknownKey(k) => ("UnknownKey", vec![("key", obj(py, k.as_str()))]),
        E::Statement(m) => ("Statement", vec![("reason", obj(py, m.as_str()))]),
        E::Rejected => ("Rejected", vec![]),
        E::BatchRejected { index } => ("BatchRejected", vec![("index", obj(py, *index))]),
        E::EmptyBatch => ("EmptyBatch", vec![]),
        E::NotBuilt(system) => ("NotBuilt", vec![("system", obj(py, system.to_string()))]),
    };
    raise::<VerifyError>(py, kind, e.to_string(), fields)
}

fn prover_error(py: Python<'_>, e: &zkyuma_prover::ProverError) -> PyErr {
    use zkyuma_prover::ProverError as E;
    let (kind, fields): (String, Vec<Field>) = match e {
        E::Statement(s) => return score_error(py, s),
        E::Io { path, source } => (
            "Io".into(),
            vec![
                ("path", obj(py, path.as_str())),
                ("reason", obj(py, source.to_string())),
            ],
        ),
        E::Checksum {
            path,
            expected,
            got,
        } => (
            "Checksum".into(),
            vec![
                ("path", obj(py, path.as_str())),
                ("expected", obj(py, expected.as_str())),
                ("got", obj(py, got.as_str())),
            ],
        ),
        E::Malformed { path, message } => (
            "Malformed".into(),
            vec![
                ("path", obj(py, path.as_str())),
                ("reason", obj(py, message.as_str())),
            ],
        ),
        E::WrongCircuit { expected, found } => (
            "WrongCircuit".into(),
            vec![
                ("expected", obj(py, expected.as_str())),
                ("found", obj(py, found.as_str())),
            ],
        ),
        other => (variant_name(other), vec![]),
    };
    raise::<ProverError>(py, &kind, e.to_string(), fields)
}

fn epoch_error(py: Python<'_>, e: &zkyuma_circuits::yuma::EpochError) -> PyErr {
    use zkyuma_circuits::yuma::EpochError as E;
    let (kind, fields): (String, Vec<Field>) = match e {
        E::Json { path, message } => (
            "Json".into(),
            vec![
                ("path", obj(py, path.as_str())),
                ("reason", obj(py, message.as_str())),
            ],
        ),
        E::Length {
            field,
            expected,
            got,
        } => (
            "Length".into(),
            vec![
                ("field", obj(py, *field)),
                ("expected", obj(py, *expected)),
                ("got", obj(py, *got)),
            ],
        ),
        other => (variant_name(other), vec![]),
    };
    raise::<EpochError>(py, &kind, e.to_string(), fields)
}

/// The variant name of an error from its `Debug` form (`Name`, `Name(..)` or `Name { .. }`).
fn variant_name(e: &impl std::fmt::Debug) -> String {
    let s = format!("{e:?}");
    let end = s.find([' ', '(', '{']).unwrap_or(s.len());
    s[..end].to_string()
}

fn subnet_error(py: Python<'_>, what: &str, e: impl std::fmt::Display) -> PyErr {
    raise::<SubnetError>(
        py,
        "Subnet",
        format!("{what}: {e}"),
        vec![("role", obj(py, what))],
    )
}

// ---- conversions ------------------------------------------------------------------------------

/// A Python int for a field element.
fn fr_to_py(py: Python<'_>, x: &Fr) -> PyResult<Py<PyAny>> {
    let bytes = x.into_bigint().to_bytes_le();
    Ok(py
        .get_type::<PyInt>()
        .call_method1("from_bytes", (PyBytes::new(py, &bytes), "little"))?
        .unbind())
}

/// A field element from a Python int in `[0, modulus)`.
fn fr_from_py(what: &str, x: &Bound<'_, PyAny>) -> PyResult<Fr> {
    let py = x.py();
    if !x.is_instance_of::<PyInt>() {
        return Err(input_error(py, what, "expected an int"));
    }
    let bytes = x
        .call_method1("to_bytes", (32, "little"))
        .map_err(|_| input_error(py, what, "not a field element (negative or over 256 bits)"))?;
    let bytes: Vec<u8> = bytes
        .cast::<PyBytes>()
        .map_err(|_| input_error(py, what, "to_bytes gave no bytes"))?
        .as_bytes()
        .to_vec();
    let fr = Fr::from_le_bytes_mod_order(&bytes);
    if fr.into_bigint().to_bytes_le() != bytes {
        return Err(input_error(
            py,
            what,
            "not below the BN254 scalar field's modulus",
        ));
    }
    Ok(fr)
}

/// `x.tolist()` for a numpy array (or anything with `tolist`), `x` otherwise.
fn listed<'py>(x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if x.hasattr("tolist")? {
        x.call_method0("tolist")
    } else {
        Ok(x.clone())
    }
}

fn ints<T>(what: &str, x: &Bound<'_, PyAny>) -> PyResult<Vec<T>>
where
    T: for<'a, 'py> FromPyObject<'a, 'py>,
{
    listed(x)?.extract::<Vec<T>>().map_err(|e| {
        input_error(
            x.py(),
            what,
            format!("expected a sequence of ints in range ({e})"),
        )
    })
}

fn int_rows<T>(what: &str, x: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<T>>>
where
    T: for<'a, 'py> FromPyObject<'a, 'py>,
{
    listed(x)?.extract::<Vec<Vec<T>>>().map_err(|e| {
        input_error(
            x.py(),
            what,
            format!("expected rows of ints in range (a 2-D array) ({e})"),
        )
    })
}

fn bytes32(py: Python<'_>, what: &str, b: &[u8]) -> PyResult<[u8; 32]> {
    b.try_into()
        .map_err(|_| input_error(py, what, format!("{} bytes, expected 32", b.len())))
}

fn scoring(py: Python<'_>, name: &str) -> PyResult<Scoring> {
    Scoring::parse(name).ok_or_else(|| {
        input_error(
            py,
            "scoring",
            format!("{name:?}: expected `mse`, `mse-a<N>` (N >= 1) or `accuracy`"),
        )
    })
}

fn mode(py: Python<'_>, name: &str) -> PyResult<WeightsMode> {
    match name {
        "hidden" => Ok(WeightsMode::Hidden),
        "public" => Ok(WeightsMode::Public),
        other => Err(input_error(
            py,
            "mode",
            format!("{other:?}: expected \"hidden\" or \"public\""),
        )),
    }
}

fn from_json<'py>(py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (s,))
}

fn json_text(x: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = x.extract::<String>() {
        return Ok(s);
    }
    x.py()
        .import("json")?
        .call_method1("dumps", (x,))?
        .extract::<String>()
}

fn fr_list(py: Python<'_>, xs: &[Fr]) -> PyResult<Vec<Py<PyAny>>> {
    xs.iter().map(|x| fr_to_py(py, x)).collect()
}

// ---- commitments ------------------------------------------------------------------------------

/// A miner's commitment to its outputs (u16 each) under `blinding`.
#[pyfunction]
fn miner_commitment(
    py: Python<'_>,
    outputs: &Bound<'_, PyAny>,
    blinding: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let outputs: Vec<u16> = ints("outputs", outputs)?;
    let blinding = fr_from_py("blinding", blinding)?;
    fr_to_py(py, &commitment::miner_commitment(&outputs, blinding))
}

/// A validator's hidden-mode commitment to its weight row under `blinding`.
#[pyfunction]
fn weight_commitment(
    py: Python<'_>,
    row: &Bound<'_, PyAny>,
    blinding: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let row: Vec<u16> = ints("row", row)?;
    let blinding = fr_from_py("blinding", blinding)?;
    fr_to_py(py, &commitment::weight_commitment(&row, blinding))
}

/// The public-mode digest of a weight row (the proof's weights input).
#[pyfunction]
fn public_weights_digest(py: Python<'_>, row: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let row: Vec<u16> = ints("row", row)?;
    fr_to_py(py, &commitment::public_weights_digest(&row))
}

/// A fresh uniformly random blinding (a field element) from the operating system's generator.
#[pyfunction]
fn random_blinding(py: Python<'_>) -> PyResult<Py<PyAny>> {
    use ark_ff::UniformRand;
    let x = Fr::rand(&mut rand::rngs::OsRng);
    fr_to_py(py, &x)
}

/// The evaluation-record indices an epoch's seed selects for a validator.
#[pyfunction]
fn sample_indices(
    py: Python<'_>,
    sample_seed: &[u8],
    validator_hotkey: &[u8],
    samples: usize,
    dataset_size: u64,
) -> PyResult<Vec<u64>> {
    if dataset_size == 0 {
        return Err(input_error(py, "dataset_size", "an empty evaluation set"));
    }
    if samples == 0 || samples > zkyuma_circuits::score::MAX_SAMPLES as usize {
        return Err(input_error(
            py,
            "samples",
            format!(
                "{samples} is not in 1..={}",
                zkyuma_circuits::score::MAX_SAMPLES
            ),
        ));
    }
    Ok(commitment::sample_indices(
        &bytes32(py, "sample_seed", sample_seed)?,
        &bytes32(py, "validator_hotkey", validator_hotkey)?,
        samples,
        dataset_size,
    ))
}

/// The scores (one per miner) and the weight row (max-upscaled to u16) the scoring function
/// gives miners' `outputs` (miners × samples) against the sampled `labels`; `present[i]` false
/// scores miner `i` 0, as the circuit does for a miner that did not answer.
#[pyfunction]
#[pyo3(signature = (scoring_name, outputs, labels, present=None))]
fn score(
    py: Python<'_>,
    scoring_name: &str,
    outputs: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    present: Option<Vec<bool>>,
) -> PyResult<(Vec<u16>, Vec<u16>)> {
    let f = scoring(py, scoring_name)?;
    let outputs: Vec<Vec<u16>> = int_rows("outputs", outputs)?;
    let labels: Vec<u16> = ints("labels", labels)?;
    let present = present.unwrap_or_else(|| vec![true; outputs.len()]);
    if present.len() != outputs.len() {
        return Err(input_error(
            py,
            "present",
            format!("{} entries for {} miners", present.len(), outputs.len()),
        ));
    }
    let mut scores = Vec::with_capacity(outputs.len());
    for (i, (o, p)) in outputs.iter().zip(&present).enumerate() {
        if o.len() != labels.len() {
            return Err(input_error(
                py,
                "outputs",
                format!(
                    "miner {i} has {} outputs for {} labels",
                    o.len(),
                    labels.len()
                ),
            ));
        }
        scores.push(if *p { f.score(o, &labels) } else { 0 });
    }
    let row = zkyuma_circuits::weights::u16_max_upscale(&scores);
    Ok((scores, row))
}

// ---- evaluation sets --------------------------------------------------------------------------

/// A validator's private evaluation set as the Merkle tree whose root it registers.
#[pyclass(module = "zkyuma._native", frozen)]
struct EvaluationSet {
    records: Vec<Record>,
    tree: MerkleTree,
    leaves: Vec<Fr>,
}

#[pymethods]
impl EvaluationSet {
    /// `features`: one row of fixed-point ints per record; `labels`: one u16 per record; the
    /// tree has `2^depth` leaves (1 <= depth <= 32).
    #[new]
    fn new(
        py: Python<'_>,
        features: &Bound<'_, PyAny>,
        labels: &Bound<'_, PyAny>,
        depth: u32,
    ) -> PyResult<Self> {
        let features: Vec<Vec<i64>> = int_rows("features", features)?;
        let labels: Vec<u16> = ints("labels", labels)?;
        if features.len() != labels.len() {
            return Err(input_error(
                py,
                "labels",
                format!("{} labels for {} records", labels.len(), features.len()),
            ));
        }
        if features.is_empty() {
            return Err(input_error(py, "features", "an empty evaluation set"));
        }
        // The tree is held whole (every level), 2^depth leaves wide.
        if !(1..=MAX_TREE_DEPTH).contains(&depth) {
            return Err(input_error(
                py,
                "depth",
                format!("{depth} is not in 1..={MAX_TREE_DEPTH}"),
            ));
        }
        let records: Vec<Record> = features
            .into_iter()
            .zip(labels)
            .map(|(features, label)| Record { features, label })
            .collect();
        let (leaves, tree) = py.detach(|| {
            let leaves: Vec<Fr> = records
                .iter()
                .map(|r| commitment::record_leaf(commitment::features_digest(&r.features), r.label))
                .collect();
            let tree = MerkleTree::new(&leaves, depth);
            (leaves, tree)
        });
        let tree = tree.ok_or_else(|| {
            input_error(
                py,
                "features",
                format!("{} records do not fit 2^{depth} leaves", leaves.len()),
            )
        })?;
        Ok(Self {
            records,
            tree,
            leaves,
        })
    }

    /// The root the validator registers on the chain.
    #[getter]
    fn root(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        fr_to_py(py, &self.tree.root())
    }

    /// Number of records.
    #[getter]
    fn size(&self) -> usize {
        self.records.len()
    }

    /// Tree depth.
    #[getter]
    fn depth(&self) -> u32 {
        self.tree.depth() as u32
    }

    /// Record `index`'s leaf.
    fn leaf(&self, py: Python<'_>, index: usize) -> PyResult<Py<PyAny>> {
        let leaf = self
            .leaves
            .get(index)
            .ok_or_else(|| input_error(py, "index", format!("{index} >= {}", self.leaves.len())))?;
        fr_to_py(py, leaf)
    }

    /// Record `index`'s Merkle path, leaf to root.
    fn path(&self, py: Python<'_>, index: usize) -> PyResult<Vec<Py<PyAny>>> {
        let path = self
            .tree
            .path(index as u64)
            .filter(|_| index < self.leaves.len())
            .ok_or_else(|| input_error(py, "index", format!("{index} >= {}", self.leaves.len())))?;
        fr_list(py, &path)
    }

    /// Whether `path` opens `root` at `index` for `leaf`.
    #[staticmethod]
    fn verify_path(
        leaf: &Bound<'_, PyAny>,
        index: u64,
        path: Vec<Bound<'_, PyAny>>,
        root: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let py = leaf.py();
        if path.is_empty() || path.len() > zkyuma_circuits::score::MAX_DEPTH as usize {
            return Err(input_error(
                py,
                "path",
                format!("{} entries, not in 1..=32", path.len()),
            ));
        }
        if index >> path.len() != 0 {
            return Err(input_error(
                py,
                "index",
                format!("{index} does not fit a path of {}", path.len()),
            ));
        }
        let leaf = fr_from_py("leaf", leaf)?;
        let root = fr_from_py("root", root)?;
        let path = path
            .iter()
            .map(|p| fr_from_py("path", p))
            .collect::<PyResult<Vec<Fr>>>()?;
        Ok(commitment::merkle_root_from_path(leaf, index, &path) == root)
    }
}

// ---- score rounds, keys and proofs ------------------------------------------------------------

/// Everything a validator holds for one epoch's score proof.
#[pyclass(module = "zkyuma._native", name = "ScoreRound", frozen)]
struct PyScoreRound {
    round: ScoreRound,
}

#[pymethods]
impl PyScoreRound {
    /// A round from the validator's evaluation set and the miners' opened answers: `outputs`
    /// is miners × samples (u16), `blindings[i]` miner `i`'s commitment blinding or `None` for a
    /// miner that did not answer (scored 0; its outputs row is ignored). `weight_blinding`
    /// defaults to a fresh random one in hidden mode (0 in public mode, which has none).
    #[new]
    #[pyo3(signature = (netuid, epoch, validator_hotkey, sample_seed, evaluation_set, outputs, blindings, mode="hidden", weight_blinding=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        netuid: u16,
        epoch: u64,
        validator_hotkey: &[u8],
        sample_seed: &[u8],
        evaluation_set: PyRef<'_, EvaluationSet>,
        outputs: &Bound<'_, PyAny>,
        blindings: Vec<Option<Bound<'_, PyAny>>>,
        mode: &str,
        weight_blinding: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let outputs: Vec<Vec<u16>> = int_rows("outputs", outputs)?;
        if blindings.len() != outputs.len() {
            return Err(input_error(
                py,
                "blindings",
                format!("{} blindings for {} miners", blindings.len(), outputs.len()),
            ));
        }
        // The shape's K: the outputs of the first miner that answered.
        let samples = outputs
            .iter()
            .zip(&blindings)
            .find(|(_, b)| b.is_some())
            .map_or(0, |(o, _)| o.len());
        let samples = u32::try_from(samples)
            .map_err(|_| input_error(py, "outputs", format!("{samples} outputs per miner")))?;
        let miners = outputs
            .into_iter()
            .zip(&blindings)
            .map(|(outputs, b)| {
                b.as_ref()
                    .map(|b| {
                        Ok(MinerAnswer {
                            outputs,
                            blinding: fr_from_py("blindings", b)?,
                        })
                    })
                    .transpose()
            })
            .collect::<PyResult<Vec<Option<MinerAnswer>>>>()?;
        let mode = self::mode(py, mode)?;
        // A hidden row's commitment hides it only under a random blinding; a public row has none.
        let weight_blinding = match (weight_blinding, mode) {
            (Some(b), _) => fr_from_py("weight_blinding", b)?,
            (None, WeightsMode::Hidden) => {
                use ark_ff::UniformRand;
                Fr::rand(&mut rand::rngs::OsRng)
            }
            (None, WeightsMode::Public) => Fr::from(0u64),
        };
        let round = ScoreRound {
            netuid,
            epoch,
            validator_hotkey: bytes32(py, "validator_hotkey", validator_hotkey)?,
            depth: evaluation_set.tree.depth() as u32,
            mode,
            sample_seed: bytes32(py, "sample_seed", sample_seed)?,
            records: evaluation_set.records.clone(),
            samples,
            miners,
            weight_blinding,
        };
        round.shape().validate().map_err(|e| score_error(py, &e))?;
        Ok(Self { round })
    }

    /// The round as the JSON document `zkyuma prove score` reads.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.round).map_err(|e| PyErr::new::<InputError, _>(e.to_string()))
    }

    /// A round from `zkyuma prove score`'s JSON document.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let round: ScoreRound =
            serde_json::from_str(text).map_err(|e| input_error(py, "round", e))?;
        round.shape().validate().map_err(|e| score_error(py, &e))?;
        Ok(Self { round })
    }

    /// The indices of the evaluation records this round samples.
    fn sample_indices(&self) -> Vec<u64> {
        let r = &self.round;
        sampled(
            &r.sample_seed,
            &r.validator_hotkey,
            r.samples,
            &r.records,
            r.depth,
        )
        .0
    }

    /// The labels of the sampled records (what the miners' outputs are scored against).
    fn sampled_labels(&self) -> Vec<u16> {
        let r = &self.round;
        sampled(
            &r.sample_seed,
            &r.validator_hotkey,
            r.samples,
            &r.records,
            r.depth,
        )
        .1
    }

    /// The circuit shape: `(miners, samples, depth, mode)`.
    #[getter]
    fn shape(&self) -> (u32, u32, u32, &'static str) {
        let s = self.round.shape();
        (s.miners, s.samples, s.depth, mode_name(s.mode))
    }
}

/// The records an epoch's seed samples for a validator (indices drawn below the set's size,
/// capped at the tree's `2^depth` leaves, as `ScoreStatement::sample_indices` draws them) and
/// their labels.
fn sampled(
    seed: &[u8; 32],
    hotkey: &[u8; 32],
    samples: u32,
    records: &[Record],
    depth: u32,
) -> (Vec<u64>, Vec<u16>) {
    let leaves = 1u64 << depth.min(zkyuma_circuits::score::MAX_DEPTH);
    let indices = commitment::sample_indices(
        seed,
        hotkey,
        samples as usize,
        (records.len() as u64).min(leaves),
    );
    let labels = indices
        .iter()
        .filter_map(|&i| records.get(i as usize).map(|r| r.label))
        .collect();
    (indices, labels)
}

fn mode_name(m: WeightsMode) -> &'static str {
    match m {
        WeightsMode::Hidden => "hidden",
        WeightsMode::Public => "public",
    }
}

/// A score proof with its public statement and the validator's private scores and row.
#[pyclass(module = "zkyuma._native", frozen, get_all)]
struct ScoreProof {
    /// The compressed Groth16 proof.
    proof: Py<PyBytes>,
    /// The public statement, as the JSON document `zkyuma verify score` reads.
    statement_json: String,
    /// Score per miner (private to the validator).
    scores: Vec<u16>,
    /// The weight row the proof binds (private in hidden mode).
    row: Vec<u16>,
}

#[pymethods]
impl ScoreProof {
    /// The statement as a dict.
    #[getter]
    fn statement<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &self.statement_json)
    }
}

/// Groth16 keys for one score circuit (scoring function and shape).
#[pyclass(module = "zkyuma._native", frozen)]
struct ScoreKeys {
    keys: Arc<zkyuma_prover::keys::Keys>,
    scoring: Scoring,
    shape: ScoreShape,
}

fn score_shape(
    py: Python<'_>,
    miners: u32,
    samples: u32,
    depth: u32,
    mode_name: &str,
) -> PyResult<ScoreShape> {
    let shape = ScoreShape {
        miners,
        samples,
        depth,
        mode: mode(py, mode_name)?,
    };
    shape.validate().map_err(|e| score_error(py, &e))?;
    Ok(shape)
}

#[pymethods]
impl ScoreKeys {
    /// Make keys. Without `insecure_seed` the toxic waste comes from the operating system's
    /// generator and is dropped; with it the setup is deterministic and anyone with the seed can
    /// forge proofs (tests and examples only). A subnet's real keys come from a ceremony.
    #[staticmethod]
    #[pyo3(signature = (scoring, miners, samples, depth, mode="hidden", insecure_seed=None))]
    fn setup(
        py: Python<'_>,
        scoring: &str,
        miners: u32,
        samples: u32,
        depth: u32,
        mode: &str,
        insecure_seed: Option<String>,
    ) -> PyResult<Self> {
        let f = self::scoring(py, scoring)?;
        let shape = score_shape(py, miners, samples, depth, mode)?;
        let kind = match insecure_seed {
            Some(seed) => zkyuma_prover::keys::SetupKind::InsecureDeterministic { seed },
            None => zkyuma_prover::keys::SetupKind::LocalRandom,
        };
        let keys = py
            .detach(|| zkyuma_prover::score::setup_score(f, shape, kind))
            .map_err(|e| prover_error(py, &e))?;
        Ok(Self {
            keys: Arc::new(keys),
            scoring: f,
            shape,
        })
    }

    /// Keys saved by `save` (or `zkyuma setup score`): the verifying key and description under
    /// `params_dir`, the proving key under `keys_dir`, each checked against its blake3.
    #[staticmethod]
    #[pyo3(signature = (params_dir, keys_dir, scoring, miners, samples, depth, mode="hidden"))]
    #[allow(clippy::too_many_arguments)]
    fn load(
        py: Python<'_>,
        params_dir: PathBuf,
        keys_dir: PathBuf,
        scoring: &str,
        miners: u32,
        samples: u32,
        depth: u32,
        mode: &str,
    ) -> PyResult<Self> {
        let f = self::scoring(py, scoring)?;
        let shape = score_shape(py, miners, samples, depth, mode)?;
        let name = zkyuma_prover::score::params_name(&f, &shape);
        let paths = zkyuma_prover::keys::KeyPaths::new(&params_dir, &keys_dir, &name);
        let id = zkyuma_circuits::score::circuit_id(&f.id(), &shape);
        let keys = py
            .detach(|| paths.load(&id))
            .map_err(|e| prover_error(py, &e))?;
        Ok(Self {
            keys: Arc::new(keys),
            scoring: f,
            shape,
        })
    }

    /// Save atomically: verifying key, description and checksums under `params_dir/<name>/`,
    /// proving key under `keys_dir/<name>/`.
    fn save(&self, py: Python<'_>, params_dir: PathBuf, keys_dir: PathBuf) -> PyResult<()> {
        let paths = zkyuma_prover::keys::KeyPaths::new(&params_dir, &keys_dir, &self.name());
        py.detach(|| paths.save(&self.keys))
            .map_err(|e| prover_error(py, &e))
    }

    /// The parameters' directory name (`score-<scoring>-<miners>x<samples>-d<depth>-<mode>`).
    #[getter]
    fn name(&self) -> String {
        zkyuma_prover::score::params_name(&self.scoring, &self.shape)
    }

    /// The verifying key's canonical bytes.
    #[getter]
    fn vk_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.keys.vk_bytes())
    }

    /// blake3 of the verifying key (what statements name).
    #[getter]
    fn vk_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.keys.vk_hash())
    }

    /// Constraints of the circuit.
    #[getter]
    fn constraints(&self) -> usize {
        self.keys.description.constraints
    }

    /// Prove `round` (its shape must be these keys'); the GIL is released while proving.
    fn prove(&self, py: Python<'_>, round: PyRef<'_, PyScoreRound>) -> PyResult<ScoreProof> {
        let round = round.round.clone();
        let (keys, f) = (self.keys.clone(), self.scoring);
        let p = py
            .detach(move || zkyuma_prover::score::prove_score(&keys, f, &round))
            .map_err(|e| prover_error(py, &e))?;
        Ok(ScoreProof {
            proof: PyBytes::new(py, &p.proof).unbind(),
            statement_json: serde_json::to_string_pretty(&p.statement)
                .map_err(|e| input_error(py, "statement", e))?,
            scores: p.evaluation.scores,
            row: p.evaluation.row,
        })
    }
}

/// Verify a score proof against a verifying key's bytes and the statement's JSON (a `str` or a
/// dict); raises `VerifyError` (with `kind`) when it does not verify.
#[pyfunction]
fn verify_score(
    py: Python<'_>,
    vk_bytes: &[u8],
    statement: &Bound<'_, PyAny>,
    proof: &[u8],
) -> PyResult<()> {
    use zkyuma_verifier::{PreparedVerifyingKey, Proof, VerifyingKey};
    let text = json_text(statement)?;
    let statement: zkyuma_circuits::score::ScoreStatement =
        serde_json::from_str(&text).map_err(|e| input_error(py, "statement", e))?;
    let vk = VerifyingKey::from_bytes(vk_bytes, zkyuma_circuits::score::PUBLIC_INPUTS)
        .map_err(|e| verify_error(py, &e))?;
    let pvk = PreparedVerifyingKey::new(vk);
    let proof = Proof::from_bytes(proof).map_err(|e| verify_error(py, &e))?;
    zkyuma_verifier::verify_score(&pvk, &statement, &proof).map_err(|e| verify_error(py, &e))
}

// ---- the native epoch and audits --------------------------------------------------------------

/// Yuma consensus on an epoch input (the JSON document of `zkyuma epoch run`, as a `str` or a
/// dict): the epoch output as a dict, bit-exact with subtensor.
#[pyfunction]
fn run_epoch<'py>(py: Python<'py>, input: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let text = json_text(input)?;
    let input =
        zkyuma_circuits::yuma::EpochInput::from_json_str(&text).map_err(|e| epoch_error(py, &e))?;
    let output = zkyuma_circuits::yuma::run_epoch(&input).map_err(|e| epoch_error(py, &e))?;
    let text = serde_json::to_string(&output).map_err(|e| input_error(py, "output", e))?;
    from_json(py, &text)
}

/// The audit of a directory of epoch bundles.
#[pyclass(module = "zkyuma._native", frozen, get_all)]
struct AuditReport {
    /// Whether every bundle checks out (and there was at least one).
    passed: bool,
    /// Per bundle: `path`, `epoch`, `score_proofs`, `refused`, `failures`, `key_origins`,
    /// `unchecked`.
    epochs: Vec<Py<PyDict>>,
    /// The report as `zkyuma audit` prints it.
    text: String,
}

fn audit_report(py: Python<'_>, r: &zkyuma_subnet::audit::AuditReport) -> PyResult<AuditReport> {
    let epochs = r
        .epochs
        .iter()
        .map(|e| {
            let d = PyDict::new(py);
            d.set_item("path", e.path.display().to_string())?;
            d.set_item("epoch", e.epoch)?;
            d.set_item("score_proofs", e.score_proofs)?;
            d.set_item("refused", e.refused)?;
            d.set_item("failures", e.failures.clone())?;
            d.set_item("key_origins", e.key_origins.clone())?;
            d.set_item("unchecked", e.unchecked.clone())?;
            Ok(d.unbind())
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(AuditReport {
        passed: r.passed(),
        epochs,
        text: r.render(),
    })
}

/// Audit every bundle under `bundles_dir` (with `params_dir`, also each key's origin).
#[pyfunction]
#[pyo3(signature = (bundles_dir, params_dir=None))]
fn audit_bundles(
    py: Python<'_>,
    bundles_dir: PathBuf,
    params_dir: Option<PathBuf>,
) -> PyResult<AuditReport> {
    let r = py
        .detach(|| zkyuma_subnet::audit::audit_dir(&bundles_dir, params_dir.as_deref()))
        .map_err(|e| {
            raise::<AuditError>(
                py,
                "Io",
                e.to_string(),
                vec![("path", obj(py, e.path.as_str()))],
            )
        })?;
    audit_report(py, &r)
}

// ---- a local subnet ---------------------------------------------------------------------------

/// A tiny subnet on loopback (embedded chain served over gRPC, miners answering with a perfect
/// model), with keys from the insecure local setup: the offline ground for a validator loop.
#[pyclass(module = "zkyuma._native")]
struct LocalSubnet {
    runtime: Arc<tokio::runtime::Runtime>,
    subnet: Arc<Mutex<Option<zkyuma_subnet::local::LocalSubnet>>>,
}

impl LocalSubnet {
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&zkyuma_subnet::local::LocalSubnet) -> T,
    ) -> PyResult<T> {
        let guard = self
            .subnet
            .lock()
            .map_err(|_| subnet_error(py, "subnet", "a previous call panicked"))?;
        match guard.as_ref() {
            Some(s) => Ok(f(s)),
            None => Err(subnet_error(py, "subnet", "closed")),
        }
    }
}

#[pymethods]
impl LocalSubnet {
    /// Start a subnet of 7 uids: validators with `validator_stakes`, then miners with
    /// `miner_stakes` (every miner honest); state and bundles under `dir` (a scratch directory
    /// removed on `close` when none).
    #[new]
    #[pyo3(signature = (validator_stakes, miner_stakes, dir=None, name="py"))]
    fn new(
        py: Python<'_>,
        validator_stakes: Vec<u64>,
        miner_stakes: Vec<u64>,
        dir: Option<PathBuf>,
        name: &str,
    ) -> PyResult<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| subnet_error(py, "runtime", e))?;
        let miners = miner_stakes
            .into_iter()
            .map(|s| (s, zkyuma_subnet::roles::miner::Behaviour::Honest))
            .collect();
        let name = name.to_string();
        let subnet = py
            .detach(|| {
                let keys = zkyuma_subnet::local::local_keys()?;
                runtime.block_on(zkyuma_subnet::local::LocalSubnet::start(
                    zkyuma_subnet::local::LocalSubnetSpec {
                        name,
                        validator_stakes,
                        miners,
                        keys,
                        dir,
                        score_prover: None,
                        epoch_prover: None,
                    },
                    |_| {},
                ))
            })
            .map_err(|e| subnet_error(py, "subnet", e))?;
        Ok(Self {
            runtime: Arc::new(runtime),
            subnet: Arc::new(Mutex::new(Some(subnet))),
        })
    }

    /// The chain's gRPC URL.
    #[getter]
    fn chain_url(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| s.chain_url.clone())
    }

    /// The chain's open epoch.
    #[getter]
    fn epoch(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |s| s.chain.epoch())
    }

    /// Where the chain writes epoch bundles.
    #[getter]
    fn bundles_dir(&self, py: Python<'_>) -> PyResult<PathBuf> {
        self.with(py, |s| s.bundles())
    }

    /// The subnet's scoring function.
    #[getter]
    fn scoring(&self) -> String {
        zkyuma_subnet::local::shapes().0.id()
    }

    /// The metagraph: the open `epoch` and per uid `uid`, `hotkey` (bytes), `stake`,
    /// `validator_permit` and `emission_total` (paid so far).
    fn metagraph<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.with(py, |s| s.chain.metagraph())?;
        let d = PyDict::new(py);
        d.set_item("epoch", m.epoch)?;
        let neurons = m
            .neurons
            .iter()
            .map(|n| {
                let e = PyDict::new(py);
                e.set_item("uid", n.uid)?;
                e.set_item("hotkey", PyBytes::new(py, &n.hotkey))?;
                e.set_item("stake", n.stake)?;
                e.set_item("validator_permit", n.validator_permit)?;
                e.set_item("emission_total", n.emission_total)?;
                Ok(e)
            })
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("neurons", neurons)?;
        Ok(d)
    }

    /// Validator `index`'s handle (validators hold the first uids).
    fn validator(&self, py: Python<'_>, index: usize) -> PyResult<LocalValidator> {
        let v = self
            .with(py, |s| s.validators.get(index).cloned())?
            .ok_or_else(|| input_error(py, "index", format!("no validator {index}")))?;
        Ok(LocalValidator {
            runtime: self.runtime.clone(),
            validator: v,
        })
    }

    /// Number of validators.
    #[getter]
    fn validators(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |s| s.validators.len())
    }

    /// Wait until the chain takes the open epoch's proof, then prove and submit the epoch as
    /// the subnet's epoch prover; returns the epoch proven and the proof's size in bytes.
    fn close_epoch(&self, py: Python<'_>) -> PyResult<(u64, usize)> {
        let (prover, epoch, ready) = self.with(py, |s| {
            (
                s.prover.clone(),
                s.chain.epoch(),
                s.chain
                    .epoch_state()
                    .ready(zkyuma_subnet::chain::unix_now()),
            )
        })?;
        let subnet = self.subnet.clone();
        let runtime = self.runtime.clone();
        let r = py.detach(move || {
            runtime.block_on(async move {
                if !ready {
                    for _ in 0..1200 {
                        // Ready, or closed meanwhile (the submission then fails by name).
                        let now_ready = match subnet.lock() {
                            Ok(g) => g.as_ref().is_none_or(|s| {
                                s.chain
                                    .epoch_state()
                                    .ready(zkyuma_subnet::chain::unix_now())
                            }),
                            Err(_) => true,
                        };
                        if now_ready {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
                prover.prove_and_submit(epoch).await
            })
        });
        let r = r.map_err(|e| subnet_error(py, "epoch prover", e))?;
        Ok((r.statement.chain.epoch, r.proof_bytes))
    }

    /// Audit every bundle the chain has written.
    fn audit(&self, py: Python<'_>) -> PyResult<AuditReport> {
        let dir = self.with(py, |s| s.bundles())?;
        audit_bundles(py, dir, None)
    }

    /// Stop the miners and the chain.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self
            .subnet
            .lock()
            .map_err(|_| subnet_error(py, "subnet", "a previous call panicked"))?
            .take();
        if let Some(s) = taken {
            let runtime = self.runtime.clone();
            py.detach(move || runtime.block_on(s.stop()));
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}

/// One validator of a local subnet, driven phase by phase (its progress is saved after each,
/// so a crashed loop resumes where it stopped).
#[pyclass(module = "zkyuma._native", frozen)]
struct LocalValidator {
    runtime: Arc<tokio::runtime::Runtime>,
    validator: zkyuma_subnet::roles::validator::Validator,
}

impl LocalValidator {
    fn run(
        &self,
        py: Python<'_>,
        epoch: u64,
        stop_after: Option<zkyuma_subnet::roles::validator::Phase>,
    ) -> PyResult<zkyuma_subnet::roles::validator::ValidatorReport> {
        let (v, runtime) = (self.validator.clone(), self.runtime.clone());
        py.detach(move || runtime.block_on(v.run_epoch(epoch, stop_after)))
            .map_err(|e| subnet_error(py, "validator", e))
    }
}

#[pymethods]
impl LocalValidator {
    /// The validator's hotkey.
    #[getter]
    fn hotkey<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.validator.hotkey.public())
    }

    /// Register the evaluation set's root on the chain: `(accepted, reason)`.
    fn register(&self, py: Python<'_>) -> PyResult<(bool, String)> {
        let (v, runtime) = (self.validator.clone(), self.runtime.clone());
        py.detach(move || runtime.block_on(v.register()))
            .map_err(|e| subnet_error(py, "validator", e))
    }

    /// The validator's evaluation set.
    fn evaluation_set(&self, py: Python<'_>) -> PyResult<EvaluationSet> {
        let features: Vec<Vec<i64>> = self
            .validator
            .records
            .iter()
            .map(|r| r.features.clone())
            .collect();
        let labels: Vec<u16> = self.validator.records.iter().map(|r| r.label).collect();
        EvaluationSet::new(
            py,
            &features.into_pyobject(py)?.into_any(),
            &labels.into_pyobject(py)?.into_any(),
            self.validator.depth,
        )
    }

    /// Query the miners for `epoch`: post the sealed task, wait out the commit window, open
    /// each miner's commitment. Returns `seed` (bytes), `sample_indices`, `labels` (of the
    /// sampled records) and `miners`: per uid `uid`, `status`, `outputs` (or `None`).
    fn query_miners<'py>(&self, py: Python<'py>, epoch: u64) -> PyResult<Bound<'py, PyDict>> {
        let r = self.run(
            py,
            epoch,
            Some(zkyuma_subnet::roles::validator::Phase::Answered),
        )?;
        let v = &self.validator;
        let (indices, labels) =
            sampled(&r.seed, &v.hotkey.public(), v.samples, &v.records, v.depth);
        let d = PyDict::new(py);
        d.set_item("epoch", epoch)?;
        d.set_item("seed", PyBytes::new(py, &r.seed))?;
        d.set_item("sample_indices", indices)?;
        d.set_item("labels", labels)?;
        let miners = r
            .miners
            .iter()
            .map(|m| {
                let e = PyDict::new(py);
                e.set_item("uid", m.uid)?;
                e.set_item("status", m.status.to_string())?;
                e.set_item("outputs", m.answer.as_ref().map(|a| a.outputs.clone()))?;
                Ok(e)
            })
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("miners", miners)?;
        Ok(d)
    }

    /// Prove `epoch`'s score (after `query_miners`): returns `scores`, `row` and
    /// `prove_seconds`.
    fn prove<'py>(&self, py: Python<'py>, epoch: u64) -> PyResult<Bound<'py, PyDict>> {
        let r = self.run(
            py,
            epoch,
            Some(zkyuma_subnet::roles::validator::Phase::Proved),
        )?;
        let d = PyDict::new(py);
        d.set_item("scores", r.scores)?;
        d.set_item("row", r.row)?;
        d.set_item("prove_seconds", r.prove_time.as_secs_f64())?;
        Ok(d)
    }

    /// Submit `epoch`'s proof to the chain: `(accepted, reason)`.
    fn submit(&self, py: Python<'_>, epoch: u64) -> PyResult<(bool, String)> {
        Ok(self.run(py, epoch, None)?.accepted)
    }
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ZkyumaError", py.get_type::<ZkyumaError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ScoreError", py.get_type::<ScoreError>())?;
    m.add("ProverError", py.get_type::<ProverError>())?;
    m.add("VerifyError", py.get_type::<VerifyError>())?;
    m.add("EpochError", py.get_type::<EpochError>())?;
    m.add("AuditError", py.get_type::<AuditError>())?;
    m.add("SubnetError", py.get_type::<SubnetError>())?;
    m.add_function(wrap_pyfunction!(miner_commitment, m)?)?;
    m.add_function(wrap_pyfunction!(weight_commitment, m)?)?;
    m.add_function(wrap_pyfunction!(public_weights_digest, m)?)?;
    m.add_function(wrap_pyfunction!(random_blinding, m)?)?;
    m.add_function(wrap_pyfunction!(sample_indices, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(verify_score, m)?)?;
    m.add_function(wrap_pyfunction!(run_epoch, m)?)?;
    m.add_function(wrap_pyfunction!(audit_bundles, m)?)?;
    m.add_class::<EvaluationSet>()?;
    m.add_class::<PyScoreRound>()?;
    m.add_class::<ScoreKeys>()?;
    m.add_class::<ScoreProof>()?;
    m.add_class::<AuditReport>()?;
    m.add_class::<LocalSubnet>()?;
    m.add_class::<LocalValidator>()?;
    Ok(())
}
