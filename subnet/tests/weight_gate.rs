//! The proof-gated validator (`ZkyumaWeightGate`) in revm with Bittensor's precompile map: the
//! neuron precompile at 0x804 is a stand-in without EVM code, as subtensor's precompiles are,
//! that records every call it is dispatched (or refuses it on demand), and the address-mapping
//! precompile at 0x80C returns subtensor's mapping `blake2_256("evm:" ++ address)`. Deploying the
//! gate registers its own hotkey; a real public-mode score proof for that hotkey sets exactly its
//! row (the non-zero entries, through `setWeights` with the runtime's selector); a proof for
//! another row, another epoch or another validator, a replay, a row of another length, a
//! submission from anyone but the operator and a verifier with another key set nothing, each
//! refused by name; a call the runtime refuses leaves the epoch unspent; the commit-reveal path
//! reveals only a proven row. The generated Poseidon library equals the circuits' public-mode
//! digest on rows of 1 to 61 entries (both permutation widths). Gas is reported.

mod evm_support;

use ark_bn254::Fr;
use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use evm_support::{compile, deploy_verifier, deployer, Compiled, Evm};
use revm::primitives::{keccak256, Address};
use std::sync::OnceLock;
use zkyuma_circuits::commitment::public_weights_digest;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{Keys, SetupKind};
use zkyuma_prover::score::{prove_score, setup_score};
use zkyuma_verifier::evm::weight_gate::weight_gate_solidity;
use zkyuma_verifier::evm::{fr_word, proof_words, PrecompileMap, Word};
use zkyuma_verifier::{Proof, VerifyingKey};

const NETUID: u16 = 3;
fn address_mapping() -> Address {
    let mut a = [0u8; 20];
    a[18] = 0x08;
    a[19] = 0x0c;
    Address::from(a)
}

fn operator() -> Address {
    Address::with_last_byte(0x0e)
}

/// subtensor's `HashedAddressMapping<BlakeTwo256>`.
fn mapped_account(a: &Address) -> [u8; 32] {
    let mut h = Blake2b::<U32>::new();
    h.update(b"evm:");
    h.update(a.as_slice());
    h.finalize().into()
}

const STUBS: &str = r#"
pragma solidity ^0.8.24;
contract AddressMappingStub {
    mapping(address => bytes32) internal accounts;
    function set(address target, bytes32 account) external { accounts[target] = account; }
    function addressMapping(address target) external view returns (bytes32) { return accounts[target]; }
}
"#;

const PROBE: &str = r#"
contract PoseidonProbe {
    function digest(uint16[] calldata row) external pure returns (uint256) {
        return ZkyumaPoseidon.publicWeightsDigest(row);
    }
}
"#;

fn contracts() -> &'static std::collections::BTreeMap<String, Compiled> {
    static C: OnceLock<std::collections::BTreeMap<String, Compiled>> = OnceLock::new();
    C.get_or_init(|| {
        let gate = format!("{}\n{PROBE}", weight_gate_solidity());
        compile(&[("ZkyumaWeightGate.sol", &gate), ("Stubs.sol", STUBS)])
    })
}

fn contract(name: &str) -> &'static Compiled {
    contracts().get(name).unwrap_or_else(|| panic!("{name}"))
}

fn selector(sig: &str) -> [u8; 4] {
    keccak256(sig.as_bytes())[..4].try_into().expect("4")
}

