//! `zlab validate FILE…`: every rule of every file, all problems at once.

use std::io::Write;
use std::path::PathBuf;

use super::{host_facts, load_lab};
use crate::error::Error;
use crate::lab::Lab;

pub(crate) fn run(files: &[PathBuf], portable: bool, out: &mut dyn Write) -> Result<(), Error> {
    let host = host_facts(portable);
    let mut diags = Vec::new();
    for file in files {
        match load_lab(file, &host) {
            Ok(lab) => writeln!(out, "{}: valid ({})", file.display(), summary(&lab))?,
            Err(Error::Invalid(d)) => diags.extend(d),
            Err(e) => return Err(e),
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(diags))
    }
}

/// One line about what a valid lab contains.
fn summary(lab: &Lab) -> String {
    let devices: usize = lab.groups.iter().map(|g| g.members.len()).sum();
    let pools: Vec<&str> = lab.pools.iter().map(|p| p.name.as_str()).collect();
    format!(
        "{devices} device{}, {} pool{}{}{}, {} fill{}",
        if devices == 1 { "" } else { "s" },
        pools.len(),
        if pools.len() == 1 { "" } else { "s" },
        if pools.is_empty() { "" } else { ": " },
        pools.join(", "),
        lab.fills.len(),
        if lab.fills.len() == 1 { "" } else { "s" },
    )
}
