//! Criterion benchmarks of zkyuma; see `benches/`. What several benchmarks share lives here.

/// This process's peak resident memory (Linux `VmHWM`), in MB; 0 where it cannot be read.
pub fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<u64>().ok())
            })
        })
        .map_or(0, |kb| kb / 1024)
}

/// Restart the peak-memory count (Linux `clear_refs` 5), so a phase is measured on its own.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
