//! Test support for the EVM verifier: compiling Solidity with solc-js and running the bytecode in
//! revm with the precompiles mapped as on Bittensor's EVM (or as on Ethereum).
#![allow(dead_code)]

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use revm::context::{CfgEnv, Context, TxEnv};
use revm::context_interface::result::{ExecutionResult, Output};
use revm::database::InMemoryDB;
use revm::handler::{EthPrecompiles, MainnetContext, MainnetEvm};
use revm::precompile::bn254::{run_add, run_mul, run_pair};
use revm::precompile::{
    call_eth_precompile, hash, identity, modexp, secp256k1, Precompile, PrecompileHalt,
    PrecompileId, PrecompileOutput, PrecompileResult, Precompiles,
};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, Log, TxKind, U256};
use revm::state::AccountInfo;
use revm::{ExecuteCommitEvm, MainBuilder, MainContext};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use zkyuma_verifier::{Proof, VerifyingKey};

/// EIP-170: the largest deployable runtime code.
pub const CODE_SIZE_LIMIT: usize = 24_576;

/// The solc-js CLI: `$ZKYUMA_SOLCJS`, or `.ci/solc/node_modules/.bin/solcjs` in the workspace,
/// installed there from the pinned `.ci/solc/package-lock.json` (`npm ci`) on first use, so the
/// README's test command needs nothing done by hand beyond Node.js being present.
pub fn solcjs() -> PathBuf {
    if let Some(p) = std::env::var_os("ZKYUMA_SOLCJS") {
        return PathBuf::from(p);
    }
    static INSTALLED: OnceLock<PathBuf> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/solc");
            let path = dir.join("node_modules/.bin/solcjs");
            if !path.exists() {
                let status = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                    .arg(&dir)
                    .status();
                assert!(
                    matches!(status, Ok(s) if s.success()) && path.exists(),
                    "solc-js is not installed at {} and `npm ci --prefix .ci/solc` failed ({status:?}): \
                     install Node.js and npm, or set ZKYUMA_SOLCJS to a solcjs 0.8.37 binary",
                    path.display()
                );
            }
            path
        })
        .clone()
}

/// A compiled contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Creation bytecode.
    pub creation: Vec<u8>,
    /// Deployed (runtime) bytecode.
    pub runtime: Vec<u8>,
    /// Function signature → 4-byte selector (hex).
    pub methods: BTreeMap<String, String>,
}

/// Compile Solidity sources (file name → text) with the optimizer; contracts by name.
pub fn compile(sources: &[(&str, &str)]) -> BTreeMap<String, Compiled> {
    let mut srcs = serde_json::Map::new();
    for (name, text) in sources {
        srcs.insert((*name).into(), serde_json::json!({ "content": text }));
    }
    let input = serde_json::json!({
        "language": "Solidity",
        "sources": srcs,
        "settings": {
            "optimizer": { "enabled": true, "runs": 200 },
            "evmVersion": "paris",
            "outputSelection": { "*": { "*": [
                "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"
            ] } }
        }
    });
    // solc-js exits before a pipe drains past 64 KiB of output, so it writes to a file.
    let mut out_file = tempfile::tempfile().expect("solc output file");
    let mut child = Command::new(solcjs())
        .arg("--standard-json")
        .stdin(Stdio::piped())
        .stdout(Stdio::from(out_file.try_clone().expect("file handle")))
        .stderr(Stdio::piped())
        .spawn()
        .expect("run solcjs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write solc input");
    child.wait_with_output().expect("solcjs runs");
    let mut text = String::new();
    std::io::Seek::rewind(&mut out_file).expect("rewind");
    std::io::Read::read_to_string(&mut out_file, &mut text).expect("utf8 output");
    // solc-js may print a notice line before the JSON.
    let json_start = text.find('{').expect("solc printed no JSON");
    let v: serde_json::Value = serde_json::from_str(&text[json_start..]).expect("solc JSON");
    let errors: Vec<String> = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["severity"] == "error")
                .map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(errors.is_empty(), "solc errors:\n{}", errors.join("\n"));
    let mut contracts = BTreeMap::new();
    for (_, file) in v["contracts"].as_object().expect("contracts") {
        for (name, c) in file.as_object().expect("file") {
            let hex_of = |k: &str| {
                hex::decode(c["evm"][k]["object"].as_str().expect("bytecode")).expect("hex")
            };
            let methods = c["evm"]["methodIdentifiers"]
                .as_object()
                .expect("methods")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("selector").to_string()))
                .collect();
            contracts.insert(
                name.clone(),
                Compiled {
                    creation: hex_of("bytecode"),
                    runtime: hex_of("deployedBytecode"),
                    methods,
                },
            );
        }
    }
    contracts
}

