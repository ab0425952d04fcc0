use std::process::ExitCode;

use clap::Parser;

// The one exit point: it prints only what ui rendered (and a runtime that cannot start).
#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = minik::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(minik::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprint!("{}", failure.message);
            ExitCode::from(failure.exit_code)
        }
    }
}
