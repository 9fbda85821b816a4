//! Groth16 over BN254 in small memory: key generation and proving, key for key and proof for
//! proof the same as `ark-groth16`'s with snarkjs's QAP reduction.
//!
//! arkworks' prover synthesizes the circuit once with everything at hand: every linear
//! combination kept, inlined into a second copy, turned into three sparse matrices of `(field
//! element, index)` pairs, and the full assignment copied twice more — several kilobytes per
//! constraint, about 20 GB for a 6-million-constraint epoch circuit. Proving needs far less:
//!
//! 1. **the constraint rows of `A` and `B`** ([`ConstraintRows`], module `rows`): one synthesis
//!    without values, inlined, converted row by row into a compressed form (a `u32` variable
//!    index and a `u32` index into a table of distinct coefficients per entry); `C` is not
//!    needed, because on a satisfying assignment `C·z = (A·z) ∘ (B·z)` entry by entry. Key
//!    generation ([`generate`], module `generator`) derives them anyway and keeps them
//!    (`rows.bin` beside the proving key, its blake3 in `circuit.json`), so proving does not
//!    synthesize the circuit twice;
//! 2. **the assignment** (module `witness`): a second synthesis that keeps values only (no linear
//!    combination is stored);
//! 3. **the quotient** (module `witness`): the R1CS-to-QAP witness map of snarkjs's reduction
//!    ([`SnarkjsReduction`], module `reduction`: `A·B − C` on the odd coset of the domain), so
//!    that keys and proofs are exchangeable with snarkjs and with arkworks'
//!    `Groth16::<Bn254, SnarkjsReduction>`;
//! 4. **the proof** ([`prove_with`], [`prove_with_rows`], module `prover`): the five multi-scalar
//!    multiplications of Groth16, giving the points `ark-groth16` gives (the constant's query
//!    point inside the multiplication rather than added apart), chunk by chunk;
//!    [`prove_from_file`] reads the proving key's points from its file ([`KeyFile`], module
//!    `key_file`) in the order they are stored, a chunk at a time, hashing the file as it goes,
//!    so the key is never resident.
//!
//! A proof made here is the proof arkworks makes with the same randomness `r, s` (a test checks
//! them equal byte for byte), so keys, verifier and proofs are interchangeable. Circuit
//! descriptions, key files on disk and the setup that fills them are [`crate::keys`]'.

mod generator;
mod key_file;
mod prover;
mod reduction;
mod rows;
mod witness;

pub use generator::generate;
pub(crate) use key_file::CheckedFile;
pub use key_file::KeyFile;
pub(crate) use prover::prove;
pub use prover::{prove_from_file, prove_with, prove_with_rows};
pub use reduction::SnarkjsReduction;
pub use rows::{ConstraintRows, SparseRows};
pub(crate) use witness::{assignment, domain};
