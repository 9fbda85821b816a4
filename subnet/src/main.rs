//! The `zkyuma` binary: parses the command line and runs it.
use clap::Parser;

fn main() {
    let cli = zkyuma_subnet::cli::Cli::parse();
    if let Err(e) = zkyuma_subnet::cli::run(cli) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
