//! The set_weights storage rule: how a validator's submitted weight row becomes the row the chain
//! stores and Yuma reads.
//!
//! Subtensor checks the submission (equal lengths, no duplicate uids, every uid registered) and
//! then stores `(uid, w)` pairs in submission order with the values max-upscaled so that the
//! largest becomes 65535 (`vec_u16_max_upscale_to_u16`). Explicit zeros are kept: a stored
//! `(uid, 0)` differs from an absent uid in the sparse epoch.

use alloc::vec;
#[cfg(feature = "r1cs")]
pub mod constraints;
#[cfg(feature = "halo2")]
pub mod halo2;

use crate::fixed::I32F32;
use alloc::vec::Vec;
use thiserror::Error;

/// Why a submitted weight row is refused, as subtensor refuses it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WeightsError {
    /// `uids` and `values` differ in length (`WeightVecNotEqualSize`).
    #[error("weight row: {uids} uids but {values} values")]
    LengthMismatch {
        /// Number of uids submitted.
        uids: usize,
        /// Number of values submitted.
        values: usize,
    },
    /// A uid appears twice (`DuplicateUids`).
    #[error("weight row: uid {uid} appears more than once")]
    DuplicateUid {
        /// The repeated uid.
        uid: u16,
    },
    /// A uid is not registered on the subnet (`UidVecContainInvalidOne`).
    #[error("weight row: uid {uid} is out of range for a subnet of {n} uids")]
    UidOutOfRange {
        /// The offending uid.
        uid: u16,
        /// Subnet size.
        n: u16,
    },
}

/// Max-upscale a vector of non-negative fixed-point values to u16 so that the maximum becomes
/// 65535 (subtensor's `vec_max_upscale_to_u16`), rounding half away from zero.
///
/// Above a maximum of 32768 the chain multiplies by `65535 / max` (truncated) before rounding,
/// to avoid overflowing `e · 65535`; below it, it divides `e · 65535` by the maximum.
pub fn max_upscale_to_u16(values: &[I32F32]) -> Vec<u16> {
    let u16_max = I32F32::from_u16(u16::MAX);
    let threshold = I32F32::from_int(32768);
    let Some(&max) = values.iter().max() else {
        return Vec::new();
    };
    if max == I32F32::ZERO {
        return values
            .iter()
            .map(|e| e.saturating_mul(u16_max).saturating_to_u16())
            .collect();
    }
    if max > threshold {
        let scale = u16_max.safe_div(max);
        return values
            .iter()
            .map(|e| e.saturating_mul(scale).round().saturating_to_u16())
            .collect();
    }
    values
        .iter()
        .map(|e| {
            e.saturating_mul(u16_max)
                .safe_div(max)
                .round()
                .saturating_to_u16()
        })
        .collect()
}

/// Max-upscale a u16 row (subtensor's `vec_u16_max_upscale_to_u16`).
pub fn u16_max_upscale(values: &[u16]) -> Vec<u16> {
    let fixed: Vec<I32F32> = values.iter().map(|&v| I32F32::from_u16(v)).collect();
    max_upscale_to_u16(&fixed)
}

/// Check a submitted row against a subnet of `n` uids and return it as the chain stores it:
/// `(uid, max-upscaled value)` pairs in submission order.
pub fn stored_weight_row(
    uids: &[u16],
    values: &[u16],
    n: u16,
) -> Result<Vec<(u16, u16)>, WeightsError> {
    if uids.len() != values.len() {
        return Err(WeightsError::LengthMismatch {
            uids: uids.len(),
            values: values.len(),
        });
    }
    let mut seen = vec![false; usize::from(n)];
    for &uid in uids {
        let slot = seen
            .get_mut(usize::from(uid))
            .ok_or(WeightsError::UidOutOfRange { uid, n })?;
        if *slot {
            return Err(WeightsError::DuplicateUid { uid });
        }
        *slot = true;
    }
    Ok(uids.iter().copied().zip(u16_max_upscale(values)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_becomes_65535_and_rounding_is_half_up() {
        // 1·65535/2 = 32767.5 → 32768.
        assert_eq!(u16_max_upscale(&[1, 2]), vec![32768, 65535]);
        assert_eq!(u16_max_upscale(&[0, 0]), vec![0, 0]);
        assert_eq!(u16_max_upscale(&[]), Vec::<u16>::new());
        assert_eq!(u16_max_upscale(&[65535, 32767]), vec![65535, 32767]);
    }

    #[test]
    fn large_max_uses_the_scale_path() {
        // max 40000 > 32768: scale = trunc(65535/40000) in I32F32, then e·scale rounded; the
        // truncated scale makes 20000 land just under 32767.5, so it rounds down.
        assert_eq!(u16_max_upscale(&[40000, 20000, 1]), vec![65535, 32767, 2]);
    }

    #[test]
    fn validity_checks_are_typed() {
        assert_eq!(
            stored_weight_row(&[0, 1], &[1], 4),
            Err(WeightsError::LengthMismatch { uids: 2, values: 1 })
        );
        assert_eq!(
            stored_weight_row(&[1, 1], &[1, 2], 4),
            Err(WeightsError::DuplicateUid { uid: 1 })
        );
        assert_eq!(
            stored_weight_row(&[4], &[1], 4),
            Err(WeightsError::UidOutOfRange { uid: 4, n: 4 })
        );
        assert_eq!(
            stored_weight_row(&[3, 0], &[10, 0], 4),
            Ok(vec![(3, 65535), (0, 0)])
        );
    }
}
