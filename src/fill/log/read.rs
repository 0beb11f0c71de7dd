//! Reading the fill log leniently, as `zlab report` does: the JSON-lines
//! contract of [`super`], whose types write it.
//!
//! One object per line. `{"type":"file",…}` is one finished file;
//! `{"type":"summary",…}` ends a run (a log holds several runs when a fill was
//! interrupted and resumed). The report needs only `index`, `bytes`,
//! `start_unix` and `ms` of a file record (`name` when present); rates are
//! recomputed from `bytes` and `ms`, and the engine's `mb_s`, `rolling_mb_s` and
//! every summary figure are ignored: the report is computed from the files
//! themselves. Unknown fields are ignored and unknown `type`s skipped, so the
//! engine can add to the contract without breaking older readers.
//!
//! A line that breaks the contract is [`Malformed`]: it is skipped and reported
//! with its line number, and the rest of the log is still read. The last line of
//! a log whose writer was stopped mid-line has no newline; it is read if it is a
//! whole record, and reported as incomplete otherwise.

use std::borrow::Cow;
use std::io::{self, BufRead};

use serde::Deserialize;

/// One line of the log, as far as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Record<'a> {
    /// A run begins; `window` is the fill's rolling window (older logs have none).
    Start {
        window: Option<u32>,
    },
    File(FileEntry<'a>),
    /// The end of a run; `complete` says whether the fill reached its target.
    Summary {
        complete: bool,
    },
    /// A record of a `type` this version does not know.
    Other,
    Blank,
}

/// One finished file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FileEntry<'a> {
    pub index: u64,
    pub name: Option<Cow<'a, str>>,
    pub bytes: u64,
    /// Unix time, in seconds, when writing the file began.
    pub start: f64,
    /// How long writing it took, in milliseconds (always > 0).
    pub ms: f64,
}

impl FileEntry<'_> {
    /// Unix time, in seconds, when the file was finished.
    pub(crate) fn end(&self) -> f64 {
        self.start + self.ms / 1000.0
    }

    /// MB/s (10⁶ bytes per second), recomputed from `bytes` and `ms`.
    #[expect(
        clippy::cast_precision_loss,
        reason = "file sizes are far below 2^52 bytes; a rate needs no more precision"
    )]
    pub(crate) fn mb_s(&self) -> f64 {
        self.bytes as f64 / 1000.0 / self.ms
    }
}

/// Why a line was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    pub line: u64,
    pub reason: String,
}

/// The fields of any record the report reads; absent ones are checked per type.
#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    index: Option<u64>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    bytes: Option<u64>,
    start_unix: Option<f64>,
    ms: Option<f64>,
    complete: Option<bool>,
    window: Option<u32>,
}

/// Only the type, to tell a record of an unknown type (skipped, whatever its
/// fields hold) from a known record with a field of the wrong type.
#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

/// Parses one line (without its newline).
pub(crate) fn parse_line(text: &[u8]) -> Result<Record<'_>, String> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Record::Blank);
    }
    let raw: Raw = match serde_json::from_slice(text) {
        Ok(raw) => raw,
        Err(err) => {
            return match serde_json::from_slice::<Kind>(text) {
                Ok(k) if !matches!(k.kind.as_ref(), "start" | "file" | "summary") => {
                    Ok(Record::Other)
                }
                Ok(_) => Err(json_reason(&err)),
                Err(_) if err.is_data() => {
                    Err("expected a JSON object with a string `type` field".to_owned())
                }
                Err(_) => Err(format!("not JSON: {}", json_reason(&err))),
            };
        }
    };
    match raw.kind.as_ref() {
        "start" => Ok(Record::Start { window: raw.window }),
        "file" => file_record(raw).map(Record::File),
        "summary" => Ok(Record::Summary {
            complete: raw.complete.unwrap_or(false),
        }),
        _ => Ok(Record::Other),
    }
}

