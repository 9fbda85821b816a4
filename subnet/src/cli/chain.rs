//! The chain side of the command line: `zkyuma export evm-verifier` writes the Solidity verifier
//! and registry a subnet owner deploys on Bittensor's EVM; `zkyuma chain ...` reads a subnet's
//! metagraph and submits weights and proofs to a subtensor node.

use crate::chain::subtensor::{self, Call, EvmCall, OfflineChain, Subtensor};
use crate::chain::timelock;
use crate::cli::{parse_epoch_shape, parse_json, parse_scoring, parse_shape, read_input};
use crate::cli::{BondsArg, CliError, ModeArg};
use clap::{Args, Subcommand, ValueEnum};
use sha3::{Digest, Keccak256};
use std::path::{Path, PathBuf};
use zkyuma_circuits::epoch::EpochStatement;
use zkyuma_circuits::score::ScoreStatement;
use zkyuma_circuits::scoring::ScoringFunction;
use zkyuma_prover::keys::KeyPaths;
use zkyuma_verifier::evm::{self, PrecompileMap, VerifierSpec, Word};
use zkyuma_verifier::{Proof, VerifyingKey};

/// Which statement a verifier or proof is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CircuitArg {
    /// The validator's score proof (six public inputs).
    Score,
    /// The epoch proof (one public input, the statement digest).
    Epoch,
}

/// `zkyuma export ...`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A zkyuma proof as snarkjs's `verification_key.json`, `proof.json` and `public.json`, so
    /// `snarkjs groth16 verify` checks it.
    Snarkjs {
        /// The proof (128 bytes, as `zkyuma prove` writes it).
        #[arg(long)]
        proof: PathBuf,
        /// Its statement (`<proof>.statement.json`): a score or an epoch statement.
        #[arg(long)]
        statement: PathBuf,
        /// Directory of verifying keys.
        #[arg(long, default_value = "params")]
        params: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a Solidity Groth16 verifier with the verifying key embedded, and the registry
    /// contract, for Bittensor's EVM (or Ethereum's precompile addresses with `--ethereum`); with
    /// `--mode public`, also the proof-gated validator `ZkyumaWeightGate.sol`.
    EvmVerifier {
        /// The circuit.
        #[arg(long, value_enum)]
        circuit: CircuitArg,
        /// Score: `<MINERS>x<SAMPLES>`; epoch: `<VALIDATORS>x<UIDS>`.
        #[arg(long)]
        shape: String,
        /// Score: evaluation-set tree depth.
        #[arg(long, default_value_t = 10)]
        depth: u32,
        /// Score: hidden or public row.
        #[arg(long, value_enum, default_value_t = ModeArg::Hidden)]
        mode: ModeArg,
        /// Score: scoring function.
        #[arg(long, default_value = "mse")]
        scoring: String,
        /// Epoch: bonds rule.
        #[arg(long, value_enum, default_value_t = BondsArg::Yuma3)]
        bonds: BondsArg,
        /// Use Ethereum's precompile addresses (ecAdd 0x06) instead of Bittensor's (ecAdd 0x09).
        #[arg(long)]
        ethereum: bool,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Directory of verifying keys.
        #[arg(long, default_value = "params")]
        params: PathBuf,
    },
}

/// How to reach the node and who signs.
#[derive(Debug, Clone, Args)]
pub struct NodeArgs {
    /// The node's WebSocket endpoint, e.g. `wss://entrypoint-finney.opentensor.ai:443` or
    /// `ws://127.0.0.1:9944`.
    #[arg(long)]
    pub url: String,
}

/// The signing key.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// File holding the secret URI of the signing key (a phrase, `0x` seed or `//Dev` path).
    #[arg(long, conflicts_with = "key")]
    pub key_file: Option<PathBuf>,
    /// The secret URI itself (visible to other local users; prefer `--key-file`).
    #[arg(long)]
    pub key: Option<String>,
}

