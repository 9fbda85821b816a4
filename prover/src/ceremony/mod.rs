//! Keys nobody can forge: Groth16's circuit-specific phase 2 on a universal phase 1.
//!
//! * [`ptau`]: the phase 1, a powers-of-tau file in snarkjs's `.ptau` format (the Perpetual
//!   Powers of Tau), read a chunk at a time and checked for consistency;
//! * [`phase2`]: the circuit's key derived from it — its `A`, `B`, `C` queries from the
//!   Lagrange bases of the circuit's domain, the quotient query from the Lagrange basis of the
//!   domain twice as large (snarkjs's reduction) — with `δ = γ = 1`; such a key is **not**
//!   secure until at least one honest party has contributed a secret `δ` to it; and the
//!   contributions, in snarkjs's format;
//! * [`scale`]: many points times one scalar, the bulk of a contribution;
//! * [`snarkjs`]: snarkjs's phase-2 primitives (its ChaCha, hash to G2, point encodings), bit
//!   for bit;
//! * [`zkey`]: keys as snarkjs's `.zkey`, written and read;
//! * [`run`]: a ceremony on disk (`zkyuma ceremony ...`).

pub mod phase2;
pub mod ptau;
pub mod run;
pub mod scale;
pub mod snarkjs;
pub mod zkey;
