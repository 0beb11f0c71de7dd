//! Reading a scenario file: text → tree → model, with every problem located.

use std::path::Path;

use super::model::Scenario;
use crate::diag::Diagnostic;

/// Why a scenario file gave no scenario.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("read {}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the scenario is invalid")]
    Invalid(Vec<Diagnostic>),
}

/// Reads and decodes a scenario file.
pub(crate) fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(path, &text).map_err(LoadError::Invalid)
}

/// Decodes scenario text; `path` is only used to name the file in diagnostics.
pub(crate) fn load_str(path: &Path, text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let root = super::parse::parse_yaml(path, text).map_err(|d| vec![d])?;
    super::decode::decode(path, &root)
}