/// A weight row on the command line.
#[derive(Debug, Clone, Args)]
pub struct RowArgs {
    /// Subnet.
    #[arg(long)]
    pub netuid: u16,
    /// Destination uids, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub uids: Vec<u16>,
    /// u16 weights, comma-separated, one per uid.
    #[arg(long, value_delimiter = ',')]
    pub values: Vec<u16>,
    /// Weights version key (default: read from the chain; 0 with `--dry-run`).
    #[arg(long)]
    pub version_key: Option<u64>,
}

/// `zkyuma chain ...`
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Print a subnet's metagraph (uids, hotkeys, stake) as JSON.
    Metagraph {
        /// Node.
        #[command(flatten)]
        node: NodeArgs,
        /// Subnet.
        #[arg(long)]
        netuid: u16,
    },
    /// Submit a weight row the way the subnet requires, read from the node: `set_weights` with
    /// commit-reveal off; with it on, `commit_timelocked_weights` (the row encrypted to the drand
    /// round of the reveal epoch, revealed by the runtime), `commit_crv3_weights` on version-3
    /// runtimes, or `commit_weights` (the reveal written to `--reveal-out`) on runtimes without
    /// timelocked commits.
    SetWeights {
        /// Node.
        #[command(flatten)]
        node: NodeArgs,
        /// Key.
        #[command(flatten)]
        key: KeyArgs,
        /// Row.
        #[command(flatten)]
        row: RowArgs,
        /// Where a commit's reveal data is written.
        #[arg(long, default_value = "reveal.json")]
        reveal_out: PathBuf,
        /// Print the call data (hex) built against mainnet's metadata (April 2026, committed)
        /// instead of submitting.
        #[arg(long)]
        dry_run: bool,
        /// With `--dry-run`: the subnet has commit-reveal on (the row is then committed with
        /// `commit_timelocked_weights`, version 4, signed into the payload by the key's hotkey).
        #[arg(long, requires = "dry_run")]
        commit_reveal: bool,
        /// With `--dry-run --commit-reveal`: the drand round to encrypt to (a node gives it from
        /// its block, the subnet's tempo and reveal period).
        #[arg(long, requires = "commit_reveal")]
        reveal_round: Option<u64>,
    },
    /// Commit a weight row (`commit_weights`) and write its reveal data.
    CommitWeights {
        /// Node.
        #[command(flatten)]
        node: NodeArgs,
        /// Key.
        #[command(flatten)]
        key: KeyArgs,
        /// Row.
        #[command(flatten)]
        row: RowArgs,
        /// Where the reveal data is written.
        #[arg(long, default_value = "reveal.json")]
        reveal_out: PathBuf,
        /// Print the call data instead of submitting.
        #[arg(long)]
        dry_run: bool,
    },
    /// Reveal a committed row (`reveal_weights`) from the file `commit-weights` wrote.
    RevealWeights {
        /// Node.
        #[command(flatten)]
        node: NodeArgs,
        /// Key.
        #[command(flatten)]
        key: KeyArgs,
        /// The reveal data.
        #[arg(long)]
        reveal: PathBuf,
        /// Print the call data instead of submitting.
        #[arg(long)]
        dry_run: bool,
    },
    /// Send a proof to the registry contract through the `EVM` pallet, signed by the validator's
    /// hotkey (the contract checks that the sender is the statement's hotkey).
    SubmitProof {
        /// Node.
        #[command(flatten)]
        node: NodeArgs,
        /// Key.
        #[command(flatten)]
        key: KeyArgs,
        /// The circuit.
        #[arg(long, value_enum, default_value_t = CircuitArg::Score)]
        circuit: CircuitArg,
        /// The registry contract (`0x` + 40 hex digits).
        #[arg(long)]
        registry: String,
        /// Key version registered for this circuit and shape.
        #[arg(long, default_value_t = 1)]
        version: u32,
        /// The 128-byte proof.
        #[arg(long)]
        proof: PathBuf,
        /// Its statement JSON.
        #[arg(long)]
        statement: PathBuf,
        /// Epoch proofs: the netuid the key is registered under.
        #[arg(long)]
        netuid: Option<u16>,
        /// EVM gas limit.
        #[arg(long, default_value_t = 400_000)]
        gas_limit: u64,
        /// EVM max fee per gas.
        #[arg(long, default_value_t = 20_000_000_000)]
        max_fee_per_gas: u128,
        /// Print the extrinsic call data instead of submitting.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What a commit leaves for its reveal.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RevealData {
    /// Subnet.
    pub netuid: u16,
    /// Uids.
    pub uids: Vec<u16>,
    /// Weights.
    pub values: Vec<u16>,
    /// Salt.
    pub salt: Vec<u16>,
    /// Version key.
    pub version_key: u64,
    /// The committed hash (hex), as the chain recomputes it at reveal.
    pub commit_hash: String,
    /// The hotkey that committed (hex).
    pub hotkey: String,
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Read {
            path: "tokio runtime".into(),
            source,
        })
}

