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
