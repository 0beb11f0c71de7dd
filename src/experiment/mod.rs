//! Experiments: measured steps on a lab that is up — fills to levels, fio
//! workloads, a drive failed and rebuilt, scrubs — each appended to a results
//! file that `zlab report` reads.

pub(crate) mod fio;
pub(crate) mod results;
pub(crate) mod run;

pub(crate) use run::{ExperimentError, Setup, run};
