//! What commands write on stdout: data (text or JSON) and shell completions. Progress and
//! errors go through the UI layer instead.

use std::io::Write;

use crate::cli::Cli;
use crate::error::Error;

/// Print data on stdout.
pub(crate) fn out(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n")?;
    }
    Ok(())
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| crate::failure::Failure::Json {
        reason: e.to_string(),
    })?;
    out(&text)
}

/// `minik completion SHELL`: the completion script clap generates for the CLI.
pub(crate) fn completion(shell: clap_complete::Shell) -> Result<(), Error> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "minik", &mut buf);
    std::io::stdout().write_all(&buf)?;
    Ok(())
}
