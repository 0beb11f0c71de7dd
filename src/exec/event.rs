//! What the executor reports while it works; reporters decide how to show it.

use std::time::{Duration, Instant};

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
    /// How far a pool's scrub, resilver or rebuild is, read while waiting for it.
    Scan {
        pool: String,
        scan: crate::zfs::scan::Scan,
    },
}

/// One step's events: started, then finished or failed, with the index, the
/// total and the description said once.
pub(crate) struct StepEvents {
    index: usize,
    total: usize,
    description: String,
    started: Instant,
}

impl StepEvents {
    /// Emits `StepStarted`; the step's time counts from here.
    pub(crate) fn start(
        index: usize,
        total: usize,
        description: String,
        emit: &mut dyn FnMut(&Event),
    ) -> StepEvents {
        emit(&Event::StepStarted {
            index,
            total,
            description: description.clone(),
        });
        StepEvents {
            index,
            total,
            description,
            started: Instant::now(),
        }
    }

    /// A step an earlier run did: finished at once, never started.
    pub(crate) fn already_done(
        index: usize,
        total: usize,
        description: String,
        emit: &mut dyn FnMut(&Event),
    ) {
        emit(&Event::StepFinished {
            index,
            total,
            description,
            outcome: Outcome::AlreadyPresent,
            elapsed: Duration::ZERO,
        });
    }

    pub(crate) fn finished(self, outcome: Outcome, emit: &mut dyn FnMut(&Event)) {
        emit(&Event::StepFinished {
            index: self.index,
            total: self.total,
            description: self.description,
            outcome,
            elapsed: self.started.elapsed(),
        });
    }

    pub(crate) fn failed(self, error: String, emit: &mut dyn FnMut(&Event)) {
        emit(&Event::StepFailed {
            index: self.index,
            total: self.total,
            description: self.description,
            error,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_started_then_finished_under_one_description() {
        let mut seen = Vec::new();
        let mut emit = |e: &Event| seen.push(e.clone());
        StepEvents::start(2, 5, "create pool".into(), &mut emit).finished(Outcome::Done, &mut emit);
        StepEvents::start(3, 5, "undo".into(), &mut emit).failed("gone".into(), &mut emit);
        StepEvents::already_done(4, 5, "fill".into(), &mut emit);
        assert!(
            matches!(&seen[0], Event::StepStarted { index: 2, total: 5, description } if description == "create pool")
        );
        assert!(
            matches!(&seen[1], Event::StepFinished { index: 2, outcome: Outcome::Done, description, .. } if description == "create pool")
        );
        assert!(matches!(&seen[3], Event::StepFailed { index: 3, error, .. } if error == "gone"));
        assert!(
            matches!(&seen[4], Event::StepFinished { index: 4, outcome: Outcome::AlreadyPresent, elapsed, .. } if elapsed.is_zero())
        );
        assert_eq!(seen.len(), 5);
    }
}
