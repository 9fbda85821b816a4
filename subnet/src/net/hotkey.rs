//! Hotkeys: sr25519 keys as on Bittensor (the `substrate` signing context), and what each party
//! signs. Every signed payload starts with its own domain tag, so a signature over one kind of
//! message never verifies as another.

use crate::net::protocol::fr_to_bytes;
use ark_bn254::Fr;
use subxt_signer::sr25519;

/// A party's sr25519 hotkey pair.
#[derive(Clone)]
pub struct Hotkey {
    pair: sr25519::Keypair,
    seed: [u8; 32],
}

impl std::fmt::Debug for Hotkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hotkey({})", hex::encode(self.public()))
    }
}

impl Hotkey {
    /// A key derived from a 32-byte secret seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        // Every 32-byte string is a valid mini secret key.
        let pair =
            sr25519::Keypair::from_secret_key(seed).unwrap_or_else(|_| sr25519::dev::alice());
        Self { pair, seed }
    }

    /// A demo key derived from a name (`blake3("zkyuma/demo-hotkey/v1" ‖ name)`): public, so
    /// only for local runs and tests.
    pub fn demo(name: &str) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(b"zkyuma/demo-hotkey/v1");
        h.update(name.as_bytes());
        Self::from_seed(*h.finalize().as_bytes())
    }

    /// The 32-byte public key (the hotkey's on-chain identity).
    pub fn public(&self) -> [u8; 32] {
        self.pair.public_key().0
    }

    /// The secret that opens what is sealed to this hotkey ([`crate::net::sealed`]).
    pub fn recipient_secret(&self) -> crate::net::sealed::RecipientSecret {
        crate::net::sealed::secret_from_seed(self.seed)
    }

    /// Sign a payload.
    pub fn sign(&self, payload: &[u8]) -> [u8; 64] {
        self.pair.sign(payload).0
    }
}

/// Whether `signature` is `hotkey`'s sr25519 signature of `payload`.
pub fn verify_signature(hotkey: &[u8; 32], payload: &[u8], signature: &[u8]) -> bool {
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    sr25519::verify(
        &sr25519::Signature(sig),
        payload,
        &sr25519::PublicKey(*hotkey),
    )
}

/// What a miner signs: (netuid, epoch, validator, query digest, commitment, blake3 of its
/// sealed opening's canonical JSON), so nobody can post its commitment with another opening.
pub fn miner_commitment_payload(
    netuid: u16,
    epoch: u64,
    validator: &[u8; 32],
    query_digest: &Fr,
    commitment: &Fr,
    sealed_opening: &[u8],
) -> Vec<u8> {
    let mut p = b"zkyuma/miner-commitment/v2".to_vec();
    p.extend(netuid.to_le_bytes());
    p.extend(epoch.to_le_bytes());
    p.extend(validator);
    p.extend(fr_to_bytes(query_digest));
    p.extend(fr_to_bytes(commitment));
    p.extend(blake3::hash(sealed_opening).as_bytes());
    p
}

/// What a validator signs when it posts its task: (netuid, epoch, validator, query digest, the
/// blake3 of its envelopes).
pub fn task_payload(
    netuid: u16,
    epoch: u64,
    validator: &[u8; 32],
    query_digest: &Fr,
    envelopes_digest: &[u8; 32],
) -> Vec<u8> {
    let mut p = b"zkyuma/task/v1".to_vec();
    p.extend(netuid.to_le_bytes());
    p.extend(epoch.to_le_bytes());
    p.extend(validator);
    p.extend(fr_to_bytes(query_digest));
    p.extend(envelopes_digest);
    p
}

/// What a validator signs when it submits a score proof: the proof's public inputs and the
/// blake3 of its sealed weight opening and of its dropped miners' JSON (so nobody can attach
/// another opening or other drops to its proof).
pub fn score_submission_payload(
    public_inputs: &[Fr],
    sealed_opening: &[u8],
    dropped_miners: &[u8],
) -> Vec<u8> {
    let mut p = b"zkyuma/score-submission/v3".to_vec();
    for x in public_inputs {
        p.extend(fr_to_bytes(x));
    }
    p.extend(blake3::hash(sealed_opening).as_bytes());
    p.extend(blake3::hash(dropped_miners).as_bytes());
    p
}

/// What a validator signs when it registers its evaluation set during epoch `epoch`.
pub fn dataset_payload(
    netuid: u16,
    validator: &[u8; 32],
    root: &Fr,
    size: u64,
    epoch: u64,
) -> Vec<u8> {
    let mut p = b"zkyuma/dataset/v2".to_vec();
    p.extend(epoch.to_le_bytes());
    p.extend(netuid.to_le_bytes());
    p.extend(validator);
    p.extend(fr_to_bytes(root));
    p.extend(size.to_le_bytes());
    p
}
