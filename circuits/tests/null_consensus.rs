//! The Null epoch consensus natively, against the runtime's own tests (subtensor's
//! `tests/null_consensus.rs`, runtime 475): the winner is the first uid of the largest stake, its
//! raw row pays the miners (every uid alike when it has none), dividends follow every positive
//! stake, budgets are apportioned in whole units that sum exactly, and bonds stay as stored. The
//! circuits refuse the Null consensus by name.
use zkyuma_circuits::epoch::{BondsRule, EpochRound};
use zkyuma_circuits::yuma::null::apportion_units;
use zkyuma_circuits::yuma::{run_epoch, EpochConsensus, EpochError, EpochInput, EpochOutput};

/// The runtime tests' `setup`: four uids registered at block 0, uids 0 and 1 staked with
/// permits, Null consensus; the epoch at `block`.
fn setup(stakes: [u64; 2], block: u64) -> EpochInput {
    EpochInput {
        n: 4,
        current_block: block,
        tempo: 360,
        activity_cutoff_blocks: 5000,
        last_update: vec![0; 4],
        block_at_registration: vec![0; 4],
        stake: vec![stakes[0], stakes[1], 0, 0],
        validator_permit: vec![true, true, false, false],
        max_allowed_validators: 2,
        weights: vec![Vec::new(); 4],
        bonds: vec![Vec::new(); 4],
        kappa: 32767,
        bonds_penalty: 65535,
        bonds_moving_average: 900_000,
        yuma3: true,
        consensus_kind: EpochConsensus::Null,
        ..EpochInput::default_modes()
    }
}

/// A row set at block 1 (`set_weights` or the tests' `seed_historical_weights`).
fn row(input: &mut EpochInput, uid: usize, entries: &[(u16, u16)]) {
    input.weights[uid] = entries.to_vec();
    input.last_update[uid] = 1;
}

fn epoch(input: &EpochInput, emission: u64) -> EpochOutput {
    let mut input = input.clone();
    input.rao_emission = emission;
    run_epoch(&input).expect("null epoch")
}

#[test]
fn the_winner_pays_its_row_and_dividends_follow_stake_whatever_the_activity() {
    // null_consensus_winner_incentives_and_stake_dividends_ignore_activity
    let mut input = setup([300_000_000, 100_000_000], 5002);
    row(&mut input, 0, &[(2, 3), (3, 1)]);
    row(&mut input, 1, &[(3, u16::MAX)]);
    let out = epoch(&input, 1_000_000);
    assert!(!out.active[0] && !out.active[1]);
    assert_eq!(out.validator_emission, vec![375_000, 125_000, 0, 0]);
    assert_eq!(out.server_emission, vec![0, 0, 375_000, 125_000]);
    assert_eq!(out.emission, vec![375_000, 125_000, 375_000, 125_000]);
    assert_eq!(out.incentive_u16, vec![0, 0, 49151, 16383]);
    assert_eq!(out.dividends_u16, vec![49151, 16383, 0, 0]);
    assert_eq!(out.consensus_u16, vec![0; 4]);
    assert_eq!(out.validator_trust_u16, vec![0; 4]);
    assert_eq!(out.new_validator_permit, vec![true, false, false, false]);
}

#[test]
fn a_stake_tie_goes_to_the_first_uid() {
    let mut input = setup([100_000_000, 100_000_000], 1);
    row(&mut input, 0, &[(2, u16::MAX)]);
    row(&mut input, 1, &[(3, u16::MAX)]);
    let out = epoch(&input, 1_000_000);
    assert_eq!(out.server_emission[2], 500_000);
    assert_eq!(out.server_emission[3], 0);
}

#[test]
fn an_empty_winner_row_shares_the_miner_budget_across_every_uid() {
    let mut input = setup([300_000_000, 100_000_000], 1);
    row(&mut input, 1, &[(3, u16::MAX)]);
    let out = epoch(&input, 1_000_000);
    assert_eq!(out.server_emission, vec![125_000; 4]);
    assert_eq!(out.validator_emission, vec![375_000, 125_000, 0, 0]);
}

