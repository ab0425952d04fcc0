use std::process::ExitCode;

use clap::Parser;

// The one exit point: it prints only what ui rendered (and a runtime that cannot start).
#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = minik::cli::Cli::parse();
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
    match runtime.block_on(minik::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", minik::ui::render_error(&e, minik::ui::use_color()));
            ExitCode::from(e.exit_code())
        }
    }
}
