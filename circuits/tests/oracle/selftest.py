#!/usr/bin/env python3
"""Self-checks of yuma_oracle.py (standard library only).

    python3 circuits/tests/oracle/selftest.py [VECTOR_FILE...]

1. Fixed-point spot checks (exp, conversions, safe_div).
2. The new input fields at their "old behaviour" values reproduce every recorded output of the
   given vector files (default: circuits/tests/vectors/epoch_test_*.json):
   liquid_alpha_consensus_mode = "current" / "auto" (when bonds_penalty != 65535) /
   "previous" with previous_consensus null or [] (nothing stored: falls back to current),
   last_yuma_step_block = last_mechanism_step_block, consensus_kind = "yuma".
3. The bond-cutoff rule against upstream test null_bond_cutoff_tracks_last_yuma_epoch_not_null_epochs.
4. The provisional Null model against the upstream null_consensus_* tests it was built from
   (same tolerances as upstream).
"""

import copy
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import yuma_oracle as yo  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def fixed_point_checks():
    check(yo.fixed_exp(0) == yo.ONE, "exp(0) == 1")
    check(yo.fixed_exp(yo.ONE) == yo._E_I9F23 << 9, "exp(1) == I9F23 E")
    check(abs(yo.exp_safe(yo.from_int(2)) - 31735754293) < 64, "exp(2) ~ 7.389056 (Taylor floors lose a few ulp)")
    check(yo.exp_safe(yo.from_int(-100)) == yo.exp_safe(yo.from_int(-20)), "exp_safe clamps at -20")
    check(yo.u16_proportion_to_fixed(65535) == yo.ONE, "65535/65535 == 1")
    check(yo.u16_proportion_to_fixed(32767) == 2147450879, "32767/65535 bits")
    check(yo.safe_div(yo.ONE, 0) == 0, "safe_div by zero is 0")
    check(yo.safe_div(yo.I64_MAX, 1) == 0, "safe_div overflow is 0")
    check(yo.saturating_mul(yo.from_int(-3), yo.from_int(1 << 30)) == yo.I64_MIN, "saturating_mul sign")
    check(yo.checked_mul(-1, 1) == -1, "mul floors toward -inf (raw -1 * 2^-32 -> -1)")
    check(yo.checked_div(-1, yo.from_int(2)) == 0, "div truncates toward zero")
    check(yo.fixed_proportion_to_u16(yo.ONE) == 65535, "fixed_proportion_to_u16(1)")


def load(path):
    with open(path) as fh:
        return yo.resolve_references(json.load(fh))


def default_value_checks(files):
    variants = {
        "mode=current": lambda i: i.update(liquid_alpha_consensus_mode="current"),
        "mode=previous,prev=null": lambda i: i.update(liquid_alpha_consensus_mode="previous",
                                                      previous_consensus=None),
        "mode=previous,prev=[]": lambda i: i.update(liquid_alpha_consensus_mode="previous",
                                                    previous_consensus=[]),
        "mode=auto": lambda i: i.update(liquid_alpha_consensus_mode="auto"),
        "last_yuma_step_block=lms": lambda i: i.update(
            last_yuma_step_block=i["last_mechanism_step_block"]),
        "consensus_kind=yuma": lambda i: i.update(consensus_kind="yuma"),
    }
    count = 0
    for f in files:
        doc = load(f)
        for k, ep in enumerate(doc["epochs"]):
            for name, apply in variants.items():
                inp = copy.deepcopy(ep["input"])
                apply(inp)
                if name == "mode=auto" and inp["bonds_penalty"] == 65535 and inp["liquid_alpha"]:
                    continue  # auto means previous here; not an old-behaviour identity
                got, checked = yo.epoch_mechanism(inp)
                diff = yo.first_difference(yo._normalise_output(got), ep["output"], checked)
                check(diff is None, f"{os.path.basename(f)} epoch {k} [{name}]: {diff}")
                count += 1
    print(f"default-value identities: {count} runs")


def bond_cutoff_checks():
    # (last_yuma_step_block, last_mechanism_step_block, current_block, tempo) -> cutoff
    cases = [
        (None, 10, 20, 5, 11),   # LastYumaStepBlock absent: LastMechansimStepBlock + 1
        (10, 100, 100, 5, 11),   # Null epochs advanced LMS; the Yuma block stays 10
        (10, 100, 101, 5, 11),
        (101, 100, 102, 5, 102),
        (None, 0, 3, 5, 0),      # nothing recorded: current_block - tempo, saturating
        (0, 7, 30, 5, 25),       # stored 0 behaves like "none" (the chain writes only > 0)
    ]
    for lys, lms, block, tempo, want in cases:
        inp = {"last_yuma_step_block": lys, "last_mechanism_step_block": lms,
               "current_block": block, "tempo": tempo}
        got = yo.last_tempo_block(inp)
        check(got == want, f"bond cutoff {lys, lms, block, tempo}: got {got} want {want}")


def null_input(stakes, n=4, rao=1_000_000):
    return {
        "n": n, "current_block": 1, "tempo": 65534, "activity_cutoff_blocks": 1000,
        "last_mechanism_step_block": 0, "last_update": [1] * n, "block_at_registration": [0] * n,
        "stake": list(stakes) + [0] * (n - len(stakes)), "stake_threshold": 0, "owner_uid": None,
        "validator_permit": [s > 0 for s in stakes] + [False] * (n - len(stakes)),
        "max_allowed_validators": 1, "weights": [[] for _ in range(n)],
        "bonds": [[] for _ in range(n)], "kappa": 32767, "bonds_penalty": 0,
        "bonds_moving_average": 900000, "yuma3": False, "liquid_alpha": False, "alpha_low": 0,
        "alpha_high": 0, "alpha_sigmoid_steepness": 0, "rao_emission": rao,
        "commit_reveal_commit_blocks": None, "consensus_kind": "null",
    }


