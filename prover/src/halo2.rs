//! halo2 proving over BN254: the setups (IPA: none, the generators are public; KZG: the
//! `τ^i·G1` and `τ·G2` of a powers-of-tau file, the same universal file Groth16's phase 1 reads),
//! keys made from a circuit's blank instance, and proofs checked by the verifier's own halo2
//! backend before they are returned.

use crate::ceremony::ptau::{Ptau, Section};
use crate::ProverError;
use ark_ff::{BigInteger, PrimeField};
use halo2_axiom::arithmetic::CurveAffine;
use halo2_axiom::halo2curves::bn256::{Bn256, Fq, Fq2, G1Affine, G2Affine};
use halo2_axiom::halo2curves::ff::PrimeField as _;
use halo2_axiom::plonk::{create_proof, keygen_pk, keygen_vk, Circuit, ProvingKey};
use halo2_axiom::poly::commitment::ParamsProver;
use halo2_axiom::poly::ipa::commitment::{IPACommitmentScheme, ParamsIPA};
use halo2_axiom::poly::ipa::multiopen::ProverIPA;
use halo2_axiom::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_axiom::poly::kzg::multiopen::ProverSHPLONK;
use halo2_axiom::transcript::{Blake2bWrite, Challenge255, TranscriptWriterBuffer};
use rand_core::OsRng;
use std::sync::Arc;
use zkyuma_circuits::halo2::{rows_and_k, to_fp, Fp};
use zkyuma_verifier::halo2::{ipa_params, Halo2Key, KzgPoints, Scheme};

/// Where a halo2 key's commitments come from.
#[derive(Clone, Debug)]
pub enum Halo2Setup {
    /// The inner-product argument: no setup (generators by hash to curve).
    Ipa,
    /// KZG from a powers-of-tau file (at least `2^k` powers for a circuit of `2^k` rows).
    Kzg(Arc<Ptau>),
}

impl Halo2Setup {
    /// The setup's commitment scheme.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::Ipa => Scheme::Ipa,
            Self::Kzg(_) => Scheme::Kzg,
        }
    }
}

fn fq(x: &ark_bn254::Fq) -> Result<Fq, ProverError> {
    let mut repr = <Fq as halo2_axiom::halo2curves::ff::PrimeField>::Repr::default();
    repr.as_mut()
        .copy_from_slice(&x.into_bigint().to_bytes_le());
    Option::from(Fq::from_repr(repr)).ok_or(ProverError::Degenerate {
        what: "a powers-of-tau coordinate",
    })
}

fn g1(p: &ark_bn254::G1Affine) -> Result<G1Affine, ProverError> {
    let (x, y) = (p.x, p.y);
    Option::from(G1Affine::from_xy(fq(&x)?, fq(&y)?)).ok_or(ProverError::Degenerate {
        what: "a powers-of-tau G1 point",
    })
}

fn g2(p: &ark_bn254::G2Affine) -> Result<G2Affine, ProverError> {
    let x = Fq2::new(fq(&p.x.c0)?, fq(&p.x.c1)?);
    let y = Fq2::new(fq(&p.y.c0)?, fq(&p.y.c1)?);
    Option::from(G2Affine::from_xy(x, y)).ok_or(ProverError::Degenerate {
        what: "a powers-of-tau G2 point",
    })
}

/// KZG parameters for `2^k` rows from a powers-of-tau file: `g_i = τ^i·G1` for `i < 2^k`,
/// `G2` and `τ·G2`. The Lagrange basis is computed here (halo2's domain).
pub fn kzg_params(ptau: &Ptau, k: u32) -> Result<ParamsKZG<Bn256>, ProverError> {
    let n = 1usize << k;
    if ptau.points_in(Section::TauG1) < n as u64 || ptau.points_in(Section::TauG2) < 2 {
        return Err(ProverError::TooLarge {
            what: "rows for this powers-of-tau file",
            got: n as u64,
            max: ptau.points_in(Section::TauG1),
        });
    }
    let g = ptau
        .read_g1(Section::TauG1, 0, n)?
        .iter()
        .map(g1)
        .collect::<Result<Vec<_>, _>>()?;
    let tau_g2 = ptau.read_g2(Section::TauG2, 0, 2)?;
    let (g2_gen, s_g2) = (g2(&tau_g2[0])?, g2(&tau_g2[1])?);
    zkyuma_verifier::halo2::kzg_params_from_parts(k, g, None, g2_gen, s_g2).map_err(|source| {
        ProverError::Io {
            path: "kzg parameters".into(),
            source,
        }
    })
}