fn signer(key: &KeyArgs) -> Result<subxt_signer::sr25519::Keypair, CliError> {
    let suri = match (&key.key_file, &key.key) {
        (Some(path), _) => read_input(path)?.trim().to_string(),
        (None, Some(s)) => s.clone(),
        (None, None) => {
            return Err(CliError::Usage(
                "a signing key is needed: --key-file <FILE> or --key <SECRET URI>".into(),
            ))
        }
    };
    Ok(subtensor::keypair(&suri)?)
}

/// The registry's key id: keccak-256 of `abi.encode(netuid, circuit, shape, version)`.
pub fn key_id(netuid: u16, circuit: &str, shape: &str, version: u32) -> Word {
    Keccak256::digest(evm::key_id_preimage(netuid, circuit, shape, version)).into()
}

/// The labels a verifier is registered under: `(circuit, shape)`, e.g. `("score/mse-a16",
/// "256x32-d10-hidden")` or `("epoch", "4x16-yuma3")`.
pub fn registry_labels(statement_kind: CircuitArg, scoring: &str, shape: &str) -> (String, String) {
    match statement_kind {
        CircuitArg::Score => (format!("score/{scoring}"), shape.to_string()),
        CircuitArg::Epoch => ("epoch".to_string(), shape.to_string()),
    }
}

/// `zkyuma export evm-verifier`: write `<Name>.sol`, `ZkyumaRegistry.sol` and `verifier.json`
/// (and, for a public-mode score key, `ZkyumaWeightGate.sol`); returns the verifier's path.
#[allow(clippy::too_many_arguments)]
pub fn export_evm_verifier(
    circuit: CircuitArg,
    shape: &str,
    depth: u32,
    mode: ModeArg,
    scoring: &str,
    bonds: BondsArg,
    ethereum: bool,
    out: &Path,
    params: &Path,
) -> Result<PathBuf, CliError> {
    let (params_name, labels, inputs) = match circuit {
        CircuitArg::Score => {
            let shape = parse_shape(shape, depth, mode.into())?;
            let scoring = parse_scoring(scoring)?;
            (
                zkyuma_prover::score::params_name(&scoring, &shape),
                registry_labels(circuit, &scoring.id(), &shape.name()),
                zkyuma_circuits::score::PUBLIC_INPUTS,
            )
        }
        CircuitArg::Epoch => {
            let shape = parse_epoch_shape(shape, bonds.into())?;
            (
                zkyuma_prover::epoch::params_name(&shape),
                registry_labels(circuit, "", &shape.name()),
                1,
            )
        }
    };
    let paths = KeyPaths::new(params, Path::new("."), &params_name);
    let vk = VerifyingKey::from_bytes(&paths.load_vk_bytes()?, inputs)?;
    let precompiles = if ethereum {
        PrecompileMap::Ethereum
    } else {
        PrecompileMap::Bittensor
    };
    let name = match circuit {
        CircuitArg::Score => "ZkyumaScoreVerifier",
        CircuitArg::Epoch => "ZkyumaEpochVerifier",
    };
    let spec = VerifierSpec {
        contract_name: name.into(),
        circuit: labels.0.clone(),
        shape: labels.1.clone(),
        precompiles,
    };
    let source = evm::verifier_solidity(&vk, &spec).map_err(|e| CliError::Usage(e.to_string()))?;
    let verifier_path = out.join(format!("{name}.sol"));
    zkyuma_prover::keys::write_atomic(&verifier_path, source.as_bytes())?;
    zkyuma_prover::keys::write_atomic(
        &out.join("ZkyumaRegistry.sol"),
        evm::REGISTRY_SOLIDITY.as_bytes(),
    )?;
    // A public-mode score key can gate a validator hotkey's weights (`ZkyumaWeightGate`).
    if matches!(circuit, CircuitArg::Score) && matches!(mode, ModeArg::Public) {
        zkyuma_prover::keys::write_atomic(
            &out.join("ZkyumaWeightGate.sol"),
            evm::weight_gate::weight_gate_solidity().as_bytes(),
        )?;
    }
    let info = serde_json::json!({
        "contract": name,
        "circuit": labels.0,
        "shape": labels.1,
        "kind": match circuit { CircuitArg::Score => 1, CircuitArg::Epoch => 2 },
        "public_inputs": inputs,
        "vk_hash": format!("0x{}", hex::encode(vk.hash())),
        "precompiles": precompiles.name(),
        "params": params_name,
    });
    zkyuma_prover::keys::write_atomic(
        &out.join("verifier.json"),
        serde_json::to_string_pretty(&info)?.as_bytes(),
    )?;
    Ok(verifier_path)
}

