//! What a fill reports while it runs; `progress::fill` decides how to show it.

use std::path::PathBuf;

use super::log::{FileRecord, Summary};
use crate::capacity::model::Room;
use crate::scenario::model::FillTarget;

#[derive(Debug, Clone)]
pub(crate) enum FillEvent {
    /// What this run will do, once the target is resolved.
    Start(Start),
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
    /// A command about to run, as a shell would show it.
    Command(String),
    Note(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Start {
    /// The dataset or directory, as the scenario names it.
    pub target: String,
    pub dir: PathBuf,
    pub until: FillTarget,
    /// What a percentage is of.
    pub capacity: Option<Room>,
    pub files_total: u64,
    /// Complete before this run (a resumed fill).
    pub files_done: u64,
    pub file_size: u64,
    pub streams: u32,
    pub window: u32,
    pub log: PathBuf,
}

impl Start {
    pub(crate) fn bytes_total(&self) -> u64 {
        self.files_total.saturating_mul(self.file_size)
    }
}