fn file_record(raw: Raw<'_>) -> Result<FileEntry<'_>, String> {
    let missing = |field: &str| format!("file record without `{field}`");
    let index = raw.index.ok_or_else(|| missing("index"))?;
    let bytes = raw.bytes.ok_or_else(|| missing("bytes"))?;
    let start = raw.start_unix.ok_or_else(|| missing("start_unix"))?;
    let ms = raw.ms.ok_or_else(|| missing("ms"))?;
    if !start.is_finite() || start < 0.0 {
        return Err(format!("`start_unix` {start} is not a Unix time"));
    }
    if !ms.is_finite() || ms <= 0.0 {
        return Err(format!(
            "`ms` {ms} is not a positive number of milliseconds"
        ));
    }
    let file = FileEntry {
        index,
        name: raw.name,
        bytes,
        start,
        ms,
    };
    if !file.mb_s().is_finite() {
        return Err(format!("`ms` {ms} is too small a time for {bytes} bytes"));
    }
    Ok(file)
}

/// serde_json's message; the position is within a one-line document, so only
/// its column means anything.
fn json_reason(err: &serde_json::Error) -> String {
    err.to_string().replace(" at line 1 column ", " at column ")
}

/// Reads a log line by line, counting lines and bytes; lines need not be UTF-8
/// (a bad byte makes that one line malformed, not the whole log unreadable).
pub(crate) struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    line: u64,
    bytes: u64,
}

/// One line as read: its number (from 1), its text without the newline, and
/// whether a newline ended it.
pub(crate) struct RawLine<'a> {
    pub number: u64,
    pub text: &'a [u8],
    pub terminated: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(256),
            line: 0,
            bytes: 0,
        }
    }

    /// Bytes read so far: where the next line begins.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next line, or `None` at the end.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<RawLine<'_>>> {
        self.buf.clear();
        let read = self.inner.read_until(b'\n', &mut self.buf)?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        self.bytes += u64::try_from(read).unwrap_or(u64::MAX);
        let terminated = self.buf.last() == Some(&b'\n');
        let mut text = self.buf.as_slice();
        if terminated {
            text = &text[..text.len() - 1];
        }
        if text.last() == Some(&b'\r') {
            text = &text[..text.len() - 1];
        }
        Ok(Some(RawLine {
            number: self.line,
            text,
            terminated,
        }))
    }
}

