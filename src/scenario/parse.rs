//! YAML text → located [`Node`] tree. The only file that knows the YAML crate.
//!
//! We use `serde-saphyr` rather than the archived `serde_yaml`: it is maintained,
//! panic-free on hostile input, and gives every value a line and column
//! (`Spanned`), which located diagnostics need.

use std::fmt;
use std::path::Path;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::node::{Located, Node};
use crate::diag::Diagnostic;
use crate::diag::Span;

/// Parses YAML text into a located tree, or the one syntax error that stops it.
pub(crate) fn parse_yaml(file: &Path, text: &str) -> Result<Located<Node>, Diagnostic> {
    match serde_saphyr::from_str::<Spanned<RawNode>>(text) {
        Ok(root) => Ok(located(root)),
        Err(err) => {
            let at = err.location().map(span).unwrap_or(Span {
                line: 1,
                column: 1,
                len: 1,
            });
            Err(Diagnostic::new(file, at, "", syntax_message(&err.to_string()))
                .with_help("fix the YAML syntax; `zlab validate` reports the remaining problems after that"))
        }
    }
}

/// The YAML crate's message, without its own location prefix and snippet (we
/// render those ourselves).
fn syntax_message(full: &str) -> String {
    let first = full.lines().next().unwrap_or(full);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let msg = match first.find(": ") {
        Some(i) if first[..i].starts_with("line ") => &first[i + 2..],
        _ => first,
    };
    format!("invalid YAML: {msg}")
}

fn span(loc: Location) -> Span {
    let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    Span {
        line: clamp(loc.line()),
        column: clamp(loc.column()),
        len: clamp(loc.span().len()),
    }
}

fn located(raw: Spanned<RawNode>) -> Located<Node> {
    let at = span(raw.referenced);
    let node = match raw.value {
        RawNode::Null => Node::Null,
        RawNode::Bool(b) => Node::Bool(b),
        RawNode::Int(i) => Node::Int(i),
        RawNode::Float(f) => Node::Float(f),
        RawNode::Str(s) => Node::Str(s),
        RawNode::Seq(items) => Node::Seq(items.into_iter().map(located).collect()),
        RawNode::Map(entries) => Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Located::new(k.value, span(k.referenced)), located(v)))
                .collect(),
        ),
    };
    Located::new(node, at)
}

/// The tree as the YAML crate hands it over, before spans are converted.
enum RawNode {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<String>, Spanned<RawNode>)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<RawNode, E> {
        i128::try_from(v)
            .map(RawNode::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            entries.push((key, map.next_value()?));
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_line_and_column() {
        let root = parse_yaml(Path::new("t.yaml"), "a:\n  b: 14T\n").expect("valid");
        let Node::Map(top) = &root.value else {
            panic!("map")
        };
        let Node::Map(inner) = &top[0].1.value else {
            panic!("map")
        };
        assert_eq!(
            inner[0].0.at,
            Span {
                line: 2,
                column: 3,
                len: 1
            }
        );
        assert_eq!(
            inner[0].1.at,
            Span {
                line: 2,
                column: 6,
                len: 3
            }
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let err = parse_yaml(Path::new("t.yaml"), "a: [1, 2\nb: 3").expect_err("invalid");
        assert_eq!((err.line, err.column), (2, 2));
        assert!(err.message.starts_with("invalid YAML: "), "{}", err.message);
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let err = parse_yaml(Path::new("t.yaml"), "a: 1\na: 2\n").expect_err("dup");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }

    #[test]
    fn yaml_booleans_read_back_as_zfs_words() {
        let root = parse_yaml(Path::new("t.yaml"), "off").expect("valid");
        assert_eq!(root.value.scalar_text().as_deref(), Some("off"));
    }
}