#[test]
fn the_winner_is_chosen_on_unrounded_stake() {
    let mut input = setup([1_000_000_000, 1_000_000_001], 1);
    row(&mut input, 0, &[(2, u16::MAX)]);
    row(&mut input, 1, &[(3, u16::MAX)]);
    let out = epoch(&input, 1_000_000);
    assert_eq!(out.server_emission[2], 0);
    assert_eq!(out.server_emission[3], 500_000);
}

#[test]
fn a_stale_winner_row_falls_back_to_equal_shares() {
    let mut input = setup([300_000_000, 100_000_000], 3);
    row(&mut input, 0, &[(2, u16::MAX)]);
    row(&mut input, 1, &[(3, u16::MAX)]);
    input.block_at_registration[2] = 2;
    let out = epoch(&input, 1_000_000);
    assert_eq!(out.server_emission, vec![125_000; 4]);
}

#[test]
fn bonds_stand_still() {
    let mut input = setup([300_000_000, 100_000_000], 1);
    input.bonds[0] = vec![(2, 12345)];
    input.bonds[1] = vec![(3, 54321)];
    let out = epoch(&input, 1_000_000);
    assert_eq!(out.bonds_out, input.bonds);
}

#[test]
fn without_stake_every_uid_is_paid_as_a_miner() {
    let input = setup([0, 0], 1);
    let out = epoch(&input, 1_000_000);
    assert_eq!(out.server_emission, vec![250_000; 4]);
    assert_eq!(out.validator_emission, vec![0; 4]);
}

#[test]
fn raw_weights_and_the_epoch_budget_are_kept_exactly() {
    let mut input = setup([300_000_000, 100_000_000], 1);
    row(&mut input, 0, &[(2, 65_534), (3, 1)]);
    for budget in [0, 1, 3, 131_071, u64::MAX] {
        let out = epoch(&input, budget);
        let miners: u128 = out.server_emission.iter().map(|x| u128::from(*x)).sum();
        let validators: u128 = out.validator_emission.iter().map(|x| u128::from(*x)).sum();
        assert_eq!(miners, u128::from(budget - budget / 2), "budget {budget}");
        assert_eq!(validators, u128::from(budget / 2), "budget {budget}");
        for (k, e) in out.emission.iter().enumerate() {
            assert_eq!(*e, out.server_emission[k] + out.validator_emission[k]);
        }
    }
}

#[test]
fn the_election_moves_the_permit_and_dividends_include_stake_without_one() {
    let input = setup([300_000_000, 400_000_000], 1);
    let out = epoch(&input, 700);
    assert_eq!(out.new_validator_permit, vec![false, true, false, false]);
    assert_eq!(out.validator_emission[0], 150);
    assert_eq!(out.validator_emission[1], 200);
}

#[test]
fn another_rows_history_does_not_change_the_rewards() {
    let mut input = setup([300_000_000, 100_000_000], 1);
    row(&mut input, 0, &[(2, 1)]);
    row(&mut input, 1, &[(3, u16::MAX)]);
    let out = epoch(&input, 100);
    assert_eq!(out.server_emission[2], 50);
}

#[test]
fn apportionment_conserves_large_and_subatomic_budgets() {
    // null_apportionment_conserves_large_and_subatomic_budgets
    for budget in [0, 1, 7, 4_097, 1_000_003, u64::MAX] {
        let mut shares = vec![u128::from(u16::MAX); 2_500];
        shares[0] = 1;
        shares[100] = 0;
        let payouts = apportion_units(&shares, budget);
        let sum: u128 = payouts.iter().map(|p| u128::from(*p)).sum();
        assert_eq!(sum, u128::from(budget));
        assert_eq!(payouts[100], 0);
        let total: u128 = shares.iter().sum();
        for (share, paid) in shares.iter().zip(&payouts) {
            // ⌊budget·share / total⌋ in 256 bits: budget·share < 2^80 here.
            let floor = u128::from(budget) * share / total;
            assert!(
                [floor, floor + 1].contains(&u128::from(*paid)),
                "budget {budget}"
            );
        }
    }
    let sum: u128 = apportion_units(&[u128::MAX; 2_500], u64::MAX)
        .iter()
        .map(|p| u128::from(*p))
        .sum();
    assert_eq!(sum, u128::from(u64::MAX));
}

