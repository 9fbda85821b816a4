#!/usr/bin/env python3
"""Independent, bit-exact Python oracle of Bittensor subtensor's sparse epoch (Yuma and Null).

Usage:  python3 circuits/tests/oracle/yuma_oracle.py [--strict] FILE...

Each FILE is a zkyuma epoch vector file ({"epochs": [{"input": {...}, "output": {...}}, ...]}).
Every epoch's output is recomputed from its input and every recorded output field is compared
exactly; one line is printed per epoch and the exit status is non-zero on any mismatch.
`--strict` is accepted for compatibility: every epoch, Null ones included, is checked in full.

Written from subtensor's own Rust source (NOT from zkyuma's circuits/src/yuma). All fixed-point
arithmetic is done on Python integers holding the raw bits; no floats anywhere.

SOURCES (what was read, and at which commit)
============================================
Base epoch (all fields of the existing vectors):
  opentensor/subtensor (= RaoFoundation/subtensor, renamed) snapshot brought in with the
  `fetch` tool, HEAD = 14bc6f9f964b9cc362e9635dd110a487fa5d15a0 (2026-06-30), i.e. exactly the
  commit the vectors were produced by:
    pallets/subtensor/src/epoch/run_epoch.rs   epoch_mechanism, get_weights_sparse,
        get_bonds_sparse(_fixed_proportion), compute_ema_bonds_normal_sparse,
        compute_bonds_sparse, compute_liquid_alpha_values_sparse, alpha_sigmoid,
        compute_disabled_liquid_alpha, get_float_kappa, get_float_bonds_penalty
    pallets/subtensor/src/epoch/math.rs        every matrix/vector helper used below (same names)
    pallets/subtensor/src/staking/stake_utils.rs  get_stake_weights_for_network (I64F64 stake)
    pallets/subtensor/src/utils/misc.rs        get_alpha_values_32, get_alpha_sigmoid_steepness,
                                               get_owner_uid
    primitives/safe-math/src/lib.rs            safe_div = checked_div(..).unwrap_or_default()
    substrate-fixed v0.6.0 (encointer tag; same code as crates.io 0.6.0):
        src/arith.rs  mul_overflow (wide product, arithmetic shift = floor), div_overflow
                      (wide quotient, Rust `/` = truncation toward zero), saturating_/checked_
        src/transcendental.rs  exp (30-step Taylor series, exp(1) = the I9F23 constant E,
                      negative input via 1/exp(-x))
  Cross-checked against the newer split layout of RaoFoundation/subtensor read with read_file:
    pallets/subtensor/src/epoch/run_epoch/epoch_mechanism.rs @ ade3869d3d95dcee8747ef8318e4acbcff3e7d16
    pallets/subtensor/src/epoch/run_epoch/bonds_ema_liquid_alpha.rs @ 7deb6019bd53b3aed8c0afe1c4f678db3d1fa081
    (same arithmetic, renamed: ema_bonds_liquid_or_normal_sparse, liquid_alpha_matrix_sparse,
    liquid_alpha_sigmoid, bonds_moving_average_alpha, clamp_i32f32, ...).

New input fields (one entry per field):
  liquid_alpha_consensus_mode ("current" | "previous" | "auto"; absent = "current"):
    Function compute_consensus_for_liquid_alpha and its call in compute_bonds_sparse, file
    pallets/subtensor/src/epoch/run_epoch.rs, opentensor/subtensor @ 789097464fb202947aecf9844bc5c0609d552428
    (read_file; Auto tests get_float_bonds_penalty == 1) and refs/pull/2568/head
    9e11058a9f2f64dc77ead593944756159e1f7775 of the fetched mirror (PR #2568, first version of the
    feature; Auto tests get_bonds_penalty == u16::MAX). Both: Auto = Previous iff the stored
    bonds_penalty is 65535 (65534/65535 < 1 in I32F32). The mode is applied only inside the liquid-alpha branch
    of compute_bonds_sparse, whose gate (liquid alpha on, consensus non-empty, not all zero) still
    tests the CURRENT consensus; the selected vector feeds only the sigmoid
    (compute_liquid_alpha_values_sparse). The merged version (RaoFoundation/subtensor PR #3070
    "Liquid Alpha 2.1 Consensus Modes", release 446) is not in the reference store; only its
    description was found (issues search), see previous_consensus.
  previous_consensus (list of u16 or null; absent / null / [] = nothing stored):
    Same function: the stored Consensus<T> values c become
    I32F32::saturating_from_num(c).safe_div(I32F32::saturating_from_num(u16::MAX))
    (= u16_proportion_to_fixed). Nothing stored -> the current consensus is used (fallback as in
    the PR #3070 / release 446 description; PR #2568 would have used an empty vector). A stored
    vector whose length differs from n: ASSUMPTION, see resize_previous_consensus (PR #3070 says
    it "safely handles missing, shorter, or longer" vectors; its code was not available).
  consensus_kind ("yuma" | "null"; absent = "yuma"):
    Implemented exactly (null_epoch) from the runtime's implementation:
      coldint/subtensor @ 02214123eb6d1aae01812fe515f0e0535c9b9da0,
      pallets/subtensor/src/epoch/run_epoch.rs (read_file id 71343451500):
      epoch_mechanism (budgets: mining = rao - rao / 2, dividend = rao / 2, fallback = rao),
      epoch_mechanism_with_budgets (its `is_null` branches), null_validator_winner,
      apportion_units, persist_mechanism_epoch_terms.
    Cross-read with the runtime's tests, same commit, pallets/subtensor/src/tests/null_consensus.rs
    (read_file id 70929476952). Other versions of that file, no commit reported: id 70888915236
    (same epoch tests plus a stake-cache test), ids 71008948339 and 71654491961 (4 096 / 16 000
    uid sizes, set_weights instead of seeded rows). Rule by rule (all run_epoch.rs):
      stake:    get_null_stake_weights_for_network, asserted equal to
                get_stake_weights_for_network by test null_cached_stake_matches_original_
                delegation_arithmetic (its body is not in the store): the same I64F64 raw stake as
                Yuma. Threshold filter (owner exempt), inplace_normalize_64, narrowing: shared
                code; this `stake` feeds only stake_weight and the active stake (reported).
      winner:   null_validator_winner(&total_stake): RAW unfiltered stake, uid order, replaced
                only on a strictly larger stake (tie: lower uid); no threshold and no > 0 test,
                so with equal (e.g. all-zero) stakes uid 0 is elected; None only when n == 0.
      permits:  new permit = (uid == winner) only; the stored permits are NOT owner-forced under
                Null (`if !is_null && let Some(owner_uid)`), and still mask the active stake.
      weights:  only the winner's stored row (targets < n, I32F32::from_num(u16)); no
                mask_rows_sparse; mask_diag_sparse / mask_diag_sparse_except_index(owner) (the
                winner's self-weight is dropped unless it is the owner); the outdated mask
                (last_update[winner] <= block_at_registration[j] drops that ENTRY); the
                commit-reveal mask; no row normalisation.
      incentive: incentive_shares[j] = weight.saturating_to_num::<u16>() (assignment: a repeated
                target keeps its last entry); all zero (empty, fully masked or all-0 row) ->
                share 1 for every uid; reported as I64F64 normalised, narrowed to I32F32.
      dividends: dividend_shares[i] = total_stake[i].to_bits() (0 where stake <= 0), any uid,
                permit or not, active or not; reported the same way.
      budgets:  any dividend share > 0: miners get `mining`, validators `dividend`; otherwise
                miners get `fallback` (= rao) and validators 0.
      payouts:  apportion_units(shares, budget): U256 cumulative floors,
                through_i = low_u64(prefix_i * budget / total), payout_i = through_i -
                through_{i-1}; total 0 -> all 0. emission = server.saturating_add(validator).
      consensus, validator trust: zero vectors (bits and u16). ema_bonds = [] and terms.bond is
                left empty (`if is_null { continue; }`); persist_mechanism_epoch_terms writes
                Bonds only when the subnet is Yuma, so bonds_out = the stored rows, unchanged.
  last_yuma_step_block (integer or null; absent = last_mechanism_step_block):
    distribute_emissions_to_subnets in pallets/subtensor/src/coinbase/run_coinbase.rs (read_file
    id 70951396623; no repository/commit reported): LastYumaStepBlock := current_block (only if
    > 0) after every Yuma epoch, never after a Null one; test
    null_bond_cutoff_tracks_last_yuma_epoch_not_null_epochs (read_file id 70888915236) pins
    bond_cutoff_block(netuid, block, tempo) = LastYumaStepBlock + 1, and with it absent the old
    LastMechansimStepBlock rule. Implemented (last_tempo_block): the value replaces `lms` in
    `last_tempo = if lms == 0 { current_block - tempo (saturating) } else { lms + 1 }`.
    bond_cutoff_block's body is now read (coldint/subtensor @ 02214123, run_epoch.rs, read_file
    id 71343451500): `if let Some(last_yuma) = LastYumaStepBlock::get(netuid) { last_yuma + 1 }`
    (saturating), else the LastMechansimStepBlock rule above. It differs from last_tempo_block
    only for a stored 0 (runtime: 1; here, as in zkyuma's EpochInput::bonds_cutoff_block, the
    lms rule), a state the runtime never writes (only blocks > 0 are stored).
"""

