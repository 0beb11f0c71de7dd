//! Device selections: how vdevs, wipes and partition tables name devices.
//!
//! `disks` is a whole group, `disks[3]` one member, `disks[0..5]` members 0 to 5
//! inclusive (like bash's `{0..5}`). A selection is one of these or a list of them.

use std::fmt;
use std::str::FromStr;

use super::node::Located;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    pub items: Vec<Located<SelItem>>,
}

/// One reference: a group, optionally narrowed to a member or an inclusive range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SelItem {
    pub group: String,
    pub range: Option<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SelectionError {
    #[error("`{0}` is not a device reference")]
    Malformed(String),
    #[error("range `{0}` runs backwards")]
    Backwards(String),
}

/// Group and partition names: a letter, then letters, digits or `_`, so each can
/// also be a shell variable name in `plan --format sh`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl FromStr for SelItem {
    type Err = SelectionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || SelectionError::Malformed(s.to_owned());
        let Some(open) = s.find('[') else {
            return if is_identifier(s) {
                Ok(SelItem {
                    group: s.to_owned(),
                    range: None,
                })
            } else {
                Err(malformed())
            };
        };
        let group = &s[..open];
        let inner = s[open + 1..].strip_suffix(']').ok_or_else(malformed)?;
        if !is_identifier(group) {
            return Err(malformed());
        }
        let number = |t: &str| t.trim().parse::<u32>().map_err(|_| malformed());
        let range = match inner.split_once("..") {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(inner)?;
                (n, n)
            }
        };
        if range.0 > range.1 {
            return Err(SelectionError::Backwards(s.to_owned()));
        }
        Ok(SelItem {
            group: group.to_owned(),
            range: Some(range),
        })
    }
}

impl fmt::Display for SelItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.range {
            None => f.write_str(&self.group),
            Some((a, b)) if a == b => write!(f, "{}[{a}]", self.group),
            Some((a, b)) => write!(f, "{}[{a}..{b}]", self.group),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(s: &str) -> Result<SelItem, SelectionError> {
        s.parse()
    }

    #[test]
    fn whole_group() {
        assert_eq!(
            item("disks"),
            Ok(SelItem {
                group: "disks".into(),
                range: None
            })
        );
    }

    #[test]
    fn one_member() {
        assert_eq!(item("disks[3]").map(|i| i.range), Ok(Some((3, 3))));
    }

    #[test]
    fn inclusive_range() {
        assert_eq!(item("disks[0..5]").map(|i| i.range), Ok(Some((0, 5))));
    }

    #[test]
    fn backwards_range_is_an_error() {
        assert!(matches!(item("d[5..1]"), Err(SelectionError::Backwards(_))));
    }

    #[test]
    fn paths_and_garbage_are_rejected() {
        for bad in ["/dev/sdb", "d[", "d[x]", "1d", "d[1..]", ""] {
            assert!(item(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["d", "d[2]", "d[0..7]"] {
            assert_eq!(item(s).map(|i| i.to_string()), Ok(s.to_owned()));
        }
    }
}
