//! The `cdflow` binary: parses the command line and runs it; any error is one line on standard error
//! and exit code 2 (the same as a usage error); `cdflow audit` exits with 1 when the policy is violated,
//! `cdflow verify` when a file or manifest does not verify.

use clap::Parser;

use cdflow_cli::EXIT_ERROR;
use cdflow_cli::args::Cli;
use cdflow_cli::reader::install_panic_hook;
use cdflow_cli::run::run;

fn main() {
    install_panic_hook();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            eprintln!("cdflow: {error}");
            std::process::exit(EXIT_ERROR);
        }
    }
}
