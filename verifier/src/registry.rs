//! Verifying keys registered per (netuid, circuit, shape, version), as the chain holds them.

use crate::{PreparedVerifyingKey, VerifyError, VerifyingKey};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;

/// Which key: the subnet, the circuit (e.g. `score/mse-a16`), the shape name and a version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyId {
    /// Subnet.
    pub netuid: u16,
    /// Circuit, e.g. `score/mse-a16`.
    pub circuit: String,
    /// Shape, e.g. `256x32-d10-hidden`.
    pub shape: String,
    /// Key version.
    pub version: u32,
}

impl core::fmt::Display for KeyId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "netuid {} circuit {} shape {} v{}",
            self.netuid, self.circuit, self.shape, self.version
        )
    }
}

/// Registered verifying keys.
#[derive(Clone, Debug, Default)]
pub struct KeyRegistry {
    keys: BTreeMap<KeyId, PreparedVerifyingKey>,
}

impl KeyRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register (or replace) a key from its compressed bytes; returns its hash.
    pub fn register(
        &mut self,
        id: KeyId,
        vk_bytes: &[u8],
        public_inputs: usize,
    ) -> Result<[u8; 32], VerifyError> {
        let vk = VerifyingKey::from_bytes(vk_bytes, public_inputs)?;
        let prepared = PreparedVerifyingKey::new(vk);
        let hash = prepared.hash();
        self.keys.insert(id, prepared);
        Ok(hash)
    }

    /// The prepared key for `id`.
    pub fn get(&self, id: &KeyId) -> Result<&PreparedVerifyingKey, VerifyError> {
        self.keys
            .get(id)
            .ok_or_else(|| VerifyError::UnknownKey(format!("{id}")))
    }
}
