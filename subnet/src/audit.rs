//! The auditor (DESIGN §1 step 6): re-verifies epoch bundles offline — each file's blake3
//! address, the chain of seeds, digests and bonds commitments across epochs, every signature,
//! every check the chain made of each score submission (accepted ones must pass, refused ones must
//! fail), all accepted score proofs at once by batch verification, and the epoch proof.

use crate::bundle::EpochBundle;
use crate::chain::beacon::verify_round;
use crate::chain::tasks::{check_commitment, check_task, judge_complaint, MinerDrop, TaskBoard};
use crate::chain::{
    admit_score, dropped_row_commitment, epoch_seed, genesis_bonds_commitment, ScoreContext,
};
use crate::chain::{judge_drop, opening_context, Submitted};
use crate::net::hotkey::{dataset_payload, verify_signature};
use crate::net::protocol::{self, fr_to_bytes};
use crate::net::sealed::Envelope;
use ark_bn254::Fr;
use std::path::{Path, PathBuf};
use zkyuma_circuits::epoch::{permit_rows, slot_rows, EpochChainState};
use zkyuma_circuits::score::ScoreStatement;
use zkyuma_circuits::scoring::ScoringFunction;
use zkyuma_verifier::{StatementKey, SystemProof};

/// The audit of one bundle.
#[derive(Clone, Debug)]
pub struct EpochAudit {
    /// File.
    pub path: PathBuf,
    /// Epoch (if the bundle parsed).
    pub epoch: Option<u64>,
    /// Accepted score proofs verified.
    pub score_proofs: usize,
    /// Refused submissions confirmed invalid.
    pub refused: usize,
    /// Everything found wrong (empty: the epoch checks out).
    pub failures: Vec<String>,
    /// With `--params`: where each verifying key came from (a ceremony's transcript, checked,
    /// or an insecure setup).
    pub key_origins: Vec<String>,
    /// Checks that could not run (a later epoch audited without the bundle before it: the
    /// continuity of digests, bonds, stakes, permits, last updates and the stored consensus).
    pub unchecked: Vec<String>,
}

/// The audit of a directory.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// Per bundle, by epoch.
    pub epochs: Vec<EpochAudit>,
}

impl AuditReport {
    /// Whether every bundle checks out (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.epochs.is_empty() && self.epochs.iter().all(|e| e.failures.is_empty())
    }

    /// A readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.epochs {
            let name = e
                .path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            if e.failures.is_empty() {
                out.push_str(&format!(
                    "epoch {:>3}  OK    {} score proofs (batch) + epoch proof verified, {} refused submissions confirmed invalid  [{name}]\n",
                    e.epoch.unwrap_or(0),
                    e.score_proofs,
                    e.refused
                ));
                for u in &e.unchecked {
                    out.push_str(&format!("           unchecked: {u}\n"));
                }
            } else {
                out.push_str(&format!(
                    "epoch {:>3}  FAIL  [{name}]\n",
                    e.epoch.map_or("?".into(), |x| x.to_string())
                ));
                for f in &e.failures {
                    out.push_str(&format!("           - {f}\n"));
                }
            }
        }
        if self.epochs.is_empty() {
            out.push_str("no epoch bundles found\n");
        }
        let mut origins: Vec<&String> = self.epochs.iter().flat_map(|e| &e.key_origins).collect();
        origins.sort();
        origins.dedup();
        for o in origins {
            out.push_str(&format!("keys: {o}\n"));
        }
        out.push_str(if self.passed() {
            "audit passed\n"
        } else {
            "audit FAILED\n"
        });
        out
    }
}

/// Why the audit could not run at all.
#[derive(Debug, thiserror::Error)]
#[error("reading {path}: {source}")]
pub struct AuditIoError {
    /// What could not be read.
    pub path: String,
    /// Why.
    pub source: std::io::Error,
}

