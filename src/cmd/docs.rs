//! `zlab completions SHELL` and `zlab man [DIR]`: both generated from the clap
//! definitions at run time, so they can never drift from the command line.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;

pub(crate) fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<(), Error> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "zlab", out);
    Ok(())
}

/// Without `dir`: zlab.1 on `out`. With it: zlab.1 and one page per
/// subcommand (zlab-plan.1, zlab-rig-up.1 …) written there.
pub(crate) fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<(), Error> {
    let command = Cli::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(command).render(out)?;
        return Ok(());
    };
    let written = (|| {
        std::fs::create_dir_all(dir)?;
        clap_mangen::generate_to(command, dir)
    })();
    written.map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    writeln!(out, "man pages written to {}", dir.display())?;
    Ok(())
}
