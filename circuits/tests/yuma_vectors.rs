//! Every epoch of subtensor's own test vectors is reproduced exactly: all fields of every output,
//! not only the upstream assertions.
mod common;
use serde_json::Value;
use zkyuma_circuits::yuma::{median::MedianAlgorithm, run_epoch_traced, EpochInput, EpochOutput};

const EPOCH_FILES: &[&str] = &[
    "epoch_test_10_graph.json",
    "epoch_test_512_graph_interleave0_serverselffalse.json",
    "epoch_test_active_stake.json",
    "epoch_test_bonds.json",
    "epoch_test_yuma_3_kappa_moves_first.json",
    "epoch_test_yuma_3_kappa_moves_second.json",
    "epoch_test_yuma_3_liquid_alpha_disabled.json",
    "epoch_test_yuma_3_one_epoch_switch.json",
    "epoch_test_zero_weights.json",
];

fn first_difference(got: &Value, want: &Value) -> Option<String> {
    let (Value::Object(g), Value::Object(w)) = (got, want) else {
        return Some("not objects".into());
    };
    for (k, wv) in w {
        match g.get(k) {
            None => return Some(format!("missing field {k}")),
            Some(gv) if gv != wv => {
                if let (Value::Array(ga), Value::Array(wa)) = (gv, wv) {
                    for (i, (a, b)) in ga.iter().zip(wa).enumerate() {
                        if a != b {
                            return Some(format!("{k}[{i}]: got {a} want {b}"));
                        }
                    }
                    return Some(format!("{k}: length {} vs {}", ga.len(), wa.len()));
                }
                return Some(format!("{k}: got {gv} want {wv}"));
            }
            _ => {}
        }
    }
    for k in g.keys() {
        if !w.contains_key(k) {
            return Some(format!("extra field {k}"));
        }
    }
    None
}

#[test]
fn every_epoch_vector_is_reproduced_exactly() {
    let mut epochs = 0;
    for file in EPOCH_FILES {
        let doc = common::load_vector(file);
        for (k, epoch) in doc["epochs"].as_array().expect("epochs").iter().enumerate() {
            let input_text = serde_json::to_string(&epoch["input"]).expect("input");
            let input = EpochInput::from_json_str(&input_text)
                .unwrap_or_else(|e| panic!("{file} epoch {k}: {e}"));
            for algorithm in [MedianAlgorithm::ClosedForm, MedianAlgorithm::Quickselect] {
                let trace = run_epoch_traced(&input, algorithm)
                    .unwrap_or_else(|e| panic!("{file} epoch {k}: {e}"));
                let got = serde_json::to_value(&trace.output).expect("encode");
                if let Some(diff) = first_difference(&got, &epoch["output"]) {
                    panic!("{file} epoch {k} ({algorithm:?}): {diff}");
                }
                let want: EpochOutput =
                    serde_json::from_value(epoch["output"].clone()).expect("output parses");
                assert_eq!(trace.output, want);
            }
            epochs += 1;
        }
    }
    assert_eq!(epochs, 50, "every epoch of every file was checked");
}

#[test]
fn upstream_checks_hold() {
    // The upstream assertions, read through the same outputs (exact or within their tolerance).
    let mut checked = 0;
    for file in EPOCH_FILES {
        let doc = common::load_vector(file);
        let mut outputs = std::collections::HashMap::new();
        for epoch in doc["epochs"].as_array().expect("epochs") {
            let input = EpochInput::from_json_str(&epoch["input"].to_string()).expect("input");
            let trace = run_epoch_traced(&input, MedianAlgorithm::ClosedForm).expect("epoch");
            let label = epoch["label"].as_str().expect("label").to_string();
            outputs.insert(label, serde_json::to_value(trace.output).expect("encode"));
        }
        for check in doc["checks"].as_array().expect("checks") {
            let label = check["epoch"].as_str().expect("epoch label");
            let out = outputs
                .get(label)
                .unwrap_or_else(|| panic!("{file}: no epoch {label}"));
            let what = check["what"].as_str().expect("what");
            let index = &check["index"];
            // Value the check reads, as a number; bonds are looked up by (row, column uid).
            let got: f64 = match what {
                "bonds_u16" | "bond_proportion (u16/65535)" => {
                    let (i, j) = (index[0].as_u64().expect("i"), index[1].as_u64().expect("j"));
                    let row = out["bonds_out"][i as usize].as_array().expect("bonds row");
                    let v = row
                        .iter()
                        .find(|e| e[0].as_u64() == Some(j))
                        .map_or(0, |e| e[1].as_u64().expect("bond"));
                    if what == "bonds_u16" {
                        v as f64
                    } else {
                        v as f64 / 65535.0
                    }
                }
                "dividend (u16/65535)" => {
                    out["dividends_u16"][index.as_u64().expect("i") as usize]
                        .as_f64()
                        .expect("dividend")
                        / 65535.0
                }
                "emission (combined, Emission storage)" => out["emission"]
                    [index.as_u64().expect("i") as usize]
                    .as_f64()
                    .expect("emission"),
                field => out[field][index.as_u64().expect("i") as usize]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{file}: unknown check {field}")),
            };
            let (want, tol) = match check.get("expected").and_then(Value::as_f64) {
                Some(w) => (w, check["tolerance"].as_f64().unwrap_or(0.0)),
                None => (
                    check["expected_f32_literal"]
                        .as_f64()
                        .expect("expected value"),
                    check["tolerance_abs"].as_f64().expect("tolerance"),
                ),
            };
            assert!(
                (got - want).abs() <= tol,
                "{file} {label} {what} {index}: {got} vs {want}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3460, "every upstream assertion was read");
}