/// Audit every `epoch-*.json` bundle in `dir`. With `params`, each bundle's verifying keys must
/// also equal the pinned ones there.
pub fn audit_dir(dir: &Path, params: Option<&Path>) -> Result<AuditReport, AuditIoError> {
    let io = |source| AuditIoError {
        path: dir.display().to_string(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("epoch-") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    let mut epochs = Vec::new();
    let mut previous: Option<EpochBundle> = None;
    for path in files {
        let bytes = std::fs::read(&path).map_err(|source| AuditIoError {
            path: path.display().to_string(),
            source,
        })?;
        let (audit, bundle) = audit_bundle(&path, &bytes, previous.as_ref(), params);
        epochs.push(audit);
        if bundle.is_some() {
            previous = bundle;
        }
    }
    Ok(AuditReport { epochs })
}

/// Audit one bundle given the previous epoch's (for continuity).
pub fn audit_bundle(
    path: &Path,
    bytes: &[u8],
    previous: Option<&EpochBundle>,
    params: Option<&Path>,
) -> (EpochAudit, Option<EpochBundle>) {
    let mut a = EpochAudit {
        path: path.to_path_buf(),
        epoch: None,
        score_proofs: 0,
        refused: 0,
        failures: Vec::new(),
        key_origins: Vec::new(),
        unchecked: Vec::new(),
    };
    let digest = blake3::hash(bytes).to_hex().to_string();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !name.ends_with(&format!("-{digest}.json")) {
        a.failures.push(format!(
            "content blake3 {digest} does not match the file name"
        ));
    }
    let bundle: EpochBundle = match serde_json::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            a.failures.push(format!("not an epoch bundle: {e}"));
            return (a, None);
        }
    };
    a.epoch = Some(bundle.epoch);
    check(&bundle, previous, params, &mut a);
    (a, Some(bundle))
}

fn hex32(field: &str, s: &str, failures: &mut Vec<String>) -> [u8; 32] {
    match hex::decode(s)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        Some(b) => b,
        None => {
            failures.push(format!("{field}: not 32 bytes of hex"));
            [0; 32]
        }
    }
}

/// Where a pinned key came from, by its `circuit.json`: for keys from a ceremony, the transcript
/// published beside them is checked against the key
/// ([`zkyuma_prover::ceremony::run::check_published`]) and must be the one the bundle names; a
/// bundle naming a transcript for keys from any other setup is refused.
fn key_origin(params: &Path, k: &crate::bundle::BundleKey, vk: &[u8]) -> Result<String, String> {
    use zkyuma_prover::keys::{KeyPaths, SetupKind};
    let paths = KeyPaths::new(params, params, &k.name);
    if k.proof_system != zkyuma_circuits::statement::ProofSystem::Groth16 {
        return halo2_key_origin(&paths, k, vk);
    }
    let description = paths.load_description().map_err(|e| e.to_string())?;
    if description.vk_blake3 != blake3::hash(vk).to_hex().to_string() {
        return Err(format!(
            "{}: circuit.json records another verifying key than vk.bin",
            paths.description_path().display()
        ));
    }
    match &description.setup {
        SetupKind::Ceremony {
            transcript_hash, ..
        } => {
            let transcript = paths.load_transcript_bytes().map_err(|e| e.to_string())?;
            let t = zkyuma_prover::ceremony::run::check_published(&description, vk, &transcript)
                .map_err(|e| e.to_string())?;
            if k.transcript_hash.as_deref() != Some(transcript_hash) {
                return Err(format!(
                    "the bundle names transcript {}, the published keys come from {transcript_hash}",
                    k.transcript_hash.as_deref().unwrap_or("none")
                ));
            }
            let last = t.contributions.last().map_or("", |c| c.name.as_str());
            Ok(format!(
                "phase-2 ceremony, transcript {transcript_hash} checked ({} contributions, the last {last:?})",
                t.contributions.len()
            ))
        }
        other => {
            if let Some(named) = &k.transcript_hash {
                return Err(format!(
                    "the bundle names transcript {named}, but the published keys are from no ceremony"
                ));
            }
            Ok(match other {
                SetupKind::InsecureDeterministic { seed } => {
                    format!(
                        "INSECURE setup from the public seed {seed:?} (anyone can forge proofs)"
                    )
                }
                _ => "setup on one machine's randomness (trust that machine)".into(),
            })
        }
    }
}

