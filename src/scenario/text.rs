//! Characters a scenario string may not contain, and showing strings safely.
//!
//! Every string a scenario gives ends up somewhere a person or a shell reads it:
//! a path in `plan --format sh`, a pool name in a diagnostic, a comment in the
//! script. A newline there ends a comment and starts a command; an escape sequence
//! rewrites the terminal; a right-to-left override makes `vdb` read as `bdv`. So
//! control and direction characters are refused in every key and value, and
//! whatever text is shown anyway (a diagnostic quoting the bad value) goes
//! through [`escape`](crate::diag::escape).

use std::path::Path;

use super::node::{Located, Node};
use crate::diag::{Diagnostic, escape, forbidden};

/// One located error for every key or string value that holds a forbidden
/// character, with its field path; plus one for the file's own name, which
/// becomes the lab name and appears in the shell plan.
pub(crate) fn check(file: &Path, root: &Located<Node>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let name = file.to_string_lossy();
    if let Some((c, what)) = first_forbidden(&name) {
        diags.push(
            Diagnostic::new(
                file,
                root.at,
                "",
                format!(
                    "the file name `{}` contains {what} ({})",
                    escape(&name),
                    escape(&c.to_string())
                ),
            )
            .with_help("rename the file: its name becomes the lab's name and appears in `plan --format sh`"),
        );
    }
    walk(file, root, "", &mut diags);
    diags
}

fn first_forbidden(s: &str) -> Option<(char, &'static str)> {
    s.chars().find_map(|c| forbidden(c).map(|w| (c, w)))
}

fn walk(file: &Path, node: &Located<Node>, path: &str, diags: &mut Vec<Diagnostic>) {
    let report = |at, field: &str, text: &str, diags: &mut Vec<Diagnostic>| {
        if let Some((c, what)) = first_forbidden(text) {
            diags.push(
                Diagnostic::new(
                    file,
                    at,
                    field,
                    format!(
                        "`{}` contains {what} ({})",
                        escape(text),
                        escape(&c.to_string())
                    ),
                )
                .with_help(
                    "names, paths and values are printed in plans and run in scripts: use visible characters only",
                ),
            );
        }
    };
    match &node.value {
        Node::Str(s) => report(node.at, path, s, diags),
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(file, item, &format!("{path}[{i}]"), diags);
            }
        }
        Node::Map(entries) => {
            for (k, v) in entries {
                let field = if path.is_empty() {
                    escape(&k.value).into_owned()
                } else {
                    format!("{path}.{}", escape(&k.value))
                };
                report(k.at, &field, &k.value, diags);
                walk(file, v, &field, diags);
            }
        }
        Node::Null | Node::Bool(_) | Node::Int(_) | Node::Float(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse::parse_yaml;

    #[test]
    fn every_string_is_checked_with_its_field_path() {
        let root = parse_yaml(
            Path::new("t.yaml"),
            "pools:\n  - name: \"t\\nank\"\n    datasets: [{ name: ok }, { name: \"a\\u202eb\" }]\n",
        )
        .expect("yaml");
        let diags = check(Path::new("t.yaml"), &root);
        let found: Vec<_> = diags.iter().map(|d| (d.field.as_str(), d.line)).collect();
        assert_eq!(
            found,
            [("pools[0].name", 2), ("pools[0].datasets[1].name", 3)]
        );
        assert!(
            diags[0].message.contains("`t\\nank`"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn a_file_name_with_a_newline_is_refused() {
        let root = parse_yaml(Path::new("x"), "{}").expect("yaml");
        let diags = check(Path::new("/tmp/a\nb.yaml"), &root);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("a\\nb.yaml"));
    }
}