pub(crate) fn parse_h160(s: &str) -> Result<[u8; 20], CliError> {
    let bad = || CliError::Usage(format!("--registry {s}: expected 0x + 40 hex digits"));
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

fn read_proof(path: &Path) -> Result<Proof, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(Proof::from_bytes(&bytes)?)
}

/// The registry calldata for a proof file and its statement.
pub fn proof_calldata(
    circuit: CircuitArg,
    proof: &Path,
    statement: &Path,
    netuid: Option<u16>,
    version: u32,
) -> Result<Vec<u8>, CliError> {
    let proof = read_proof(proof)?;
    match circuit {
        CircuitArg::Score => {
            let st: ScoreStatement = parse_json(statement, &read_input(statement)?)?;
            st.validate()
                .map_err(|e| CliError::Usage(format!("statement: {e}")))?;
            let (c, s) = registry_labels(circuit, &st.scoring, &st.shape.name());
            let inputs = st.public_inputs();
            Ok(evm::submit_score_calldata(
                &key_id(st.netuid, &c, &s, version),
                st.epoch,
                &st.validator_hotkey,
                &inputs[4],
                &inputs[5],
                &proof,
            ))
        }
        CircuitArg::Epoch => {
            let st: EpochStatement = parse_json(statement, &read_input(statement)?)?;
            st.validate()
                .map_err(|e| CliError::Usage(format!("statement: {e}")))?;
            let (c, s) = registry_labels(circuit, "", &st.shape().name());
            let netuid = netuid.unwrap_or(st.chain.netuid);
            Ok(evm::submit_epoch_calldata(
                &key_id(netuid, &c, &s, version),
                st.chain.epoch,
                &st.public_digest(),
                &proof,
            ))
        }
    }
}

/// A client over the committed metadata, for `--dry-run`.
fn offline() -> Result<OfflineChain, CliError> {
    let metadata = subtensor::decode_metadata(subtensor::METADATA)?;
    Ok(OfflineChain::new(metadata, [0; 32], 0, 1)?)
}

fn print_call(chain: &OfflineChain, call: &Call) -> Result<(), CliError> {
    let data = chain.call_data(call)?;
    println!(
        "{}::{} call data: 0x{}",
        call.pallet_name(),
        call.call_name(),
        hex::encode(data)
    );
    Ok(())
}

/// A fresh random salt (8 u16s) that hides the row until the reveal.
fn fresh_salt() -> Vec<u16> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

