//! The generated Solidity verifier and the registry, compiled by solc and executed in revm with the
//! BN254 precompiles where Bittensor's EVM has them: real score proofs pass and are recorded,
//! every tampered proof word and statement field fails, a verifier built for Ethereum's addresses
//! fails on Bittensor, and the gas of a verification at 256 miners is measured.
mod evm_support;

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use evm_support::{
    compile, deploy_verifier, deployer, echo_proof, registry, verify_call, Chain, Evm,
    CODE_SIZE_LIMIT,
};
use revm::primitives::{keccak256, Address};
use std::path::Path;
use std::sync::OnceLock;
use zkyuma_circuits::score::{MinerAnswer, Record, ScoreRound, ScoreStatement, WeightsMode};
use zkyuma_circuits::scoring::Scoring;
use zkyuma_prover::keys::{KeyPaths, SetupKind};
use zkyuma_prover::score::{prove_score, setup_score};
use zkyuma_verifier::evm::{
    fr_word, key_id_preimage, proof_words, submit_epoch_calldata, submit_score_calldata,
    PrecompileMap, Word, SUBMIT_EPOCH_SELECTOR, SUBMIT_SCORE_SELECTOR, VERIFY_PROOF_SELECTOR,
};
use zkyuma_verifier::{Proof, VerifyingKey};

const NETUID: u16 = 3;
const CIRCUIT: &str = "score/mse-a16";
const VERSION: u32 = 1;

/// A real score proof at a tiny shape (2 miners × 3 samples, depth 3, hidden row).
struct ScoreFixture {
    vk: VerifyingKey,
    statement: ScoreStatement,
    proof: Proof,
}

fn round(epoch: u64, hotkey: [u8; 32]) -> ScoreRound {
    ScoreRound {
        netuid: NETUID,
        epoch,
        validator_hotkey: hotkey,
        depth: 3,
        mode: WeightsMode::Hidden,
        sample_seed: [epoch as u8; 32],
        records: (0..5)
            .map(|r| Record {
                features: vec![r, 2 * r + 1],
                label: 10_000 * r as u16,
            })
            .collect(),
        samples: 3,
        miners: (0..2)
            .map(|i| {
                Some(MinerAnswer {
                    outputs: (0..3).map(|k| (i * 9_000 + k * 4_000) as u16).collect(),
                    blinding: Fr::from(77 + i as u64),
                })
            })
            .collect(),
        weight_blinding: Fr::from(5u64),
    }
}

/// A hotkey whose bytes are all different, so a swapped half or byte order shows.
fn hotkey() -> [u8; 32] {
    core::array::from_fn(|i| 0xa0 ^ (i as u8 * 7))
}

fn score_fixture() -> &'static ScoreFixture {
    static FIXTURE: OnceLock<ScoreFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let scoring = Scoring::Mse { amplification: 16 };
        let r = round(7, hotkey());
        let keys = setup_score(
            scoring,
            r.shape(),
            SetupKind::InsecureDeterministic {
                seed: "evm-test".into(),
            },
        )
        .expect("setup");
        let proof = prove_score(&keys, scoring, &r).expect("prove");
        let vk = VerifyingKey::from_bytes(&keys.vk_bytes(), 6).expect("vk");
        ScoreFixture {
            vk,
            statement: proof.statement,
            proof: Proof::from_bytes(&proof.proof).expect("proof"),
        }
    })
}

fn key_id(netuid: u16, circuit: &str, shape: &str, version: u32) -> Word {
    keccak256(key_id_preimage(netuid, circuit, shape, version)).0
}

fn hotkey_address(hotkey: &[u8; 32]) -> Address {
    Address::from_slice(&hotkey[..20])
}

fn selector(methods: &std::collections::BTreeMap<String, String>, sig: &str) -> [u8; 4] {
    let hex = methods
        .get(sig)
        .unwrap_or_else(|| panic!("no method {sig}"));
    hex::decode(hex).expect("hex").try_into().expect("4 bytes")
}

fn error_selector(sig: &str) -> [u8; 4] {
    keccak256(sig.as_bytes())[..4].try_into().expect("4 bytes")
}

fn register_call(netuid: u16, circuit: &str, shape: &str, verifier: Address, kind: u8) -> Vec<u8> {
    evm_support::register_call(netuid, circuit, shape, VERSION, verifier, kind)
}

