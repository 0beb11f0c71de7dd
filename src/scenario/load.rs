//! Reading a scenario file: text → tree → model, with every problem located.

use std::path::Path;

use super::model::Scenario;
use crate::diag::Diagnostic;
use crate::error::Error;

/// Reads and decodes a scenario file.
pub fn load(path: &Path) -> Result<Scenario, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(path, &text).map_err(Error::Invalid)
}

/// Decodes scenario text; `path` is only used to name the file in diagnostics.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let root = super::parse::parse_yaml(path, text).map_err(|d| vec![d])?;
    super::decode::decode(path, &root)
}
