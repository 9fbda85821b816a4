//! Poseidon: the embedded constants, the native hash and the R1CS gadget all agree with
//! `light-poseidon`'s circom parameters.
use ark_bn254::Fr;
use ark_ff::{PrimeField, UniformRand};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use ark_std::test_rng;
use light_poseidon::parameters::bn254_x5::get_poseidon_parameters;
use light_poseidon::{Poseidon, PoseidonHasher};
use zkyuma_circuits::commitment;
use zkyuma_circuits::poseidon::{self, constants::*, Domain};

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

fn witnesses(cs: &ConstraintSystemRef<Fr>, xs: &[Fr]) -> Vec<FpVar<Fr>> {
    xs.iter()
        .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).expect("alloc"))
        .collect()
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
        let many = poseidon::hash_many(Domain::ScoreRest, &xs);
        // The first permutation is light-poseidon's circom Poseidon(4) with the domain tag
        // `capacity(domain, 9)` (circomlib's PoseidonEx initialState); the rest plain Poseidon(4).
        let mut first =
            Poseidon::<Fr>::with_domain_tag_circom(4, poseidon::capacity(Domain::ScoreRest, 9))
                .expect("circom 4 tagged");
        let h = first.hash(&xs[..4]).expect("hash");
        let h = h4.hash(&[h, xs[4], xs[5], xs[6]]).expect("hash");
        let chained = h4.hash(&[h, xs[7], xs[8], Fr::from(0u64)]).expect("hash");
        assert_eq!(many, chained);

        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = witnesses(&cs, &xs);
        let g2 = poseidon::constraints::hash2(&vars[0], &vars[1]).expect("gadget");
        let g4 =
            poseidon::constraints::hash4(&vars[0], &vars[1], &vars[2], &vars[3]).expect("gadget");
        let gm = poseidon::constraints::hash_many(Domain::ScoreRest, &vars).expect("gadget");
        assert_eq!(g2.value().expect("value"), n2);
        assert_eq!(g4.value().expect("value"), n4);
        assert_eq!(gm.value().expect("value"), many);
        assert!(cs.is_satisfied().expect("satisfiable"));
    }
}

#[test]
fn short_inputs_are_one_tagged_poseidon2() {
    let mut rng = test_rng();
    for domain in Domain::ALL {
        for n in 0..=2usize {
            let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut padded = xs.clone();
            padded.resize(2, Fr::from(0u64));
            let mut h = Poseidon::<Fr>::with_domain_tag_circom(2, poseidon::capacity(domain, n))
                .expect("circom 2 tagged");
            assert_eq!(
                poseidon::hash_many(domain, &xs),
                h.hash(&padded).expect("hash"),
                "{domain:?} n={n}"
            );
        }
    }
}

#[test]
fn tags_are_distinct_nonzero_and_capacities_injective() {
    let mut caps = std::collections::HashSet::new();
    let mut tags = std::collections::HashSet::new();
    for domain in Domain::ALL {
        assert_ne!(domain.tag(), 0);
        assert!(tags.insert(domain.tag()), "{domain:?}");
        for n in [0usize, 1, 2, 3, 4, 5, 1 << 20, usize::MAX] {
            let c = poseidon::capacity(domain, n);
            assert_ne!(c, Fr::from(0u64));
            assert!(caps.insert(c), "{domain:?} n={n}");
        }
    }
}

