//! How zlab speaks: to people (verbosity, colour that honours `NO_COLOR`) and to
//! programs (JSON documents that carry a `schema_version`, described in
//! docs/json.md). Commands choose; lower layers only emit data and events.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

/// The version of every JSON document and event zlab prints. Adding a field
/// keeps it; removing or changing one bumps it.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// A JSON document: `{"schema_version": 1, "kind": "status", …body's fields}`.
#[derive(Serialize)]
pub(crate) struct Document<'a, T: Serialize> {
    schema_version: u32,
    kind: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

/// `body` as one pretty JSON document of `kind`, newline-terminated.
pub(crate) fn document<T: Serialize>(kind: &'static str, body: &T) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        kind,
        body,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// `body` as one compact JSON line of `kind` (events of long runs).
pub(crate) fn line<T: Serialize>(kind: &'static str, body: &T) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        kind,
        body,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// `--color`: when to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// What the global options decided, for the commands to pass down.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub(crate) verbosity: Verbosity,
    /// Colour on standard error (diagnostics and progress).
    pub(crate) color: bool,
}

impl Output {
    /// From the global options (`-q`, `-v`, `--color`) and this process's
    /// standard error and environment.
    pub fn new(quiet: bool, verbose: bool, color: Color) -> Output {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            verbosity: if quiet {
                Verbosity::Quiet
            } else if verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
            color: match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => !no_color && std::io::stderr().is_terminal(),
            },
        }
    }

    /// Plain and normal: what tests and library callers get.
    pub fn plain() -> Output {
        Output {
            verbosity: Verbosity::Normal,
            color: false,
        }
    }

    pub(crate) fn quiet(self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    pub fn palette(self) -> Palette {
        Palette { on: self.color }
    }
}

/// The few styles zlab uses, or none.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    on: bool,
}

impl Palette {
    pub fn new(on: bool) -> Palette {
        Palette { on }
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// `error:`, `FAILED`.
    pub fn error(self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            text,
        )
    }

    /// Carets under a value, `DIFFERS`, `MISSING`.
    pub(crate) fn warn(self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            text,
        )
    }

    /// `= help:`, locations.
    pub(crate) fn help(self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Cyan.into())),
            text,
        )
    }

    /// `ok`, `valid`.
    pub(crate) fn ok(self, text: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Green.into())), text)
    }
}

/// `1 file`, `3 files`: a count with its noun, plural when it is not one.
pub(crate) fn count(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    if n == "1" {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_leads_with_its_schema_version_and_kind() {
        #[derive(Serialize)]
        struct Body {
            x: u32,
        }
        let v: serde_json::Value =
            serde_json::from_str(&document("test", &Body { x: 7 })).expect("json");
        assert_eq!(v["schema_version"], SCHEMA_VERSION);
        assert_eq!(v["kind"], "test");
        assert_eq!(v["x"], 7);
    }

    #[test]
    fn a_count_of_one_is_singular() {
        assert_eq!(count(1u64, "file"), "1 file");
        assert_eq!(count(0usize, "file"), "0 files");
        assert_eq!(count(2u32, "line"), "2 lines");
    }

    #[test]
    fn a_palette_that_is_off_adds_nothing() {
        assert_eq!(Palette::new(false).error("error"), "error");
        assert!(Palette::new(true).error("error").contains("\u{1b}["));
    }
}
