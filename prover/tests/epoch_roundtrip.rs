//! A real Groth16 round trip of the epoch proof at a tiny shape: prove, verify, and a changed
//! result, another key refused with the right error; liquid alpha proven.
use ark_bn254::Fr;
use zkyuma_circuits::epoch::{EpochCheckError, EpochRound};
use zkyuma_circuits::yuma::constraints::EpochCircuitError;
use zkyuma_circuits::yuma::synthetic::SyntheticEpoch;
use zkyuma_prover::epoch::{prove_epoch, setup_epoch};
use zkyuma_prover::keys::SetupKind;
use zkyuma_prover::ProverError;
use zkyuma_verifier::{verify_epoch, PreparedVerifyingKey, Proof, VerifyError, VerifyingKey};

fn round(yuma3: bool, liquid_alpha: bool, seed: u64) -> EpochRound {
    EpochRound {
        netuid: 4,
        epoch: 9,
        input: SyntheticEpoch {
            validators: 2,
            uids: 4,
            yuma3,
            liquid_alpha,
            seed,
        }
        .build(),
        validators: None,
        prev_validators: None,
        weight_blindings: vec![Fr::from(3u64), Fr::from(4u64)],
        prev_bonds_blinding: Fr::from(5u64),
        new_bonds_blinding: Fr::from(6u64),
    }
}

#[test]
fn prove_verify_and_reject() {
    for yuma3 in [true, false] {
        let r = round(yuma3, false, 1);
        let keys = setup_epoch(
            r.shape(),
            SetupKind::InsecureDeterministic { seed: "t".into() },
        )
        .expect("setup");
        let pvk =
            PreparedVerifyingKey::new(VerifyingKey::from_bytes(&keys.vk_bytes(), 1).expect("vk"));
        let p = prove_epoch(&keys, &r).expect("prove");
        let proof = Proof::from_bytes(&p.proof).expect("decodes");
        verify_epoch(&pvk, &p.statement, &proof).expect("verifies");

        let mut other = p.statement.clone();
        other.results.consensus_bits[2] += 1;
        assert_eq!(
            verify_epoch(&pvk, &other, &proof),
            Err(VerifyError::Rejected)
        );
        let mut other = p.statement.clone();
        other.results.emission[0] += 1;
        assert_eq!(
            verify_epoch(&pvk, &other, &proof),
            Err(VerifyError::Rejected)
        );
        // Another epoch's proof (different chain state) does not verify this statement.
        let p2 = prove_epoch(&keys, &round(yuma3, false, 2)).expect("prove");
        let proof2 = Proof::from_bytes(&p2.proof).expect("decodes");
        assert_eq!(
            verify_epoch(&pvk, &p.statement, &proof2),
            Err(VerifyError::Rejected)
        );
        let mut short = p.statement.clone();
        short.results.emission.pop();
        assert!(matches!(
            verify_epoch(&pvk, &short, &proof),
            Err(VerifyError::Statement(_))
        ));
    }
}

#[test]
fn liquid_alpha_proves_and_verifies() {
    // Why: a Yuma3 subnet with liquid alpha on is proven by the `yuma3-liquid` circuit; its
    // statement carries liquid alpha's state, and a proof does not verify for another steepness.
    let r = round(true, true, 1);
    assert_eq!(r.shape().name(), "2x4-yuma3-liquid");
    let keys = setup_epoch(
        r.shape(),
        SetupKind::InsecureDeterministic { seed: "t".into() },
    )
    .expect("setup");
    let pvk = PreparedVerifyingKey::new(VerifyingKey::from_bytes(&keys.vk_bytes(), 1).expect("vk"));
    let p = prove_epoch(&keys, &r).expect("prove");
    let proof = Proof::from_bytes(&p.proof).expect("decodes");
    verify_epoch(&pvk, &p.statement, &proof).expect("verifies");
    let la = p
        .statement
        .chain
        .liquid_alpha
        .clone()
        .expect("liquid alpha state");
    assert_eq!(la.steepness, r.input.alpha_sigmoid_steepness);
    let mut other = p.statement.clone();
    if let Some(la) = other.chain.liquid_alpha.as_mut() {
        la.steepness = la.steepness.wrapping_add(1);
    }
    assert_eq!(
        verify_epoch(&pvk, &other, &proof),
        Err(VerifyError::Rejected)
    );
    // Inverted bounds are refused by name before any proving.
    let mut bad = round(true, true, 1);
    bad.input.alpha_low = 60000;
    bad.input.alpha_high = 50000;
    assert!(matches!(
        prove_epoch(&keys, &bad),
        Err(ProverError::Epoch(EpochCheckError::Circuit(
            EpochCircuitError::LiquidAlphaBounds { .. }
        )))
    ));
}

#[test]
fn an_epoch_shape_too_large_is_refused_before_setup() {
    use zkyuma_circuits::epoch::{BondsRule, EpochShape, MAX_UIDS};
    let kind = || SetupKind::InsecureDeterministic { seed: "t".into() };
    let shape = |validators, uids| EpochShape {
        validators,
        uids,
        bonds: BondsRule::Yuma3,
    };
    assert!(matches!(
        setup_epoch(shape(1, MAX_UIDS + 1), kind()),
        Err(ProverError::TooLarge {
            what: "epoch uids",
            ..
        })
    ));
    assert!(matches!(
        setup_epoch(shape(3, 2), kind()),
        Err(ProverError::TooLarge {
            what: "epoch validator rows",
            max: 2,
            got: 3
        })
    ));
}