fn key(
    bundle: &EpochBundle,
    circuit: &str,
    inputs: usize,
    params: Option<&Path>,
    failures: &mut Vec<String>,
    origins: &mut Vec<String>,
) -> Option<StatementKey> {
    let Some(k) = bundle.keys.iter().find(|k| k.circuit == circuit) else {
        failures.push(format!("no {circuit} verifying key in the bundle"));
        return None;
    };
    let Ok(bytes) = hex::decode(&k.vk) else {
        failures.push(format!("{circuit} key: not hex"));
        return None;
    };
    if blake3::hash(&bytes).to_hex().to_string() != k.blake3 {
        failures.push(format!("{circuit} key: blake3 does not match its bytes"));
    }
    if let Some(dir) = params {
        let pinned = dir.join(&k.name).join("vk.bin");
        match std::fs::read(&pinned) {
            Ok(p) if p == bytes => match key_origin(dir, k, &bytes) {
                Ok(origin) => origins.push(format!("{circuit} {}: {origin}", k.name)),
                Err(e) => failures.push(format!("{circuit} key: {e}")),
            },
            Ok(_) => failures.push(format!("{circuit} key differs from {}", pinned.display())),
            Err(e) => failures.push(format!("{}: {e}", pinned.display())),
        }
    }
    match StatementKey::from_bytes(k.proof_system, &bytes, inputs) {
        Ok(key) => Some(key),
        Err(e) => {
            failures.push(format!("{circuit} key: {e}"));
            None
        }
    }
}

/// Where a pinned halo2 key came from: its `circuit.json` (checked by `checksums.b3`) must record
/// this key and its proof system; halo2 keys come from no ceremony.
fn halo2_key_origin(
    paths: &zkyuma_prover::keys::KeyPaths,
    k: &crate::bundle::BundleKey,
    vk: &[u8],
) -> Result<String, String> {
    use zkyuma_circuits::statement::ProofSystem;
    let description = zkyuma_prover::halo2::load_description(paths).map_err(|e| e.to_string())?;
    if description.vk_hash != blake3::hash(vk).to_hex().to_string()
        || description.system != k.proof_system
    {
        return Err(format!(
            "{}: circuit.json records another verifying key or proof system",
            paths.description_path().display()
        ));
    }
    if let Some(named) = &k.transcript_hash {
        return Err(format!(
            "the bundle names transcript {named}, but halo2 keys come from no ceremony"
        ));
    }
    Ok(match k.proof_system {
        ProofSystem::Halo2Kzg => format!(
            "halo2-kzg on a universal powers-of-tau setup ({} rows of 2^{})",
            description.rows, description.k
        ),
        _ => format!(
            "halo2-ipa, transparent: no setup ({} rows of 2^{})",
            description.rows, description.k
        ),
    })
}

