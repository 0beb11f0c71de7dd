//! A fill to a percentage that the capacity planner works out to no file at
//! all: valid on its own terms, but it would write nothing and report success.

use crate::diag::Diagnostic;
use crate::lab::{FillDir, Lab};
use crate::scenario::Scenario;
use crate::scenario::model::FillTarget;

/// One located error for every percentage fill of `lab` that amounts to 0
/// files; `files[i]` is what the capacity model plans for `lab.fills[i]`.
/// `lab` was validated from `scenario`, so their fills correspond one to one.
pub(crate) fn empty_fills(
    scenario: &Scenario,
    lab: &Lab,
    files: &[Option<u64>],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (i, ((fill, written), planned)) in
        lab.fills.iter().zip(&scenario.fills).zip(files).enumerate()
    {
        let FillDir::Dataset { pool, .. } = &fill.target else {
            continue;
        };
        if matches!(fill.until, FillTarget::Percent(_)) && *planned == Some(0) {
            diags.push(
                Diagnostic::new(
                    &scenario.file,
                    written.until.at,
                    format!("fills[{i}].until"),
                    format!(
                        "{} of pool `{pool}` is less than one {} file: the fill would write nothing",
                        fill.until, fill.file_size
                    ),
                )
                .with_help("use a larger percentage or a smaller `file_size`; `zlab capacity` shows what each target means"),
            );
        }
    }
    diags
}