#[test]
fn the_circuits_refuse_the_null_consensus_by_name() {
    let input = setup([300_000_000, 100_000_000], 1);
    let round = EpochRound {
        netuid: 1,
        epoch: 1,
        input,
        validators: None,
        prev_validators: None,
        weight_blindings: vec![ark_bn254::Fr::from(1u64); 2],
        prev_bonds_blinding: ark_bn254::Fr::from(2u64),
        new_bonds_blinding: ark_bn254::Fr::from(3u64),
    };
    assert_eq!(round.shape().bonds, BondsRule::Yuma3);
    let err = round.build([0; 32]).expect_err("refused");
    assert!(err.to_string().contains("Null epoch consensus"), "{err}");
    assert!(matches!(
        zkyuma_circuits::yuma::run_epoch_traced(
            &round.input,
            zkyuma_circuits::yuma::median::MedianAlgorithm::ClosedForm
        ),
        Err(EpochError::NullConsensus)
    ));
}

// ---- The Null vectors: cross-checked by the independent oracle ----

fn null_vectors_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/epoch_null_consensus.json")
}

/// A subnet of 8 uids under the Null consensus: validators 0–3 with stakes and permits, miners
/// 4–7; every validator has a row, some with self-weight and entries on validators.
fn null_subnet() -> EpochInput {
    EpochInput {
        n: 8,
        current_block: 1_000,
        tempo: 100,
        activity_cutoff_blocks: 5_000,
        last_mechanism_step_block: 899,
        last_update: vec![950, 950, 950, 950, 0, 0, 0, 0],
        block_at_registration: vec![0, 0, 0, 0, 0, 10, 20, 30],
        stake: vec![
            7_000_000_000,
            5_000_000_000,
            2_500_000_000,
            1_000_000_000,
            300_000_000,
            0,
            0,
            0,
        ],
        validator_permit: vec![true, true, true, true, false, false, false, false],
        max_allowed_validators: 4,
        weights: vec![
            vec![(0, 1_000), (4, 65_535), (5, 40_000), (6, 7), (7, 12_345)],
            vec![(4, 10_000), (5, 65_535), (6, 30_000)],
            vec![(1, 65_535), (6, 65_535), (7, 65_535)],
            vec![(3, 65_535)],
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ],
        bonds: vec![
            vec![(4, 30_000), (5, 20_000)],
            vec![(5, 65_535)],
            Vec::new(),
            vec![(7, 1)],
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ],
        kappa: 32_767,
        bonds_penalty: 65_535,
        bonds_moving_average: 900_000,
        yuma3: true,
        rao_emission: 1_000_000_007,
        consensus_kind: EpochConsensus::Null,
        ..EpochInput::default_modes()
    }
}

