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
    match serde_saphyr::from_str_with_options::<Spanned<RawNode>>(text, options()) {
        Ok(root) => Ok(located(root)),
        Err(err) => {
            let at = err.location().map(span).unwrap_or(Span {
                line: 1,
                column: 1,
                len: 1,
            });
            let (message, help) = explain(&err);
            Err(Diagnostic::new(file, at, "", message).with_help(help))
        }
    }
}

/// Limits for a scenario, far below the crate's defaults (250 000 values): the
/// largest shipped scenario has a few hundred, and an alias bomb that expands to
/// the default limit takes seconds to refuse.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 20_000;
    budget.max_aliases = 1_000;
    budget.max_depth = 32;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// The parser's error in zlab's words: the crate's own wording names its
/// options (`DuplicateKeyPolicy`) and internals (`budget breached: Nodes {…}`),
/// which mean nothing to someone writing a scenario.
fn explain(err: &serde_saphyr::Error) -> (String, String) {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    let mut inner = err.without_snippet();
    while let E::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let syntax_help =
        "fix the YAML syntax; `zlab validate` reports the remaining problems after that";
    match inner {
        E::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("the key `{k}` appears twice in this map"),
                None => "a key appears twice in this map".to_owned(),
            },
            "each key appears once: remove or rename the second one".to_owned(),
        ),
        E::MultipleDocuments { .. } => (
            "the file holds more than one YAML document (a `---` line starts the next)".to_owned(),
            "a scenario is one document: remove the `---` line and what follows, or put each lab in its own file".to_owned(),
        ),
        E::Budget {
            breach: B::Depth { depth },
            ..
        } => (
            format!("the YAML is nested more than {} levels deep", depth.saturating_sub(1)),
            "a scenario nests a few levels (pools → vdevs → devices): remove the extra brackets".to_owned(),
        ),
        E::Budget { breach, .. } => {
            let what = match breach {
                B::Nodes { nodes } => format!(
                    "the YAML expands to more than {} values",
                    nodes.saturating_sub(1)
                ),
                B::Aliases { aliases } => format!(
                    "the YAML uses more than {} aliases",
                    aliases.saturating_sub(1)
                ),
                B::AliasAnchorRatio { aliases, anchors } => {
                    format!("the YAML repeats its {anchors} anchors through {aliases} aliases")
                }
                _ => "the YAML is larger than a scenario can be".to_owned(),
            };
            (
                what,
                "a scenario is a few dozen values; write them out instead of nesting aliases (`*name`)".to_owned(),
            )
        }
        _ => (syntax_message(&err.to_string()), syntax_help.to_owned()),
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
        assert_eq!(err.message, "the key `a` appears twice in this map");
    }

    #[test]
    fn alias_bombs_are_refused_in_plain_words() {
        let mut text = String::from("a: &a [1,1,1,1,1,1,1,1,1,1]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f"])
        {
            let refs = vec![format!("*{prev}"); 10].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let err = parse_yaml(Path::new("t.yaml"), &text).expect_err("bomb");
        assert!(!err.message.contains("budget"), "{}", err.message);
        assert!(err.message.starts_with("the YAML "), "{}", err.message);
    }

    #[test]
    fn yaml_booleans_read_back_as_zfs_words() {
        let root = parse_yaml(Path::new("t.yaml"), "off").expect("valid");
        assert_eq!(root.value.scalar_text().as_deref(), Some("off"));
    }
}
