//! The generated tables of `src/poseidon/sparse.rs` — Poseidon's partial rounds in sparse form
//! (Poseidon paper, appendix B) — are exactly what the factorisation below derives from the circom
//! constants in `src/poseidon/constants.rs`, and the committed file is exactly this generator's
//! rendering of them, byte for byte, in rustfmt's layout. Set `ZKYUMA_REGENERATE_SPARSE=1` to
//! rewrite `sparse.rs` from the generator (and say so in the commit).
//!
//! The derivation, for a width-`T` state after the first half of the full rounds: the true state
//! is always `A · y`, where `y` is the state the sparse rounds compute and `A = diag(1, Â)` is the
//! linear map still pending (initially the identity). A partial round of the plain permutation
//! maps `x` to `M · S(x + c)`, with `S` the S-box on element 0 only. Since `A` leaves element 0
//! alone, `S(A·y) = A·S(y)` and `A·y + c = A·(y + A⁻¹c)`; so the sparse round adds the moved
//! constants `A⁻¹c` (`PARTIAL_ARK_*`, whose first element is the round constant itself), applies
//! the S-box, and multiplies by the sparse factor of `M · A = A' · M''`, where
//! `A' = diag(1, D)` with `D` the lower-right block of `M · A`, and
//! `M'' = [[m00, v], [w, I]]` with `m00`, `v` the first row of `M · A` and
//! `w = D⁻¹ · (M · A)[1.., 0]` (`SPARSE_*` stores `[m00, v, w]`). `A'` becomes the pending map;
//! after the last partial round it is applied once (`POST_PARTIAL_*`) before the final full
//! rounds. Given these forms of `A'` and `M''` the factorisation is unique.
use std::fmt::Write as _;
use std::path::PathBuf;

use ark_bn254::Fr;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_std::test_rng;
use zkyuma_circuits::poseidon::{self, constants::*, sparse};

/// A width-`T` square matrix over the scalar field.
type Matrix<const T: usize> = [[Fr; T]; T];

/// The sparse form of one width's partial rounds, as `sparse.rs` stores it.
struct Tables<const T: usize> {
    /// Round constants of the partial rounds, moved through the pending linear maps.
    partial_ark: Vec<[Fr; T]>,
    /// Per partial round `[m00, v (T − 1), w (T − 1)]`.
    sparse: Vec<Vec<Fr>>,
    /// The linear map left pending after the partial rounds.
    post_partial: Matrix<T>,
}

fn identity<const T: usize>() -> Matrix<T> {
    let mut m = [[Fr::zero(); T]; T];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = Fr::one();
    }
    m
}

fn mat_mul<const T: usize>(a: &Matrix<T>, b: &Matrix<T>) -> Matrix<T> {
    let mut out = [[Fr::zero(); T]; T];
    for i in 0..T {
        for j in 0..T {
            out[i][j] = (0..T).fold(Fr::zero(), |acc, k| acc + a[i][k] * b[k][j]);
        }
    }
    out
}

/// `x` with `a · x = b` (Gaussian elimination); panics if `a` is singular.
fn solve<const T: usize>(a: &Matrix<T>, b: &[Fr; T]) -> [Fr; T] {
    let mut m = *a;
    let mut x = *b;
    for col in 0..T {
        let pivot = (col..T)
            .find(|&r| !m[r][col].is_zero())
            .expect("the pending map is invertible");
        m.swap(col, pivot);
        x.swap(col, pivot);
        let inv = m[col][col].inverse().expect("non-zero pivot");
        for v in m[col].iter_mut() {
            *v *= inv;
        }
        x[col] *= inv;
        let (pivot_row, pivot_x) = (m[col], x[col]);
        for (r, (row, xr)) in m.iter_mut().zip(x.iter_mut()).enumerate() {
            let f = row[col];
            if r != col && !f.is_zero() {
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v -= f * p;
                }
                *xr -= f * pivot_x;
            }
        }
    }
    x
}