/// A Bittensor-map EVM with the fixture's verifier and the registry deployed, the key registered.
struct Deployed {
    evm: Evm,
    verifier: Address,
    registry: Address,
    key: Word,
    runtime_size: usize,
}

fn deploy_score(chain: Chain, map: PrecompileMap) -> Deployed {
    let f = score_fixture();
    let mut evm = Evm::new(chain);
    let shape = f.statement.shape.name();
    let (verifier, compiled) = deploy_verifier(&mut evm, &f.vk, map, CIRCUIT, &shape);
    let registry_address = evm.deploy(deployer(), &registry().creation);
    let out = evm.call(
        deployer(),
        registry_address,
        register_call(NETUID, CIRCUIT, &shape, verifier, 1),
    );
    assert!(out.success, "register: {out:?}");
    Deployed {
        evm,
        verifier,
        registry: registry_address,
        key: key_id(NETUID, CIRCUIT, &shape, VERSION),
        runtime_size: compiled.runtime.len(),
    }
}

/// The fields `submitScore` takes, from a statement.
#[derive(Clone)]
struct Submission {
    key: Word,
    epoch: u64,
    hotkey: [u8; 32],
    weights: Fr,
    rest: Fr,
    proof: Proof,
}

impl Submission {
    fn of(d: &Deployed) -> Self {
        let f = score_fixture();
        let inputs = f.statement.public_inputs();
        Self {
            key: d.key,
            epoch: f.statement.epoch,
            hotkey: f.statement.validator_hotkey,
            weights: inputs[4],
            rest: inputs[5],
            proof: f.proof,
        }
    }

    fn calldata(&self) -> Vec<u8> {
        submit_score_calldata(
            &self.key,
            self.epoch,
            &self.hotkey,
            &self.weights,
            &self.rest,
            &self.proof,
        )
    }

    fn submit(&self, d: &mut Deployed) -> evm_support::Outcome {
        let sender = hotkey_address(&self.hotkey);
        d.evm.call(sender, d.registry, self.calldata())
    }
}

#[test]
fn selectors_match_solc() {
    // The calldata builders use fixed selectors; solc's own method identifiers must agree.
    let f = score_fixture();
    let mut evm = Evm::new(Chain::Bittensor);
    let (_, compiled) = deploy_verifier(&mut evm, &f.vk, PrecompileMap::Bittensor, CIRCUIT, "s");
    assert_eq!(
        selector(&compiled.methods, "verifyProof(uint256[8],uint256[])"),
        VERIFY_PROOF_SELECTOR
    );
    let r = &registry().methods;
    assert_eq!(
        selector(
            r,
            "submitScore(bytes32,uint64,bytes32,uint256,uint256,uint256[8])"
        ),
        SUBMIT_SCORE_SELECTOR
    );
    assert_eq!(
        selector(r, "submitEpoch(bytes32,uint64,uint256,uint256[8])"),
        SUBMIT_EPOCH_SELECTOR
    );
}

