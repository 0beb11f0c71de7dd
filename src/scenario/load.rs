//! Reading a scenario file: text → tree → model, with every problem located.

use std::path::Path;

use super::model::Scenario;
use crate::diag::Diagnostic;
use crate::diag::Span;

/// Why a scenario file gave no scenario. A file that cannot be read as one
/// (absent, a device, UTF-16 …) is located like any other problem.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the scenario is invalid")]
    Invalid(Vec<Diagnostic>),
}

/// The name diagnostics give a scenario read from standard input.
pub(crate) const STDIN: &str = "<stdin>";

/// Reads and decodes a scenario file, or standard input for `-`. A file that
/// cannot be read as a scenario (absent, a device, UTF-16 …) is a diagnostic
/// like any other, so that `zlab validate a.yaml b.yaml` reports every file.
pub(crate) fn load(path: &Path) -> Result<Scenario, LoadError> {
    let (path, text) = if path.as_os_str() == "-" {
        (Path::new(STDIN), super::source::read_stdin())
    } else {
        (path, super::source::read(path))
    };
    let text = text.map_err(|e| {
        let at = Span {
            line: 1,
            column: 1,
            len: 1,
        };
        let help = e.hint();
        LoadError::Invalid(vec![
            Diagnostic::new(path, at, "", e.to_string()).with_help(help),
        ])
    })?;
    load_str(path, &text).map_err(LoadError::Invalid)
}

/// Decodes scenario text; `path` is only used to name the file in diagnostics.
pub(crate) fn load_str(path: &Path, text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let root = super::parse::parse_yaml(path, text).map_err(|d| vec![d])?;
    let unsafe_text = super::text::check(path, &root);
    match super::decode::decode(path, &root) {
        Ok(mut s) => {
            s.problems.extend(unsafe_text);
            Ok(s)
        }
        Err(mut diags) => {
            diags.extend(unsafe_text);
            diags.sort_by_key(|d| (d.line, d.column));
            Err(diags)
        }
    }
}