/// Parses a line as read; a malformed last line without a newline is called
/// incomplete, since that is what a writer stopped mid-line leaves.
pub(crate) fn parse_raw<'a>(raw: &RawLine<'a>) -> Result<Record<'a>, Malformed> {
    parse_line(raw.text).map_err(|reason| Malformed {
        line: raw.number,
        reason: if raw.terminated {
            reason
        } else {
            format!("incomplete last line (no newline; was the fill stopped?): {reason}")
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileEntry<'_> {
        match parse_line(text.as_bytes()) {
            Ok(Record::File(f)) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn file_record_of_the_contract() {
        let f = file(
            r#"{"type":"file","index":0,"name":"file_0","bytes":1073741824,"start_unix":1764000000.123,"ms":812.4,"mb_s":1321.6,"rolling_mb_s":1300.2}"#,
        );
        assert_eq!(f.index, 0);
        assert_eq!(f.name.as_deref(), Some("file_0"));
        assert_eq!(f.bytes, 1_073_741_824);
        assert!((f.mb_s() - 1321.69).abs() < 0.01, "{}", f.mb_s());
        assert!((f.end() - 1_764_000_000.935_4).abs() < 1e-6);
    }

    #[test]
    fn unknown_fields_are_ignored_and_names_may_be_escaped() {
        let f = file(
            r#"{"stream":1,"type":"file","index":7,"name":"f\u00e9_7","bytes":10,"start_unix":5,"ms":1,"extra":{"a":[1]}}"#,
        );
        assert_eq!(f.index, 7);
        assert_eq!(f.name.as_deref(), Some("fé_7"));
    }

    #[test]
    fn name_is_optional() {
        let f = file(r#"{"type":"file","index":3,"bytes":10,"start_unix":5,"ms":1}"#);
        assert_eq!(f.name, None);
    }

    #[test]
    fn unknown_types_are_skipped_whatever_their_fields() {
        for text in [
            r#"{"type":"progress","pct":12}"#,
            r#"{"type":"note","ms":"soon","index":-1}"#,
        ] {
            assert_eq!(parse_line(text.as_bytes()), Ok(Record::Other), "{text}");
        }
    }

    #[test]
    fn summary_needs_only_its_type() {
        assert_eq!(
            parse_line(br#"{"type":"summary","files":3,"complete":true}"#),
            Ok(Record::Summary { complete: true })
        );
        assert_eq!(
            parse_line(br#"{"type":"summary"}"#),
            Ok(Record::Summary { complete: false })
        );
    }

    #[test]
    fn blank_lines_are_blank() {
        assert_eq!(parse_line(b""), Ok(Record::Blank));
        assert_eq!(parse_line(b"  \t"), Ok(Record::Blank));
    }

    #[test]
    fn missing_field_is_named() {
        assert_eq!(
            parse_line(br#"{"type":"file","index":1,"bytes":10,"start_unix":5}"#),
            Err("file record without `ms`".to_owned())
        );
    }

    #[test]
    fn wrong_type_in_a_file_record_gives_the_column() {
        let err = parse_line(br#"{"type":"file","index":"one"}"#).unwrap_err();
        assert!(err.starts_with("invalid type: string \"one\""), "{err}");
        assert!(err.ends_with(" at column 28"), "{err}");
    }

    #[test]
    fn non_positive_time_is_rejected() {
        let err = parse_line(br#"{"type":"file","index":1,"bytes":10,"start_unix":5,"ms":0}"#)
            .unwrap_err();
        assert_eq!(err, "`ms` 0 is not a positive number of milliseconds");
    }

    #[test]
    fn an_infinite_rate_is_rejected() {
        let err = parse_line(
            br#"{"type":"file","index":1,"bytes":1073741824,"start_unix":5,"ms":1e-310}"#,
        )
        .unwrap_err();
        assert!(err.starts_with("`ms` "), "{err}");
        assert!(
            err.ends_with(" is too small a time for 1073741824 bytes"),
            "{err}"
        );
    }

    #[test]
    fn not_json_and_not_an_object() {
        let err = parse_line(b"Copying file_3 ...").unwrap_err();
        assert!(
            err.starts_with("not JSON: expected value at column 1"),
            "{err}"
        );
        assert_eq!(
            parse_line(b"[1,2]"),
            Err("expected a JSON object with a string `type` field".to_owned())
        );
        assert_eq!(
            parse_line(br#"{"index":1}"#),
            Err("expected a JSON object with a string `type` field".to_owned())
        );
    }

    #[test]
    fn reader_numbers_lines_and_marks_an_unterminated_last_line() {
        let data = b"{\"type\":\"summary\"}\r\n\n\xff\n{\"type\":\"file\",\"ind";
        let mut reader = LineReader::new(&data[..]);
        let mut seen = Vec::new();
        while let Some(raw) = reader.next_line().expect("read") {
            let parsed = parse_raw(&raw).map(|line| format!("{line:?}"));
            seen.push((raw.number, raw.terminated, parsed));
        }
        assert_eq!(reader.bytes_read(), 42);
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[0], (1, true, Ok("Summary { complete: false }".into())));
        assert_eq!(seen[1], (2, true, Ok("Blank".into())));
        let (n, _, Err(bad)) = &seen[2] else {
            panic!("{:?}", seen[2])
        };
        assert_eq!(*n, 3);
        assert!(bad.reason.starts_with("not JSON: "), "{}", bad.reason);
        let (n, terminated, Err(last)) = &seen[3] else {
            panic!("{:?}", seen[3])
        };
        assert_eq!((*n, *terminated), (4, false));
        assert!(
            last.reason.starts_with("incomplete last line"),
            "{}",
            last.reason
        );
    }
}