/// Derives the sparse partial rounds of circom's schedule from the plain round constants and MDS
/// matrix (the derivation in this file's header).
fn derive<const T: usize>(
    ark: &[Fr],
    mds: &Matrix<T>,
    full_rounds: usize,
    partial_rounds: usize,
) -> Tables<T> {
    let half = full_rounds / 2;
    let mut pending = identity::<T>();
    let mut partial_ark = Vec::with_capacity(partial_rounds);
    let mut sparse = Vec::with_capacity(partial_rounds);
    for k in 0..partial_rounds {
        let round = half + k;
        let c: [Fr; T] = ark[round * T..(round + 1) * T]
            .try_into()
            .expect("T constants per round");
        partial_ark.push(solve(&pending, &c));
        let ma = mat_mul(mds, &pending);
        let mut next = identity::<T>();
        for i in 1..T {
            next[i][1..].copy_from_slice(&ma[i][1..]);
        }
        // First column of M'' = A'⁻¹ · first column of M·A, i.e. [m00, w].
        let column: [Fr; T] = core::array::from_fn(|i| ma[i][0]);
        let column = solve(&next, &column);
        let mut row = Vec::with_capacity(2 * T - 1);
        row.push(ma[0][0]);
        row.extend_from_slice(&ma[0][1..]);
        row.extend_from_slice(&column[1..]);
        // Self-check of the factorisation: A' · M'' = M · A.
        let mut m2 = identity::<T>();
        m2[0].copy_from_slice(&row[..T]);
        for i in 1..T {
            m2[i][0] = row[T - 1 + i];
        }
        assert_eq!(
            mat_mul(&next, &m2),
            ma,
            "factorisation of partial round {k}"
        );
        sparse.push(row);
        pending = next;
    }
    Tables {
        partial_ark,
        sparse,
        post_partial: pending,
    }
}

fn tables_t3() -> Tables<3> {
    derive(&ARK_T3, &MDS_T3, FULL_ROUNDS_T3, PARTIAL_ROUNDS_T3)
}

fn tables_t5() -> Tables<5> {
    derive(&ARK_T5, &MDS_T5, FULL_ROUNDS_T5, PARTIAL_ROUNDS_T5)
}

/// Asserts the committed rows equal the derived ones, naming the first differing element.
fn assert_rows_equal<R: AsRef<[Fr]>, S: AsRef<[Fr]>>(name: &str, committed: &[R], derived: &[S]) {
    assert_eq!(committed.len(), derived.len(), "{name}: row count");
    for (r, (c, d)) in committed.iter().zip(derived).enumerate() {
        let (c, d) = (c.as_ref(), d.as_ref());
        assert_eq!(c.len(), d.len(), "{name}[{r}]: row length");
        for (j, (a, b)) in c.iter().zip(d).enumerate() {
            assert_eq!(a, b, "{name}[{r}][{j}] differs from the derivation");
        }
    }
}

/// Renders one rustfmt-formatted array row at indent 4: on one line when the array is at most
/// rustfmt's `array_width` (60 columns), else one element per line.
fn render_row(out: &mut String, row: &[Fr]) {
    let items: Vec<String> = row.iter().map(|v| format!("MontFp!(\"{v}\")")).collect();
    let one_line = format!("[{}]", items.join(", "));
    if one_line.len() <= 60 {
        writeln!(out, "    {one_line},").expect("write to string");
    } else {
        out.push_str("    [\n");
        for item in &items {
            writeln!(out, "        {item},").expect("write to string");
        }
        out.push_str("    ],\n");
    }
}

fn render_static<R: AsRef<[Fr]>>(out: &mut String, doc: &str, decl: &str, rows: &[R]) {
    writeln!(out, "/// {doc}").expect("write to string");
    writeln!(out, "pub static {decl} = [").expect("write to string");
    for row in rows {
        render_row(out, row.as_ref());
    }
    out.push_str("];\n");
}

fn render_width<const T: usize>(out: &mut String, tables: &Tables<T>) {
    let p = tables.partial_ark.len();
    let w = 2 * T - 1;
    render_static(
        out,
        &format!(
            "Round constants of the {p} partial rounds, moved through the pending linear maps \
             (width {T})."
        ),
        &format!("PARTIAL_ARK_T{T}: [[Fr; {T}]; {p}]"),
        &tables.partial_ark,
    );
    render_static(
        out,
        &format!("Sparse matrices `[m00, v (t-1), w (t-1)]` of the partial rounds (width {T})."),
        &format!("SPARSE_T{T}: [[Fr; {w}]; {p}]"),
        &tables.sparse,
    );
    render_static(
        out,
        &format!("The linear map left pending after the partial rounds (width {T})."),
        &format!("POST_PARTIAL_T{T}: [[Fr; {T}]; {T}]"),
        &tables.post_partial,
    );
}

