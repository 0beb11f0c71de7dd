//! What the executor reports while it works; reporters decide how to show it.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The step did its work: created, wiped, set, filled or undone.
    Done,
    /// Found already there (from an earlier run, or not ours): verified, not repeated.
    AlreadyPresent,
    Skipped(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Event {
    StepStarted {
        index: usize,
        total: usize,
        description: String,
    },
    /// A command about to run, as a shell would show it.
    Command(String),
    StepFinished {
        index: usize,
        total: usize,
        description: String,
        outcome: Outcome,
        elapsed: Duration,
    },
    StepFailed {
        index: usize,
        total: usize,
        description: String,
        error: String,
    },
    Note(String),
    /// A fill's progress (`zlab fill`, or the fill steps of `zlab up`).
    Fill(crate::fill::event::FillEvent),
}
