//! Groth16 verifiers for the EVM: a Solidity contract with the verifying key embedded, the
//! registry contract that records verified statements, and the ABI encoding of the calls.
//!
//! The generated verifier exposes `verifyProof(uint256[8] proof, uint256[] input)` for any number
//! of public inputs (the key's `IC` length − 1): the score proof has six,
//! `[netuid, epoch, hotkey_lo, hotkey_hi, weights, rest_digest]`, the epoch proof one, its
//! statement digest. It computes `IC(x) = IC_0 + Σ x_i·IC_i` with the ecMul / ecAdd precompiles
//! and checks `e(A, B)·e(−α, β)·e(IC(x), −γ)·e(C, −δ) = 1` with one call to the pairing
//! precompile (4 pairs). Negations are done here, so the contract only copies constants.
//!
//! Bittensor's EVM has the BN254 precompiles at non-standard addresses (ecAdd 0x09, ecMul 0x07,
//! pairing 0x08; 0x06 is a Substrate dispatch precompile there), so the addresses are chosen by
//! [`PrecompileMap`]; a contract built for one map fails on the other.
//!
//! Words are 32-byte big-endian integers as the EVM reads them. A proof is the 8 words
//! `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]` (EIP-197 puts the imaginary part of a
//! G2 coordinate first).

pub mod weight_gate;

use crate::{Proof, VerifyingKey};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use core::fmt::Write;
use thiserror::Error;

/// A 32-byte big-endian EVM word.
pub type Word = [u8; 32];

/// The registry contract (`ZkyumaRegistry`), written next to every generated verifier.
pub const REGISTRY_SOLIDITY: &str = include_str!("evm/ZkyumaRegistry.sol");

/// Selector of `verifyProof(uint256[8],uint256[])` on a generated verifier.
pub const VERIFY_PROOF_SELECTOR: [u8; 4] = [0x50, 0x67, 0xe8, 0x26];
/// Selector of `submitScore(bytes32,uint64,bytes32,uint256,uint256,uint256[8])` on the registry.
pub const SUBMIT_SCORE_SELECTOR: [u8; 4] = [0x0f, 0x7d, 0x5c, 0xba];
/// Selector of `submitEpoch(bytes32,uint64,uint256,uint256[8])` on the registry.
pub const SUBMIT_EPOCH_SELECTOR: [u8; 4] = [0x0f, 0x95, 0x5c, 0x4c];

/// Where the BN254 precompiles live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecompileMap {
    /// Bittensor's EVM: ecAdd 0x09, ecMul 0x07, pairing 0x08.
    Bittensor,
    /// Ethereum (EIP-196/197): ecAdd 0x06, ecMul 0x07, pairing 0x08.
    Ethereum,
}

impl PrecompileMap {
    /// Address (last byte) of ecAdd.
    pub fn ec_add(self) -> u8 {
        match self {
            Self::Bittensor => 0x09,
            Self::Ethereum => 0x06,
        }
    }

    /// Address (last byte) of ecMul.
    pub fn ec_mul(self) -> u8 {
        0x07
    }

    /// Address (last byte) of the pairing check.
    pub fn pairing(self) -> u8 {
        0x08
    }

    /// `bittensor` or `ethereum`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bittensor => "bittensor",
            Self::Ethereum => "ethereum",
        }
    }
}

/// What a generated verifier is for.
#[derive(Clone, Debug)]
pub struct VerifierSpec {
    /// Contract name (a Solidity identifier), e.g. `ZkyumaScoreVerifier`.
    pub contract_name: String,
    /// Circuit label recorded in the contract, e.g. `score/mse-a16`.
    pub circuit: String,
    /// Shape label recorded in the contract, e.g. `256x32-d10-hidden`.
    pub shape: String,
    /// Precompile addresses.
    pub precompiles: PrecompileMap,
}

