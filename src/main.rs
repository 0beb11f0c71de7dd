//! The `zlab` binary: parse the command line, run, render any error once.

use std::process::ExitCode;

use clap::Parser;
use zlab::Cli;
use zlab::Error;
use zlab::Output;
use zlab::render_all;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = Output::new(cli.global.quiet, cli.global.verbose, cli.global.color).palette();
    let mut stdout = std::io::stdout().lock();
    match zlab::run(cli, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        // Whoever read the output has all they wanted (`zlab … | head -1`).
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            match &err {
                Error::Invalid(diags) => eprint!("{}", render_all(diags, style)),
                other => {
                    eprintln!("{} {other}", style.error("zlab: error:"));
                    if let Some(next) = other.next_step() {
                        eprintln!("  next: {next}");
                    }
                }
            }
            ExitCode::from(err.exit_code())
        }
    }
}