#[test]
fn score_proof_verifies_and_is_recorded_on_bittensor() {
    // The whole path a validator takes: verify, submit from the hotkey's address, read the record.
    let f = score_fixture();
    let mut d = deploy_score(Chain::Bittensor, PrecompileMap::Bittensor);
    assert!(d.runtime_size < CODE_SIZE_LIMIT);
    let inputs = f.statement.public_inputs();
    let out = d
        .evm
        .call(deployer(), d.verifier, verify_call(&f.proof, &inputs));
    assert!(out.returned_bool(), "the valid proof must verify");

    // The registry derives the key id the same way.
    let sel = selector(&registry().methods, "keyId(uint16,string,string,uint32)");
    let mut call = sel.to_vec();
    call.extend_from_slice(&key_id_preimage(
        NETUID,
        CIRCUIT,
        &f.statement.shape.name(),
        VERSION,
    ));
    let out = d.evm.call(deployer(), d.registry, call);
    assert_eq!(out.output, d.key.to_vec());

    let s = Submission::of(&d);
    let out = s.submit(&mut d);
    assert!(out.success, "submitScore: {out:?}");
    assert_eq!(out.logs.len(), 1, "one ScoreVerified event");
    println!("submitScore gas (tiny shape): {}", out.gas);

    // The log carries the statement's weights and rest digest (auditors read it)...
    let log = &out.logs[0];
    assert_eq!(log.topics()[3].0, s.hotkey);
    assert_eq!(log.data.data[..32], fr_word(&s.weights));
    assert_eq!(log.data.data[32..64], fr_word(&s.rest));
    // ...and the proof, which an auditor decodes back and re-verifies natively.
    let words: [Word; 8] = core::array::from_fn(|i| {
        log.data.data[64 + 32 * i..96 + 32 * i]
            .try_into()
            .expect("word")
    });
    assert_eq!(log.data.data.len(), 64 + 8 * 32);
    assert_eq!(words, zkyuma_verifier::evm::proof_words(&s.proof));
    assert_eq!(zkyuma_verifier::evm::proof_from_words(&words), Ok(s.proof));
    let mut off_curve = words;
    off_curve[1][31] ^= 1;
    assert_eq!(
        zkyuma_verifier::evm::proof_from_words(&off_curve),
        Err(zkyuma_verifier::VerifyError::Encoding { what: "proof" })
    );
    let mut identity = words;
    identity[0] = [0; 32];
    identity[1] = [0; 32];
    assert_eq!(
        zkyuma_verifier::evm::proof_from_words(&identity),
        Err(zkyuma_verifier::VerifyError::IdentityPoint { element: "a" })
    );
    // ...and scores(key, epoch, hotkey) returns the weight commitment (emissions logic reads it).
    let mut read = selector(&registry().methods, "scores(bytes32,uint64,bytes32)").to_vec();
    read.extend_from_slice(&s.key);
    let mut epoch = [0u8; 32];
    epoch[24..].copy_from_slice(&s.epoch.to_be_bytes());
    read.extend_from_slice(&epoch);
    read.extend_from_slice(&s.hotkey);
    let out = d.evm.call(deployer(), d.registry, read);
    assert_eq!(out.output, fr_word(&s.weights).to_vec());

    // One record per (key, epoch, hotkey).
    let again = s.submit(&mut d);
    assert_eq!(
        again.revert_selector(),
        error_selector("AlreadyRecorded(bytes32,uint64)")
    );
}

fn q_plus(w: &Word, add: u64) -> Word {
    let mut x = Fq::from_be_bytes_mod_order(w);
    x += Fq::from(add);
    let be = x.into_bigint().to_bytes_be();
    be.try_into().expect("32 bytes")
}

/// Raw `verifyProof` calldata from words (to write words that are not a valid point).
fn raw_verify_call(words: &[Word; 8], inputs: &[Word]) -> Vec<u8> {
    let mut out = VERIFY_PROOF_SELECTOR.to_vec();
    for w in words {
        out.extend_from_slice(w);
    }
    let mut off = [0u8; 32];
    off[30..].copy_from_slice(&(32u16 * 9).to_be_bytes());
    out.extend_from_slice(&off);
    let mut len = [0u8; 32];
    len[31] = inputs.len() as u8;
    out.extend_from_slice(&len);
    for w in inputs {
        out.extend_from_slice(w);
    }
    out
}

#[test]
fn every_tampered_proof_word_fails() {
    // Each of the 8 proof words changed, and valid-point substitutions, make verifyProof false.
    let f = score_fixture();
    let mut d = deploy_score(Chain::Bittensor, PrecompileMap::Bittensor);
    let inputs: Vec<Word> = f.statement.public_inputs().iter().map(fr_word).collect();
    let words = proof_words(&f.proof);
    let ok = d
        .evm
        .call(deployer(), d.verifier, raw_verify_call(&words, &inputs));
    assert!(ok.returned_bool());
    for i in 0..8 {
        let mut t = words;
        t[i] = q_plus(&t[i], 1);
        let out = d
            .evm
            .call(deployer(), d.verifier, raw_verify_call(&t, &inputs));
        assert!(!out.returned_bool(), "proof word {i} + 1 must fail");
    }
    // B's coordinates in the wrong (c0, c1) order.
    let mut t = words;
    t.swap(2, 3);
    t.swap(4, 5);
    let out = d
        .evm
        .call(deployer(), d.verifier, raw_verify_call(&t, &inputs));
    assert!(!out.returned_bool(), "B in c0-first order must fail");
    // Valid curve points that are not the proof's.
    let g = G1Affine::generator();
    for (name, p) in [
        (
            "-A",
            Proof {
                a: -f.proof.a,
                ..f.proof
            },
        ),
        (
            "-C",
            Proof {
                c: -f.proof.c,
                ..f.proof
            },
        ),
        (
            "A + G",
            Proof {
                a: (f.proof.a + g).into_affine(),
                ..f.proof
            },
        ),
        (
            "C + G",
            Proof {
                c: (f.proof.c + g).into_affine(),
                ..f.proof
            },
        ),
        (
            "-B",
            Proof {
                b: -f.proof.b,
                ..f.proof
            },
        ),
        (
            "A <-> C",
            Proof {
                a: f.proof.c,
                c: f.proof.a,
                ..f.proof
            },
        ),
    ] {
        let out = d.evm.call(
            deployer(),
            d.verifier,
            verify_call(&p, &f.statement.public_inputs()),
        );
        assert!(!out.returned_bool(), "{name} must fail");
        let s = Submission {
            proof: p,
            ..Submission::of(&d)
        };
        let out = s.submit(&mut d);
        assert_eq!(
            out.revert_selector(),
            error_selector("InvalidProof()"),
            "{name}"
        );
    }
}