/// The lines of `sparse.rs` before its tables.
const HEADER: [&str; 8] = [
    "//! Poseidon partial rounds in sparse form (see `super::permute_sparse`), derived from the",
    "//! constants in `constants.rs`. Generated by `tests/poseidon_sparse_tables.rs`, which",
    "//! checks it (`ZKYUMA_REGENERATE_SPARSE=1` rewrites it); `tests/poseidon.rs` checks that",
    "//! both forms agree.",
    "",
    "use ark_bn254::Fr;",
    "use ark_ff::MontFp;",
    "",
];

/// The whole text of `sparse.rs`.
fn render() -> String {
    let mut out = String::new();
    for line in HEADER {
        writeln!(out, "{line}").expect("write to string");
    }
    render_width(&mut out, &tables_t3());
    out.push('\n');
    render_width(&mut out, &tables_t5());
    out
}

fn sparse_rs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/poseidon/sparse.rs")
}

#[test]
fn committed_tables_equal_the_derivation() {
    // Why: sparse.rs is generated; every element must follow from constants.rs, not be trusted.
    let t3 = tables_t3();
    assert_rows_equal("PARTIAL_ARK_T3", &sparse::PARTIAL_ARK_T3, &t3.partial_ark);
    assert_rows_equal("SPARSE_T3", &sparse::SPARSE_T3, &t3.sparse);
    assert_rows_equal(
        "POST_PARTIAL_T3",
        &sparse::POST_PARTIAL_T3,
        &t3.post_partial,
    );
    let t5 = tables_t5();
    assert_rows_equal("PARTIAL_ARK_T5", &sparse::PARTIAL_ARK_T5, &t5.partial_ark);
    assert_rows_equal("SPARSE_T5", &sparse::SPARSE_T5, &t5.sparse);
    assert_rows_equal(
        "POST_PARTIAL_T5",
        &sparse::POST_PARTIAL_T5,
        &t5.post_partial,
    );
}

#[test]
fn derived_tables_give_the_plain_permutation() {
    // Why: the generator itself must be right, independently of what sparse.rs holds.
    let mut rng = test_rng();
    let (t3, t5) = (tables_t3(), tables_t5());
    let sparse3: Vec<[Fr; 5]> = t3
        .sparse
        .iter()
        .map(|r| r.as_slice().try_into().expect("2T - 1 entries"))
        .collect();
    let sparse5: Vec<[Fr; 9]> = t5
        .sparse
        .iter()
        .map(|r| r.as_slice().try_into().expect("2T - 1 entries"))
        .collect();
    for _ in 0..4 {
        let start: [Fr; 3] = core::array::from_fn(|_| Fr::rand(&mut rng));
        let (mut plain, mut fast) = (start, start);
        poseidon::permute(
            &mut plain,
            &ARK_T3,
            &MDS_T3,
            FULL_ROUNDS_T3,
            PARTIAL_ROUNDS_T3,
        );
        poseidon::permute_sparse(
            &mut fast,
            &ARK_T3,
            &MDS_T3,
            FULL_ROUNDS_T3,
            &t3.partial_ark,
            &sparse3,
            &t3.post_partial,
        );
        assert_eq!(plain, fast, "width 3");
        let start: [Fr; 5] = core::array::from_fn(|_| Fr::rand(&mut rng));
        let (mut plain, mut fast) = (start, start);
        poseidon::permute(
            &mut plain,
            &ARK_T5,
            &MDS_T5,
            FULL_ROUNDS_T5,
            PARTIAL_ROUNDS_T5,
        );
        poseidon::permute_sparse(
            &mut fast,
            &ARK_T5,
            &MDS_T5,
            FULL_ROUNDS_T5,
            &t5.partial_ark,
            &sparse5,
            &t5.post_partial,
        );
        assert_eq!(plain, fast, "width 5");
    }
}

#[test]
fn committed_file_is_the_rendering() {
    // Why: sparse.rs must be reproducible from the generator byte for byte, header included.
    let rendered = render();
    let path = sparse_rs();
    if std::env::var("ZKYUMA_REGENERATE_SPARSE").as_deref() == Ok("1") {
        std::fs::write(&path, &rendered).expect("write sparse.rs");
    }
    let committed = std::fs::read_to_string(&path).expect("read sparse.rs");
    if committed != rendered {
        let line = committed
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(rendered.lines().count()));
        panic!(
            "src/poseidon/sparse.rs differs from the generator's rendering at line {} \
             (ZKYUMA_REGENERATE_SPARSE=1 rewrites it):\n  committed: {:?}\n  rendered:  {:?}",
            line + 1,
            committed.lines().nth(line),
            rendered.lines().nth(line),
        );
    }
}