import json
import sys
import time

# =====================================================================================
# substrate-fixed semantics on raw integers
# =====================================================================================
# Types: I32F32 = i64 with 32 fractional bits; I64F64 = i128 with 64; I96F32 = i128 with 32.
I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1
I128_MIN, I128_MAX = -(1 << 127), (1 << 127) - 1
U64_MAX = (1 << 64) - 1
U16_MAX = 65535

I32F32 = (32, I64_MIN, I64_MAX)
I64F64 = (64, I128_MIN, I128_MAX)
I96F32 = (32, I128_MIN, I128_MAX)

ONE = 1 << 32  # I32F32 1.0
ZERO = 0


def _clamp(v, t):
    return t[1] if v < t[1] else t[2] if v > t[2] else v


def _fits(v, t):
    return t[1] <= v <= t[2]


def from_int(x, t=I32F32):
    """saturating_from_num(integer)"""
    return _clamp(x << t[0], t)


def checked_mul(a, b, t=I32F32):
    """mul_overflow: full product, arithmetic shift right by the fraction bits (floor).
    Overflow iff the shifted product does not fit (same as the i128/u256 wide overflow)."""
    r = (a * b) >> t[0]
    return r if _fits(r, t) else None


def saturating_mul(a, b, t=I32F32):
    r = checked_mul(a, b, t)
    if r is None:
        return t[1] if (a < 0) != (b < 0) else t[2]
    return r


def _trunc_div(x, y):
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def checked_div(a, b, t=I32F32):
    """div_overflow: (a << frac) / b with Rust truncating division; None on 0 or overflow."""
    if b == 0:
        return None
    q = _trunc_div(a << t[0], b)
    return q if _fits(q, t) else None


def saturating_div(a, b, t=I32F32):
    if b == 0:
        raise ZeroDivisionError("saturating_div by zero panics in substrate-fixed")
    q = _trunc_div(a << t[0], b)
    if not _fits(q, t):
        return t[1] if (a < 0) != (b < 0) else t[2]
    return q


def safe_div(a, b, t=I32F32):
    """safe_math::SafeDiv::safe_div: checked_div(..).unwrap_or_default()"""
    r = checked_div(a, b, t)
    return 0 if r is None else r


def saturating_add(a, b, t=I32F32):
    return _clamp(a + b, t)


def saturating_sub(a, b, t=I32F32):
    return _clamp(a - b, t)


def checked_add(a, b, t=I32F32):
    r = a + b
    return r if _fits(r, t) else None


