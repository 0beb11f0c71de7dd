//! Shows rig events: a spinner with the latest line while the guest image is
//! built, a bar through the boot stages; plain timestamped lines when stderr
//! is not a terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::rig::event::RigEvent;

pub(crate) struct RigReporter {
    terminal: bool,
    bar: Option<ProgressBar>,
    start: Instant,
}

impl RigReporter {
    pub(crate) fn new(terminal: bool) -> Self {
        RigReporter {
            terminal,
            bar: None,
            start: Instant::now(),
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("[{:>7.1}s] {text}", self.start.elapsed().as_secs_f64()),
        }
    }

    /// The bar for this phase, made on first use (terminals only).
    fn bar(&mut self, template: &str, len: Option<u64>) -> Option<&ProgressBar> {
        if !self.terminal {
            return None;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = len.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Some(bar)
    }

    pub(crate) fn event(&mut self, event: &RigEvent) {
        match event {
            RigEvent::BuildLine(text) => {
                match self.bar(
                    "{spinner} building the rig guest {elapsed}: {wide_msg}",
                    None,
                ) {
                    Some(bar) => bar.set_message(text.clone()),
                    None => self.line(&format!("rig build: {text}")),
                }
            }
            RigEvent::GuestReady { built } => {
                self.finish();
                if *built {
                    self.line("rig: guest image built");
                }
            }
            RigEvent::BootStage {
                index,
                total,
                stage,
            } => {
                let len = u64::try_from(*total).unwrap_or(0);
                let template =
                    "{spinner} booting the rig VM [{bar:20}] {pos}/{len} {msg} {elapsed}";
                match self.bar(template, Some(len)) {
                    Some(bar) => {
                        bar.set_position(u64::try_from(*index).unwrap_or(0));
                        bar.set_message(*stage);
                    }
                    None => self.line(&format!("rig boot [{index}/{total}] {stage}")),
                }
            }
            RigEvent::Booted { elapsed } => {
                self.finish();
                self.line(&format!(
                    "rig: the VM is up after {:.1}s",
                    elapsed.as_secs_f64()
                ));
            }
            RigEvent::Note(text) => self.line(text),
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
