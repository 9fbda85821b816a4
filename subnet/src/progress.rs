//! Progress display for long work (setup, proving) on standard error.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// A spinner with elapsed time; hidden when standard error is not a terminal.
pub struct Spinner(ProgressBar);

impl Spinner {
    /// Start a spinner with a message.
    pub fn start(message: String) -> Self {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(bar)
    }

    /// Stop with a final message.
    pub fn finish(self, message: String) {
        self.0.finish_and_clear();
        eprintln!("{message}");
    }
}