def fx_sum(xs, t=I32F32):
    """`iter().sum()` (plain Add): an overflow would panic in the chain's tests."""
    s = 0
    for x in xs:
        s += x
        if not _fits(s, t):
            raise OverflowError("fixed-point sum overflow (the chain would panic/wrap here)")
    return s


def to_num_saturating(x, frac, umax):
    """saturating_to_num::<uN>() of a fixed value: floor, clamped to [0, umax]."""
    v = x >> frac
    return 0 if v < 0 else umax if v > umax else v


def fixed64_to_fixed32(x):
    """I32F32::saturating_from_num(I64F64): drop 32 fraction bits (floor), saturate."""
    return _clamp(x >> 32, I32F32)


def fixed64_to_u64(x):
    return to_num_saturating(x, 64, U64_MAX)


def fixed_to_u16(x):
    return to_num_saturating(x, 32, U16_MAX)


def fixed_proportion_to_u16(x):
    return fixed_to_u16(saturating_mul(x, from_int(U16_MAX)))


def u16_to_fixed(x):
    return from_int(x)


def u16_proportion_to_fixed(x):
    return safe_div(from_int(x), from_int(U16_MAX))


def fixed_to_fixed_u16_proportion(x):
    return safe_div(x, from_int(U16_MAX))


# substrate_fixed::transcendental::E is an I9F23 constant: (consts::E U2F126 bits) >> 103.
_E_U2F126 = 0xADF8_5458_A2BB_4A9A_AFDC_5620_273D_3CF1
_E_I9F23 = _E_U2F126 >> 103


def fixed_exp(operand):
    """substrate_fixed::transcendental::exp::<I32F32, I32F32>; None stands for Err(())."""
    if operand == 0:
        return ONE
    if operand == ONE:
        return _E_I9F23 << 9  # D::from(E): I9F23 -> I32F32
    neg = operand < 0
    if neg:
        operand = -operand
        if not _fits(operand, I32F32):
            return None
    result = checked_add(operand, ONE)
    if result is None:
        return None
    term = operand
    for i in range(2, 32):  # for i in 2..D::frac_nbits()
        term = checked_mul(term, operand)
        if term is None:
            return None
        term = checked_div(term, from_int(i))
        if term is None:
            return None
        result = checked_add(result, term)
        if result is None:
            return None
    if neg:
        result = checked_div(ONE, result)
    return result


def exp_safe(x):
    """math.rs exp_safe: clamp to [-20, 20], exp, 0 / I32F32::MAX on error."""
    lo, hi = from_int(-20), from_int(20)
    safe = lo if x < lo else hi if x > hi else x
    r = fixed_exp(safe)
    if r is None:
        return 0 if safe <= 0 else I64_MAX
    return r


# =====================================================================================
# epoch/math.rs (sparse matrices are lists of rows, each row a list of [j, I32F32 bits])
# =====================================================================================

def is_zero(v):
    return fx_sum(v) == 0


def inplace_normalize(x):
    s = fx_sum(x)
    if s == 0:
        return x
    return [safe_div(v, s) for v in x]


def inplace_normalize_using_sum(x, s):
    if s == 0:
        return x
    return [safe_div(v, s) for v in x]


def inplace_normalize_64(x):
    s = fx_sum(x, I64F64)
    if s == 0:
        return x
    return [safe_div(v, s, I64F64) for v in x]


def vec_fixed64_to_fixed32(v):
    return [fixed64_to_fixed32(x) for x in v]


def is_topk_nonzero(vector, k):
    n = len(vector)
    result = [e != 0 for e in vector]
    if n < k:
        return result
    idxs = sorted(range(n), key=lambda i: vector[i])  # stable ascending, like sort_by_key
    for i in idxs[: max(n - k, 0)]:
        result[i] = False
    return result


def inplace_mask_vector(mask, vector):
    if not mask:
        return list(vector)
    return [0 if (mask[i] if i < len(mask) else True) else v for i, v in enumerate(vector)]


def mask_rows_sparse(mask, m):
    return [[] if (mask[i] if i < len(mask) else True) else list(row) for i, row in enumerate(m)]


def mask_diag_sparse(m):
    return [[(j, v) for (j, v) in row if j != i] for i, row in enumerate(m)]


def mask_diag_sparse_except_index(m, except_index):
    return [
        [(j, v) for (j, v) in row if i != j or (i == except_index and j == except_index)]
        for i, row in enumerate(m)
    ]


def vec_mask_sparse_matrix(m, first_vector, second_vector, mask_fn):
    out = []
    for i, row in enumerate(m):
        fv = first_vector[i] if i < len(first_vector) else 0
        out.append(
            [(j, v) for (j, v) in row
             if not mask_fn(fv, second_vector[j] if j < len(second_vector) else 0)]
        )
    return out


def scalar_vec_mask_sparse_matrix(m, scalar, vector, mask_fn):
    return [
        [(j, v) for (j, v) in row if not mask_fn(scalar, vector[j] if j < len(vector) else 0)]
        for row in m
    ]


def inplace_row_normalize_sparse(m):
    out = []
    for row in m:
        s = fx_sum(v for _, v in row)
        if s > 0:
            out.append([(j, safe_div(v, s)) for (j, v) in row])
        else:
            out.append(list(row))
    return out


def row_sum_sparse(m):
    return [fx_sum(v for _, v in row) for row in m]


def inplace_col_normalize_sparse(m, columns):
    col_sum = [0] * columns
    for row in m:
        for j, v in row:
            if j < columns:
                col_sum[j] = saturating_add(col_sum[j], v)
    out = []
    for row in m:
        new_row = []
        for j, v in row:
            d = col_sum[j] if j < columns else 0
            new_row.append((j, safe_div(v, d) if d != 0 else v))
        out.append(new_row)
    return out


