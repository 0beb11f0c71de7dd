//! What a fill reports while it runs; `progress::fill` decides how to show it.

use std::path::PathBuf;

use super::log::{FileRecord, Summary};
use super::target::Capacity;
use crate::scenario::model::FillTarget;

#[derive(Debug, Clone)]
pub enum FillEvent {
    /// What this run will do, once the target is resolved.
    Plan(Plan),
    /// Bytes written since the last `Progress` (every write, for a live count).
    Progress {
        bytes: u64,
    },
    /// A file complete and logged.
    File {
        record: FileRecord,
        files_done: u64,
    },
    Summary(Summary),
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// The dataset or directory, as the scenario names it.
    pub target: String,
    pub dir: PathBuf,
    pub until: FillTarget,
    /// What a percentage is of.
    pub capacity: Option<Capacity>,
    pub files_total: u64,
    /// Complete before this run (a resumed fill).
    pub files_done: u64,
    pub file_size: u64,
    pub streams: u32,
    pub window: u32,
    pub log: PathBuf,
}

impl Plan {
    pub fn bytes_total(&self) -> u64 {
        self.files_total.saturating_mul(self.file_size)
    }
}