#[test]
fn every_tampered_statement_field_fails() {
    // netuid, epoch, hotkey, weight commitment and rest digest are each bound.
    let f = score_fixture();
    let mut d = deploy_score(Chain::Bittensor, PrecompileMap::Bittensor);
    let invalid = error_selector("InvalidProof()");

    // netuid: the same verifier registered for another subnet does not accept this proof.
    let shape = f.statement.shape.name();
    let out = d.evm.call(
        deployer(),
        d.registry,
        register_call(NETUID + 1, CIRCUIT, &shape, d.verifier, 1),
    );
    assert!(out.success);
    let other_net = Submission {
        key: key_id(NETUID + 1, CIRCUIT, &shape, VERSION),
        ..Submission::of(&d)
    };
    assert_eq!(
        other_net.submit(&mut d).revert_selector(),
        invalid,
        "netuid"
    );

    let base = Submission::of(&d);
    let mut other_hotkey = base.hotkey;
    other_hotkey[31] ^= 1;
    let mut other_hotkey_lo = base.hotkey;
    other_hotkey_lo[0] ^= 1;
    for (field, s) in [
        (
            "epoch",
            Submission {
                epoch: base.epoch + 1,
                ..base.clone()
            },
        ),
        (
            "hotkey (last byte)",
            Submission {
                hotkey: other_hotkey,
                ..base.clone()
            },
        ),
        (
            "hotkey (first byte)",
            Submission {
                hotkey: other_hotkey_lo,
                ..base.clone()
            },
        ),
        (
            "weights",
            Submission {
                weights: base.weights + Fr::from(1u64),
                ..base.clone()
            },
        ),
        (
            "rest digest",
            Submission {
                rest: base.rest + Fr::from(1u64),
                ..base.clone()
            },
        ),
    ] {
        assert_eq!(s.submit(&mut d).revert_selector(), invalid, "{field}");
    }

    // A sender that is not the hotkey's EVM address is refused before any pairing.
    let out = d.evm.call(deployer(), d.registry, base.calldata());
    assert_eq!(
        out.revert_selector(),
        error_selector("NotHotkey(address,bytes32)")
    );
    // Weights 0 is the "no record" marker and is refused.
    let zero = Submission {
        weights: Fr::from(0u64),
        ..base.clone()
    };
    assert_eq!(
        zero.submit(&mut d).revert_selector(),
        error_selector("ZeroWeights()")
    );

    // Each input moved by the field order (same value mod r) is refused: no input malleability.
    let inputs = f.statement.public_inputs();
    let words = proof_words(&f.proof);
    for i in 0..inputs.len() {
        let mut ws: Vec<Word> = inputs.iter().map(fr_word).collect();
        let mut sum = inputs[i].into_bigint();
        assert!(!sum.add_with_carry(&Fr::MODULUS), "x + r fits 256 bits");
        ws[i] = sum.to_bytes_be().try_into().expect("32 bytes");
        let out = d
            .evm
            .call(deployer(), d.verifier, raw_verify_call(&words, &ws));
        assert!(!out.returned_bool(), "input {i} + r must fail");
    }
    // Wrong number of inputs.
    let out = d
        .evm
        .call(deployer(), d.verifier, verify_call(&f.proof, &inputs[..5]));
    assert!(!out.returned_bool());

    // The untampered submission still passes after all of that.
    assert!(base.submit(&mut d).success);
}