/// The bundle's task board, re-checked with the chain's own rules: every task (signature, an
/// envelope for every miner), every commitment (the miner's signature, its sealed opening) and
/// every complaint (its disclosure judged again). What fails is reported and left out of the
/// board the score statements are then checked against.
fn check_board(b: &EpochBundle, neurons: &[([u8; 32], bool)], f: &mut Vec<String>) -> TaskBoard {
    let mut board = TaskBoard::default();
    for t in &b.tasks.tasks {
        if board.task(t.validator_uid).is_some() {
            f.push(format!("validator uid {} has two tasks", t.validator_uid));
            continue;
        }
        match check_task(
            b.netuid,
            b.epoch,
            neurons,
            b.score_shape.samples as usize,
            t,
        ) {
            Ok(()) => board.tasks.push(t.clone()),
            Err(e) => f.push(format!("task of uid {}: {e}", t.validator_uid)),
        }
    }
    for c in &b.tasks.commitments {
        let Some(task) = board.task(c.validator_uid) else {
            f.push(format!(
                "commitment of uid {} to uid {} answers no valid task",
                c.miner_uid, c.validator_uid
            ));
            continue;
        };
        if board.commitment(c.validator_uid, c.miner_uid).is_some() {
            f.push(format!(
                "uid {} has two commitments to uid {}",
                c.miner_uid, c.validator_uid
            ));
            continue;
        }
        match check_commitment(
            b.netuid,
            b.epoch,
            neurons,
            b.score_shape.samples as usize,
            task,
            c,
        ) {
            Ok(()) => board.commitments.push(c.clone()),
            Err(e) => f.push(format!(
                "commitment of uid {} to uid {}: {e}",
                c.miner_uid, c.validator_uid
            )),
        }
    }
    for c in &b.tasks.complaints {
        let Some(task) = board.task(c.validator_uid) else {
            f.push(format!(
                "complaint of uid {} about uid {} concerns no valid task",
                c.miner_uid, c.validator_uid
            ));
            continue;
        };
        if board.commitment(c.validator_uid, c.miner_uid).is_some()
            || board.complaint(c.validator_uid, c.miner_uid).is_some()
        {
            f.push(format!(
                "uid {} both committed to and complained about uid {}'s task",
                c.miner_uid, c.validator_uid
            ));
            continue;
        }
        match judge_complaint(b.netuid, b.epoch, neurons, task, c.miner_uid, &c.disclosure) {
            Ok(reason) if reason == c.reason => board.complaints.push(c.clone()),
            Ok(reason) => f.push(format!(
                "complaint of uid {} about uid {}: recorded as {:?}, it is {reason:?}",
                c.miner_uid, c.validator_uid, c.reason
            )),
            Err(e) => f.push(format!(
                "complaint of uid {} about uid {}: {e}",
                c.miner_uid, c.validator_uid
            )),
        }
    }
    board
}