fn uint(v: u64) -> Word {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn address_word(a: &Address) -> Word {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// An ABI argument: a static word (or words) or a `uint16[]`.
enum Arg {
    Words(Vec<Word>),
    U16s(Vec<u16>),
}

fn abi(sig: &str, args: &[Arg]) -> Vec<u8> {
    let head_len: usize = args
        .iter()
        .map(|a| match a {
            Arg::Words(w) => 32 * w.len(),
            Arg::U16s(_) => 32,
        })
        .sum();
    let (mut head, mut tail) = (Vec::new(), Vec::new());
    for a in args {
        match a {
            Arg::Words(ws) => ws.iter().for_each(|w| head.extend_from_slice(w)),
            Arg::U16s(v) => {
                head.extend_from_slice(&uint((head_len + tail.len()) as u64));
                tail.extend_from_slice(&uint(v.len() as u64));
                for x in v {
                    tail.extend_from_slice(&uint(u64::from(*x)));
                }
            }
        }
    }
    let mut out = selector(sig).to_vec();
    out.extend(head);
    out.extend(tail);
    out
}

/// A real public-mode score round over 2 miners (one packed element: the width-3 Poseidon).
fn round(epoch: u64, hotkey: [u8; 32], second: u16) -> ScoreRound {
    ScoreRound {
        netuid: NETUID,
        epoch,
        validator_hotkey: hotkey,
        depth: 3,
        mode: WeightsMode::Public,
        sample_seed: [epoch as u8; 32],
        records: (0..5)
            .map(|r| Record {
                features: vec![r, 2 * r + 1],
                label: 20_000,
            })
            .collect(),
        samples: 3,
        // Miner 0 answers every label exactly; miner 1 is off by `second`.
        miners: [0u16, second]
            .iter()
            .map(|off| {
                Some(MinerAnswer {
                    outputs: vec![20_000 + off; 3],
                    blinding: Fr::from(77u64),
                })
            })
            .collect(),
        weight_blinding: Fr::from(0u64),
    }
}

fn keys() -> &'static (Keys, VerifyingKey) {
    static K: OnceLock<(Keys, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| {
        let keys = setup_score(
            Scoring::Mse { amplification: 16 },
            round(1, [0; 32], 0).shape(),
            SetupKind::InsecureDeterministic {
                seed: "weight-gate-test".into(),
            },
        )
        .expect("setup");
        let vk = VerifyingKey::from_bytes(&keys.vk_bytes(), 6).expect("vk");
        (keys, vk)
    })
}

fn prove(epoch: u64, hotkey: [u8; 32], second: u16) -> (ScoreStatement, Proof) {
    let p = prove_score(
        &keys().0,
        Scoring::Mse { amplification: 16 },
        &round(epoch, hotkey, second),
    )
    .expect("prove");
    (p.statement, Proof::from_bytes(&p.proof).expect("proof"))
}

fn public_row(st: &ScoreStatement) -> Vec<u16> {
    match &st.weights {
        zkyuma_circuits::score::WeightsBinding::Public { row } => row.clone(),
        other => panic!("not public: {other:?}"),
    }
}

struct Gate {
    evm: Evm,
    gate: Address,
    hotkey: [u8; 32],
}

fn deploy_gate() -> Gate {
    let mut evm = Evm::new(evm_support::Chain::Bittensor);
    evm.place(address_mapping(), &contract("AddressMappingStub").runtime);
    let (verifier, _) = deploy_verifier(
        &mut evm,
        &keys().1,
        PrecompileMap::Bittensor,
        "score/mse-a16",
        "2x3-d3-public",
    );
    let vk_hash: Word = evm
        .call(deployer(), verifier, selector("VK_HASH()").to_vec())
        .output
        .try_into()
        .expect("bytes32");
    assert_eq!(vk_hash, keys().1.hash(), "the verifier pins the score key");
    let creation = |vk: Word| {
        let mut c = contract("ZkyumaWeightGate").creation.clone();
        for w in [
            address_word(&verifier),
            vk,
            uint(u64::from(NETUID)),
            uint(2),
            address_word(&operator()),
        ] {
            c.extend_from_slice(&w);
        }
        c
    };
    // A verifier under another key is refused at deployment.
    let mut other = vk_hash;
    other[0] ^= 1;
    let refused = evm.transact(
        deployer(),
        revm::primitives::TxKind::Create,
        creation(other),
    );
    assert!(!refused.success);
    assert_eq!(
        refused.revert_selector(),
        error("BadVerifier(uint256,bytes32)")
    );
    // The gate's address is known before it exists; the mapping stub learns its account.
    let before = neuron_calls().len();
    let gate_address = deployer().create(evm.nonce(deployer()));
    let hotkey = mapped_account(&gate_address);
    let set = abi(
        "set(address,bytes32)",
        &[
            Arg::Words(vec![address_word(&gate_address)]),
            Arg::Words(vec![hotkey]),
        ],
    );
    assert!(
        evm.call(Address::with_last_byte(0xd1), address_mapping(), set)
            .success
    );
    let gate = evm.deploy(deployer(), &creation(vk_hash));
    assert_eq!(gate, gate_address);
    let got = evm.call(deployer(), gate, selector("hotkey()").to_vec());
    assert_eq!(got.output, hotkey, "the gate reads its own mapped account");
    // Deploying registered the gate's own hotkey, the gate its coldkey, in the same transaction.
    assert_dispatched(
        before,
        &abi(
            "burnedRegister(uint16,bytes32)",
            &[Arg::Words(vec![uint(u64::from(NETUID)), hotkey])],
        ),
    );
    Gate { evm, gate, hotkey }
}

/// The neuron precompile has been dispatched `index + 1` calls, the last exactly `expected`.
fn assert_dispatched(index: usize, expected: &[u8]) {
    let calls = neuron_calls();
    assert_eq!(calls.len(), index + 1);
    assert_eq!(calls[index], expected);
}

fn neuron_calls() -> Vec<Vec<u8>> {
    evm_support::NEURON_CALLS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

impl Gate {
    fn set_weights_from(
        &mut self,
        from: Address,
        row: &[u16],
        version_key: u64,
        epoch: u64,
        rest: &Fr,
        proof: &Proof,
    ) -> evm_support::Outcome {
        let call = abi(
            "setWeights(uint16[],uint64,uint64,uint256,uint256[8])",
            &[
                Arg::U16s(row.to_vec()),
                Arg::Words(vec![uint(version_key), uint(epoch), fr_word(rest)]),
                Arg::Words(proof_words(proof).to_vec()),
            ],
        );
        self.evm.call(from, self.gate, call)
    }

    fn set_weights(
        &mut self,
        row: &[u16],
        version_key: u64,
        epoch: u64,
        rest: &Fr,
        proof: &Proof,
    ) -> evm_support::Outcome {
        self.set_weights_from(operator(), row, version_key, epoch, rest, proof)
    }

    fn last_epoch(&mut self) -> u64 {
        let out = self
            .evm
            .call(deployer(), self.gate, selector("lastEpoch()").to_vec());
        u64::from_be_bytes(out.output[24..32].try_into().expect("8"))
    }
}

/// The non-zero entries of a dense row, as uids and weights (what the gate dispatches).
fn non_zero(row: &[u16]) -> (Vec<u16>, Vec<u16>) {
    row.iter()
        .enumerate()
        .filter(|(_, w)| **w != 0)
        .map(|(i, w)| (i as u16, *w))
        .unzip()
}

fn error(sig: &str) -> [u8; 4] {
    selector(sig)
}

#[test]
fn the_poseidon_library_is_the_circuits_public_weights_digest() {
    let mut evm = Evm::new(evm_support::Chain::Bittensor);
    let probe = evm.deploy(deployer(), &contract("PoseidonProbe").creation);
    for n in [1usize, 2, 15, 16, 30, 31, 45, 46, 60, 61] {
        let row: Vec<u16> = (0..n)
            .map(|i| (i as u16).wrapping_mul(40_503).wrapping_add(n as u16))
            .collect();
        let out = evm.call(
            deployer(),
            probe,
            abi("digest(uint16[])", &[Arg::U16s(row.clone())]),
        );
        assert!(out.success, "{n}: {out:?}");
        assert_eq!(
            out.output,
            fr_word(&public_weights_digest(&row)),
            "row of {n}"
        );
        if n == 61 {
            println!(
                "publicWeightsDigest of 61 entries (5 permutations): {} gas",
                out.gas
            );
        }
    }
    for name in ["ZkyumaWeightGate", "ZkyumaPoseidonHasher"] {
        let size = contract(name).runtime.len();
        println!("{name} runtime code: {size} bytes");
        assert!(size <= evm_support::CODE_SIZE_LIMIT, "{name}");
    }
}

#[test]
fn only_a_proven_row_for_this_hotkey_and_a_new_epoch_reaches_the_neuron_precompile() {
    let mut g = deploy_gate();
    let (st, proof) = prove(7, g.hotkey, 300);
    let row = public_row(&st);
    assert!(row.iter().any(|w| *w > 0), "{row:?}");
    let rest = st.public_inputs()[5];
    let before = neuron_calls().len();
    // The runtime refuses the call (say, commit-reveal is on): the gate reverts with its reason
    // and the epoch is not spent.
    evm_support::NEURON_REFUSES.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = g.set_weights(&row, 5, 7, &rest, &proof);
    evm_support::NEURON_REFUSES.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(!out.success);
    assert_eq!(out.revert_selector(), error("NeuronCallFailed(bytes)"));
    assert_eq!(g.last_epoch(), 0);
    // Anyone but the operator, even with the valid proof.
    let out = g.set_weights_from(Address::with_last_byte(0x77), &row, 5, 7, &rest, &proof);
    assert!(!out.success);
    assert_eq!(out.revert_selector(), error("NotOperator(address)"));
    assert_eq!(neuron_calls().len(), before);

    let ok = g.set_weights(&row, 5, 7, &rest, &proof);
    assert!(ok.success, "{ok:?}");
    println!("setWeights through the gate: {} gas", ok.gas);
    assert_eq!(g.last_epoch(), 7);
    let (uids, values) = non_zero(&row);
    let expected = abi(
        "setWeights(uint16,uint16[],uint16[],uint64)",
        &[
            Arg::Words(vec![uint(u64::from(NETUID))]),
            Arg::U16s(uids),
            Arg::U16s(values),
            Arg::Words(vec![uint(5)]),
        ],
    );
    assert_eq!(
        &expected[..4],
        &[0x34, 0xaf, 0x16, 0xd6],
        "the runtime's selector"
    );
    // Exactly the proven row, zeros left out.
    assert_dispatched(before, &expected);

    // Each refusal leaves the neuron precompile untouched.
    let dispatched = before + 1;
    let refused = |out: evm_support::Outcome, err: &str| {
        assert!(!out.success, "{err}");
        assert_eq!(out.revert_selector(), error(err), "{err}");
        assert_eq!(
            neuron_calls().len(),
            dispatched,
            "{err}: nothing dispatched"
        );
    };
    // A replay, and the same proof claimed for a later epoch.
    refused(
        g.set_weights(&row, 5, 7, &rest, &proof),
        "StaleEpoch(uint64,uint64)",
    );
    refused(g.set_weights(&row, 5, 8, &rest, &proof), "InvalidProof()");
    // Another row (the friend's weight raised) with the honest proof.
    let mut friend = row.clone();
    friend[0] = friend[0].wrapping_add(1);
    refused(
        g.set_weights(&friend, 5, 8, &rest, &proof),
        "InvalidProof()",
    );
    // Another validator's valid proof (its hotkey, not the gate's), for a new epoch.
    let (other_st, other_proof) = prove(8, [0x42; 32], 300);
    refused(
        g.set_weights(
            &public_row(&other_st),
            5,
            8,
            &other_st.public_inputs()[5],
            &other_proof,
        ),
        "InvalidProof()",
    );
    // Another rest digest, and a row of another length.
    refused(
        g.set_weights(&row, 5, 8, &(rest + Fr::from(1u64)), &proof),
        "InvalidProof()",
    );
    refused(
        g.set_weights(&[1, 2, 3], 5, 8, &rest, &proof),
        "RowLength(uint256,uint256)",
    );

    // Commit-reveal: only the operator commits; a reveal needs a proof for a new epoch.
    let commit = abi("commitWeights(bytes32)", &[Arg::Words(vec![[0xab; 32]])]);
    refused(
        g.evm
            .call(Address::with_last_byte(0x77), g.gate, commit.clone()),
        "NotOperator(address)",
    );
    assert!(g.evm.call(operator(), g.gate, commit).success);
    assert_dispatched(
        dispatched,
        &abi(
            "commitWeights(uint16,bytes32)",
            &[Arg::Words(vec![uint(u64::from(NETUID)), [0xab; 32]])],
        ),
    );
    let (st9, proof9) = prove(9, g.hotkey, 150);
    let row9 = public_row(&st9);
    let reveal = |row: &[u16], epoch: u64, rest: &Fr, proof: &Proof| {
        abi(
            "revealWeights(uint16[],uint16[],uint64,uint64,uint256,uint256[8])",
            &[
                Arg::U16s(row.to_vec()),
                Arg::U16s(vec![1, 2, 3]),
                Arg::Words(vec![uint(5), uint(epoch), fr_word(rest)]),
                Arg::Words(proof_words(proof).to_vec()),
            ],
        )
    };
    let mut forged = row9.clone();
    forged[1] = forged[1].wrapping_add(1);
    let out = g.evm.call(
        operator(),
        g.gate,
        reveal(&forged, 9, &st9.public_inputs()[5], &proof9),
    );
    assert!(!out.success);
    assert_eq!(out.revert_selector(), error("InvalidProof()"));
    let out = g.evm.call(
        operator(),
        g.gate,
        reveal(&row9, 9, &st9.public_inputs()[5], &proof9),
    );
    assert!(out.success, "{out:?}");
    println!("revealWeights through the gate: {} gas", out.gas);
    let (uids9, values9) = non_zero(&row9);
    assert_dispatched(
        dispatched + 1,
        &abi(
            "revealWeights(uint16,uint16[],uint16[],uint16[],uint64)",
            &[
                Arg::Words(vec![uint(u64::from(NETUID))]),
                Arg::U16s(uids9),
                Arg::U16s(values9),
                Arg::U16s(vec![1, 2, 3]),
                Arg::Words(vec![uint(5)]),
            ],
        ),
    );
}
