//! Imports follow the flow: every `crate::…` path in a module of `src/` names
//! a module its row of ARCHITECTURE.md's table allows. The table is the single
//! source; this test reads it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `module → modules it may import` from the table under `## Modules`
/// (`*`: any).
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut table = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let module = cells[1].trim_matches('`').to_owned();
        let deps = cells[2]
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "—")
            .map(str::to_owned)
            .collect();
        table.insert(module, deps);
    }
    table
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its test module (tests
/// may reach anything they need to set up).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Top-level modules named by `crate::name` and `crate::{name, other::…}`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            // Nested groups close early; their first segments still come first.
            for item in group.split(',') {
                let name = ident(item.trim_start_matches(|c: char| c.is_whitespace() || c == '{'));
                if !name.is_empty() && name != "self" {
                    found.insert(name);
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found
}

#[test]
fn imports_follow_the_flow_in_architecture_md() {
    let allowed = allowed();
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut modules = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let module = Path::new(first.as_os_str())
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8")
            .to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        modules.insert(module.clone());
        let Some(may) = allowed.get(&module) else {
            wrong.push(format!("{module}: no row in ARCHITECTURE.md's table"));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("source");
        for used in imports(&code(&text)) {
            // `crate::Error` and the other re-exports at the root are lib.rs's.
            let is_module = used.starts_with(|c: char| c.is_ascii_lowercase());
            if used != module && is_module && !may.contains("*") && !may.contains(&used) {
                wrong.push(format!(
                    "{}: imports `{used}`, which `{module}` may not",
                    relative.display()
                ));
            }
        }
    }
    for listed in allowed.keys() {
        if !modules.contains(listed) {
            wrong.push(format!(
                "{listed}: in ARCHITECTURE.md's table but not in src/"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the flow:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn the_import_parser_reads_paths_and_groups() {
    let code = "use crate::{capacity, plan::step::Step, validate as rules};\nlet x = crate::zfs::output::names(t);\nuse crate::system::{self, probe};";
    let got: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(got, ["capacity", "plan", "system", "validate", "zfs"]);
}
