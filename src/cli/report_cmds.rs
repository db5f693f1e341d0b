//! `reader`, `report`, `audit` (owned by the reports work).

use std::process::ExitCode;

/// Arguments of `echolab reader`.
#[derive(Debug, clap::Args)]
pub struct ReaderArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}
/// Arguments of `echolab report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}
/// Arguments of `echolab audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

pub fn reader(_a: &ReaderArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("reader: not written yet")
}
pub fn report(_a: &ReportArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("report: not written yet")
}
pub fn audit(_a: &AuditArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("audit: not written yet")
}
