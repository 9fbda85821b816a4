//! Poseidon: the embedded constants, the native hash and the R1CS gadget all agree with
//! `light-poseidon`'s circom parameters.
use ark_bn254::Fr;
use ark_ff::{PrimeField, UniformRand};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::ConstraintSystem;
use ark_std::test_rng;
use light_poseidon::parameters::bn254_x5::get_poseidon_parameters;
use light_poseidon::{Poseidon, PoseidonHasher};
use zkyuma_circuits::poseidon::{self, constants::*};

#[test]
fn embedded_constants_are_light_poseidons() {
    let p3 = get_poseidon_parameters::<Fr>(3).expect("t=3");
    assert_eq!(p3.ark, ARK_T3.to_vec());
    assert_eq!(
        p3.mds,
        MDS_T3.iter().map(|r| r.to_vec()).collect::<Vec<_>>()
    );
    assert_eq!(
        (p3.full_rounds, p3.partial_rounds),
        (FULL_ROUNDS_T3, PARTIAL_ROUNDS_T3)
    );
    let p5 = get_poseidon_parameters::<Fr>(5).expect("t=5");
    assert_eq!(p5.ark, ARK_T5.to_vec());
    assert_eq!(
        p5.mds,
        MDS_T5.iter().map(|r| r.to_vec()).collect::<Vec<_>>()
    );
    assert_eq!(
        (p5.full_rounds, p5.partial_rounds),
        (FULL_ROUNDS_T5, PARTIAL_ROUNDS_T5)
    );
}

#[test]
fn circom_test_vector() {
    // circomlibjs: poseidon([1, 2]).
    let want = Fr::from_bigint(
        ark_ff::BigInt::try_from(num_bigint_str(
            "7853200120776062878684798364095072458815029376092732009249414926327459813530",
        ))
        .expect("bigint"),
    )
    .expect("in field");
    assert_eq!(poseidon::hash2(Fr::from(1u64), Fr::from(2u64)), want);
}

fn num_bigint_str(s: &str) -> num_bigint::BigUint {
    s.parse().expect("decimal")
}

#[test]
fn native_equals_light_poseidon_and_gadget() {
    let mut rng = test_rng();
    let mut h2 = Poseidon::<Fr>::new_circom(2).expect("circom 2");
    let mut h4 = Poseidon::<Fr>::new_circom(4).expect("circom 4");
    for _ in 0..8 {
        let xs: Vec<Fr> = (0..9).map(|_| Fr::rand(&mut rng)).collect();
        let n2 = poseidon::hash2(xs[0], xs[1]);
        let n4 = poseidon::hash4(xs[0], xs[1], xs[2], xs[3]);
        assert_eq!(n2, h2.hash(&xs[..2]).expect("hash"));
        assert_eq!(n4, h4.hash(&xs[..4]).expect("hash"));
        let many = poseidon::hash_many(&xs);
        let chained = poseidon::hash4(
            poseidon::hash4(n4, xs[4], xs[5], xs[6]),
            xs[7],
            xs[8],
            Fr::from(0u64),
        );
        assert_eq!(many, chained);

        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<FpVar<Fr>> = xs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).expect("alloc"))
            .collect();
        let g2 = poseidon::constraints::hash2(&vars[0], &vars[1]).expect("gadget");
        let g4 =
            poseidon::constraints::hash4(&vars[0], &vars[1], &vars[2], &vars[3]).expect("gadget");
        let gm = poseidon::constraints::hash_many(&vars).expect("gadget");
        assert_eq!(g2.value().expect("value"), n2);
        assert_eq!(g4.value().expect("value"), n4);
        assert_eq!(gm.value().expect("value"), many);
        assert!(cs.is_satisfied().expect("satisfiable"));
    }
}

