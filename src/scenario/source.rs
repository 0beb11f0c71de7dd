//! Reading a scenario file's text, whatever the path turns out to be.
//!
//! A scenario is a small YAML file. The path a user gives may be anything else:
//! `/dev/zero` (reads forever), a FIFO (blocks), a directory, a UTF-16 file from
//! an editor, a binary. Each is refused with a message that says what it is,
//! before any byte is parsed, and nothing reads more than [`MAX_BYTES`].

use std::io::Read as _;
use std::path::Path;

/// Larger than any scenario a person writes (the shipped ones are under 4 KiB),
/// small enough that a wrong path costs nothing.
pub(crate) const MAX_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub(crate) enum SourceError {
    #[error("cannot read the scenario: {0}")]
    Io(#[from] std::io::Error),
    #[error("this is {0}, not a scenario file")]
    NotAFile(&'static str),
    #[error("the scenario is larger than {} KiB", MAX_BYTES >> 10)]
    TooLarge,
    #[error("the scenario is empty")]
    Empty,
    #[error("the scenario is {0} text; zlab reads UTF-8")]
    Encoding(&'static str),
    #[error("the scenario is not text: byte {offset} is not UTF-8")]
    NotUtf8 { offset: usize },
}

impl SourceError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        let text = match self {
            SourceError::Io(_) => "check the path and its permissions",
            SourceError::NotAFile(_) => "give the path of a YAML file",
            SourceError::TooLarge => "a lab's scenario fits in a few KiB: is this the right file?",
            SourceError::Empty => "start from one of the files in scenarios/",
            SourceError::Encoding(e) => {
                let from = if e.starts_with("UTF-32") {
                    "UTF-32"
                } else {
                    "UTF-16"
                };
                return format!(
                    "convert it: `iconv -f {from} -t UTF-8 lab.yaml > lab.utf8.yaml`, or save it as UTF-8 in the editor"
                );
            }
            SourceError::NotUtf8 { .. } => "give the path of a YAML file, saved as UTF-8",
        };
        text.to_owned()
    }
}

/// The file's text, if it is a regular file of at most [`MAX_BYTES`] of UTF-8.
pub(crate) fn read(path: &Path) -> Result<String, SourceError> {
    // Look before opening: opening a FIFO blocks until a writer appears.
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(SourceError::NotAFile(describe(kind)));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    decode(bytes)
}

/// Standard input (a scenario given as `-`), with the same limits as a file.
pub(crate) fn read_stdin() -> Result<String, SourceError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    decode(bytes)
}

fn describe(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Bytes → text: size, byte-order marks and UTF-8 checked in that order.
fn decode(bytes: Vec<u8>) -> Result<String, SourceError> {
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_BYTES {
        return Err(SourceError::TooLarge);
    }
    let encoding = match bytes.as_slice() {
        [0xff, 0xfe, 0, 0, ..] | [0, 0, 0xfe, 0xff, ..] => Some("UTF-32"),
        [0xff, 0xfe, ..] => Some("UTF-16 (little-endian)"),
        [0xfe, 0xff, ..] => Some("UTF-16 (big-endian)"),
        // No BOM, but every other byte zero: UTF-16 all the same.
        [_, 0, _, 0, ..] => Some("UTF-16 (little-endian, without a byte-order mark)"),
        [0, _, 0, _, ..] => Some("UTF-16 (big-endian, without a byte-order mark)"),
        _ => None,
    };
    if let Some(e) = encoding {
        return Err(SourceError::Encoding(e));
    }
    let text = String::from_utf8(bytes).map_err(|e| SourceError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    // A UTF-8 byte-order mark is harmless: drop it.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(SourceError::Empty);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_named() {
        let bom_le = [0xff, 0xfe, b'a', 0, b':', 0].to_vec();
        assert!(matches!(
            decode(bom_le),
            Err(SourceError::Encoding("UTF-16 (little-endian)"))
        ));
        let bare = [b'a', 0, b':', 0].to_vec();
        assert!(matches!(decode(bare), Err(SourceError::Encoding(_))));
    }

    #[test]
    fn binary_is_not_text() {
        assert!(matches!(
            decode(b"ab\xff\xfe\xfd".to_vec()),
            Err(SourceError::NotUtf8 { offset: 2 })
        ));
    }

    #[test]
    fn a_utf8_bom_is_dropped() {
        assert_eq!(
            decode(b"\xef\xbb\xbfa: 1\n".to_vec()).expect("text"),
            "a: 1\n"
        );
    }

    #[test]
    fn devices_and_directories_are_refused_without_reading() {
        assert!(matches!(
            read(Path::new("/dev/zero")),
            Err(SourceError::NotAFile("a character device"))
        ));
        assert!(matches!(
            read(Path::new("/")),
            Err(SourceError::NotAFile("a directory"))
        ));
    }

    #[test]
    fn large_files_are_refused() {
        assert!(matches!(
            decode(vec![b'#'; 2 << 20]),
            Err(SourceError::TooLarge)
        ));
    }
}
