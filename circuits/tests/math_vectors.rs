//! Subtensor's math unit-test cases (weighted median, column median, clipping, liquid-alpha EMA)
//! hold for the reference rules.
use serde_json::Value;
use zkyuma_circuits::fixed::I32F32;
use zkyuma_circuits::yuma::math::{col_clip_sparse, mat_ema_alpha_sparse, SparseRow};
use zkyuma_circuits::yuma::median::{
    is_weighted_median, weighted_median_closed_form, weighted_median_col_sparse,
    weighted_median_quickselect, MedianAlgorithm,
};

fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("json");
    doc["cases"].as_array().expect("cases").clone()
}

fn bits(v: &Value) -> Vec<I32F32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|b| I32F32::from_bits(b.as_i64().expect("bits")))
        .collect()
}

/// `I32F32::from_num(f32)`: round to nearest (the vectors' f32 literals are exact in f64).
fn from_f32(v: &Value) -> I32F32 {
    I32F32::from_bits((v.as_f64().expect("f32") * 4_294_967_296.0).round() as i64)
}

fn sparse_bits(v: &Value) -> Vec<SparseRow> {
    v.as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|e| {
                    (
                        e[0].as_u64().expect("col") as u16,
                        I32F32::from_bits(e[1].as_i64().expect("bits")),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn weighted_median_cases() {
    let cases = load("math_weighted_median.json");
    assert_eq!(cases.len(), 12);
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let inp = &case["inputs"];
        let stake = bits(&inp["stake_bits"]);
        let score = bits(&inp["score_bits"]);
        let minority = I32F32::from_bits(inp["minority_bits"].as_i64().expect("minority"));
        let lo = I32F32::from_bits(inp["partition_lo_bits"].as_i64().expect("lo"));
        let hi = I32F32::from_bits(inp["partition_hi_bits"].as_i64().expect("hi"));
        let want = I32F32::from_bits(case["expected"]["median_bits"].as_i64().expect("median"));
        let idx: Vec<usize> = (0..stake.len()).collect();
        let chain = weighted_median_quickselect(&stake, &score, &idx, minority, lo, hi);
        assert_eq!(chain, want, "{id} quickselect");
        assert_eq!(
            weighted_median_closed_form(&stake, &score, minority),
            want,
            "{id}"
        );
        assert!(
            is_weighted_median(&stake, &score, minority, want),
            "{id} rule"
        );
    }
}

#[test]
fn weighted_median_col_cases() {
    let cases = load("math_weighted_median_col.json");
    assert_eq!(cases.len(), 6);
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let inp = &case["inputs"];
        let stake = bits(&inp["stake_bits"]);
        let columns = inp["columns"].as_u64().expect("columns") as u16;
        let kappa = inp["majority_bits"]
            .as_i64()
            .map_or_else(|| from_f32(&inp["majority_f32_literal"]), I32F32::from_bits);
        let want = bits(&case["expected"]["median_bits"]);
        let mut encodings = Vec::new();
        if inp.get("weights_sparse_bits").is_some() {
            encodings.push(sparse_bits(&inp["weights_sparse_bits"]));
        }
        if let Some(dense) = inp.get("weights_dense_bits") {
            // The dense matrix as a sparse one with every entry present (explicit zeros).
            encodings.push(
                dense
                    .as_array()
                    .expect("rows")
                    .iter()
                    .map(|r| {
                        bits(r)
                            .into_iter()
                            .enumerate()
                            .map(|(j, v)| (j as u16, v))
                            .collect()
                    })
                    .collect(),
            );
        }
        for weights in encodings {
            for alg in [MedianAlgorithm::ClosedForm, MedianAlgorithm::Quickselect] {
                let got = weighted_median_col_sparse(&stake, &weights, columns, kappa, alg);
                assert_eq!(got, want, "{id} {alg:?}");
            }
        }
    }
}

fn dense_f32(v: &Value, rows: usize) -> Vec<Vec<I32F32>> {
    let flat: Vec<I32F32> = v.as_array().expect("matrix").iter().map(from_f32).collect();
    let cols = flat.len() / rows;
    flat.chunks(cols).map(<[I32F32]>::to_vec).collect()
}

#[test]
fn col_clip_cases() {
    for case in load("math_misc.json").into_iter().filter(|c| {
        c["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("col_clip_sparse"))
    }) {
        let inp = &case["inputs"];
        let rows = inp["rows"].as_u64().expect("rows") as usize;
        // The upstream test builds its sparse input keeping only positive entries.
        let m: Vec<SparseRow> = dense_f32(&inp["matrix_f32_rowmajor"], rows)
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .enumerate()
                    .filter(|(_, v)| *v > I32F32::ZERO)
                    .map(|(j, v)| (j as u16, v))
                    .collect()
            })
            .collect();
        let th: Vec<I32F32> = inp["col_threshold_f32"]
            .as_array()
            .expect("th")
            .iter()
            .map(from_f32)
            .collect();
        assert_eq!(
            col_clip_sparse(&m, &th),
            sparse_bits(&case["expected"]["sparse_bits"])
        );
    }
}

#[test]
fn liquid_alpha_ema_cases() {
    let mut seen = 0;
    for case in load("math_misc.json") {
        let id = case["id"].as_str().expect("id").to_string();
        let sparse_case = id.starts_with("mat_ema_alpha_sparse");
        if !id.starts_with("mat_ema_alpha") {
            continue;
        }
        let inp = &case["inputs"];
        let rows = inp["rows"].as_u64().expect("rows") as usize;
        let new = dense_f32(&inp["new_f32_rowmajor"], rows);
        let old = dense_f32(&inp["old_f32_rowmajor"], rows);
        let cols = new[0].len();
        let alpha = vec![vec![from_f32(&inp["alpha_all"]); cols]; rows];
        // Sparse cases keep positive entries only; dense cases keep every entry.
        let to_sparse = |m: &[Vec<I32F32>]| -> Vec<SparseRow> {
            m.iter()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .filter(|(_, v)| !sparse_case || **v > I32F32::ZERO)
                        .map(|(j, v)| (j as u16, *v))
                        .collect()
                })
                .collect()
        };
        let got = mat_ema_alpha_sparse(&to_sparse(&new), &to_sparse(&old), &alpha);
        let want: Vec<f64> = case["expected"]["f32_rowmajor"]
            .as_array()
            .expect("expected")
            .iter()
            .map(|v| v.as_f64().expect("f32"))
            .collect();
        let eps = case["comparison"]["abs_epsilon"].as_f64().expect("epsilon");
        for (i, row) in got.iter().enumerate() {
            let mut dense = vec![0.0f64; cols];
            for (j, v) in row {
                dense[usize::from(*j)] = v.to_f64();
            }
            for j in 0..cols {
                let w = want[i * cols + j];
                assert!(
                    (dense[j] - w).abs() <= eps,
                    "{id} [{i}][{j}]: {} vs {w}",
                    dense[j]
                );
                if sparse_case {
                    // Same sparsity pattern: an entry is present exactly where the expected is non-zero.
                    assert_eq!(
                        row.iter().any(|(c, _)| usize::from(*c) == j),
                        w != 0.0,
                        "{id} pattern [{i}][{j}]"
                    );
                }
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 8);
}