#[test]
fn ethereum_map_verifier_fails_on_bittensor() {
    // Built for ecAdd at 0x06, the verifier hits Bittensor's dispatch precompile there and fails;
    // on an Ethereum-map EVM the same contract passes, so the map alone makes the difference.
    let f = score_fixture();
    let inputs = f.statement.public_inputs();
    for (chain, map, expect) in [
        (Chain::Bittensor, PrecompileMap::Ethereum, false),
        (Chain::Ethereum, PrecompileMap::Ethereum, true),
        (Chain::Ethereum, PrecompileMap::Bittensor, false),
        (Chain::Bittensor, PrecompileMap::Bittensor, true),
    ] {
        let mut evm = Evm::new(chain);
        let (v, _) = deploy_verifier(&mut evm, &f.vk, map, CIRCUIT, "s");
        let out = evm.call(deployer(), v, verify_call(&f.proof, &inputs));
        assert_eq!(out.returned_bool(), expect, "{map:?} verifier on {chain:?}");
    }
}

#[test]
fn generator_serves_any_number_of_inputs_and_the_epoch_kind() {
    // One input (the epoch proof's digest) and three: the same generator, real Groth16 proofs.
    for n in [1usize, 3] {
        let inputs: Vec<Fr> = (0..n).map(|i| Fr::from(1000 + i as u64)).collect();
        let (vk, proof) = echo_proof(&inputs, n as u64);
        let mut evm = Evm::new(Chain::Bittensor);
        let (v, _) = deploy_verifier(&mut evm, &vk, PrecompileMap::Bittensor, "echo", "n");
        assert!(evm
            .call(deployer(), v, verify_call(&proof, &inputs))
            .returned_bool());
        let mut wrong = inputs.clone();
        wrong[n - 1] += Fr::from(1u64);
        assert!(!evm
            .call(deployer(), v, verify_call(&proof, &wrong))
            .returned_bool());
    }

    // The registry's epoch path: a one-input key records (epoch, digest).
    let digest = Fr::from(0xd16e57u64);
    let (vk, proof) = echo_proof(&[digest], 11);
    let mut evm = Evm::new(Chain::Bittensor);
    let (v, _) = deploy_verifier(
        &mut evm,
        &vk,
        PrecompileMap::Bittensor,
        "epoch",
        "4x16-yuma3",
    );
    let reg = evm.deploy(deployer(), &registry().creation);
    // A one-input verifier cannot be registered as a score key.
    let out = evm.call(
        deployer(),
        reg,
        register_call(NETUID, "epoch", "4x16-yuma3", v, 1),
    );
    assert_eq!(
        out.revert_selector(),
        error_selector("BadKey(uint8,uint256)")
    );
    assert!(
        evm.call(
            deployer(),
            reg,
            register_call(NETUID, "epoch", "4x16-yuma3", v, 2)
        )
        .success
    );
    let key = key_id(NETUID, "epoch", "4x16-yuma3", VERSION);
    let anyone = Address::with_last_byte(0x77);
    let bad = evm.call(
        anyone,
        reg,
        submit_epoch_calldata(&key, 9, &(digest + Fr::from(1u64)), &proof),
    );
    assert_eq!(bad.revert_selector(), error_selector("InvalidProof()"));
    let good = evm.call(anyone, reg, submit_epoch_calldata(&key, 9, &digest, &proof));
    assert!(good.success, "{good:?}");
    let mut read = selector(&registry().methods, "epochs(bytes32,uint64,uint256)").to_vec();
    read.extend_from_slice(&key);
    let mut epoch = [0u8; 32];
    epoch[31] = 9;
    read.extend_from_slice(&epoch);
    read.extend_from_slice(&fr_word(&digest));
    assert!(evm.call(anyone, reg, read).returned_bool());
    // A score submission to an epoch key is refused.
    let s = submit_score_calldata(&key, 9, &[1; 32], &digest, &digest, &proof);
    let out = evm.call(Address::from_slice(&[1; 20]), reg, s);
    assert_eq!(
        out.revert_selector(),
        error_selector("WrongKind(bytes32,uint8,uint8)")
    );
}