async fn version_key(node: &Subtensor, row: &RowArgs) -> Result<u64, CliError> {
    match row.version_key {
        Some(v) => Ok(v),
        None => Ok(node.weights_version_key(row.netuid).await?),
    }
}

async fn commit(
    node: Option<&Subtensor>,
    key: &KeyArgs,
    row: &RowArgs,
    reveal_out: &Path,
) -> Result<(), CliError> {
    let signer = signer(key)?;
    let hotkey = subtensor::account_of(&signer);
    let version_key = match node {
        Some(n) => version_key(n, row).await?,
        None => row.version_key.unwrap_or(0),
    };
    let salt = fresh_salt();
    let hash = subtensor::commit_hash(
        &hotkey,
        row.netuid,
        &row.uids,
        &row.values,
        &salt,
        version_key,
    );
    // Check the row now, not at reveal time.
    subtensor::reveal_weights(row.netuid, &row.uids, &row.values, &salt, version_key)?;
    let call = subtensor::commit_weights(row.netuid, hash);
    let reveal = RevealData {
        netuid: row.netuid,
        uids: row.uids.clone(),
        values: row.values.clone(),
        salt,
        version_key,
        commit_hash: format!("0x{}", hex::encode(hash)),
        hotkey: format!("0x{}", hex::encode(hotkey)),
    };
    zkyuma_prover::keys::write_atomic(
        reveal_out,
        serde_json::to_string_pretty(&reveal)?.as_bytes(),
    )?;
    match node {
        Some(n) => {
            let tx = n.submit(&call, &signer).await?;
            println!("commit_weights: 0x{} finalized", hex::encode(tx));
        }
        None => print_call(&offline()?, &call)?,
    }
    println!(
        "commit hash {}; reveal data: {}",
        reveal.commit_hash,
        reveal_out.display()
    );
    Ok(())
}

/// Run `zkyuma export ...`.
pub fn run_export(cmd: ExportCommand) -> Result<(), CliError> {
    match cmd {
        ExportCommand::Snarkjs {
            proof,
            statement,
            params,
            out,
        } => {
            use zkyuma_circuits::statement::Statement;
            let text = crate::cli::read_input(&statement)?;
            // A score statement, else an epoch statement (the error names the score form).
            let (name, inputs) =
                match serde_json::from_str::<zkyuma_circuits::score::ScoreStatement>(&text) {
                    Ok(st) => {
                        let scoring = crate::cli::parse_scoring(&st.scoring)?;
                        (
                            zkyuma_prover::score::params_name(&scoring, &st.shape),
                            Statement::public_inputs(&st),
                        )
                    }
                    Err(score_err) => {
                        match serde_json::from_str::<zkyuma_circuits::epoch::EpochStatement>(&text)
                        {
                            Ok(st) => (
                                zkyuma_prover::epoch::params_name(&st.shape()),
                                Statement::public_inputs(&st),
                            ),
                            Err(_) => {
                                return Err(CliError::Usage(format!(
                                    "{}: neither a score nor an epoch statement ({score_err})",
                                    statement.display()
                                )))
                            }
                        }
                    }
                };
            let paths =
                zkyuma_prover::keys::KeyPaths::new(&params, std::path::Path::new("."), &name);
            let vk = paths.load_vk_bytes()?;
            let proof_bytes = std::fs::read(&proof).map_err(|source| CliError::Read {
                path: proof.display().to_string(),
                source,
            })?;
            let (vk_json, proof_json, public_json) =
                zkyuma_prover::interop::snarkjs_verification(&vk, &proof_bytes, &inputs)?;
            for (file, v) in [
                ("verification_key.json", vk_json),
                ("proof.json", proof_json),
                ("public.json", public_json),
            ] {
                zkyuma_prover::keys::write_atomic(
                    &out.join(file),
                    &serde_json::to_vec_pretty(&v)?,
                )?;
            }
            println!(
                "snarkjs files in {}: snarkjs groth16 verify verification_key.json public.json proof.json",
                out.display()
            );
        }
        ExportCommand::EvmVerifier {
            circuit,
            shape,
            depth,
            mode,
            scoring,
            bonds,
            ethereum,
            out,
            params,
        } => {
            let path = export_evm_verifier(
                circuit, &shape, depth, mode, &scoring, bonds, ethereum, &out, &params,
            )?;
            println!(
                "verifier: {}\nregistry: {}\ndescription: {}",
                path.display(),
                out.join("ZkyumaRegistry.sol").display(),
                out.join("verifier.json").display()
            );
        }
    }
    Ok(())
}

