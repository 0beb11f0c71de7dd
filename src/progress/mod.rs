//! Shows executor events: a spinner and one line per step on a terminal, plain
//! timestamped lines otherwise (logs, `screen`, CI). Every command is shown.
//! Fill events go through [`fill::FillView`].

pub(crate) mod fill;
pub(crate) mod json;

pub(crate) mod rig;

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::exec::event::{Event, Outcome};
use crate::fill::event::FillEvent;
use crate::output::{Output, Palette};
use crate::units;
use crate::zfs::scan::{Scan, ScanKind};
use fill::{FillView, Show};

pub(crate) struct Reporter {
    bar: Option<ProgressBar>,
    start: Instant,
    fill: FillView,
    /// `-q`: failures and notes only; `-v`: every fill file on a terminal too.
    quiet: bool,
    verbose: bool,
    style: Palette,
    /// When the last plain scan line was printed.
    scan_line: Option<Instant>,
}

/// How often a scan's progress is printed off a terminal.
const SCAN_LINE_EVERY: Duration = Duration::from_secs(10);

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Reporter {
    pub(crate) fn new(is_terminal: bool, say: Output) -> Self {
        let quiet = say.quiet();
        let bar = (is_terminal && !quiet).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Reporter {
            bar,
            start: Instant::now(),
            fill: FillView::default(),
            quiet,
            verbose: say.verbosity == crate::output::Verbosity::Verbose,
            style: say.palette(),
            scan_line: None,
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("[{:>7.1}s] {text}", self.start.elapsed().as_secs_f64()),
        }
    }

    pub(crate) fn event(&mut self, event: &Event) {
        if self.quiet && !matches!(event, Event::StepFailed { .. } | Event::Note(_)) {
            return;
        }
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
                let ok = self.style.ok("ok");
                self.line(&format!("{ok} [{index}/{total}] {description} ({how})"));
            }
            Event::StepFailed {
                index,
                total,
                description,
                error,
            } => {
                let failed = self.style.error("FAILED");
                self.line(&format!(
                    "{failed} [{index}/{total}] {description}: {error}"
                ));
            }
            Event::Note(text) => self.line(text),
            Event::Fill(FillEvent::Command(text)) => self.line(&format!("    $ {text}")),
            Event::Fill(FillEvent::Note(text)) => self.line(text),
            Event::Fill(e) => {
                for show in self.fill.event(e) {
                    self.show_fill(show);
                }
            }
            Event::Scan { pool, scan } => self.scan(pool, scan),
        }
    }

    /// A scan's percent, rate and estimate: the bar on a terminal, else a
    /// line every [`SCAN_LINE_EVERY`] (and when it ends).
    fn scan(&mut self, pool: &str, scan: &Scan) {
        let what = match &scan.kind {
            ScanKind::Scrub => "scrub".to_owned(),
            ScanKind::Resilver => "resilver".to_owned(),
            ScanKind::Rebuild { vdev } => format!("rebuild of {vdev}"),
        };
        let rate = scan
            .rate
            .filter(|r| *r > 0)
            .map(|r| format!(", {}", units::mb_s(crate::fill::stats::mb_s(r, 1.0))))
            .unwrap_or_default();
        let eta = scan
            .eta
            .map(|e| format!(", {} to go", units::duration(e.as_secs_f64())))
            .unwrap_or_default();
        let percent = scan.percent.unwrap_or(0.0);
        let text = format!("{pool}: {what} {percent:.1}% done{rate}{eta}");
        match &self.bar {
            Some(bar) => {
                if bar.length() != Some(1000) {
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} [{bar:30}] {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    bar.set_length(1000);
                }
                // Tenths of a percent.
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "0 to 1000"
                )]
                bar.set_position((percent * 10.0).clamp(0.0, 1000.0) as u64);
                bar.set_message(text);
                if !scan.is_running() {
                    bar.set_style(spinner_style());
                    bar.unset_length();
                }
            }
            None => {
                let due = self
                    .scan_line
                    .is_none_or(|t| t.elapsed() >= SCAN_LINE_EVERY);
                if due || !scan.is_running() {
                    self.scan_line = Some(Instant::now());
                    self.line(&text);
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
            (Show::File { message, line }, Some(bar)) => {
                if self.verbose {
                    bar.println(line);
                }
                bar.set_message(message);
            }
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