#[test]
fn gas_and_code_size_of_a_six_input_verification() {
    // Gas depends on the number of public inputs, not on the key or the shape: two different
    // six-input keys (the real score circuit's and another circuit's) cost the same, within 300k
    // gas and the 24 kB code limit. The 256-miner figure with a real proof comes from
    // `cargo run --release -p zkyuma-subnet --example evm_gas_256`.
    let f = score_fixture();
    let inputs = f.statement.public_inputs();
    let (other_vk, other_proof) = echo_proof(&inputs, 6);
    let mut gas = Vec::new();
    for (label, vk, proof) in [
        ("score", &f.vk, &f.proof),
        ("other", &other_vk, &other_proof),
    ] {
        let mut evm = Evm::new(Chain::Bittensor);
        let (v, compiled) = deploy_verifier(&mut evm, vk, PrecompileMap::Bittensor, CIRCUIT, label);
        assert!(compiled.runtime.len() < CODE_SIZE_LIMIT);
        let out = evm.call(deployer(), v, verify_call(proof, &inputs));
        assert!(out.returned_bool(), "{label}");
        println!(
            "{label}: verifyProof transaction gas {}, runtime code {} bytes",
            out.gas,
            compiled.runtime.len()
        );
        gas.push(out.gas);
    }
    // Only calldata differs (zero bytes cost 4 gas, others 16).
    assert!(
        gas[0].abs_diff(gas[1]) < 1_000,
        "gas must not depend on the key: {gas:?}"
    );
    assert!(gas[0] <= 300_000, "verifyProof: {} gas", gas[0]);

    let mut d = deploy_score(Chain::Bittensor, PrecompileMap::Bittensor);
    let out = Submission::of(&d).submit(&mut d);
    assert!(out.success);
    println!(
        "submitScore transaction gas (verify + record): {}; registry runtime code {} bytes",
        out.gas,
        registry().runtime.len()
    );
    assert!(registry().runtime.len() < CODE_SIZE_LIMIT);
    assert!(out.gas <= 300_000, "submitScore: {} gas", out.gas);
}

#[test]
fn compile_reports_errors() {
    // The solc wrapper fails loudly on bad Solidity rather than returning nothing.
    let r = std::panic::catch_unwind(|| compile(&[("Bad.sol", "contract {")]));
    assert!(r.is_err());
}

fn run_cli(args: &[&str]) {
    use clap::Parser;
    let cli = zkyuma_subnet::cli::Cli::try_parse_from(args).expect("parse");
    zkyuma_subnet::cli::run(cli).expect("run");
}

#[test]
fn exported_verifiers_for_committed_keys_compile_and_verify() {
    // `zkyuma export evm-verifier` on the committed params: the score verifier accepts a real
    // proof under the committed 4x4-d3 key (remade by its deterministic demo setup), the epoch
    // verifier takes one input, and both fit the code limit.
    let params = Path::new(env!("CARGO_MANIFEST_DIR")).join("../params");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_str().expect("utf8");
    let params_arg = params.to_str().expect("utf8");
    run_cli(&[
        "zkyuma",
        "export",
        "evm-verifier",
        "--circuit",
        "score",
        "--shape",
        "4x4",
        "--depth",
        "3",
        "--scoring",
        "mse-a16",
        "--out",
        out,
        "--params",
        params_arg,
    ]);
    run_cli(&[
        "zkyuma",
        "export",
        "evm-verifier",
        "--circuit",
        "epoch",
        "--shape",
        "4x16",
        "--out",
        out,
        "--params",
        params_arg,
    ]);
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("verifier.json")).expect("verifier.json"),
    )
    .expect("json");
    assert_eq!(info["circuit"], "epoch");
    assert_eq!(info["public_inputs"], 1);

    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
    let score_src = read("ZkyumaScoreVerifier.sol");
    let epoch_src = read("ZkyumaEpochVerifier.sol");
    assert!(score_src.contains("string public constant CIRCUIT = \"score/mse-a16\""));
    assert!(score_src.contains("string public constant SHAPE = \"4x4-d3-hidden\""));
    assert!(epoch_src.contains("PUBLIC_INPUTS = 1"));
    assert_eq!(
        read("ZkyumaRegistry.sol"),
        zkyuma_verifier::evm::REGISTRY_SOLIDITY
    );
    let compiled = compile(&[
        ("ZkyumaScoreVerifier.sol", &score_src),
        ("ZkyumaEpochVerifier.sol", &epoch_src),
    ]);
    let mut evm = Evm::new(Chain::Bittensor);
    for c in compiled.values() {
        assert!(c.runtime.len() < CODE_SIZE_LIMIT);
    }
    let score = evm.deploy(deployer(), &compiled["ZkyumaScoreVerifier"].creation);
    evm.deploy(deployer(), &compiled["ZkyumaEpochVerifier"].creation);

    let scoring = Scoring::Mse { amplification: 16 };
    let shape = zkyuma_circuits::score::ScoreShape {
        miners: 4,
        samples: 4,
        depth: 3,
        mode: WeightsMode::Hidden,
    };
    let keys = setup_score(
        scoring,
        shape,
        SetupKind::InsecureDeterministic {
            seed: "zkyuma-insecure-demo-setup".into(),
        },
    )
    .expect("setup");
    let committed = KeyPaths::new(&params, Path::new("."), "score-mse-a16-4x4-d3-hidden")
        .load_vk_bytes()
        .expect("vk.bin");
    assert_eq!(
        keys.vk_bytes(),
        committed,
        "the demo setup remakes the committed key"
    );
    let round = zkyuma_subnet::examples::synthetic_round(&shape, 3);
    let proved = prove_score(&keys, scoring, &round).expect("prove");
    let proof = Proof::from_bytes(&proved.proof).expect("proof");
    let inputs = proved.statement.public_inputs();
    assert!(evm
        .call(deployer(), score, verify_call(&proof, &inputs))
        .returned_bool());
    let mut wrong = inputs.clone();
    wrong[1] += Fr::from(1u64);
    assert!(!evm
        .call(deployer(), score, verify_call(&proof, &wrong))
        .returned_bool());
}