/// The timelocked commit call of `path` (version 4: the payload names `hotkey`; version 3: it
/// does not) for `row`, encrypted to `round`.
fn timelocked_call(
    path: subtensor::WeightsPath,
    hotkey: &[u8; 32],
    row: &RowArgs,
    version_key: u64,
    round: u64,
) -> Result<Call, CliError> {
    let rng = &mut rand::rngs::OsRng;
    Ok(match path {
        subtensor::WeightsPath::Timelocked { version } => {
            let commit =
                timelock::commit_weights(hotkey, &row.uids, &row.values, version_key, round, rng)?;
            subtensor::commit_timelocked_weights(row.netuid, &commit, round, version)
        }
        _ => {
            let commit =
                timelock::commit_weights_v3(&row.uids, &row.values, version_key, round, rng)?;
            subtensor::commit_crv3_weights(row.netuid, &commit, round)
        }
    })
}

/// Run `zkyuma chain ...`.
pub fn run_chain(cmd: ChainCommand) -> Result<(), CliError> {
    let rt = runtime()?;
    rt.block_on(run_chain_async(cmd))
}

async fn run_chain_async(cmd: ChainCommand) -> Result<(), CliError> {
    match cmd {
        ChainCommand::Metagraph { node, netuid } => {
            let node = Subtensor::connect(&node.url).await?;
            let mg = node.metagraph(netuid).await?;
            println!("{}", serde_json::to_string_pretty(&mg)?);
        }
        ChainCommand::SetWeights {
            node,
            key,
            row,
            reveal_out,
            dry_run,
            commit_reveal,
            reveal_round,
        } => {
            if dry_run {
                // Offline: mainnet's metadata (commit-reveal version 4), and the commit-reveal
                // setting as given.
                let metadata = subtensor::decode_metadata(subtensor::MAINNET_METADATA)?;
                let chain = OfflineChain::new(metadata, [0; 32], 0, 1)?;
                let path = subtensor::WeightsPath::choose(
                    chain.metadata(),
                    commit_reveal,
                    timelock::COMMIT_REVEAL_VERSION,
                );
                let version_key = row.version_key.unwrap_or(0);
                let call = match path {
                    subtensor::WeightsPath::Plain => {
                        subtensor::set_weights(row.netuid, &row.uids, &row.values, version_key)?
                    }
                    _ => {
                        let round = reveal_round.ok_or_else(|| {
                            CliError::Usage("--dry-run --commit-reveal needs --reveal-round".into())
                        })?;
                        let hotkey = subtensor::account_of(&signer(&key)?);
                        timelocked_call(
                            subtensor::WeightsPath::Timelocked {
                                version: timelock::COMMIT_REVEAL_VERSION,
                            },
                            &hotkey,
                            &row,
                            version_key,
                            round,
                        )?
                    }
                };
                return print_call(&chain, &call);
            }
            let n = Subtensor::connect(&node.url).await?;
            let commit_reveal = n.commit_reveal_enabled(row.netuid).await?;
            let version = if commit_reveal {
                n.commit_reveal_version().await?
            } else {
                0
            };
            let metadata = n.metadata().await?;
            let path = subtensor::WeightsPath::choose(&metadata, commit_reveal, version);
            let signer = signer(&key)?;
            match path {
                subtensor::WeightsPath::Plain => {
                    let call = subtensor::set_weights(
                        row.netuid,
                        &row.uids,
                        &row.values,
                        version_key(&n, &row).await?,
                    )?;
                    let tx = n.submit(&call, &signer).await?;
                    println!("set_weights: 0x{} finalized", hex::encode(tx));
                }
                subtensor::WeightsPath::HashCommit => {
                    println!(
                        "netuid {}: commit-reveal is on and the runtime has no timelocked commits: committing a hash",
                        row.netuid
                    );
                    commit(Some(&n), &key, &row, &reveal_out).await?;
                }
                subtensor::WeightsPath::Timelocked { .. }
                | subtensor::WeightsPath::TimelockedV3 => {
                    let version_key = version_key(&n, &row).await?;
                    let (tempo, period) = n.reveal_schedule(row.netuid).await?;
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs_f64())
                        .unwrap_or(0.0);
                    // The stateful epoch schedule where the runtime keeps one, else the
                    // block-number schedule of older runtimes.
                    let round = match n.epoch_schedule(row.netuid).await? {
                        Some(schedule) => {
                            timelock::reveal_round_for_schedule(&schedule, period, 12.0, now)
                                .map_err(|e| CliError::Usage(format!("reveal round: {e}")))?
                        }
                        None => timelock::reveal_round(
                            n.block_number().await?,
                            row.netuid,
                            tempo,
                            period,
                            12.0,
                            now,
                        ),
                    };
                    let call = timelocked_call(
                        path,
                        &subtensor::account_of(&signer),
                        &row,
                        version_key,
                        round,
                    )?;
                    let tx = n.submit(&call, &signer).await?;
                    println!(
                        "{}: 0x{} finalized; the runtime reveals the row once drand round {round} is stored",
                        call.call_name(),
                        hex::encode(tx)
                    );
                }
            }
        }
        ChainCommand::CommitWeights {
            node,
            key,
            row,
            reveal_out,
            dry_run,
        } => {
            let n = if dry_run {
                None
            } else {
                Some(Subtensor::connect(&node.url).await?)
            };
            commit(n.as_ref(), &key, &row, &reveal_out).await?;
        }
        ChainCommand::RevealWeights {
            node,
            key,
            reveal,
            dry_run,
        } => {
            let data: RevealData = parse_json(&reveal, &read_input(&reveal)?)?;
            let signer = signer(&key)?;
            let hotkey = subtensor::account_of(&signer);
            let hash = subtensor::commit_hash(
                &hotkey,
                data.netuid,
                &data.uids,
                &data.values,
                &data.salt,
                data.version_key,
            );
            if format!("0x{}", hex::encode(hash)) != data.commit_hash {
                return Err(CliError::Usage(format!(
                    "{}: the reveal does not hash to its commit {} under this key",
                    reveal.display(),
                    data.commit_hash
                )));
            }
            let call = subtensor::reveal_weights(
                data.netuid,
                &data.uids,
                &data.values,
                &data.salt,
                data.version_key,
            )?;
            if dry_run {
                return print_call(&offline()?, &call);
            }
            let n = Subtensor::connect(&node.url).await?;
            let tx = n.submit(&call, &signer).await?;
            println!("reveal_weights: 0x{} finalized", hex::encode(tx));
        }
        ChainCommand::SubmitProof {
            node,
            key,
            circuit,
            registry,
            version,
            proof,
            statement,
            netuid,
            gas_limit,
            max_fee_per_gas,
            dry_run,
        } => {
            let input = proof_calldata(circuit, &proof, &statement, netuid, version)?;
            let signer = signer(&key)?;
            let call = EvmCall {
                source: subtensor::evm_address(&subtensor::account_of(&signer)),
                target: parse_h160(&registry)?,
                input,
                gas_limit,
                max_fee_per_gas,
            };
            if dry_run {
                let chain = offline()?;
                let payload = subtensor::evm_call(chain.metadata(), &call)?;
                return print_call(&chain, &payload);
            }
            let n = Subtensor::connect(&node.url).await?;
            let metadata = n.metadata().await?;
            let payload = subtensor::evm_call(&metadata, &call)?;
            let tx = n.submit(&payload, &signer).await?;
            println!("EVM::call to the registry: 0x{} finalized", hex::encode(tx));
        }
    }
    Ok(())
}
