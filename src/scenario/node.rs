//! The located YAML tree every scenario is decoded from.
//!
//! Parsing yields this tree (see `parse.rs`), in which every scalar, key, list and
//! map remembers where it was written. Decoding walks it and can then report *all*
//! problems at once, each at the exact line and column of the value at fault.

use crate::diag::Span;

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub value: T,
    pub at: Span,
}

impl<T> Located<T> {
    pub(crate) fn new(value: T, at: Span) -> Self {
        Located { value, at }
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Located<U> {
        Located {
            value: f(self.value),
            at: self.at,
        }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A YAML value. Scalars keep YAML's own typing (`off` is a boolean, `1M` a string).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Located<Node>>),
    /// Keys in the order written; duplicates are rejected by the parser.
    Map(Vec<(Located<String>, Located<Node>)>),
}

impl Node {
    /// What kind of value this is, for "expected a map, found a list" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "a number",
            Node::Float(_) => "a decimal number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a map",
        }
    }

    /// The scalar as text, as a user would have typed it: sizes like `1600` or
    /// property values like `off` arrive as numbers or booleans from YAML.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Bool(true) => Some("on".into()),
            Node::Bool(false) => Some("off".into()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::Str(s) => Some(s.clone()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }
}