def null_checks():
    near = lambda a, b, tol: abs(a - b) <= tol  # noqa: E731
    # null_consensus_winner_incentives_and_stake_dividends_ignore_activity
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535], [3, 21845]]
    i["weights"][1] = [[3, 65535]]
    i["current_block"] = 5000
    o, _ = yo.epoch_mechanism(i)
    check(not o["active"][0] and not o["active"][1], "null: inactive")
    check(near(o["validator_emission"][0], 375_000, 5) and near(o["validator_emission"][1], 125_000, 5),
          "null: stake dividends")
    check(near(o["server_emission"][2], 375_000, 5) and near(o["server_emission"][3], 125_000, 5),
          "null: winner row incentives")
    check(o["server_emission"][0] == 0 and o["server_emission"][1] == 0, "null: validators no incentive")
    # null_consensus_tie_selects_first_uid
    i = null_input([100_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535]]
    i["weights"][1] = [[3, 65535]]
    o, _ = yo.epoch_mechanism(i)
    check(near(o["server_emission"][2], 500_000, 1) and o["server_emission"][3] == 0, "null: tie")
    # null_consensus_empty_winner_weights_share_across_every_uid
    i = null_input([300_000_000, 100_000_000])
    i["weights"][1] = [[3, 65535]]
    o, _ = yo.epoch_mechanism(i)
    check(all(near(s, 125_000, 1) for s in o["server_emission"]), "null: empty winner row")
    check(near(o["validator_emission"][0], 375_000, 1), "null: empty row dividends")
    # null_consensus_selects_winner_before_normalized_stake_rounding
    i = null_input([1_000_000_000, 1_000_000_001])
    i["weights"][0] = [[2, 65535]]
    i["weights"][1] = [[3, 65535]]
    o, _ = yo.epoch_mechanism(i)
    check(o["server_emission"][2] == 0 and near(o["server_emission"][3], 500_000, 1), "null: raw stake")
    # null_consensus_stale_winner_row_uses_equal_fallback
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535]]
    i["weights"][1] = [[3, 65535]]
    i["block_at_registration"][2] = 2
    o, _ = yo.epoch_mechanism(i)
    check(all(near(s, 125_000, 1) for s in o["server_emission"]), "null: stale row")
    # null_consensus_no_stake_has_only_equal_miner_emissions
    o, _ = yo.epoch_mechanism(null_input([0, 0]))
    check(o["server_emission"] == [250_000] * 4 and o["validator_emission"] == [0] * 4, "null: no stake")
    # null_consensus_preserves_raw_weights_and_epoch_budget
    for budget in [0, 1, 3, 131_071, (1 << 64) - 1]:
        i = null_input([300_000_000, 100_000_000], rao=budget)
        i["weights"][0] = [[2, 65534], [3, 1]]
        o, _ = yo.epoch_mechanism(i)
        check(sum(o["server_emission"]) == budget - budget // 2, f"null: miner budget {budget}")
        check(sum(o["validator_emission"]) == budget // 2, f"null: validator budget {budget}")
        check(all(e == s + v for e, s, v in zip(o["emission"], o["server_emission"],
                                               o["validator_emission"])), "null: emission sum")
    # null_election_replaces_permit_and_dividends_include_nonpermit_stake
    o, _ = yo.epoch_mechanism(null_input([300_000_000, 400_000_000], rao=700))
    check(o["new_validator_permit"] == [False, True, False, False], "null: single permit")
    check(o["validator_emission"][:2] == [150, 200], "null: dividends by stake")
    # null_invalid_historical_row_does_not_affect_rewards
    i = null_input([300_000_000, 100_000_000], rao=100)
    i["weights"][0] = [[2, 65535]]
    o, _ = yo.epoch_mechanism(i)
    check(o["server_emission"][2] == 50, "null: single entry row")
    # null_consensus_preserves_bonds_and_can_switch_back_to_yuma
    i = null_input([300_000_000, 100_000_000])
    i["bonds"][0] = [[2, 12345]]
    i["bonds"][1] = [[3, 54321]]
    o, _ = yo.epoch_mechanism(i)
    check(o["bonds_out"][:2] == [[[2, 12345]], [[3, 54321]]], "null: bonds untouched")
    # null_apportionment_conserves_large_and_subatomic_budgets
    for budget in [0, 1, 7, 16_001, 1_000_003, (1 << 64) - 1]:
        shares = [65535] * 16_000
        shares[0] = 1
        shares[100] = 0
        pay = yo.apportion_units(shares, budget)
        total = sum(shares)
        check(sum(pay) == budget and pay[100] == 0, f"apportion conserves {budget}")
        check(all(p in (budget * s // total, budget * s // total + 1) for s, p in zip(shares, pay)),
              f"apportion floor/floor+1 {budget}")
    big = (1 << 128) - 1
    check(sum(yo.apportion_units([big] * 16_000, (1 << 64) - 1)) == (1 << 64) - 1, "apportion max")


def main(argv):
    files = argv or sorted(glob.glob(os.path.join(HERE, "..", "vectors", "epoch_test_*.json")))
    fixed_point_checks()
    default_value_checks(files)
    bond_cutoff_checks()
    null_checks()
    print("selftest:", "FAILED (%d)" % len(failures) if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
