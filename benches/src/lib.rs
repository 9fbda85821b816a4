//! Criterion benchmarks of zkyuma; see `benches/`.
