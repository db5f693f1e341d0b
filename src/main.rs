//! The `echolab` binary: the desktop app when run without a subcommand, the CLI otherwise.

use std::process::ExitCode;

fn main() -> ExitCode {
    echolab::cli::main_entry()
}
