//! `zlab status FILE`: what exists of the lab, step by step.

use std::io::Write;
use std::path::Path;

use super::prepare;
use crate::error::Error;
use crate::exec;
use crate::system::real::RealSystem;

pub(crate) fn run(file: &Path, out: &mut dyn Write) -> Result<(), Error> {
    let (lab, plan) = prepare("status", file)?;
    let text = exec::status::status(&plan, &lab.state_dir, &RealSystem)?;
    out.write_all(text.as_bytes())?;
    Ok(())
}