#[test]
fn old_collisions_are_distinct() {
    let mut rng = test_rng();
    let xs: Vec<Fr> = (0..7).map(|_| Fr::rand(&mut rng)).collect();
    let zero = Fr::from(0u64);
    for domain in Domain::ALL {
        // Trailing zeros: the length is hashed.
        for n in 0..10usize {
            let short: Vec<Fr> = (0..n).map(|i| xs[i % 7]).collect();
            let mut long = short.clone();
            long.push(zero);
            assert_ne!(
                poseidon::hash_many(domain, &short),
                poseidon::hash_many(domain, &long),
                "{domain:?} n={n}"
            );
        }
        // A hashed prefix: the first permutation's capacity is not the chained steps' 0.
        let h = poseidon::hash_many(domain, &xs);
        let prefix4 = poseidon::hash4(xs[0], xs[1], xs[2], xs[3]);
        let prefix_tagged = poseidon::hash4_with_capacity(
            poseidon::capacity(domain, 7),
            xs[0],
            xs[1],
            xs[2],
            xs[3],
        );
        for p in [
            prefix4,
            prefix_tagged,
            poseidon::hash_many(domain, &xs[..4]),
        ] {
            assert_ne!(h, poseidon::hash_many(domain, &[p, xs[4], xs[5], xs[6]]));
        }
        // Equal inputs of different uses.
        for other in Domain::ALL {
            if other != domain {
                assert_ne!(h, poseidon::hash_many(other, &xs), "{domain:?} {other:?}");
            }
        }
    }
    // Leaves against nodes, for the same pair.
    let (fd, label) = (xs[0], 7u16);
    assert_ne!(
        commitment::record_leaf(fd, label),
        commitment::merkle_node(fd, Fr::from(label))
    );
    // Miner outputs against a weight row of the same values and blinding.
    assert_ne!(
        commitment::miner_commitment(&[1, 2, 3], xs[1]),
        commitment::weight_commitment(&[1, 2, 3], xs[1])
    );
}

#[test]
fn native_equals_gadget_for_every_domain_and_length() {
    let mut rng = test_rng();
    for domain in Domain::ALL {
        for n in (0..=10usize).chain([13, 16, 31]) {
            let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars = witnesses(&cs, &xs);
            let g = poseidon::constraints::hash_many(domain, &vars).expect("gadget");
            assert_eq!(
                g.value().expect("value"),
                poseidon::hash_many(domain, &xs),
                "{domain:?} n={n}"
            );
            assert!(cs.is_satisfied().expect("satisfiable"));
        }
    }
    // The commitment gadgets against their native rules.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let (fd, label, blinding) = (Fr::rand(&mut rng), 9u16, Fr::rand(&mut rng));
    let [fd_v, label_v, blinding_v] = witnesses(&cs, &[fd, Fr::from(label), blinding])
        .try_into()
        .expect("three");
    let leaf = commitment::constraints::record_leaf(&fd_v, &label_v).expect("gadget");
    assert_eq!(
        leaf.value().expect("value"),
        commitment::record_leaf(fd, label)
    );
    let node = commitment::constraints::merkle_node(&fd_v, &label_v).expect("gadget");
    assert_eq!(
        node.value().expect("value"),
        commitment::merkle_node(fd, Fr::from(label))
    );
    let values: Vec<u16> = (0..20).map(|i| i * 3001).collect();
    let vs = witnesses(
        &cs,
        &values.iter().map(|v| Fr::from(*v)).collect::<Vec<_>>(),
    );
    for domain in [Domain::MinerOutputs, Domain::WeightRow, Domain::Bonds] {
        let c = commitment::constraints::u16_commitment(domain, &vs, &blinding_v).expect("gadget");
        assert_eq!(
            c.value().expect("value"),
            commitment::u16_commitment(domain, &values, blinding)
        );
    }
    let p = commitment::constraints::public_weights_digest(&vs).expect("gadget");
    assert_eq!(
        p.value().expect("value"),
        commitment::public_weights_digest(&values)
    );
    let q = commitment::constraints::query_digest(&vs[..5]).expect("gadget");
    assert_eq!(
        q.value().expect("value"),
        commitment::query_digest(&values[..5].iter().map(|v| Fr::from(*v)).collect::<Vec<_>>())
    );
    assert!(cs.is_satisfied().expect("satisfiable"));
}

#[test]
fn tags_cost_no_constraint() {
    // hash_many of 2 (4) witnesses costs exactly one Poseidon(2) (Poseidon(4)) gadget.
    for (n, single) in [(2usize, 3 * (8 * 3 + 57 - 1)), (4, 3 * (8 * 5 + 60 - 1))] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = witnesses(&cs, &vec![Fr::from(3u64); n]);
        let _ = poseidon::constraints::hash_many(Domain::MerkleLeaf, &vars).expect("gadget");
        assert_eq!(cs.num_constraints(), single, "n={n}");
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
