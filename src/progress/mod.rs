//! Shows executor events: a spinner and one line per step on a terminal, plain
//! timestamped lines otherwise (logs, `screen`, CI). Every command is shown.
//! Fill events go through [`fill::FillView`].

pub(crate) mod fill;

pub(crate) mod rig;

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::exec::event::{Event, Outcome};
use crate::fill::event::FillEvent;
use fill::{FillView, Show};

pub(crate) struct Reporter {
    bar: Option<ProgressBar>,
    start: Instant,
    fill: FillView,
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Reporter {
    pub(crate) fn new(is_terminal: bool) -> Self {
        let bar = is_terminal.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Reporter {
            bar,
            start: Instant::now(),
            fill: FillView::default(),
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("[{:>7.1}s] {text}", self.start.elapsed().as_secs_f64()),
        }
    }

    pub(crate) fn event(&mut self, event: &Event) {
        match event {
            Event::StepStarted {
                index,
                total,
                description,
            } => match &self.bar {
                Some(bar) => bar.set_message(format!("[{index}/{total}] {description}")),
                None => self.line(&format!("[{index}/{total}] {description}")),
            },
            Event::Command(text) => self.line(&format!("    $ {text}")),
            Event::StepFinished {
                index,
                total,
                description,
                outcome,
                elapsed,
            } => {
                let how = match outcome {
                    Outcome::Done => format!("done in {:.1}s", elapsed.as_secs_f64()),
                    Outcome::AlreadyPresent => "already present".to_owned(),
                    Outcome::Skipped(why) => format!("skipped: {why}"),
                };
                self.line(&format!("ok [{index}/{total}] {description} ({how})"));
            }
            Event::StepFailed {
                index,
                total,
                description,
                error,
            } => self.line(&format!("FAILED [{index}/{total}] {description}: {error}")),
            Event::Note(text) => self.line(text),
            Event::Fill(FillEvent::Command(text)) => self.line(&format!("    $ {text}")),
            Event::Fill(FillEvent::Note(text)) => self.line(text),
            Event::Fill(e) => {
                for show in self.fill.event(e) {
                    self.show_fill(show);
                }
            }
        }
    }

    fn show_fill(&self, show: Show) {
        match (show, &self.bar) {
            (Show::Bar { total, done }, Some(bar)) => {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} [{bar:30}] {binary_bytes}/{binary_total_bytes} {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message("starting the writers");
            }
            (Show::Advance(bytes), Some(bar)) => bar.inc(bytes),
            (Show::File { message, .. }, Some(bar)) => bar.set_message(message),
            (Show::File { line, .. }, None) => eprintln!("{line}"),
            (Show::Lines(lines), bar) => {
                if let Some(bar) = bar
                    && bar.length().is_some()
                {
                    // The fill is over: back to the step spinner.
                    bar.set_style(spinner_style());
                    bar.unset_length();
                }
                for l in lines {
                    self.line(&l);
                }
            }
            (Show::Bar { .. } | Show::Advance(_), None) => {}
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