#[test]
fn gadget_cost_is_three_constraints_per_sbox() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let a = FpVar::new_witness(cs.clone(), || Ok(Fr::from(3u64))).expect("alloc");
    let b = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).expect("alloc");
    let _ = poseidon::constraints::hash2(&a, &b).expect("gadget");
    // 8 full rounds × 3 S-boxes + 57 partial rounds × 1 S-box, 3 constraints each; the first
    // S-box of the constant capacity element folds away.
    assert_eq!(cs.num_constraints(), 3 * (8 * 3 + 57 - 1));
}

#[test]
fn sparse_partial_rounds_equal_the_plain_permutation() {
    // The fast form used by hash2 / hash4 against the round-by-round permutation.
    let mut rng = test_rng();
    for _ in 0..32 {
        let mut plain3 = [Fr::from(0u64), Fr::rand(&mut rng), Fr::rand(&mut rng)];
        let mut fast3 = plain3;
        poseidon::permute(
            &mut plain3,
            &ARK_T3,
            &MDS_T3,
            FULL_ROUNDS_T3,
            PARTIAL_ROUNDS_T3,
        );
        poseidon::permute_sparse(
            &mut fast3,
            &ARK_T3,
            &MDS_T3,
            FULL_ROUNDS_T3,
            &poseidon::sparse::PARTIAL_ARK_T3,
            &poseidon::sparse::SPARSE_T3,
            &poseidon::sparse::POST_PARTIAL_T3,
        );
        assert_eq!(plain3, fast3);
        let mut plain5: [Fr; 5] = core::array::from_fn(|_| Fr::rand(&mut rng));
        let mut fast5 = plain5;
        poseidon::permute(
            &mut plain5,
            &ARK_T5,
            &MDS_T5,
            FULL_ROUNDS_T5,
            PARTIAL_ROUNDS_T5,
        );
        poseidon::permute_sparse(
            &mut fast5,
            &ARK_T5,
            &MDS_T5,
            FULL_ROUNDS_T5,
            &poseidon::sparse::PARTIAL_ARK_T5,
            &poseidon::sparse::SPARSE_T5,
            &poseidon::sparse::POST_PARTIAL_T5,
        );
        assert_eq!(plain5, fast5);
    }
}

/// `pack_le` places in-slot values bit by bit; it must equal the field sum `Σ v_i · 2^(bits·i)`
/// for every width and count, and values wider than their slots must still give that sum.
mod packing {
    use ark_bn254::Fr;
    use ark_ff::Field;
    use proptest::prelude::*;
    use zkyuma_circuits::field::pack_le;

    fn field_sum(chunk: &[u64], bits: u32) -> Fr {
        let base = Fr::from(2u64).pow([u64::from(bits)]);
        let mut shift = Fr::from(1u64);
        let mut acc = Fr::from(0u64);
        for v in chunk {
            acc += shift * Fr::from(*v);
            shift *= base;
        }
        acc
    }

    proptest! {
        #[test]
        fn pack_le_is_the_field_sum(
            bits in 1u32..=64,
            values in proptest::collection::vec(any::<u64>(), 0..40),
            in_slot in any::<bool>(),
        ) {
            let per = (250 / bits) as usize;
            let values: Vec<u64> = values
                .into_iter()
                .map(|v| if in_slot && bits < 64 { v & ((1u64 << bits) - 1) } else { v })
                .collect();
            let packed = pack_le(&values, bits, per);
            let expected: Vec<Fr> = values.chunks(per).map(|c| field_sum(c, bits)).collect();
            prop_assert_eq!(packed, expected);
        }
    }

    #[test]
    fn pack_le_boundaries() {
        for bits in [1u32, 16, 33, 50, 63, 64] {
            let per = (250 / bits) as usize;
            let max = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            for values in [
                vec![max; per],
                vec![0; per],
                vec![max; per - 1],
                vec![max, 0, max],
            ] {
                let expected: Vec<Fr> = values.chunks(per).map(|c| field_sum(c, bits)).collect();
                assert_eq!(pack_le(&values, bits, per), expected, "bits {bits}");
            }
        }
    }
}
