//! The set_weights storage rule in R1CS: max-upscaling a row of u16 scores exactly as the chain
//! stores it (`vec_u16_max_upscale_to_u16`), beside the native rule in the parent module.

use crate::gadgets::{div_rem, enforce_range, is_zero, value_or_zero};
use alloc::vec::Vec;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;

/// `65535 · 2^32`: `I32F32(65535)`'s bits.
const U16_MAX_BITS: u128 = 65535u128 << 32;

/// Max-upscale range-checked u16 `values` to the stored row (each entry range-checked u16);
/// returns the row and the maximum.
///
/// * `m` = max: `m − v_j` range-checked for every `j` and `Π_j (m − v_j) = 0`;
/// * `big = [m > 32768]` by a range check of `(2·big − 1)(m − 32768) − big`;
/// * `m' = m + [m = 0]` (a zero row stays zero);
/// * below the threshold: `q_j = ⌊v_j · 65535·2^32 / m'⌋`; above it
///   `q_j = v_j · ⌊65535·2^32 / m'⌋` (the chain's overflow-avoiding path);
/// * `row_j = ⌊(q_j + 2^31) / 2^32⌋` (I32F32 `round`, half away from zero) with a 32-bit
///   remainder and a 16-bit `row_j`, which also bounds `q_j`.
pub fn u16_max_upscale(
    values: &[FpVar<Fr>],
) -> Result<(Vec<FpVar<Fr>>, FpVar<Fr>), SynthesisError> {
    let Some(first) = values.first() else {
        return Ok((Vec::new(), FpVar::zero()));
    };
    let cs = first.cs();
    let max_value = values
        .iter()
        .map(|v| value_or_zero(v).into_bigint())
        .max()
        .map(Fr::from)
        .unwrap_or_default();
    let m = FpVar::new_witness(cs.clone(), || Ok(max_value))?;
    // m is an upper bound of the row …
    let mut product = FpVar::one();
    for v in values {
        let gap = &m - v;
        enforce_range(&gap, 16)?;
        product *= gap;
    }
    // … and one of its values.
    product.enforce_equal(&FpVar::zero())?;

    // big = [m > 32768]
    let big = Boolean::new_witness(cs.clone(), || Ok(max_value > Fr::from(32768u64)))?;
    let big_fp = FpVar::from(big);
    let big_m = &big_fp * &m;
    let side = big_m.double()? - &m + Fr::from(32768u64) - &big_fp * Fr::from(65537u64);
    enforce_range(&side, 16)?;

    let m1 = &m + FpVar::from(is_zero(&m)?);
    let (scale, _) = div_rem(&FpVar::constant(Fr::from(U16_MAX_BITS)), &m1, 16)?;
    enforce_range(&scale, 48)?;

    let half = Fr::from(1u64 << 31);
    let unit = Fr::from(1u64 << 32);
    let row = values
        .iter()
        .map(|v| {
            // q_small is bounded (through row and its 32-bit remainder) only on the small-max
            // path; on the big path it is unconstrained in size and must not be used.
            let (q_small, _) = div_rem(&(v * Fr::from(U16_MAX_BITS)), &m1, 16)?;
            let q_big = v * &scale;
            let q = &q_small + &big_fp * (q_big - &q_small);
            let rounded = &q + half;
            let row_value = Fr::from(
                (value_or_zero(&rounded).into_bigint().0[0] >> 32)
                    | (value_or_zero(&rounded).into_bigint().0[1] << 32),
            );
            let row = FpVar::new_witness(cs.clone(), || Ok(row_value))?;
            enforce_range(&row, 16)?;
            enforce_range(&(rounded - &row * unit), 32)?;
            Ok(row)
        })
        .collect::<Result<Vec<_>, SynthesisError>>()?;
    Ok((row, m))
}