def inplace_col_max_upscale_sparse(m, columns):
    col_max = [0] * columns
    for row in m:
        for j, v in row:
            if j < columns and col_max[j] < v:
                col_max[j] = v
    out = []
    for row in m:
        new_row = []
        for j, v in row:
            mx = col_max[j] if j < columns else 0
            new_row.append((j, safe_div(v, mx) if mx != 0 else v))
        out.append(new_row)
    return out


def row_hadamard_sparse(m, vector):
    out = []
    for i, row in enumerate(m):
        if i >= len(vector):
            break
        scale = vector[i]
        out.append([(j, saturating_mul(v, scale)) for (j, v) in row])
    return out


def matmul_sparse(m, vector, columns):
    result = [0] * columns
    for i, row in enumerate(m):
        scale = vector[i] if i < len(vector) else 0
        for j, v in row:
            if j < columns:
                result[j] = saturating_add(result[j], saturating_mul(scale, v))
    return result


def matmul_transpose_sparse(m, vector):
    result = []
    for row in m:
        acc = 0
        for j, v in row:
            x = vector[j] if j < len(vector) else 0
            acc = saturating_add(acc, saturating_mul(x, v))
        result.append(acc)
    return result


def col_clip_sparse(m, col_threshold):
    out = []
    for row in m:
        new_row = []
        for j, v in row:
            th = col_threshold[j] if j < len(col_threshold) else 0
            if th < v:
                if th > 0:
                    new_row.append((j, th))
            else:
                new_row.append((j, v))
        out.append(new_row)
    return out