fn check(
    b: &EpochBundle,
    previous: Option<&EpochBundle>,
    params: Option<&Path>,
    a: &mut EpochAudit,
) {
    if previous.is_none() && b.epoch > 1 {
        a.unchecked.push(format!(
            "continuity with epoch {} (its digest, bonds, stakes, permits, last updates and stored consensus): its bundle is not in the audit",
            b.epoch - 1
        ));
    }
    let f = &mut a.failures;
    if b.version != crate::bundle::BUNDLE_VERSION {
        f.push(format!(
            "bundle format version {}, this auditor reads version {}",
            b.version,
            crate::bundle::BUNDLE_VERSION
        ));
        return;
    }
    // The seed: from the epoch's beacon round, verified against the subnet's beacon key (the
    // same key, and a later round, than the previous epoch's). Then continuity of digests and
    // bonds from the previous epoch.
    let prev_digest = hex32("prev_digest", &b.prev_digest, f);
    let seed = hex32("sample_seed", &b.sample_seed, f);
    match &b.beacon_round {
        None => f.push("no beacon round: the sample seed derives from nothing public".into()),
        Some(round) => match verify_round(&b.beacon, round) {
            Ok(randomness) if epoch_seed(b.netuid, b.epoch, round.round, &randomness) == seed => {}
            Ok(_) => f.push("sample seed is not derived from the epoch's beacon round".into()),
            Err(e) => f.push(format!("beacon round {}: {e}", round.round)),
        },
    }
    match previous {
        Some(p) => {
            if p.epoch.checked_add(1) != Some(b.epoch) {
                f.push(format!("epoch {} follows epoch {}", b.epoch, p.epoch));
            }
            if p.beacon != b.beacon {
                f.push("the beacon key differs from the previous epoch's".into());
            }
            if p.epoch_prover != b.epoch_prover {
                f.push("the epoch prover's hotkey differs from the previous epoch's".into());
            }
            let rounds = (p.beacon_round.as_ref(), b.beacon_round.as_ref());
            if let (Some(pr), Some(br)) = rounds {
                if br.round <= pr.round {
                    f.push(format!(
                        "beacon round {} does not follow the previous epoch's {}",
                        br.round, pr.round
                    ));
                }
            }
            if fr_to_bytes(&p.epoch_statement.public_digest()) != prev_digest {
                f.push("prev_digest is not the previous epoch's digest".into());
            }
            if p.epoch_statement.commitments.new_bonds_commitment
                != b.epoch_statement.commitments.prev_bonds_commitment
            {
                f.push("previous bonds commitment breaks the chain of epochs".into());
            }
        }
        None if b.epoch == 1 => {
            if prev_digest != [0; 32] {
                f.push("first epoch with a non-zero previous digest".into());
            }
            // (A malformed statement is reported below; its shape is not trusted here.)
            if b.epoch_statement.validate().is_ok()
                && b.epoch_statement.commitments.prev_bonds_commitment
                    != genesis_bonds_commitment(
                        &b.epoch_statement.shape(),
                        &permit_rows(&b.epoch_input),
                    )
            {
                f.push("first epoch does not start from the genesis bonds".into());
            }
        }
        None => {}
    }
    // Datasets.
    let mut datasets = Vec::new();
    for d in &b.datasets {
        let hk = hex32("dataset hotkey", &d.hotkey, f);
        let root = hex::decode(&d.root)
            .ok()
            .and_then(|r| protocol::fr_from_bytes("root", &r).ok());
        let Some(root) = root else {
            f.push("dataset root: not a field element".into());
            continue;
        };
        let sig = hex::decode(&d.signature).unwrap_or_default();
        if !verify_signature(
            &hk,
            &dataset_payload(b.netuid, &hk, &root, d.size, d.epoch),
            &sig,
        ) || d.epoch > b.epoch
        {
            f.push(format!("dataset of {}: bad signature", d.hotkey));
        }
        datasets.push((hk, root, d.size));
    }
    let neurons: Vec<([u8; 32], bool)> = b
        .neurons
        .iter()
        .map(|n| (hex32("hotkey", &n.hotkey, f), n.validator_permit))
        .collect();
    let score_pvk = key(
        b,
        "score",
        zkyuma_circuits::score::PUBLIC_INPUTS,
        params,
        f,
        &mut a.key_origins,
    );
    let epoch_pvk = key(b, "epoch", 1, params, f, &mut a.key_origins);
    let Some(score_pvk) = score_pvk else { return };
    let Some(epoch_pvk) = epoch_pvk else { return };
    let lookup = |hk: &[u8; 32]| datasets.iter().find(|d| d.0 == *hk).map(|d| (d.1, d.2));
    let epoch_prover = hex32("epoch_prover", &b.epoch_prover, f);
    let ctx = ScoreContext {
        netuid: b.netuid,
        epoch: b.epoch,
        seed,
        scoring: b.scoring.id(),
        shape: b.score_shape,
        vk_hash: score_pvk.hash(),
        neurons,
        dataset: &lookup,
        epoch_prover,
    };
    let board = check_board(b, &ctx.neurons, f);
    // Score submissions: accepted ones pass every check and go to one batch verification.
    let mut batch = Vec::new();
    let mut accepted_cw: Vec<(u16, Fr)> = Vec::new();
    for s in &b.scores {
        let signature = hex::decode(&s.signature).unwrap_or_default();
        let sealed_opening = hex::decode(&s.sealed_opening).unwrap_or_default();
        let dropped_json = hex::decode(&s.dropped_miners).unwrap_or_default();
        let drops: Result<Vec<MinerDrop>, _> = if dropped_json.is_empty() {
            Ok(Vec::new())
        } else {
            serde_json::from_slice(&dropped_json)
        };
        let admitted = match &drops {
            Ok(drops) => admit_score(
                &ctx,
                &board,
                &s.statement,
                &Submitted {
                    signature: &signature,
                    sealed_opening: &sealed_opening,
                    dropped_json: &dropped_json,
                    drops,
                },
            ),
            Err(e) => Err(crate::chain::ChainError::Wire(
                crate::net::protocol::WireError::Json {
                    field: "dropped_miners",
                    message: e.to_string(),
                },
            )),
        };
        let proof = hex::decode(&s.proof).ok().map(|bytes| SystemProof {
            system: s.proof_system,
            bytes,
        });
        if s.accepted {
            match (admitted, proof) {
                (Ok(cw), Some(p)) => {
                    let uid = b
                        .neurons
                        .iter()
                        .find(|n| {
                            hex::decode(&n.hotkey).ok().as_deref()
                                == Some(s.statement.validator_hotkey.as_slice())
                        })
                        .map(|n| n.uid);
                    match uid {
                        Some(uid) if accepted_cw.iter().any(|(v, _)| *v == uid) => {
                            f.push(format!("uid {uid} has two accepted score submissions"));
                        }
                        Some(uid) => accepted_cw.push((uid, cw)),
                        None => f.push("accepted submission of an unknown hotkey".into()),
                    }
                    batch.push((s.statement.clone(), p));
                }
                (Err(e), _) => f.push(format!(
                    "accepted submission of uid {:?} fails a check: {e}",
                    s.validator_uid
                )),
                (_, None) => f.push(format!(
                    "accepted submission of uid {:?} has a malformed proof",
                    s.validator_uid
                )),
            }
        } else {
            let valid = admitted.is_ok()
                && proof.is_some_and(|p| score_pvk.verify(&s.statement, &p).is_ok());
            let superseded = b.scores.iter().any(|o| {
                o.accepted
                    && o.statement.validator_hotkey == s.statement.validator_hotkey
                    && o.statement != s.statement
            });
            if valid && !superseded {
                f.push(format!(
                    "submission of uid {:?} was refused ({}) but is valid",
                    s.validator_uid, s.reason
                ));
            } else {
                a.refused += 1;
            }
        }
    }
    if !batch.is_empty() {
        let items: Vec<(&ScoreStatement, &SystemProof)> =
            batch.iter().map(|(s, p)| (s, p)).collect();
        match score_pvk.verify_batch(&items) {
            Ok(()) => a.score_proofs = batch.len(),
            Err(e) => f.push(format!("score proofs: batch verification failed: {e}")),
        }
    }
    // The epoch: its rows are exactly the accepted commitments (dropped rows: zero), and its proof.
    let st = &b.epoch_statement;
    if st.chain.netuid != b.netuid || st.chain.epoch != b.epoch {
        f.push("epoch statement names another netuid or epoch".into());
    }
    // The statement's chain state is the one derived from the bundle's epoch input, with the
    // chain's own function; that input agrees with the bundle's metagraph.
    let input = &b.epoch_input;
    let metagraph_agrees = usize::from(input.n) == b.neurons.len()
        && b.neurons.iter().all(|n| {
            input.stake.get(usize::from(n.uid)) == Some(&n.stake)
                && input.validator_permit.get(usize::from(n.uid)) == Some(&n.validator_permit)
        });
    if !metagraph_agrees {
        f.push("the epoch input's stakes or permits differ from the bundle's metagraph".into());
    }
    // Rows are slots kept from the previous epoch's rows (genesis: the permit holders); a
    // first bundle audited alone takes its previous rows from its statement.
    let prev_rows = match previous {
        Some(p) => p.epoch_statement.chain.validators.clone(),
        None if b.epoch == 1 => permit_rows(input),
        None => st.chain.prev_validators.clone(),
    };
    let rows = slot_rows(&prev_rows, input);
    match EpochChainState::derive(
        b.netuid,
        b.epoch,
        input,
        (&rows, &prev_rows),
        epoch_pvk.hash(),
    ) {
        Ok(derived) if derived == st.chain => {}
        Ok(_) => f.push(
            "the epoch statement's chain state is not the one derived from the epoch input".into(),
        ),
        Err(e) => f.push(format!("the epoch input cannot be proven: {e}")),
    }
    check_epoch_input(b, previous, &accepted_cw, f);
    let n = b.neurons.len();
    // Dropped rows: each disclosure must show its accepted row's sealed opening invalid, with
    // the chain's own rule.
    let mut dropped = Vec::new();
    for d in &b.dropped {
        if dropped.contains(&d.uid) {
            f.push(format!("uid {}: dropped twice", d.uid));
            continue;
        }
        let Some(cw) = accepted_cw
            .iter()
            .find(|(v, _)| *v == d.uid)
            .map(|(_, cw)| *cw)
        else {
            f.push(format!(
                "uid {}: dropped, but it has no accepted row",
                d.uid
            ));
            continue;
        };
        let sealed = b
            .scores
            .iter()
            .find(|s| s.accepted && s.validator_uid == Some(d.uid))
            .and_then(|s| hex::decode(&s.sealed_opening).ok())
            .and_then(|bytes| serde_json::from_slice::<Envelope>(&bytes).ok());
        let hotkey = b
            .neurons
            .get(usize::from(d.uid))
            .map(|nr| hex32("hotkey", &nr.hotkey, f));
        match (sealed, hotkey) {
            (Some(env), Some(hk)) => {
                let context = opening_context(b.netuid, b.epoch, &hk, &cw);
                match judge_drop(&epoch_prover, &context, &env, &d.disclosure, &cw, n, d.uid) {
                    Ok(reason) if reason == d.reason => dropped.push(d.uid),
                    Ok(reason) => f.push(format!(
                        "uid {}: dropped as {:?}, but the disclosure shows {reason:?}",
                        d.uid, d.reason
                    )),
                    Err(e) => f.push(e.to_string()),
                }
            }
            _ => f.push(format!(
                "uid {}: dropped row without a sealed opening",
                d.uid
            )),
        }
    }
    let expected: Vec<Fr> = st
        .chain
        .validators
        .iter()
        .map(|u| {
            accepted_cw
                .iter()
                .find(|(v, _)| v == u && !dropped.contains(u))
                .map_or_else(|| dropped_row_commitment(n), |(_, cw)| *cw)
        })
        .collect();
    if st.commitments.weight_commitments != expected {
        f.push("epoch rows are not the accepted weight commitments".into());
    }
    let permits: Vec<u16> = b
        .neurons
        .iter()
        .filter(|n| n.validator_permit)
        .map(|n| n.uid)
        .collect();
    let mut held = st.chain.validators.clone();
    held.sort_unstable();
    if held != permits {
        f.push("epoch rows are not the permit holders".into());
    }
    match hex::decode(&b.epoch_proof).ok().map(|bytes| SystemProof {
        system: b.epoch_proof_system,
        bytes,
    }) {
        Some(p) => {
            if let Err(e) = epoch_pvk.verify(st, &p) {
                f.push(format!("epoch proof: {e}"));
            }
        }
        None => f.push("epoch proof: malformed".into()),
    }
}