/// The registry, compiled once per test binary.
pub fn registry() -> &'static Compiled {
    static REGISTRY: OnceLock<Compiled> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        compile(&[(
            "ZkyumaRegistry.sol",
            zkyuma_verifier::evm::REGISTRY_SOLIDITY,
        )])
        .remove("ZkyumaRegistry")
        .expect("ZkyumaRegistry compiled")
    })
}

/// Which chain's precompile addresses the EVM has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chain {
    /// Bittensor: ecMul 0x07, pairing 0x08, ecAdd 0x09; 0x06 dispatches Substrate calls.
    Bittensor,
    /// Ethereum: ecAdd 0x06, ecMul 0x07, pairing 0x08, blake2f 0x09.
    Ethereum,
}

const SPEC: SpecId = SpecId::SHANGHAI;

macro_rules! eth_fn {
    ($name:ident, $f:expr) => {
        fn $name(input: &[u8], gas_limit: u64, reservoir: u64) -> PrecompileResult {
            Ok(call_eth_precompile($f, input, gas_limit, reservoir))
        }
    };
}
eth_fn!(bittensor_ec_add, |i, g| run_add(i, 150, g));
eth_fn!(bittensor_ec_mul, |i, g| run_mul(i, 6_000, g));
eth_fn!(bittensor_pairing, |i, g| run_pair(i, 34_000, 45_000, g));

/// Bittensor's 0x06 decodes its input as a SCALE-encoded runtime call and dispatches it; a curve
/// point is not a call, so it fails. This stand-in fails on every input the same way.
fn substrate_dispatch(_input: &[u8], _gas_limit: u64, reservoir: u64) -> PrecompileResult {
    Ok(PrecompileOutput::halt(
        PrecompileHalt::other("dispatch: input is not a SCALE-encoded call"),
        reservoir,
    ))
}

/// What the neuron precompile (0x804) was dispatched, in order: its calldata. Subtensor's
/// precompiles have no EVM code; this stand-in has none either, records each call it knows
/// (`burnedRegister`, `setWeights`, `commitWeights`, `revealWeights`) and succeeds, or reverts
/// while [`NEURON_REFUSES`] is set (as the runtime refuses a call, e.g. `CommitRevealEnabled`).
pub static NEURON_CALLS: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());
/// Makes the neuron stand-in revert.
pub static NEURON_REFUSES: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The neuron precompile's selectors at subtensor 14bc6f9f.
pub const NEURON_SELECTORS: [[u8; 4]; 4] = [
    [0x40, 0x54, 0xec, 0xca], // burnedRegister(uint16,bytes32)
    [0x34, 0xaf, 0x16, 0xd6], // setWeights(uint16,uint16[],uint16[],uint64)
    [0xa5, 0x07, 0x75, 0x57], // commitWeights(uint16,bytes32)
    [0x66, 0xba, 0x94, 0x6f], // revealWeights(uint16,uint16[],uint16[],uint16[],uint64)
];

fn neuron_stand_in(input: &[u8], _gas_limit: u64, reservoir: u64) -> PrecompileResult {
    let known = input.len() >= 4 && NEURON_SELECTORS.iter().any(|s| input[..4] == s[..]);
    if !known || NEURON_REFUSES.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(PrecompileOutput::revert(
            100,
            Bytes::from_static(b"dispatch refused"),
            reservoir,
        ));
    }
    NEURON_CALLS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(input.to_vec());
    Ok(PrecompileOutput::new(20_000, Bytes::new(), reservoir))
}

fn bittensor_precompiles() -> &'static Precompiles {
    static MAP: OnceLock<Precompiles> = OnceLock::new();
    MAP.get_or_init(|| {
        let at = |n: u8| Address::with_last_byte(n);
        let mut p = Precompiles::default();
        p.extend([
            secp256k1::ECRECOVER,
            hash::SHA256,
            hash::RIPEMD160,
            identity::FUN,
            modexp::BERLIN,
            Precompile::new(
                PrecompileId::custom("substrate-dispatch"),
                at(0x06),
                substrate_dispatch,
            ),
            Precompile::new(PrecompileId::Bn254Mul, at(0x07), bittensor_ec_mul),
            Precompile::new(PrecompileId::Bn254Pairing, at(0x08), bittensor_pairing),
            Precompile::new(PrecompileId::Bn254Add, at(0x09), bittensor_ec_add),
            Precompile::new(
                PrecompileId::custom("neuron"),
                Address::from({
                    let mut a = [0u8; 20];
                    a[18] = 0x08;
                    a[19] = 0x04;
                    a
                }),
                neuron_stand_in,
            ),
        ]);
        p
    })
}

