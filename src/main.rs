//! The `zlab` binary: parse the command line, run, render any error once.

use std::process::ExitCode;

use clap::Parser;
use zlab::Cli;
use zlab::Error;
use zlab::render_all;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match zlab::run(cli, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            match &err {
                Error::Invalid(diags) => eprint!("{}", render_all(diags)),
                other => eprintln!("zlab: error: {other}"),
            }
            ExitCode::from(err.exit_code())
        }
    }
}