fn generate_null_vectors() -> serde_json::Value {
    let mut epochs = Vec::new();
    let mut push = |label: &str, input: EpochInput| {
        let output = run_epoch(&input).expect("null epoch");
        epochs.push(serde_json::json!({ "label": label, "input": input, "output": output }));
    };
    // The runtime tests' setups.
    let mut first = setup([300_000_000, 100_000_000], 5002);
    row(&mut first, 0, &[(2, 3), (3, 1)]);
    row(&mut first, 1, &[(3, u16::MAX)]);
    first.rao_emission = 1_000_000;
    push("runtime setup: winner row 3:1, inactive", first.clone());
    let mut tie = setup([100_000_000, 100_000_000], 1);
    row(&mut tie, 0, &[(2, u16::MAX)]);
    row(&mut tie, 1, &[(3, u16::MAX)]);
    tie.rao_emission = 1_000_000;
    push("runtime setup: stake tie", tie);
    let mut empty = setup([300_000_000, 100_000_000], 1);
    row(&mut empty, 1, &[(3, u16::MAX)]);
    empty.rao_emission = 1_000_000;
    push("runtime setup: empty winner row", empty);
    let mut stale = setup([300_000_000, 100_000_000], 3);
    row(&mut stale, 0, &[(2, u16::MAX)]);
    stale.block_at_registration[2] = 2;
    stale.rao_emission = 1_000_000;
    push("runtime setup: stale winner row", stale);
    let mut unstaked = setup([0, 0], 1);
    unstaked.rao_emission = 1_000_001;
    push("runtime setup: no stake", unstaked);
    // The larger subnet over budgets from 0 to u64::MAX.
    for budget in [0, 1, 7, 1_000_000_007, u64::MAX] {
        let mut input = null_subnet();
        input.rao_emission = budget;
        push(&format!("8 uids: budget {budget}"), input);
    }
    // A stake threshold and an owner; a cap of 2 permits; a winner that is not a permit holder.
    let mut owned = null_subnet();
    owned.stake_threshold = 2_000_000_000;
    owned.owner_uid = Some(6);
    push("8 uids: stake threshold and owner", owned);
    let mut capped = null_subnet();
    capped.max_allowed_validators = 2;
    capped.validator_permit = vec![false, true, true, false, false, false, false, false];
    push("8 uids: two permits, the largest stake without one", capped);
    // Rows outdated by re-registration, rows out of activity, commit-reveal blocks.
    let mut outdated = null_subnet();
    outdated.block_at_registration = vec![0, 0, 0, 0, 0, 960, 20, 30];
    outdated.current_block = 7_000;
    push("8 uids: a re-registered miner, inactive rows", outdated);
    // Another winner; the owner as the winner (its self-weight kept); every stake below the
    // threshold (the winner is chosen on raw stake all the same).
    let mut moved = null_subnet();
    moved.stake = vec![
        1_000_000_000,
        2_500_000_000,
        7_000_000_000,
        5_000_000_000,
        300_000_000,
        0,
        0,
        0,
    ];
    push("8 uids: the largest stake at uid 2", moved);
    let mut owner = null_subnet();
    owner.owner_uid = Some(0);
    push("8 uids: the owner wins and keeps its self-weight", owner);
    let mut above = null_subnet();
    above.stake_threshold = 8_000_000_000;
    push("8 uids: every stake below the threshold", above);
    let mut committed = null_subnet();
    committed.commit_reveal_commit_blocks =
        Some(vec![Some(5), None, Some(40), None, None, None, None, None]);
    push("8 uids: commit-reveal commit blocks", committed);
    serde_json::json!({
        "id": "epoch_null_consensus",
        "description": "The Null epoch consensus (runtime 475): epochs computed by zkyuma's native reference, cross-checked by tests/oracle/yuma_oracle.py",
        "epochs": epochs,
    })
}

#[test]
fn the_null_vectors_are_reproduced_exactly() {
    let fresh = generate_null_vectors();
    let path = null_vectors_path();
    if std::env::var_os("ZKYUMA_REGENERATE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&fresh).expect("json");
        std::fs::write(&path, text + "\n").expect("write vectors");
    }
    let text = std::fs::read_to_string(&path).expect("the committed vectors");
    let committed: serde_json::Value = serde_json::from_str(&text).expect("json");
    let epochs = committed["epochs"].as_array().expect("epochs");
    assert_eq!(epochs.len(), 17);
    for e in epochs {
        let input: EpochInput = serde_json::from_value(e["input"].clone()).expect("input");
        let want: EpochOutput = serde_json::from_value(e["output"].clone()).expect("output");
        assert_eq!(run_epoch(&input).expect("epoch"), want, "{}", e["label"]);
    }
    assert_eq!(
        committed, fresh,
        "the committed vectors are the generator's"
    );
}