/// Result of one transaction.
#[derive(Debug)]
pub struct Outcome {
    /// Whether it succeeded.
    pub success: bool,
    /// Return data (or revert data).
    pub output: Vec<u8>,
    /// Gas used by the whole transaction (intrinsic gas included).
    pub gas: u64,
    /// Logs.
    pub logs: Vec<Log>,
    /// Created contract.
    pub created: Option<Address>,
}

impl Outcome {
    /// A `bool` return value.
    pub fn returned_bool(&self) -> bool {
        assert!(self.success, "call failed: {:?}", self);
        assert_eq!(self.output.len(), 32, "not a bool: {:?}", self.output);
        self.output[31] == 1 && self.output[..31].iter().all(|b| *b == 0)
    }

    /// The custom error's selector, for a revert.
    pub fn revert_selector(&self) -> [u8; 4] {
        assert!(!self.success, "expected a revert");
        let mut s = [0u8; 4];
        s.copy_from_slice(self.output.get(..4).expect("revert data"));
        s
    }
}

/// An in-memory EVM.
pub struct Evm {
    evm: MainnetEvm<MainnetContext<InMemoryDB>>,
}

impl Evm {
    /// An empty chain with `chain`'s precompiles.
    pub fn new(chain: Chain) -> Self {
        let precompiles = match chain {
            Chain::Bittensor => EthPrecompiles {
                precompiles: bittensor_precompiles(),
                spec: SPEC,
            },
            Chain::Ethereum => EthPrecompiles::new(SPEC),
        };
        let evm = Context::mainnet()
            .with_db(InMemoryDB::default())
            .with_cfg(CfgEnv::new_with_spec(SPEC))
            .build_mainnet()
            .with_precompiles(precompiles);
        Self { evm }
    }

    fn fund(&mut self, who: Address) {
        let db = &mut self.evm.ctx.journaled_state.database;
        let nonce = db
            .cache
            .accounts
            .get(&who)
            .map(|a| a.info.nonce)
            .unwrap_or(0);
        db.insert_account_info(
            who,
            AccountInfo {
                balance: U256::from(10u64).pow(U256::from(24u64)),
                nonce,
                ..Default::default()
            },
        );
    }

    /// Put runtime code at `at` (a stand-in for a chain precompile).
    pub fn place(&mut self, at: Address, runtime: &[u8]) {
        let code = revm::bytecode::Bytecode::new_raw(Bytes::from(runtime.to_vec()));
        let db = &mut self.evm.ctx.journaled_state.database;
        db.insert_account_info(
            at,
            AccountInfo {
                code_hash: code.hash_slow(),
                code: Some(code),
                ..Default::default()
            },
        );
    }

    /// The next nonce of `who` (so the address of its next contract is known in advance).
    pub fn nonce(&self, who: Address) -> u64 {
        self.evm
            .ctx
            .journaled_state
            .database
            .cache
            .accounts
            .get(&who)
            .map(|a| a.info.nonce)
            .unwrap_or(0)
    }

    /// Run one transaction from `from`.
    pub fn transact(&mut self, from: Address, kind: TxKind, data: Vec<u8>) -> Outcome {
        self.fund(from);
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(30_000_000)
            .gas_price(0)
            .nonce(self.nonce(from))
            .build()
            .expect("tx");
        let result = self.evm.transact_commit(tx).expect("evm error");
        match result {
            ExecutionResult::Success {
                gas, logs, output, ..
            } => {
                let (bytes, created) = match output {
                    Output::Call(b) => (b.to_vec(), None),
                    Output::Create(b, a) => (b.to_vec(), a),
                };
                Outcome {
                    success: true,
                    output: bytes,
                    gas: gas.tx_gas_used(),
                    logs,
                    created,
                }
            }
            ExecutionResult::Revert { gas, output, logs } => Outcome {
                success: false,
                output: output.to_vec(),
                gas: gas.tx_gas_used(),
                logs,
                created: None,
            },
            ExecutionResult::Halt { gas, logs, .. } => Outcome {
                success: false,
                output: Vec::new(),
                gas: gas.tx_gas_used(),
                logs,
                created: None,
            },
        }
    }