/// Why a contract cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvmError {
    /// The contract name is not a Solidity identifier.
    #[error("contract name {0:?} is not a Solidity identifier ([A-Za-z_][A-Za-z0-9_]*)")]
    ContractName(String),
    /// A label would not be a plain Solidity string literal.
    #[error("{what} {value:?}: only printable ASCII without quotes or backslashes")]
    Label {
        /// Which label.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// The key has no public inputs (an `IC` of length < 2).
    #[error("the verifying key takes no public inputs")]
    NoInputs,
    /// A verifying-key point is the identity, which the precompiles cannot take as a constant.
    #[error("verifying key point {0} is the identity")]
    IdentityPoint(&'static str),
}

/// A base-field element as a word.
pub fn fq_word(x: &Fq) -> Word {
    to_word(x.into_bigint().to_bytes_be())
}

/// A scalar as a word.
pub fn fr_word(x: &Fr) -> Word {
    to_word(x.into_bigint().to_bytes_be())
}

fn to_word(be: Vec<u8>) -> Word {
    let mut w = [0u8; 32];
    w[32 - be.len()..].copy_from_slice(&be);
    w
}

/// A G1 point as `[x, y]` (the identity as `[0, 0]`, as the precompiles encode it).
pub fn g1_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [fq_word(&x), fq_word(&y)],
        None => [[0u8; 32]; 2],
    }
}

/// A G2 point as `[x.c1, x.c0, y.c1, y.c0]` (EIP-197 order).
pub fn g2_words(p: &G2Affine) -> [Word; 4] {
    match p.xy() {
        Some((x, y)) => [
            fq_word(&x.c1),
            fq_word(&x.c0),
            fq_word(&y.c1),
            fq_word(&y.c0),
        ],
        None => [[0u8; 32]; 4],
    }
}

/// A proof as the 8 words `verifyProof` takes.
pub fn proof_words(proof: &Proof) -> [Word; 8] {
    let [ax, ay] = g1_words(&proof.a);
    let [b0, b1, b2, b3] = g2_words(&proof.b);
    let [cx, cy] = g1_words(&proof.c);
    [ax, ay, b0, b1, b2, b3, cx, cy]
}

/// A base-field element from a big-endian word, refusing a word at or above the modulus.
fn fq_from_word(w: &Word) -> Option<Fq> {
    let x = Fq::from_be_bytes_mod_order(w);
    (fq_word(&x) == *w).then_some(x)
}

/// The proof behind the 8 words of `verifyProof` (or of a registry log): the inverse of
/// [`proof_words`], with the checks of [`Proof::from_bytes`] — every coordinate canonical, every
/// point on its curve and in its prime-order subgroup, none the identity.
pub fn proof_from_words(words: &[Word; 8]) -> Result<Proof, crate::VerifyError> {
    use crate::VerifyError;
    let bad = || VerifyError::Encoding { what: "proof" };
    let f = |i: usize| fq_from_word(&words[i]).ok_or_else(bad);
    let g1 = |x: Fq, y: Fq, element: &'static str| {
        if x == Fq::from(0u64) && y == Fq::from(0u64) {
            return Err(VerifyError::IdentityPoint { element });
        }
        let p = G1Affine::new_unchecked(x, y);
        if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(bad());
        }
        Ok(p)
    };
    let a = g1(f(0)?, f(1)?, "a")?;
    let (bx1, bx0, by1, by0) = (f(2)?, f(3)?, f(4)?, f(5)?);
    let zero = Fq::from(0u64);
    if [bx1, bx0, by1, by0].iter().all(|c| *c == zero) {
        return Err(VerifyError::IdentityPoint { element: "b" });
    }
    let b = G2Affine::new_unchecked(ark_bn254::Fq2::new(bx0, bx1), ark_bn254::Fq2::new(by0, by1));
    if !b.is_on_curve() || !b.is_in_correct_subgroup_assuming_on_curve() {
        return Err(bad());
    }
    let c = g1(f(6)?, f(7)?, "c")?;
    Ok(Proof { a, b, c })
}

fn hex_word(w: &Word) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in w {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn check_identifier(name: &str) -> Result<(), EvmError> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(EvmError::ContractName(name.into()))
    }
}

fn check_label(what: &'static str, value: &str) -> Result<(), EvmError> {
    if value
        .chars()
        .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\')
    {
        Ok(())
    } else {
        Err(EvmError::Label {
            what,
            value: value.into(),
        })
    }
}

/// Emit `mstore(add(base, offset), word)` for consecutive words.
fn mstores(out: &mut String, base: &str, first_offset: usize, words: &[Word]) {
    for (i, w) in words.iter().enumerate() {
        let _ = writeln!(
            out,
            "            mstore(add({base}, {:#x}), {})",
            first_offset + 32 * i,
            hex_word(w)
        );
    }
}

