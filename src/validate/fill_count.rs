//! A fill to a percentage that the capacity planner works out to no file at
//! all: valid on its own terms, but it would write nothing and report success.

use crate::capacity::LabCapacity;
use crate::diag::Diagnostic;
use crate::lab::{FillDir, Lab};
use crate::scenario::Scenario;
use crate::scenario::model::FillTarget;

/// One located error for every percentage fill of `lab` that amounts to 0 files.
/// `lab` was validated from `scenario`, so their fills correspond one to one.
pub(crate) fn empty_fills(scenario: &Scenario, lab: &Lab, report: &LabCapacity) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, (fill, written)) in lab.fills.iter().zip(&scenario.fills).enumerate() {
        let FillDir::Dataset { pool, .. } = &fill.target else {
            continue;
        };
        // The k-th fill on a pool is the k-th in that pool's report.
        let k = seen.iter().filter(|p| **p == pool.as_str()).count();
        seen.push(pool);
        let Some(planned) = report
            .pools
            .iter()
            .find(|p| &p.name == pool)
            .and_then(|p| p.fills.get(k))
        else {
            continue;
        };
        if matches!(fill.until, FillTarget::Percent(_)) && planned.files == 0 {
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
