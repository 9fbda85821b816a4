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
4. The Null epoch against the upstream null_consensus_* tests (their tolerances, plus the exact
   figures worked out by hand from apportion_units' cumulative-floor rule) and a few rules read
   directly from the runtime source (owner self-weight, threshold, commit-reveal, n = 0).
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
                got = yo.epoch_mechanism(inp)
                diff = yo.first_difference(yo._normalise_output(got), ep["output"])
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
    """The upstream tests' setup(): 4 uids registered at block 0, stake on uids 0 and 1, both
    with a stored permit, epoch at block 1; set_weights stores a max-upscaled row and sets
    last_update = 1 for its sender."""
    return {
        "n": n, "current_block": 1, "tempo": 65534, "activity_cutoff_blocks": 5000,
        "last_mechanism_step_block": 0, "last_update": [1, 1] + [0] * (n - 2),
        "block_at_registration": [0] * n,
        "stake": list(stakes) + [0] * (n - len(stakes)), "stake_threshold": 0, "owner_uid": None,
        "validator_permit": [True, True] + [False] * (n - 2),
        "max_allowed_validators": 2, "weights": [[] for _ in range(n)],
        "bonds": [[] for _ in range(n)], "kappa": 32767, "bonds_penalty": 0,
        "bonds_moving_average": 900000, "yuma3": False, "liquid_alpha": False, "alpha_low": 0,
        "alpha_high": 0, "alpha_sigmoid_steepness": 0, "rao_emission": rao,
        "commit_reveal_commit_blocks": None, "consensus_kind": "null",
    }


def null_checks():
    """The Null epoch against the upstream tests (coldint/subtensor @ 02214123,
    pallets/subtensor/src/tests/null_consensus.rs, read_file id 70929476952; same figures in
    70888915236). Where a test allows a tolerance, the EXACT figure is checked as well: it was
    worked out by hand from apportion_units' cumulative-floor rule (run_epoch.rs, read_file id
    71343451500), so a different apportionment (e.g. largest remainder) fails here."""
    near = lambda a, b, tol: abs(a - b) <= tol  # noqa: E731
    run = yo.epoch_mechanism
    zeros = [0] * 4

    # null_consensus_winner_incentives_and_stake_dividends_ignore_activity
    # set_weights(0, [2, 3], [3, 1]) stores the max-upscaled row [(2, 65535), (3, 21845)].
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535], [3, 21845]]
    i["weights"][1] = [[3, 65535]]          # seed_historical_weights: the loser's row
    i["current_block"] = 5000 + 2           # activity cutoff + 2: every uid inactive
    o = run(i)
    check(o["active"] == [False] * 4, "null: everybody inactive")
    check(near(o["validator_emission"][0], 375_000, 5) and near(o["validator_emission"][1], 125_000, 5),
          "null: stake dividends (test tolerance)")
    check(near(o["server_emission"][2], 375_000, 5) and near(o["server_emission"][3], 125_000, 5),
          "null: winner row incentives (test tolerance)")
    check(o["server_emission"][0] == 0 and o["server_emission"][1] == 0, "null: validators no incentive")
    # exact (3:1 of 500 000 divides exactly; 65535 / 87380 = 3/4 exactly)
    check(o["validator_emission"] == [375_000, 125_000, 0, 0], f"null: exact dividends {o['validator_emission']}")
    check(o["server_emission"] == [0, 0, 375_000, 125_000], f"null: exact incentives {o['server_emission']}")
    check(o["emission"] == [375_000, 125_000, 375_000, 125_000], "null: emission = server + validator")
    check(o["new_validator_permit"] == [True, False, False, False], "null: one permit, to the winner")
    # 3/4 and 1/4 are exact in I32F32; 3/4 * 65535 = 49151.25 -> 49151, 1/4 -> 16383
    check(o["dividends_u16"] == [49151, 16383, 0, 0], f"null: dividends_u16 {o['dividends_u16']}")
    check(o["dividends_bits"] == [3 << 30, 1 << 30, 0, 0], "null: dividends bits")
    check(o["incentive_u16"] == [0, 0, 49151, 16383], f"null: incentive_u16 {o['incentive_u16']}")
    check(o["incentive_bits"] == [0, 0, 3 << 30, 1 << 30], "null: incentive bits")
    check(o["stake_weight_u16"] == [49151, 16383, 0, 0], "null: stake weight")
    check(o["active_stake_bits"] == zeros, "null: active stake (all inactive) is zero")
    check(o["consensus_u16"] == zeros and o["consensus_bits"] == zeros, "null: consensus zero")
    check(o["validator_trust_u16"] == zeros and o["validator_trust_bits"] == zeros, "null: vtrust zero")

    # null_consensus_tie_selects_first_uid
    i = null_input([100_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535]]
    i["weights"][1] = [[3, 65535]]
    o = run(i)
    check(near(o["server_emission"][2], 500_000, 1) and o["server_emission"][3] == 0, "null: tie (test)")
    check(o["server_emission"] == [0, 0, 500_000, 0], "null: tie exact")
    check(o["new_validator_permit"] == [True, False, False, False], "null: tie permit")

    # null_consensus_empty_winner_weights_share_across_every_uid
    i = null_input([300_000_000, 100_000_000])
    i["weights"][1] = [[3, 65535]]
    o = run(i)
    check(all(near(s, 125_000, 1) for s in o["server_emission"]), "null: empty winner row (test)")
    check(near(o["validator_emission"][0], 375_000, 1) and near(o["validator_emission"][1], 125_000, 1),
          "null: empty row dividends (test)")
    check(o["server_emission"] == [125_000] * 4, "null: empty row exact")
    check(o["incentive_u16"] == [16383] * 4, "null: equal fallback incentive 1/4")

    # null_consensus_selects_winner_before_normalized_stake_rounding
    i = null_input([1_000_000_000, 1_000_000_001])
    i["weights"][0] = [[2, 65535]]
    i["weights"][1] = [[3, 65535]]
    o = run(i)
    check(o["server_emission"][2] == 0 and near(o["server_emission"][3], 500_000, 1), "null: raw stake (test)")
    check(o["new_validator_permit"] == [False, True, False, False], "null: raw-stake winner")
    # cumulative floors: floor(1e9 * 500000 / 2000000001) = 249 999, the rest 250 001
    # (largest remainder would give [250 000, 250 000])
    check(o["validator_emission"][:2] == [249_999, 250_001],
          f"null: cumulative-floor dividends {o['validator_emission'][:2]}")

    # null_consensus_stale_winner_row_uses_equal_fallback
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535]]
    i["weights"][1] = [[3, 65535]]
    i["block_at_registration"][2] = 2       # uid 2 replaced after the winner's update (block 1)
    o = run(i)
    check(all(near(s, 125_000, 1) for s in o["server_emission"]), "null: stale row (test)")
    check(o["server_emission"] == [125_000] * 4, "null: stale row exact")
    # the outdated mask drops single ENTRIES, not the row: the fresh entry still pays
    i["weights"][0] = [[2, 65535], [3, 65535]]
    o = run(i)
    check(o["server_emission"] == [0, 0, 0, 500_000], "null: only the stale entry is masked (source)")

    # null_consensus_no_stake_has_only_equal_miner_emissions
    o = run(null_input([0, 0]))
    check(o["server_emission"] == [250_000] * 4 and o["validator_emission"] == zeros, "null: no stake")
    # null_validator_winner keeps uid 0 when nobody has more (source); no dividends at all
    check(o["new_validator_permit"] == [True, False, False, False], "null: no stake, uid 0 elected")
    check(o["dividends_bits"] == zeros and o["stake_bits"] == zeros, "null: no stake, zero dividends")

    # null_consensus_preserves_raw_weights_and_epoch_budget: row [(2, 65534), (3, 1)]
    exact = {  # budget: (server, validator), worked out by hand with cumulative floors
        0: ([0, 0, 0, 0], [0, 0, 0, 0]),
        1: ([0, 0, 0, 1], [0, 0, 0, 0]),          # largest remainder: uid 2
        3: ([0, 0, 1, 1], [0, 1, 0, 0]),          # largest remainder: [0,0,2,0] and [1,0,..]
        131_071: ([0, 0, 65_534, 2], [49_151, 16_384, 0, 0]),
    }
    for budget in [0, 1, 3, 131_071, (1 << 64) - 1]:
        i = null_input([300_000_000, 100_000_000], rao=budget)
        i["weights"][0] = [[2, 65534], [3, 1]]
        o = run(i)
        check(sum(o["server_emission"]) == budget - budget // 2, f"null: miner budget {budget}")
        check(sum(o["validator_emission"]) == budget // 2, f"null: validator budget {budget}")
        check(all(e == s + v for e, s, v in zip(o["emission"], o["server_emission"],
                                               o["validator_emission"])), "null: emission sum")
        if budget in exact:
            check((o["server_emission"], o["validator_emission"]) == exact[budget],
                  f"null: exact split of {budget}: {o['server_emission']} {o['validator_emission']}")

    # null_election_replaces_permit_and_dividends_include_nonpermit_stake
    o = run(null_input([300_000_000, 400_000_000], rao=700))
    check(o["new_validator_permit"] == [False, True, False, False], "null: single permit")
    check(o["validator_emission"][:2] == [150, 200], "null: dividends by stake")
    check(o["server_emission"] == [87, 88, 87, 88], f"null: 350 over 4 by cumulative floors {o['server_emission']}")

    # null_invalid_historical_row_does_not_affect_rewards (set_weights(0, [2], [1]) -> 65535)
    i = null_input([300_000_000, 100_000_000], rao=100)
    i["weights"][0] = [[2, 65535]]
    o = run(i)
    check(o["server_emission"][2] == 50, "null: single entry row")

    # null_consensus_preserves_bonds_and_can_switch_back_to_yuma
    i = null_input([300_000_000, 100_000_000])
    i["bonds"][0] = [[2, 12345]]
    i["bonds"][1] = [[3, 54321]]
    o = run(i)
    check(o["bonds_out"][:2] == [[[2, 12345]], [[3, 54321]]], "null: bonds untouched")

    # null_consensus_full_row_timelock_reveal_to_emissions (2 500 uids; row over every uid,
    # value 1 except 65534 for uid 2; the winner's own entry is masked)
    n = 2_500
    i = null_input([300_000_000, 100_000_000], n=n, rao=1_000_001)
    i["weights"][0] = [[j, 65534 if j == 2 else 1] for j in range(n)]
    o = run(i)
    check(sum(o["server_emission"]) == 500_001, "null: full row miners")
    check(sum(o["server_emission"]) + sum(o["validator_emission"]) == 1_000_001, "null: full row total")
    check(sum(1 for s in o["server_emission"] if s > 0) > 2_400, "null: full row pays > 2400 uids")
    check(o["server_emission"][0] == 0, "null: winner's self-weight masked")

    # Source-derived (run_epoch.rs @ 02214123), no upstream test:
    # the owner's self-weight survives the diagonal mask
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[0, 65535], [2, 65535]]
    check(run(i)["server_emission"] == [0, 0, 500_000, 0], "null: self-weight masked (source)")
    i["owner_uid"] = 0
    check(run(i)["server_emission"] == [250_000, 0, 250_000, 0], "null: owner self-weight kept (source)")
    # the stake threshold filters the reported stake only, not the winner or the dividends
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535]]
    i["stake_threshold"] = 400_000_000
    o = run(i)
    check(o["stake_bits"] == zeros and o["new_validator_permit"][0], "null: threshold: winner kept")
    check(o["validator_emission"][:2] == [375_000, 125_000], "null: threshold: dividends by raw stake")
    # a repeated target keeps the last entry (assignment into incentive_shares)
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535], [3, 65535], [2, 1]]
    check(run(i)["server_emission"] == [0, 0, 7, 499_993], "null: repeated target, last entry wins")
    # commit-reveal: entries to uids registered after the winner's earliest commit are dropped
    i = null_input([300_000_000, 100_000_000])
    i["weights"][0] = [[2, 65535], [3, 65535]]
    i["block_at_registration"] = [0, 0, 0, 5]
    i["last_update"][0] = 10                # not outdated: only the commit-reveal mask applies
    i["current_block"] = 10
    check(run(i)["server_emission"] == [0, 0, 250_000, 250_000], "null: no commit, no mask")
    i["commit_reveal_commit_blocks"] = [3, None, None, None]
    check(run(i)["server_emission"] == [0, 0, 500_000, 0], "null: commit-reveal mask")
    # n = 0
    e = null_input([], n=0)
    e.update(last_update=[], validator_permit=[])
    o = run(e)
    check(all(v == [] for v in o.values()), "null: empty subnet")

    # null_apportionment_conserves_large_and_subatomic_budgets (both upstream sizes)
    for size, budgets in ((2_500, [0, 1, 7, 4_097, 1_000_003, (1 << 64) - 1]),
                          (16_000, [0, 1, 7, 16_001, 1_000_003, (1 << 64) - 1])):
        for budget in budgets:
            shares = [65535] * size
            shares[0] = 1
            shares[100] = 0
            pay = yo.apportion_units(shares, budget)
            total = sum(shares)
            check(sum(pay) == budget and pay[100] == 0, f"apportion conserves {budget} over {size}")
            check(all(p in (budget * s // total, budget * s // total + 1) for s, p in zip(shares, pay)),
                  f"apportion floor/floor+1 {budget} over {size}")
        big = (1 << 128) - 1
        check(sum(yo.apportion_units([big] * size, (1 << 64) - 1)) == (1 << 64) - 1,
              f"apportion u128::MAX shares over {size}")
    # the rule itself: cumulative floors, the unit goes where the prefix crosses it
    check(yo.apportion_units([1, 1, 1], 2) == [0, 1, 1], "apportion [1,1,1] of 2")
    check(yo.apportion_units([1, 1, 1, 1], 350) == [87, 88, 87, 88], "apportion 350 over 4")
    check(yo.apportion_units([0, 0], 5) == [0, 0], "apportion zero total")


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