/// The snarkjs CLI, installed from the pinned `.ci/snarkjs/package-lock.json` on first use.
fn snarkjs() -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/snarkjs");
    let path = dir.join("node_modules/.bin/snarkjs");
    if !path.exists() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "npm ci .ci/snarkjs: {status:?}"
        );
    }
    path
}

#[test]
fn a_proof_snarkjs_made_with_zkyumas_key_verifies_on_the_evm_and_in_rust() {
    // snarkjs proves the fixture's round with zkyuma's key and witness (`prove --snarkjs`'s
    // files); the generated Solidity verifier and the chain's Rust verifier accept its proof.
    let f = score_fixture();
    let scoring = Scoring::Mse { amplification: 16 };
    let r = round(7, hotkey());
    let keys = setup_score(
        scoring,
        r.shape(),
        SetupKind::InsecureDeterministic {
            seed: "evm-test".into(),
        },
    )
    .expect("setup");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    zkyuma_prover::score::write_snarkjs_files(&keys, scoring, &r, dir).expect("snarkjs files");
    let out = std::process::Command::new(snarkjs())
        .args([
            "groth16",
            "prove",
            "circuit.zkey",
            "witness.wtns",
            "proof.json",
            "public.json",
        ])
        .current_dir(dir)
        .output()
        .expect("snarkjs runs");
    assert!(
        out.status.success(),
        "snarkjs groth16 prove: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("proof.json")).expect("proof.json"))
            .expect("json");
    let theirs = zkyuma_prover::interop::proof_from_json(&json).expect("decodes");
    let proof = Proof {
        a: theirs.a,
        b: theirs.b,
        c: theirs.c,
    };
    assert_ne!(proof.a, f.proof.a, "a fresh proof, not zkyuma's");
    let inputs = f.statement.public_inputs();
    let mut d = deploy_score(Chain::Bittensor, PrecompileMap::Bittensor);
    let out = d
        .evm
        .call(deployer(), d.verifier, verify_call(&proof, &inputs));
    assert!(
        out.returned_bool(),
        "the EVM verifier accepts snarkjs's proof"
    );
    let pvk = zkyuma_verifier::PreparedVerifyingKey::new(f.vk.clone());
    zkyuma_verifier::verify_score(&pvk, &f.statement, &proof)
        .expect("the chain's Rust verifier accepts snarkjs's proof");
    // Another statement (one more epoch) is refused by both.
    let mut other = f.statement.clone();
    other.epoch += 1;
    let out = d.evm.call(
        deployer(),
        d.verifier,
        verify_call(&proof, &other.public_inputs()),
    );
    assert!(!out.returned_bool());
    assert!(zkyuma_verifier::verify_score(&pvk, &other, &proof).is_err());
}
