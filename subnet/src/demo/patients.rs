//! Real patient data for the demo: the diabetes dataset shipped inside `linfa-datasets` (442
//! patients, 10 standardised baseline measurements, disease progression one year later). It is
//! split like hospitals holding their own records: one private evaluation set per validator, and
//! the rest as public training data for the miners. Miners of different quality are trained here.

use crate::roles::miner::Model;
use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_linear::LinearRegression;
use ndarray::{Array1, Array2, Axis};
use std::collections::HashMap;
use std::sync::Arc;
use zkyuma_circuits::score::Record;
use zkyuma_circuits::yuma::synthetic::SplitMix64;

/// Fixed-point scale of the features (2^16).
pub const FEATURE_SCALE: f64 = 65536.0;
/// Disease progression mapped to the unit scale: `label = y / 400 · 65535`.
pub const TARGET_RANGE: f64 = 400.0;

/// A patient: features (fixed point) and the u16 label.
pub type Patient = Record;

/// The split.
#[derive(Clone, Debug)]
pub struct Split {
    /// One evaluation set per validator.
    pub hospitals: Vec<Vec<Patient>>,
    /// Public training data.
    pub training: Vec<Patient>,
}

/// `y` (disease progression) to the u16 label scale.
pub fn label(y: f64) -> u16 {
    (y / TARGET_RANGE * 65535.0).round().clamp(0.0, 65535.0) as u16
}

fn to_fixed(x: f64) -> i64 {
    (x * FEATURE_SCALE).round() as i64
}

fn from_fixed(x: i64) -> f64 {
    x as f64 / FEATURE_SCALE
}

/// Load the dataset, shuffle it with `seed`, and deal `per_hospital` patients to each of
/// `hospitals` validators; the rest is training data.
pub fn split(hospitals: usize, per_hospital: usize, seed: u64) -> Result<Split, String> {
    let data = linfa_datasets::diabetes();
    let x = data.records();
    let y = data.targets();
    let mut patients: Vec<Patient> = x
        .axis_iter(Axis(0))
        .zip(y.iter())
        .map(|(row, t)| Record {
            features: row.iter().map(|v| to_fixed(*v)).collect(),
            label: label(*t),
        })
        .collect();
    let mut rng = SplitMix64::new(seed);
    for i in (1..patients.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        patients.swap(i, j);
    }
    let needed = hospitals * per_hospital;
    if needed + MIN_TRAINING <= patients.len() {
        let training = patients.split_off(needed);
        let hospitals = patients
            .chunks(per_hospital)
            .map(<[Patient]>::to_vec)
            .collect();
        return Ok(Split {
            hospitals,
            training,
        });
    }
    // Too few patients for separate evaluation sets (the network shape: 64 hospitals × 32): keep
    // MIN_TRAINING for training and give each hospital its own window of the rest, windows spread
    // evenly and overlapping — the same patient seen at several hospitals.
    let pool = patients.len().saturating_sub(MIN_TRAINING);
    if per_hospital > pool || hospitals == 0 {
        return Err(format!(
            "{hospitals} hospitals × {per_hospital} patients: only {pool} patients to share out ({} in all, {MIN_TRAINING} kept for training)",
            patients.len()
        ));
    }
    let training = patients.split_off(pool);
    let hospitals = (0..hospitals)
        .map(|h| {
            let start = h * pool / hospitals;
            (0..per_hospital)
                .map(|k| patients[(start + k) % pool].clone())
                .collect()
        })
        .collect();
    Ok(Split {
        hospitals,
        training,
    })
}

/// Patients always kept for the miners' training.
const MIN_TRAINING: usize = 64;

/// A least-squares linear model (linfa) on the chosen feature columns, predicting the label.
pub fn linear(training: &[Patient], columns: &[usize]) -> Result<Model, String> {
    let x = Array2::from_shape_fn((training.len(), columns.len()), |(i, j)| {
        from_fixed(training[i].features[columns[j]])
    });
    let y = Array1::from_iter(training.iter().map(|p| f64::from(p.label)));
    let fitted = LinearRegression::new()
        .fit(&DatasetBase::new(x, y))
        .map_err(|e| e.to_string())?;
    let params = fitted.params().to_vec();
    let intercept = fitted.intercept();
    let columns = columns.to_vec();
    Ok(Arc::new(move |features: &[i64]| {
        let p = intercept
            + columns
                .iter()
                .zip(&params)
                .map(|(c, w)| w * features.get(*c).map_or(0.0, |f| from_fixed(*f)))
                .sum::<f64>();
        p.round().clamp(0.0, 65535.0) as u16
    }))
}

/// The lazy miner: always the training mean.
pub fn mean(training: &[Patient]) -> Model {
    let m = training.iter().map(|p| f64::from(p.label)).sum::<f64>() / training.len().max(1) as f64;
    let m = m.round() as u16;
    Arc::new(move |_: &[i64]| m)
}

/// A model plus deterministic noise of amplitude `amplitude` (label units), keyed by the features.
pub fn noisy(model: Model, amplitude: u16) -> Model {
    Arc::new(move |features: &[i64]| {
        let h = blake3::hash(
            &features
                .iter()
                .flat_map(|f| f.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        let mut rng = SplitMix64::new(u64::from_le_bytes(
            h.as_bytes()[..8].try_into().unwrap_or([0; 8]),
        ));
        let noise = rng.below(2 * u64::from(amplitude) + 1) as i64 - i64::from(amplitude);
        (i64::from(model(features)) + noise).clamp(0, 65535) as u16
    })
}

/// A miner that knows a leaked evaluation set: exact labels for those patients, `fallback`
/// for everyone else.
pub fn leaked(leak: &[Patient], fallback: Model) -> Model {
    let table: HashMap<Vec<i64>, u16> =
        leak.iter().map(|p| (p.features.clone(), p.label)).collect();
    Arc::new(move |features: &[i64]| {
        table
            .get(features)
            .copied()
            .unwrap_or_else(|| fallback(features))
    })
}

/// A useless model: a pseudo-random guess per patient.
pub fn random() -> Model {
    Arc::new(|features: &[i64]| {
        let h = blake3::hash(
            &features
                .iter()
                .flat_map(|f| f.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        u16::from_le_bytes([h.as_bytes()[0], h.as_bytes()[1]]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn key(p: &Patient) -> (Vec<i64>, u16) {
        (p.features.clone(), p.label)
    }

    #[test]
    fn small_shape_deals_separate_sets() {
        let s = split(4, 72, 2026).expect("split");
        assert_eq!(s.hospitals.len(), 4);
        let all: Vec<_> = s.hospitals.iter().flatten().map(key).collect();
        let distinct: HashSet<_> = all.iter().cloned().collect();
        assert_eq!(all.len(), 4 * 72);
        assert!(distinct.len() >= all.len() - 2, "sets overlap");
        assert!(s.training.len() >= MIN_TRAINING);
    }

    #[test]
    fn network_shape_shares_patients_but_each_set_is_its_own() {
        let s = split(64, 32, 2026).expect("split");
        assert_eq!(s.hospitals.len(), 64);
        assert_eq!(s.training.len(), MIN_TRAINING);
        let training: HashSet<_> = s.training.iter().map(key).collect();
        for set in &s.hospitals {
            assert_eq!(set.len(), 32);
            assert!(set.iter().all(|p| !training.contains(&key(p))));
        }
        assert_ne!(s.hospitals[0], s.hospitals[1]);
        assert!(
            split(64, 400, 2026).is_err(),
            "more per hospital than the pool"
        );
    }
}