def weighted_median(stake, score, partition_idx, minority, partition_lo, partition_hi):
    if len(stake) != len(score):
        return 0
    current = list(partition_idx)
    iteration_counter = 0
    iteration_limit = len(partition_idx)
    while True:
        n = len(current)
        if n == 0:
            return 0
        if n == 1:
            return score[current[0]]
        pivot = score[current[n // 2]]
        lo_stake = 0
        hi_stake = 0
        lower = []
        upper = []
        for idx in current:
            s = score[idx]
            if s == pivot:
                continue
            if s < pivot:
                lo_stake = saturating_add(lo_stake, stake[idx])
                lower.append(idx)
            else:
                hi_stake = saturating_add(hi_stake, stake[idx])
                upper.append(idx)
        if minority < saturating_add(partition_lo, lo_stake) and lower:
            current = lower
            partition_hi = saturating_add(partition_lo, lo_stake)
        elif saturating_sub(partition_hi, hi_stake) <= minority and upper:
            current = upper
            partition_lo = saturating_sub(partition_hi, hi_stake)
        else:
            return pivot
        iteration_counter += 1
        if iteration_counter > iteration_limit:
            break
    return 0


def weighted_median_col_sparse(stake, score, columns, majority):
    use_stake = inplace_normalize([s for s in stake if s > 0])
    stake_sum = fx_sum(use_stake)
    minority = saturating_sub(stake_sum, majority)
    stake_idx = list(range(len(use_stake)))
    use_score = [[0] * len(use_stake) for _ in range(columns)]
    k = 0
    for s, row in zip(stake, score):
        if s > 0:
            for c, v in row:
                if c < columns and k < len(use_stake):
                    use_score[c][k] = v
            k += 1
    return [weighted_median(use_stake, col, stake_idx, minority, 0, stake_sum) for col in use_score]


def interpolate_sparse(mat1, mat2, columns, ratio):
    if ratio == 0:
        return [list(r) for r in mat1]
    if ratio == ONE:
        return [list(r) for r in mat2]
    if len(mat1) != len(mat2):
        return [list(r) for r in mat2]
    result = []
    for i in range(len(mat1)):
        row1 = [0] * columns
        for j, v in mat1[i]:
            if j < columns:
                row1[j] = v
        row2 = [0] * columns
        for j, v in mat2[i]:
            if j < columns:
                row2[j] = v
        out = []
        for j in range(columns):
            v1, v2 = row1[j], row2[j]
            interp = saturating_add(v1, saturating_mul(ratio, saturating_sub(v2, v1)))
            if interp > 0:
                out.append((j, interp))
        result.append(out)
    return result


def vec_mul(a, b):
    out = []
    for x, y in zip(a, b):
        r = checked_mul(x, y)
        out.append(0 if r is None else r)
    return out


def mat_vec_mul_sparse(m, vector):
    result = []
    for row in m:
        out = []
        for j, v in row:
            if j < len(vector):
                nv = saturating_mul(v, vector[j])
                if nv != 0:
                    out.append((j, nv))
        result.append(out)
    return result


def clamp_value(value, low, high):
    return max(min(value, high), low)


def mat_ema_sparse(new, old, alpha):
    one_minus_alpha = saturating_sub(ONE, alpha)
    n = len(new)
    if n == 0:
        return []
    result = []
    for i, new_row in enumerate(new):
        acc = [0] * n
        for j, v in new_row:
            if j < n:
                acc[j] = saturating_add(acc[j], saturating_mul(alpha, v))
        if i < len(old):
            for j, v in old[i]:
                if j < n:
                    acc[j] = saturating_add(acc[j], saturating_mul(one_minus_alpha, v))
        result.append([(j, v) for j, v in enumerate(acc) if v > 0])
    return result


def mat_ema_alpha_sparse(new, old, alpha):
    if len(new) != len(old) or len(new) != len(alpha):
        return [list(r) for r in new]
    result = []
    for new_row, old_row, alpha_row in zip(new, old, alpha):
        decayed = [0] * len(alpha_row)
        for j, ov in old_row:
            if j < len(alpha_row):
                decayed[j] = saturating_mul(saturating_sub(ONE, alpha_row[j]), ov)
        out = []
        for j, nv in new_row:
            if j < len(alpha_row):
                inc = max(saturating_mul(alpha_row[j], nv), 0)
                val = min(saturating_add(decayed[j], inc), ONE)
                if val > 0:
                    out.append((j, val))
        result.append(out)
    return result


# =====================================================================================
# epoch/run_epoch.rs helpers
# =====================================================================================

def epoch_output(active, new_validator_permits, stake, active_stake, consensus, incentive,
                 dividends, validator_trust, server_emission, validator_emission, emission,
                 bonds_out):
    """The epoch's output fields (the Rust EpochOutput), as the Yuma and Null epochs report them."""
    return {
        "active": active,
        "new_validator_permit": new_validator_permits,
        "stake_weight_u16": [fixed_proportion_to_u16(x) for x in stake],
        "consensus_u16": [fixed_proportion_to_u16(x) for x in consensus],
        "incentive_u16": [fixed_proportion_to_u16(x) for x in incentive],
        "dividends_u16": [fixed_proportion_to_u16(x) for x in dividends],
        "validator_trust_u16": [fixed_proportion_to_u16(x) for x in validator_trust],
        "server_emission": server_emission,
        "validator_emission": validator_emission,
        "emission": emission,
        "bonds_out": bonds_out,
        "stake_bits": stake,
        "active_stake_bits": active_stake,
        "consensus_bits": consensus,
        "incentive_bits": incentive,
        "dividends_bits": dividends,
        "validator_trust_bits": validator_trust,
    }


def get_weights_sparse(inp, n):
    rows = [[] for _ in range(n)]
    for i, row in enumerate(inp["weights"][:n]):
        for j, w in row:
            if j < n:
                rows[i].append((j, from_int(w)))
    return rows


def get_bonds_sparse(inp, n):
    rows = [[] for _ in range(n)]
    for i, row in enumerate(inp["bonds"][:n]):
        for j, b in row:
            rows[i].append((j, u16_to_fixed(b)))
    return rows


def get_bonds_sparse_fixed_proportion(inp, n):
    return [[(j, fixed_to_fixed_u16_proportion(v)) for j, v in row]
            for row in get_bonds_sparse(inp, n)]


def bonds_moving_average_alpha(bonds_moving_average):
    """compute_disabled_liquid_alpha / compute_ema_bonds_normal_sparse (same bits):
    1 - I32F32(I64F64(bma) / 1_000_000)."""
    bma = safe_div(from_int(bonds_moving_average, I64F64), from_int(1_000_000, I64F64), I64F64)
    return saturating_sub(ONE, fixed64_to_fixed32(bma))


def alpha_sigmoid(consensus, weight, bond, alpha_low, alpha_high, steepness):
    diff_buy = clamp_value(saturating_sub(weight, consensus), 0, ONE)
    diff_sell = clamp_value(saturating_sub(bond, weight), 0, ONE)
    combined_diff = diff_buy if weight >= bond else diff_sell
    exponent = saturating_mul(
        saturating_div(steepness, from_int(-100)),
        saturating_sub(combined_diff, ONE >> 1),  # I32F32::from_num(0.5)
    )
    sigmoid = saturating_div(ONE, saturating_add(ONE, exp_safe(exponent)))
    alpha = saturating_add(alpha_low, saturating_mul(sigmoid, saturating_sub(alpha_high, alpha_low)))
    return clamp_value(alpha, alpha_low, alpha_high)


def compute_liquid_alpha_values_sparse(inp, weights, bonds, consensus):
    if len(weights) != len(bonds):
        return []
    steepness = from_int(inp["alpha_sigmoid_steepness"])
    alpha_low = u16_proportion_to_fixed(inp["alpha_low"])
    alpha_high = u16_proportion_to_fixed(inp["alpha_high"])
    alphas = []
    for w_row, b_row in zip(weights, bonds):
        # Two peeking cursors over the rows in STORED order: an entry that appears after a
        # larger uid is never seen (the chain's behaviour, reproduced on purpose).
        wi = bi = 0
        row_alphas = []
        for j, c in enumerate(consensus):
            weight = 0
            while wi < len(w_row):
                uid, val = w_row[wi]
                if uid < j:
                    wi += 1
                else:
                    if uid == j:
                        weight = val
                    break
            bond = 0
            while bi < len(b_row):
                uid, val = b_row[bi]
                if uid < j:
                    bi += 1
                else:
                    if uid == j:
                        bond = val
                    break
            row_alphas.append(alpha_sigmoid(c, weight, bond, alpha_low, alpha_high, steepness))
        alphas.append(row_alphas)
    return alphas


def resize_previous_consensus(previous, current):
    """ASSUMPTION (merged PR #3070 code not available): a stored vector of another length is
    aligned to the current one: entry j from previous when j < len(previous), else current[j]."""
    return [previous[j] if j < len(previous) else current[j] for j in range(len(current))]


def compute_consensus_for_liquid_alpha(inp, current_consensus):
    mode = inp.get("liquid_alpha_consensus_mode") or "current"
    if mode not in ("current", "previous", "auto"):
        raise ValueError(f"liquid_alpha_consensus_mode: unknown value {mode!r}")
    if mode == "auto":
        mode = "previous" if inp["bonds_penalty"] == U16_MAX else "current"
    previous_u16 = inp.get("previous_consensus") or []
    if mode == "current" or len(previous_u16) == 0:  # fallback: nothing stored
        return list(current_consensus)
    previous = [u16_proportion_to_fixed(c) for c in previous_u16]
    return resize_previous_consensus(previous, current_consensus)


def compute_bonds_sparse(inp, weights, bonds, consensus):
    if inp["liquid_alpha"] and consensus and any(c != 0 for c in consensus):
        consensus_for_liquid_alpha = compute_consensus_for_liquid_alpha(inp, consensus)
        alphas = compute_liquid_alpha_values_sparse(inp, weights, bonds, consensus_for_liquid_alpha)
        return mat_ema_alpha_sparse(weights, bonds, alphas)
    return mat_ema_sparse(weights, bonds, bonds_moving_average_alpha(inp["bonds_moving_average"]))


def last_tempo_block(inp):
    """Bonds to uids registered at or after this block are dropped (LastMechansimStepBlock rule;
    LastYumaStepBlock replaces it when given)."""
    lys = inp.get("last_yuma_step_block")
    lms = inp["last_mechanism_step_block"] if lys is None else lys
    if lms == 0:
        return max(inp["current_block"] - inp["tempo"], 0)
    return min(lms + 1, U64_MAX)


def _check_lengths(inp):
    n = inp["n"]
    for f in ("last_update", "block_at_registration", "stake", "validator_permit", "weights", "bonds"):
        if len(inp[f]) != n:
            raise ValueError(f"field {f} has {len(inp[f])} entries, expected n = {n}")
    cb = inp.get("commit_reveal_commit_blocks")
    if cb is not None and len(cb) != n:
        raise ValueError(f"field commit_reveal_commit_blocks has {len(cb)} entries, expected n = {n}")
    pc = inp.get("previous_consensus")
    if pc is not None and any(not (0 <= c <= U16_MAX) for c in pc):
        raise ValueError("field previous_consensus: values must be u16")


# =====================================================================================
# epoch_mechanism (sparse), as run at 14bc6f9f
# =====================================================================================

def epoch_mechanism(inp):
    _check_lengths(inp)
    if (inp.get("consensus_kind") or "yuma") == "null":
        return null_epoch(inp)
    if inp.get("consensus_kind") not in (None, "yuma"):
        raise ValueError(f"consensus_kind: unknown value {inp['consensus_kind']!r}")

    n = inp["n"]
    current_block = inp["current_block"]
    activity_cutoff = inp["activity_cutoff_blocks"]
    last_update = inp["last_update"]
    block_at_registration = inp["block_at_registration"]
    owner_uid = inp["owner_uid"]

    # == Active & updated ==
    inactive = [min(u + activity_cutoff, U64_MAX) < current_block for u in last_update]
    active = [not b for b in inactive]

    # == Stake ==  (total stake as I64F64, threshold filter with owner exemption)
    total_stake = [from_int(s, I64F64) for s in inp["stake"]]
    filtered = [
        0 if (owner_uid != uid and fixed64_to_u64(s) < inp["stake_threshold"]) else s
        for uid, s in enumerate(total_stake)
    ]
    stake = vec_fixed64_to_fixed32(inplace_normalize_64(filtered))

    # == Validator permits ==
    validator_permits = list(inp["validator_permit"])
    if owner_uid is not None and owner_uid < len(validator_permits):
        validator_permits[owner_uid] = True
    validator_forbids = [not b for b in validator_permits]
    new_validator_permits = is_topk_nonzero(stake, inp["max_allowed_validators"])
    if owner_uid is not None and owner_uid < len(new_validator_permits):
        new_validator_permits[owner_uid] = True

    # == Active stake ==
    active_stake = inplace_mask_vector(inactive, stake)
    active_stake = inplace_mask_vector(validator_forbids, active_stake)
    active_stake = inplace_normalize(active_stake)

    # == Weights ==
    weights = get_weights_sparse(inp, n)
    weights = mask_rows_sparse(validator_forbids, weights)
    if owner_uid is not None:
        weights = mask_diag_sparse_except_index(weights, owner_uid)
    else:
        weights = mask_diag_sparse(weights)
    weights = vec_mask_sparse_matrix(weights, last_update, block_at_registration,
                                     lambda updated, registered: updated <= registered)
    commit_blocks_in = inp.get("commit_reveal_commit_blocks")
    if commit_blocks_in is not None:
        commit_blocks = [U64_MAX if cb is None else cb for cb in commit_blocks_in]
        weights = vec_mask_sparse_matrix(weights, commit_blocks, block_at_registration,
                                         lambda cb, reg: cb < reg)
    weights = inplace_row_normalize_sparse(weights)

    # == Consensus, validator trust ==
    kappa = safe_div(from_int(inp["kappa"]), from_int(U16_MAX))
    consensus = weighted_median_col_sparse(active_stake, weights, n, kappa)
    clipped_weights = col_clip_sparse(weights, consensus)
    validator_trust = row_sum_sparse(clipped_weights)

    # == Ranks, incentive ==
    incentive = inplace_normalize(matmul_sparse(clipped_weights, active_stake, n))

    # == Bonds and dividends ==
    bonds_penalty = safe_div(from_int(inp["bonds_penalty"]), from_int(U16_MAX))
    weights_for_bonds = interpolate_sparse(weights, clipped_weights, n, bonds_penalty)
    last_tempo = last_tempo_block(inp)
    if inp["yuma3"]:
        bonds = get_bonds_sparse_fixed_proportion(inp, n)
        bonds = scalar_vec_mask_sparse_matrix(bonds, last_tempo, block_at_registration,
                                              lambda lt, registered: lt <= registered)
        ema_bonds = compute_bonds_sparse(inp, weights_for_bonds, bonds, consensus)
        ema_bonds_norm = inplace_col_normalize_sparse(ema_bonds, n)
        total_bonds_per_validator = row_sum_sparse(mat_vec_mul_sparse(ema_bonds_norm, incentive))
        dividends = inplace_normalize(vec_mul(total_bonds_per_validator, active_stake))
    else:
        bonds = get_bonds_sparse(inp, n)
        bonds = scalar_vec_mask_sparse_matrix(bonds, last_tempo, block_at_registration,
                                              lambda lt, registered: lt <= registered)
        bonds = inplace_col_normalize_sparse(bonds, n)
        bonds_delta = row_hadamard_sparse(weights_for_bonds, active_stake)
        bonds_delta = inplace_col_normalize_sparse(bonds_delta, n)
        ema_bonds = mat_ema_sparse(bonds_delta, bonds,
                                   bonds_moving_average_alpha(inp["bonds_moving_average"]))
        ema_bonds = inplace_col_normalize_sparse(ema_bonds, n)
        dividends = inplace_normalize(matmul_transpose_sparse(ema_bonds, incentive))
        ema_bonds = inplace_col_max_upscale_sparse(ema_bonds, n)

    # == Emission ==
    combined_emission = [saturating_add(i, d) for i, d in zip(incentive, dividends)]
    emission_sum = fx_sum(combined_emission)
    normalized_server_emission = inplace_normalize_using_sum(list(incentive), emission_sum)
    normalized_validator_emission = inplace_normalize_using_sum(list(dividends), emission_sum)
    normalized_combined_emission = inplace_normalize(combined_emission)
    if emission_sum == 0:
        if is_zero(active_stake):
            normalized_validator_emission = list(stake)
            normalized_combined_emission = list(stake)
        else:
            normalized_validator_emission = list(active_stake)
            normalized_combined_emission = list(active_stake)

    float_rao_emission = from_int(inp["rao_emission"], I96F32)

    def to_rao(v):  # I96F32::saturating_from_num(I32F32) * rao, then saturating_to_num::<u64>
        return to_num_saturating(saturating_mul(v, float_rao_emission, I96F32), 32, U64_MAX)

    server_emission = [to_rao(v) for v in normalized_server_emission]
    validator_emission = [to_rao(v) for v in normalized_validator_emission]
    emission = [to_rao(v) for v in normalized_combined_emission]

    # == Bonds written back == (persist_mechanism_epoch_terms writes terms.bond for every uid;
    # its default is empty, so only new permit holders keep a row)
    bonds_out = []
    for uid in range(n):
        if new_validator_permits[uid]:
            bonds_out.append([[j, fixed_proportion_to_u16(v)] for j, v in ema_bonds[uid]])
        else:
            bonds_out.append([])

    return epoch_output(active, new_validator_permits, stake, active_stake, consensus, incentive,
                        dividends, validator_trust, server_emission, validator_emission, emission,
                        bonds_out)


# =====================================================================================
# Null epoch consensus (runtime 475): epoch_mechanism_with_budgets with is_null, exact
# (coldint/subtensor @ 02214123eb6d1aae01812fe515f0e0535c9b9da0,
#  pallets/subtensor/src/epoch/run_epoch.rs, read_file id 71343451500)
# =====================================================================================

U256_MAX = (1 << 256) - 1


def _u256_sat(v):
    return U256_MAX if v > U256_MAX else v


def apportion_units(shares, budget):
    """run_epoch.rs `apportion_units(shares: &[u128], budget: u64)`: cumulative floors in U256.
    total = saturating sum; total == 0 -> all 0; else, in uid order,
    through_i = low_u64((prefix_i * budget) / total), payout_i = through_i - through_{i-1}
    (saturating_sub). NOT largest remainder: the units a floor drops go to the uid whose prefix
    crosses the next whole unit."""
    total = 0
    for s in shares:
        total = _u256_sat(total + s)
    if total == 0:
        return [0] * len(shares)
    prefix = 0
    allocated = 0
    out = []
    for s in shares:
        prefix = _u256_sat(prefix + s)
        through = (_u256_sat(prefix * budget) // total) & U64_MAX  # checked_div(..).low_u64()
        out.append(max(through - allocated, 0))                    # saturating_sub
        allocated = through
    return out


def null_validator_winner(total_stake):
    """`null_validator_winner(&total_stake)`: the first uid, replaced only by a STRICTLY larger
    raw I64F64 stake (ties keep the lower uid). No threshold, no `> 0` test: with all stakes
    equal (all zero included) uid 0 wins; only n == 0 gives None."""
    winner = None
    for uid, s in enumerate(total_stake):
        if winner is None or s > total_stake[winner]:
            winner = uid
    return winner


def null_epoch(inp):
    """epoch_mechanism(netuid, mecid, rao) = epoch_mechanism_with_budgets(rao,
    mining = rao - rao / 2, dividend = rao / 2, fallback = rao) with is_null. Every field of
    EpochOutput; see the module docstring (consensus_kind) for the rule-by-rule sources."""
    n = inp["n"]
    current_block = inp["current_block"]
    last_update = inp["last_update"]
    block_at_registration = inp["block_at_registration"]
    owner_uid = inp["owner_uid"]
    rao = inp["rao_emission"]
    mining_budget, dividend_budget, fallback_budget = rao - rao // 2, rao // 2, rao

    # == Active & updated == (shared with Yuma)
    cutoff = inp["activity_cutoff_blocks"]
    inactive = [min(u + cutoff, U64_MAX) < current_block for u in last_update]
    active = [not b for b in inactive]

    # == Stake == get_null_stake_weights_for_network == get_stake_weights_for_network (test
    # null_cached_stake_matches_original_delegation_arithmetic); threshold filter (owner exempt),
    # inplace_normalize_64, narrowing: shared with Yuma. Reported only (stake_weight, active stake).
    total_stake = [from_int(s, I64F64) for s in inp["stake"]]
    filtered = [
        0 if (owner_uid != uid and fixed64_to_u64(s) < inp["stake_threshold"]) else s
        for uid, s in enumerate(total_stake)
    ]
    stake = vec_fixed64_to_fixed32(inplace_normalize_64(filtered))

    # == Validator permits == winner from the RAW (unfiltered) stake; old permits NOT owner-forced
    winner = null_validator_winner(total_stake)
    validator_forbids = [not b for b in inp["validator_permit"]]
    new_validator_permits = [uid == winner for uid in range(n)]

    # == Active stake == (reported only; shared with Yuma, old permits as stored)
    active_stake = inplace_mask_vector(inactive, stake)
    active_stake = inplace_mask_vector(validator_forbids, active_stake)
    active_stake = inplace_normalize(active_stake)

    # == Weights == only the winner's stored row (targets < n, I32F32::from_num(u16)); no
    # permit mask; diagonal mask (owner's self-weight kept); outdated mask; commit-reveal
    # mask; NO row normalisation.
    weights = [[] for _ in range(n)]
    if winner is not None:
        weights[winner] = [(j, from_int(w)) for j, w in inp["weights"][winner] if j < n]
    if owner_uid is not None:
        weights = mask_diag_sparse_except_index(weights, owner_uid)
    else:
        weights = mask_diag_sparse(weights)
    weights = vec_mask_sparse_matrix(weights, last_update, block_at_registration,
                                     lambda updated, registered: updated <= registered)
    commit_blocks_in = inp.get("commit_reveal_commit_blocks")
    if commit_blocks_in is not None:
        commit_blocks = [U64_MAX if cb is None else cb for cb in commit_blocks_in]
        weights = vec_mask_sparse_matrix(weights, commit_blocks, block_at_registration,
                                         lambda cb, reg: cb < reg)

    # == Dividends: raw stake bits of every uid with stake > 0 (permit or not, active or not) ==
    dividend_shares = [0 if s <= 0 else s for s in total_stake]   # I64F64::to_bits() as u128
    dividends = vec_fixed64_to_fixed32(inplace_normalize_64(list(dividend_shares)))

    # == Incentive: the winner's masked raw u16 row (assignment: a repeated target keeps the
    # last entry); all zero -> every uid gets share 1 ==
    incentive_shares = [0] * n
    if winner is not None:
        for j, w in weights[winner]:
            if j < n:
                incentive_shares[j] = to_num_saturating(w, 32, U16_MAX)  # saturating_to_num::<u16>
    if all(s == 0 for s in incentive_shares):
        incentive_shares = [1] * n
    incentive = vec_fixed64_to_fixed32(
        inplace_normalize_64([from_int(s, I64F64) for s in incentive_shares]))

    # == Budgets and payouts ==
    has_validators = any(s > 0 for s in dividend_shares)
    validator_budget = dividend_budget if has_validators else 0
    miner_budget = mining_budget if has_validators else fallback_budget
    server_emission = apportion_units(incentive_shares, miner_budget)
    validator_emission = apportion_units(dividend_shares, validator_budget)
    emission = [min(m + v, U64_MAX) for m, v in zip(server_emission, validator_emission)]

    consensus = [0] * n
    validator_trust = [0] * n

    # == Bonds == terms.bond stays empty for Null and persist_mechanism_epoch_terms writes Bonds
    # only under Yuma: the stored rows are left exactly as they were.
    bonds_out = [[[j, v] for j, v in row] for row in inp["bonds"]]

    return epoch_output(active, new_validator_permits, stake, active_stake, consensus, incentive,
                        dividends, validator_trust, server_emission, validator_emission, emission,
                        bonds_out)


# =====================================================================================
# comparison and CLI
# =====================================================================================

def first_difference(got, want):
    for k, wv in want.items():
        if k not in got:
            return f"missing field {k}"
        gv = got[k]
        if gv != wv:
            if isinstance(gv, list) and isinstance(wv, list):
                for i, (a, b) in enumerate(zip(gv, wv)):
                    if a != b:
                        return f"{k}[{i}]: got {json.dumps(a)} want {json.dumps(b)}"
                return f"{k}: length {len(gv)} vs {len(wv)}"
            return f"{k}: got {json.dumps(gv)} want {json.dumps(wv)}"
    for k in got:
        if k not in want:
            return f"extra field {k} (not in the recorded output)"
    return None


def _normalise_output(out):
    """JSON form: bonds rows as [j, v] lists."""
    o = dict(out)
    if "bonds_out" in o:
        o["bonds_out"] = [[list(e) for e in row] for row in o["bonds_out"]]
    return o


REFERENCE_PREFIX = "same as epochs["


def resolve_references(doc):
    """Vector files save space with string values "same as epochs[K].input.FIELD" (or .output.);
    replace each by the referenced value (other strings, e.g. enum fields, are left alone)."""
    epochs = doc.get("epochs", [])

    def lookup(ref, depth=0):
        rest = ref[len(REFERENCE_PREFIX):]
        index, path = rest.split("].", 1)
        part, field = path.split(".", 1)
        value = epochs[int(index)][part][field]
        if isinstance(value, str) and value.startswith(REFERENCE_PREFIX) and depth < len(epochs):
            return lookup(value, depth + 1)
        return value

    resolved = []
    for ep in epochs:
        ep = dict(ep)
        for part in ("input", "output"):
            if isinstance(ep.get(part), dict):
                ep[part] = {
                    f: lookup(v) if isinstance(v, str) and v.startswith(REFERENCE_PREFIX) else v
                    for f, v in ep[part].items()
                }
        resolved.append(ep)
    doc = dict(doc)
    doc["epochs"] = resolved
    return doc


def main(argv):
    files = []
    for a in argv:
        if a == "--strict":
            pass  # kept for compatibility: every epoch (Null included) is checked in full
        elif a in ("-h", "--help"):
            print(__doc__.split("\n\n")[0] + "\n\nUsage: yuma_oracle.py [--strict] FILE...")
            return 0
        else:
            files.append(a)
    if not files:
        print("usage: yuma_oracle.py [--strict] FILE...", file=sys.stderr)
        return 2
    failures = 0
    epochs = 0
    null_epochs = 0
    t0 = time.time()
    for f in files:
        with open(f) as fh:
            doc = resolve_references(json.load(fh))
        for k, ep in enumerate(doc["epochs"]):
            epochs += 1
            if (ep["input"].get("consensus_kind") or "yuma") == "null":
                null_epochs += 1
            try:
                got = epoch_mechanism(ep["input"])
            except Exception as e:  # noqa: BLE001 - report, keep going
                print(f"FAIL {f} epoch {k}: error: {type(e).__name__}: {e}")
                failures += 1
                continue
            diff = first_difference(_normalise_output(got), ep["output"])
            if diff is not None:
                print(f"FAIL {f} epoch {k}: {diff}")
                failures += 1
            else:
                print(f"ok {f} epoch {k}")
    dt = time.time() - t0
    print(f"{epochs} epochs ({null_epochs} Null), {failures} mismatched, {dt:.2f} s",
          file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
