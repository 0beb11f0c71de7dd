//! Located scenario diagnostics and the one place that renders them for people.
//!
//! Every problem found in a scenario — YAML syntax, an unknown key, a bad size, a
//! vdev with too few devices — becomes a [`Diagnostic`] pointing at the offending
//! value, so a user can jump to `file:line:column` and read how to fix it.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::output::Palette;

/// One problem in a scenario file, with where it is and how to fix it.
/// Where a value was written: 1-based line and column, and its width in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    /// Characters to underline, at least one.
    #[serde(skip)]
    pub width: u32,
    /// Where in the scenario's structure, e.g. `pools[0].vdevs[2].type`.
    pub field: String,
    pub message: String,
    pub help: Option<String>,
}

/// Where a diagnostic points when its value came from a flag, not a file:
/// it has no line, and its field names the flag.
pub(crate) const COMMAND_LINE: &str = "the command line";

impl Diagnostic {
    pub fn new(
        file: &Path,
        at: Span,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: at.line,
            column: at.column,
            width: at.len.max(1),
            field: field.into(),
            message: message.into(),
            help: None,
        }
    }

    #[must_use]
    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic like a compiler does: headline, location, the source
    /// line with a caret under the value, then the hint. Text from the scenario
    /// is escaped, so a hostile value cannot act on the terminal.
    pub(crate) fn render(&self, source: Option<&str>, style: Palette) -> String {
        let mut out = String::new();
        let field = if self.field.is_empty() {
            String::new()
        } else {
            format!("{}: ", escape(&self.field))
        };
        let _ = writeln!(
            out,
            "{} {field}{}",
            style.error("error:"),
            escape(&self.message)
        );
        let file = escape(&self.file.to_string_lossy()).into_owned();
        let at = if self.line == 0 {
            file // a flag: no line to point at
        } else {
            format!("{file}:{}:{}", self.line, self.column)
        };
        let _ = writeln!(out, "  {} {at}", style.help("-->"));
        let line_text = source.and_then(|s| {
            usize::try_from(self.line)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| s.lines().nth(i))
        });
        if let Some(text) = line_text {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            let col = usize::try_from(self.column.saturating_sub(1)).unwrap_or(0);
            let width = usize::try_from(self.width).unwrap_or(1);
            let indent: String = text
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {}", escape_keeping_tabs(text));
            let carets = style.warn(&"^".repeat(width));
            let _ = writeln!(out, "{pad} | {indent}{carets}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  {} {}", style.help("= help:"), escape(help));
        }
        out
    }
}

/// A source line as shown under a diagnostic: tabs stay (the caret line keeps
/// them too), anything else unprintable is escaped.
fn escape_keeping_tabs(line: &str) -> String {
    line.split('\t')
        .map(|part| escape(part).into_owned())
        .collect::<Vec<_>>()
        .join("\t")
}

/// What is wrong with a character in a scenario string, if anything: C0 and C1
/// controls (newline, CR, NUL, ESC, tab …), DEL, and the invisible characters
/// that reorder or hide text (bidi overrides and isolates, zero-width marks, BOM).
pub(crate) fn forbidden(c: char) -> Option<&'static str> {
    match c {
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Some("a control character"),
        '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{061c}'
        | '\u{feff}' => Some("an invisible or text-direction character"),
        _ => None,
    }
}

/// `s` with every [`forbidden`] character written as an escape (`\n`,
/// `\u{202e}`), so it shows as what it is and cannot act on a terminal or a shell
/// comment.
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| forbidden(c).is_some()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if forbidden(c).is_some() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The text of the file a diagnostic points at, for its snippet: only a
/// regular file, only its first MiB (the path may be `/dev/zero`), only text.
fn snippet_source(path: &Path) -> Option<String> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut bytes)
        .ok()?;
    // Many NULs mean UTF-16: no line of it is worth showing.
    String::from_utf8(bytes)
        .ok()
        .filter(|t| t.matches('\0').count() * 4 < t.len())
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.field,
            self.message
        )
    }
}

/// Renders a batch of diagnostics, reading each file's text once for the snippets.
pub fn render_all(diags: &[Diagnostic], style: Palette) -> String {
    let mut cache: Vec<(PathBuf, Option<String>)> = Vec::new();
    let mut out = String::new();
    for d in diags {
        if !cache.iter().any(|(p, _)| p == &d.file) {
            cache.push((d.file.clone(), snippet_source(&d.file)));
        }
        let source = cache
            .iter()
            .find(|(p, _)| p == &d.file)
            .and_then(|(_, s)| s.as_deref());
        out.push_str(&d.render(source, style));
        out.push('\n');
    }
    let n = diags.len();
    let _ = writeln!(
        out,
        "{n} error{} found; nothing was changed.",
        if n == 1 { "" } else { "s" }
    );
    out
}

/// The closest of `candidates` to a misspelt `word`, if it is close enough to be a
/// plausible typo (`recsize` → `recordsize`).
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_points_a_caret_at_the_value() {
        let d = Diagnostic::new(
            Path::new("lab.yaml"),
            Span {
                line: 2,
                column: 9,
                len: 4,
            },
            "pools[0].name",
            "bad name",
        )
        .with_help("use letters");
        let text = d.render(Some("pools:\n  - name: t@nk\n"), Palette::new(false));
        assert_eq!(
            text,
            "error: pools[0].name: bad name\n  --> lab.yaml:2:9\n  |\n2 |   - name: t@nk\n  |         ^^^^\n  = help: use letters\n"
        );
    }

    #[test]
    fn controls_and_direction_marks_are_forbidden() {
        for c in [
            '\n', '\r', '\0', '\u{1b}', '\t', '\u{7f}', '\u{85}', '\u{202e}',
        ] {
            assert!(forbidden(c).is_some(), "{c:?}");
        }
        for c in ['a', ' ', 'é', '/', '\'', '$'] {
            assert!(forbidden(c).is_none(), "{c:?}");
        }
    }

    #[test]
    fn escape_shows_what_is_there() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a\nb\u{1b}[2J\u{202e}"), "a\\nb\\u{1b}[2J\\u{202e}");
    }

    #[test]
    fn suggest_finds_a_near_miss() {
        assert_eq!(
            suggest("recsize", ["recordsize", "sync"]),
            Some("recordsize")
        );
        assert_eq!(suggest("zzz", ["recordsize", "sync"]), None);
    }
}