/// The epoch input's blocks and last updates follow from the chain's rules: the epoch's blocks
/// from its number and tempo; an accepted validator updated at the epoch's first block; everyone
/// else, the registration blocks and the hyperparameters as in the previous bundle; the permits
/// the ones the previous epoch computed.
fn check_epoch_input(
    b: &EpochBundle,
    previous: Option<&EpochBundle>,
    accepted: &[(u16, Fr)],
    f: &mut Vec<String>,
) {
    let input = &b.epoch_input;
    let block = b.epoch.saturating_mul(input.tempo);
    if input.current_block != block + input.tempo.saturating_sub(1)
        || input.last_mechanism_step_block != block.saturating_sub(1)
    {
        f.push("the epoch input's blocks do not follow from its epoch and tempo".into());
    }
    // The chain runs Yuma and keeps no separate Yuma step block; under liquid alpha it runs the
    // `auto` consensus mode over the consensus it stored after the previous epoch
    // (`with_runtime_modes`), which only the previous bundle shows.
    let modes = zkyuma_circuits::yuma::EpochInput::default_modes();
    if input.last_yuma_step_block != modes.last_yuma_step_block
        || input.consensus_kind != modes.consensus_kind
    {
        f.push("the epoch input's runtime modes are not the chain's".into());
    }
    let previous_results = previous.map(|p| &p.epoch_statement.results);
    let expected = crate::chain::with_runtime_modes(
        zkyuma_circuits::yuma::EpochInput {
            liquid_alpha: input.liquid_alpha,
            ..zkyuma_circuits::yuma::EpochInput::default_modes()
        },
        previous_results,
    );
    let first = b.epoch == 1;
    if input.liquid_alpha_consensus_mode != expected.liquid_alpha_consensus_mode
        || ((previous.is_some() || first)
            && input.previous_consensus != expected.previous_consensus)
    {
        f.push(
            "the epoch input's liquid-alpha consensus mode or stored consensus is not the chain's"
                .into(),
        );
    }
    let is_accepted = |u: usize| accepted.iter().any(|(v, _)| usize::from(*v) == u);
    for (u, updated) in input.last_update.iter().enumerate() {
        let expected = if is_accepted(u) {
            Some(block + 1)
        } else {
            match previous {
                Some(p) => p.epoch_input.last_update.get(u).copied(),
                None if b.epoch == 1 => Some(0),
                None => None,
            }
        };
        if expected.is_some_and(|e| e != *updated) {
            f.push(format!(
                "uid {u}: last update {updated} does not follow the accepted submissions"
            ));
        }
    }
    let Some(p) = previous else { return };
    let q = &p.epoch_input;
    let same = input.block_at_registration == q.block_at_registration
        && input.tempo == q.tempo
        && input.activity_cutoff_blocks == q.activity_cutoff_blocks
        && input.stake_threshold == q.stake_threshold
        && input.owner_uid == q.owner_uid
        && input.max_allowed_validators == q.max_allowed_validators
        && input.kappa == q.kappa
        && input.bonds_penalty == q.bonds_penalty
        && input.bonds_moving_average == q.bonds_moving_average
        && input.yuma3 == q.yuma3
        && input.liquid_alpha == q.liquid_alpha
        && input.rao_emission == q.rao_emission;
    if !same {
        f.push(
            "the epoch input's registrations or hyperparameters differ from the previous bundle's"
                .into(),
        );
    }
    // Stakes: the previous epoch's, plus its emission where the subnet stakes emission.
    let staked = |u: usize| {
        let emitted = if p.stake_emission {
            p.epoch_statement.results.emission.get(u).copied()
        } else {
            Some(0)
        };
        q.stake
            .get(u)
            .zip(emitted)
            .map(|(s, e)| s.saturating_add(e))
    };
    if b.stake_emission != p.stake_emission
        || input.stake.len() != q.stake.len()
        || (0..input.stake.len()).any(|u| staked(u) != Some(input.stake[u]))
    {
        f.push("the stakes do not follow the previous epoch's stakes and emission".into());
    }
    match zkyuma_circuits::yuma::run_epoch(q) {
        Ok(out) if out.new_validator_permit == input.validator_permit => {}
        Ok(_) => f.push("the permits are not the ones the previous epoch computed".into()),
        Err(e) => f.push(format!("the previous epoch input: {e}")),
    }
}

/// Fetch bundles `epochs` from a running chain and audit them (written under `dir`).
pub async fn audit_chain(
    url: &str,
    netuid: u16,
    epochs: std::ops::RangeInclusive<u64>,
    dir: &Path,
    params: Option<&Path>,
) -> Result<AuditReport, String> {
    let mut chain = crate::net::serve::chain_client(url).map_err(|e| e.to_string())?;
    for epoch in epochs {
        let b = chain
            .get_bundle(crate::net::protocol::pb::BundleRequest {
                netuid: u32::from(netuid),
                epoch,
            })
            .await
            .map_err(|e| format!("epoch {epoch}: {}", e.message()))?
            .into_inner();
        let (name, _) = EpochBundle::file_name(epoch, &b.bundle_json);
        zkyuma_prover::keys::write_atomic(&dir.join(name), &b.bundle_json)
            .map_err(|e| e.to_string())?;
    }
    audit_dir(dir, params).map_err(|e| e.to_string())
}