enum Params {
    Ipa(Arc<ParamsIPA<G1Affine>>),
    Kzg(Arc<ParamsKZG<Bn256>>),
}

/// A halo2 circuit's keys: the setup's parameters for its `2^k` rows, the proving key and the
/// verifying key (decoded by the verifier).
pub struct Halo2Keys {
    params: Params,
    pk: ProvingKey<G1Affine>,
    key: Halo2Key,
    rows: usize,
    public_inputs: usize,
}

impl std::fmt::Debug for Halo2Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Halo2Keys")
            .field("system", &self.key.system())
            .field("k", &self.key.k())
            .field("rows", &self.rows)
            .finish()
    }
}

fn synthesis(e: halo2_axiom::plonk::Error) -> ProverError {
    ProverError::Synthesis {
        what: format!("halo2: {e}"),
    }
}

impl Halo2Keys {
    /// Keys for `blank`'s circuit (its shape; values are ignored) with `public_inputs` public
    /// inputs.
    pub fn generate<C: Circuit<Fp, Params = usize>>(
        setup: &Halo2Setup,
        blank: &C,
        public_inputs: usize,
    ) -> Result<Self, ProverError> {
        let (rows, k) = rows_and_k(blank).map_err(synthesis)?;
        let limb_bits = u8::try_from(blank.params()).map_err(|_| ProverError::Degenerate {
            what: "range-table limb width",
        })?;
        let (params, pk, kzg) = match setup {
            Halo2Setup::Ipa => {
                let params = ipa_params(k);
                let vk = keygen_vk(params.as_ref(), blank).map_err(synthesis)?;
                let pk = keygen_pk(params.as_ref(), vk, blank).map_err(synthesis)?;
                (Params::Ipa(params), pk, None)
            }
            Halo2Setup::Kzg(ptau) => {
                let params = Arc::new(kzg_params(ptau, k)?);
                let vk = keygen_vk(params.as_ref(), blank).map_err(synthesis)?;
                let pk = keygen_pk(params.as_ref(), vk, blank).map_err(synthesis)?;
                let points = KzgPoints {
                    g1: params.get_g()[0],
                    g2: params.g2(),
                    s_g2: params.s_g2(),
                };
                (Params::Kzg(params), pk, Some(points))
            }
        };
        let bytes = Halo2Key::encode(setup.scheme(), limb_bits, pk.get_vk(), kzg.as_ref());
        let key =
            Halo2Key::from_bytes(setup.scheme().system(), &bytes, public_inputs).map_err(|e| {
                ProverError::Synthesis {
                    what: format!("the new halo2 key does not decode: {e}"),
                }
            })?;
        Ok(Self {
            params,
            pk,
            key,
            rows,
            public_inputs,
        })
    }

    /// The verifying key, decoded.
    pub fn verifying_key(&self) -> &Halo2Key {
        &self.key
    }

    /// Prove `circuit` for the public `inputs`; the proof is verified before it is returned.
    pub fn prove<C: Circuit<Fp, Params = usize>>(
        &self,
        circuit: C,
        inputs: &[ark_bn254::Fr],
    ) -> Result<Vec<u8>, ProverError> {
        let column: Vec<Fp> = inputs.iter().map(|x| to_fp(*x)).collect();
        let instances: [&[Fp]; 1] = [&column];
        let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
        match &self.params {
            Params::Ipa(params) => {
                create_proof::<IPACommitmentScheme<G1Affine>, ProverIPA<_>, _, _, _, _>(
                    params.as_ref(),
                    &self.pk,
                    &[circuit],
                    &[&instances],
                    OsRng,
                    &mut transcript,
                )
            }
            Params::Kzg(params) => {
                create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<_>, _, _, _, _>(
                    params.as_ref(),
                    &self.pk,
                    &[circuit],
                    &[&instances],
                    OsRng,
                    &mut transcript,
                )
            }
        }
        .map_err(synthesis)?;
        let proof = transcript.finalize();
        self.key
            .verify(inputs, &proof)
            .map_err(|_| ProverError::Unsatisfied)?;
        Ok(proof)
    }
}

/// Range-table limb width of the demo's halo2 circuits (pinned in `params/`): a `2^12`-row
/// table, so the small demo shape's circuits fit `2^14` rows (16-bit limbs would need `2^17`).
pub const DEMO_LIMB_BITS: usize = 12;