    /// Deploy creation code (with ABI-encoded constructor arguments appended).
    pub fn deploy(&mut self, from: Address, creation: &[u8]) -> Address {
        let out = self.transact(from, TxKind::Create, creation.to_vec());
        assert!(out.success, "deployment failed: {out:?}");
        out.created.expect("created address")
    }

    /// Call a contract.
    pub fn call(&mut self, from: Address, to: Address, data: Vec<u8>) -> Outcome {
        self.transact(from, TxKind::Call(to), data)
    }
}

/// `verifyProof` calldata for a generated verifier.
pub fn verify_call(proof: &Proof, inputs: &[Fr]) -> Vec<u8> {
    zkyuma_verifier::evm::verify_proof_calldata(proof, inputs)
}

/// A circuit with `inputs.len()` public inputs, each equal to a private witness: the smallest
/// real Groth16 statement with a chosen number of inputs.
#[derive(Clone)]
pub struct EchoCircuit {
    /// The public inputs.
    pub inputs: Vec<Fr>,
}

impl ConstraintSynthesizer<Fr> for EchoCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        for x in self.inputs {
            let public = FpVar::new_input(cs.clone(), || Ok(x))?;
            let private = FpVar::new_witness(cs.clone(), || Ok(x))?;
            (&private * &private).enforce_equal(&(&public * &public))?;
            private.enforce_equal(&public)?;
        }
        Ok(())
    }
}

/// Setup and prove an [`EchoCircuit`]; the key and proof in the verifier's types.
pub fn echo_proof(inputs: &[Fr], seed: u64) -> (VerifyingKey, Proof) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let circuit = EchoCircuit {
        inputs: inputs.to_vec(),
    };
    let (pk, vk) =
        Groth16::<Bn254>::circuit_specific_setup(circuit.clone(), &mut rng).expect("setup");
    let proof = Groth16::<Bn254>::prove(&pk, circuit, &mut rng).expect("prove");
    (
        VerifyingKey {
            alpha_g1: vk.alpha_g1,
            beta_g2: vk.beta_g2,
            gamma_g2: vk.gamma_g2,
            delta_g2: vk.delta_g2,
            gamma_abc_g1: vk.gamma_abc_g1,
        },
        Proof {
            a: proof.a,
            b: proof.b,
            c: proof.c,
        },
    )
}

/// Deploy a generated verifier for `vk` on `evm`.
pub fn deploy_verifier(
    evm: &mut Evm,
    vk: &VerifyingKey,
    map: zkyuma_verifier::evm::PrecompileMap,
    circuit: &str,
    shape: &str,
) -> (Address, Compiled) {
    let spec = zkyuma_verifier::evm::VerifierSpec {
        contract_name: "ZkyumaVerifier".into(),
        circuit: circuit.into(),
        shape: shape.into(),
        precompiles: map,
    };
    let source = zkyuma_verifier::evm::verifier_solidity(vk, &spec).expect("generate");
    let compiled = compile(&[("ZkyumaVerifier.sol", &source)])
        .remove("ZkyumaVerifier")
        .expect("compiled");
    let address = evm.deploy(deployer(), &compiled.creation);
    (address, compiled)
}

/// The account that deploys contracts (the subnet owner).
pub fn deployer() -> Address {
    Address::with_last_byte(0xd0)
}

/// Calldata of the registry's `register(netuid, circuit, shape, version, verifier, kind)`.
pub fn register_call(
    netuid: u16,
    circuit: &str,
    shape: &str,
    version: u32,
    verifier: Address,
    kind: u8,
) -> Vec<u8> {
    let sel = registry()
        .methods
        .get("register(uint16,string,string,uint32,address,uint8)")
        .expect("register");
    let mut out = hex::decode(sel).expect("hex");
    // abi.encode(netuid, circuit, shape, version) has a 4-word head; the call's has two more
    // static words (verifier, kind), so the string offsets move by 64 bytes.
    let pre = zkyuma_verifier::evm::key_id_preimage(netuid, circuit, shape, version);
    let word = |v: usize| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(v as u64).to_be_bytes());
        w
    };
    let circuit_tail = 32 + circuit.len().div_ceil(32) * 32;
    out.extend_from_slice(&pre[..32]);
    out.extend_from_slice(&word(6 * 32));
    out.extend_from_slice(&word(6 * 32 + circuit_tail));
    out.extend_from_slice(&pre[96..128]);
    let mut addr = [0u8; 32];
    addr[12..].copy_from_slice(verifier.as_slice());
    out.extend_from_slice(&addr);
    out.extend_from_slice(&word(usize::from(kind)));
    out.extend_from_slice(&pre[128..]);
    out
}