/// Generate the Solidity source of a verifier for `vk`.
pub fn verifier_solidity(vk: &VerifyingKey, spec: &VerifierSpec) -> Result<String, EvmError> {
    check_identifier(&spec.contract_name)?;
    check_label("circuit", &spec.circuit)?;
    check_label("shape", &spec.shape)?;
    let inputs = vk
        .gamma_abc_g1
        .len()
        .checked_sub(1)
        .ok_or(EvmError::NoInputs)?;
    if inputs == 0 {
        return Err(EvmError::NoInputs);
    }
    for (name, zero) in [
        ("alpha", vk.alpha_g1.is_zero()),
        ("beta", vk.beta_g2.is_zero()),
        ("gamma", vk.gamma_g2.is_zero()),
        ("delta", vk.delta_g2.is_zero()),
        ("IC", vk.gamma_abc_g1.iter().any(|p| p.is_zero())),
    ] {
        if zero {
            return Err(EvmError::IdentityPoint(name));
        }
    }
    let map = spec.precompiles;
    let vk_hash = vk.hash();
    let neg_alpha = g1_words(&(-vk.alpha_g1));
    let beta = g2_words(&vk.beta_g2);
    let neg_gamma = g2_words(&(-vk.gamma_g2));
    let neg_delta = g2_words(&(-vk.delta_g2));

    let mut s = String::new();
    let _ = write!(
        s,
        r#"// SPDX-License-Identifier: Apache-2.0
// Generated by `zkyuma export evm-verifier`; the verifying key is embedded. Do not edit.
pragma solidity ^0.8.24;

/// @title {name}: Groth16 (BN254) verifier of the zkyuma circuit `{circuit}`, shape `{shape}`.
/// @notice {inputs} public input(s). Precompiles: {map_name} map (ecAdd {add:#04x}, ecMul {mul:#04x},
/// pairing {pair:#04x}). Proof words: [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
contract {name} {{
    /// @notice Circuit label.
    string public constant CIRCUIT = "{circuit}";
    /// @notice Shape label.
    string public constant SHAPE = "{shape}";
    /// @notice blake3 of the compressed verifying key (the statements' `vk_hash`).
    bytes32 public constant VK_HASH = {vk_hash};
    /// @notice Number of public inputs.
    uint256 public constant PUBLIC_INPUTS = {inputs};

    /// @notice Whether `proof` proves `input` (each below the scalar field order) under the
    /// embedded key. Malformed points make a precompile fail, which gives `false`.
    function verifyProof(uint256[8] calldata proof, uint256[] calldata input) external view returns (bool ok) {{
        if (input.length != {inputs}) return false;
        assembly ("memory-safe") {{
            let p := mload(0x40)
            ok := 1
            // IC(x) = IC_0 + sum x_i IC_i, accumulated at p[0..0x40]; p[0x40..0xa0] is ecMul's input.
"#,
        name = spec.contract_name,
        circuit = spec.circuit,
        shape = spec.shape,
        map_name = map.name(),
        add = map.ec_add(),
        mul = map.ec_mul(),
        pair = map.pairing(),
        vk_hash = hex_word(&vk_hash),
    );
    let ic0 = g1_words(&vk.gamma_abc_g1[0]);
    mstores(&mut s, "p", 0, &ic0);
    for (i, ic) in vk.gamma_abc_g1[1..].iter().enumerate() {
        let _ = writeln!(
            s,
            "            {{\n                let x := calldataload(add(input.offset, {:#x}))",
            32 * i
        );
        let _ = writeln!(
            s,
            "                ok := and(ok, lt(x, 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001))"
        );
        let words = g1_words(ic);
        for (j, w) in words.iter().enumerate() {
            let _ = writeln!(
                s,
                "                mstore(add(p, {:#x}), {})",
                0x40 + 32 * j,
                hex_word(w)
            );
        }
        let _ = writeln!(
            s,
            "                mstore(add(p, 0x80), x)
                ok := and(ok, staticcall(gas(), {mul:#04x}, add(p, 0x40), 0x60, add(p, 0x40), 0x40))
                ok := and(ok, eq(returndatasize(), 0x40))
                ok := and(ok, staticcall(gas(), {add:#04x}, p, 0x80, p, 0x40))
                ok := and(ok, eq(returndatasize(), 0x40))
                // A failed precompile may have used most of the gas: stop at once.
                if iszero(ok) {{
                    mstore(0, 0)
                    return(0, 0x20)
                }}
            }}",
            mul = map.ec_mul(),
            add = map.ec_add(),
        );
    }
    s.push_str(
        "            // Pairing input at q: (A, B), (IC(x), -gamma), (C, -delta), (-alpha, beta).
            let q := add(p, 0x40)
            let icx := mload(p)
            let icy := mload(add(p, 0x20))
            calldatacopy(q, proof, 0xc0)
            mstore(add(q, 0xc0), icx)
            mstore(add(q, 0xe0), icy)
",
    );
    mstores(&mut s, "q", 0x100, &neg_gamma);
    s.push_str("            calldatacopy(add(q, 0x180), add(proof, 0xc0), 0x40)\n");
    mstores(&mut s, "q", 0x1c0, &neg_delta);
    mstores(&mut s, "q", 0x240, &neg_alpha);
    mstores(&mut s, "q", 0x280, &beta);
    let _ = write!(
        s,
        "            ok := and(ok, staticcall(gas(), {pair:#04x}, q, 0x300, q, 0x20))
            ok := and(ok, eq(returndatasize(), 0x20))
            ok := and(ok, eq(mload(q), 1))
        }}
    }}
}}
",
        pair = map.pairing()
    );
    Ok(s)
}

/// ABI head words of `uint256[8]` (a static array, inline).
fn push_proof(out: &mut Vec<u8>, proof: &Proof) {
    for w in proof_words(proof) {
        out.extend_from_slice(&w);
    }
}

fn u64_word(v: u64) -> Word {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

/// Calldata of `verifyProof(proof, inputs)`.
pub fn verify_proof_calldata(proof: &Proof, inputs: &[Fr]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * (10 + inputs.len()));
    out.extend_from_slice(&VERIFY_PROOF_SELECTOR);
    push_proof(&mut out, proof);
    // Offset of the dynamic array: after the 8 proof words and this offset word.
    out.extend_from_slice(&u64_word(32 * 9));
    out.extend_from_slice(&u64_word(inputs.len() as u64));
    for x in inputs {
        out.extend_from_slice(&fr_word(x));
    }
    out
}

/// Calldata of the registry's `submitScore(keyId, epoch, hotkey, weights, restDigest, proof)`.
pub fn submit_score_calldata(
    key_id: &Word,
    epoch: u64,
    hotkey: &[u8; 32],
    weights: &Fr,
    rest_digest: &Fr,
    proof: &Proof,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * 13);
    out.extend_from_slice(&SUBMIT_SCORE_SELECTOR);
    out.extend_from_slice(key_id);
    out.extend_from_slice(&u64_word(epoch));
    out.extend_from_slice(hotkey);
    out.extend_from_slice(&fr_word(weights));
    out.extend_from_slice(&fr_word(rest_digest));
    push_proof(&mut out, proof);
    out
}

/// Calldata of the registry's `submitEpoch(keyId, epoch, digest, proof)`.
pub fn submit_epoch_calldata(key_id: &Word, epoch: u64, digest: &Fr, proof: &Proof) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * 11);
    out.extend_from_slice(&SUBMIT_EPOCH_SELECTOR);
    out.extend_from_slice(key_id);
    out.extend_from_slice(&u64_word(epoch));
    out.extend_from_slice(&fr_word(digest));
    push_proof(&mut out, proof);
    out
}

/// The ABI encoding `abi.encode(netuid, circuit, shape, version)` whose keccak-256 is the
/// registry's key id (hash it with keccak-256 to get the id).
pub fn key_id_preimage(netuid: u16, circuit: &str, shape: &str, version: u32) -> Vec<u8> {
    fn string_tail(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&u64_word(s.len() as u64));
        out.extend_from_slice(s.as_bytes());
        let pad = (32 - s.len() % 32) % 32;
        out.extend(core::iter::repeat_n(0u8, pad));
    }
    let padded = |s: &str| 32 + s.len().div_ceil(32) * 32;
    let mut out = Vec::new();
    out.extend_from_slice(&u64_word(u64::from(netuid)));
    out.extend_from_slice(&u64_word(32 * 4));
    out.extend_from_slice(&u64_word((32 * 4 + padded(circuit)) as u64));
    out.extend_from_slice(&u64_word(u64::from(version)));
    string_tail(&mut out, circuit);
    string_tail(&mut out, shape);
    out
}

/// A label for the default contract name: `Zkyuma` + the circuit kind, e.g. `ZkyumaScoreVerifier`.
pub fn default_contract_name(kind: &str) -> String {
    let mut name = String::from("Zkyuma");
    let mut chars = kind.chars();
    if let Some(c) = chars.next() {
        name.push(c.to_ascii_uppercase());
        name.extend(chars.filter(|c| c.is_ascii_alphanumeric()));
    }
    format!("{name}Verifier")
}