/// `circuit.json` of a halo2 key directory (`params/<name>.<system>/`, beside `vk.bin` and
/// `checksums.b3`). There is no proving-key file: halo2 keys are a deterministic function of the
/// circuit and the setup, so the prover regenerates them and requires the verifying key it gets
/// to be `vk.bin` byte for byte — which also pins the setup (a KZG key embeds `τ·G2`, and its
/// commitments are made with the file's powers).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Halo2Description {
    /// The proof system.
    pub system: zkyuma_circuits::statement::ProofSystem,
    /// The circuit's identity (as statements name it).
    pub circuit_id: String,
    /// Rows `2^k`.
    pub k: u32,
    /// Rows the circuit lays out.
    pub rows: usize,
    /// Range-table limb width.
    pub limb_bits: usize,
    /// Public inputs.
    pub public_inputs: usize,
    /// blake3 of `vk.bin` (the statements' `vk_hash`), hex.
    pub vk_hash: String,
    /// Seconds the keys took.
    pub keygen_seconds: f64,
}

/// The key directory name of a circuit named `name` under a halo2 `system`.
pub fn params_name(name: &str, system: zkyuma_circuits::statement::ProofSystem) -> String {
    format!("{name}.{system}")
}

impl Halo2Keys {
    /// The description of these keys for `circuit_id`.
    pub fn describe(&self, circuit_id: &str, keygen_seconds: f64) -> Halo2Description {
        let key = &self.key;
        Halo2Description {
            system: key.system(),
            circuit_id: circuit_id.to_string(),
            k: key.k(),
            rows: self.rows,
            limb_bits: usize::from(key.limb_bits()),
            public_inputs: self.public_inputs,
            vk_hash: hex::encode(key.hash()),
            keygen_seconds,
        }
    }

    /// Write `vk.bin`, `circuit.json` and, last, `checksums.b3` to `paths.params_dir`.
    pub fn save(
        &self,
        paths: &crate::keys::KeyPaths,
        description: &Halo2Description,
    ) -> Result<(), ProverError> {
        let vk = self.key.to_bytes();
        let json = serde_json::to_vec_pretty(description).map_err(|e| ProverError::Malformed {
            path: paths.description_path().display().to_string(),
            message: e.to_string(),
        })?;
        crate::keys::write_atomic(&paths.vk_path(), &vk)?;
        crate::keys::write_atomic(&paths.description_path(), &json)?;
        let sums = format!(
            "{}  vk.bin\n{}  circuit.json\n",
            blake3::hash(&vk).to_hex(),
            blake3::hash(&json).to_hex()
        );
        crate::keys::write_atomic(&paths.params_dir.join("checksums.b3"), sums.as_bytes())
    }

    /// Regenerate the keys of `blank`'s circuit from `setup` and require them to be the ones at
    /// `paths` (checksums, circuit, proof system, `vk.bin` byte for byte).
    pub fn load<C: Circuit<Fp, Params = usize>>(
        paths: &crate::keys::KeyPaths,
        setup: &Halo2Setup,
        blank: &C,
        circuit_id: &str,
        public_inputs: usize,
    ) -> Result<(Self, Halo2Description), ProverError> {
        let description = load_description(paths)?;
        if description.circuit_id != circuit_id {
            return Err(ProverError::WrongCircuit {
                expected: circuit_id.to_string(),
                found: description.circuit_id,
            });
        }
        if description.system != setup.scheme().system() {
            return Err(ProverError::WrongCircuit {
                expected: format!("{} keys", setup.scheme().system()),
                found: format!("{} keys", description.system),
            });
        }
        let stored = paths.load_vk_bytes()?;
        let keys = Self::generate(setup, blank, public_inputs)?;
        if keys.key.to_bytes() != stored {
            return Err(ProverError::Halo2KeyMismatch {
                path: paths.vk_path().display().to_string(),
            });
        }
        Ok((keys, description))
    }
}

/// Read `circuit.json` of a halo2 key directory, checked against `checksums.b3`.
pub fn load_description(paths: &crate::keys::KeyPaths) -> Result<Halo2Description, ProverError> {
    let path = paths.description_path();
    let bytes = std::fs::read(&path).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })?;
    paths.check_listed(&bytes, "circuit.json")?;
    serde_json::from_slice(&bytes).map_err(|e| ProverError::Malformed {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}
