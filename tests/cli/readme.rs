//! The README's console blocks stay true: every block whose first line runs a
//! host-only `zlab` command (no root, no guest; piped at most through `head -N`
//! or `sed -n 'A,Bp;…'`) is run again here and must print exactly what the
//! README shows.

use super::cli::zlab;

/// Where the README's examples pretend the repository is checked out.
const README_ROOT: &str = "/home/me/zlab";

/// Commands whose output depends only on the scenario files.
const HOST_ONLY: &[&str] = &["validate", "plan", "capacity"];

/// `(command line, expected output)` for each checkable block.
fn blocks(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```console" {
            continue;
        }
        let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let Some(command) = body.first().and_then(|l| l.strip_prefix("$ zlab ")) else {
            continue;
        };
        let checkable = body[1..].iter().all(|l| !l.starts_with("$ "))
            && filtered(command, "").is_some()
            && command
                .split_whitespace()
                .next()
                .is_some_and(|c| HOST_ONLY.contains(&c));
        if checkable {
            let mut expected = body[1..].join("\n");
            expected.push('\n');
            out.push((command.to_owned(), expected));
        }
    }
    out
}

/// Words of the command line, with `dir/*.yaml` expanded as a shell would.
fn argv(command: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = Vec::new();
    let command = command.split('|').next().unwrap_or_default();
    for word in command.split_whitespace() {
        match word.split_once("/*") {
            Some((dir, suffix)) => {
                let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
                    .expect("glob dir")
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(suffix))
                    .map(|n| format!("{dir}/{n}"))
                    .collect();
                names.sort();
                args.extend(names);
            }
            None => args.push(word.to_owned()),
        }
    }
    args
}

/// The lines `filter` keeps (`head -N`, `sed -n 'A,Bp;Cp'`), or `None` for a
/// filter this harness does not know (the block is then not checkable).
fn filtered(command: &str, text: &str) -> Option<String> {
    let Some((_, filter)) = command.split_once('|') else {
        return Some(text.to_owned());
    };
    let filter = filter.trim();
    let keep: Box<dyn Fn(usize) -> bool> = if let Some(n) = filter.strip_prefix("head -") {
        let n: usize = n.trim().parse().ok()?;
        Box::new(move |i| i <= n)
    } else if let Some(ranges) = filter.strip_prefix("sed -n ") {
        let mut spans = Vec::new();
        for r in ranges.trim_matches('\'').split(';') {
            let r = r.strip_suffix('p')?;
            let (a, b) = r.split_once(',').unwrap_or((r, r));
            spans.push((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?));
        }
        Box::new(move |i| spans.iter().any(|(a, b)| (*a..=*b).contains(&i)))
    } else {
        return None;
    };
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if keep(i + 1) {
            out.push_str(line);
            out.push('\n');
        }
    }
    Some(out)
}

#[test]
fn readme_console_blocks_match_the_tool() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let blocks = blocks(&readme);
    assert!(blocks.len() >= 4, "found only {} blocks", blocks.len());
    let mut wrong = Vec::new();
    for (command, expected) in &blocks {
        let out = zlab().args(argv(command)).output().expect("run");
        let mut got = String::from_utf8_lossy(&out.stdout).into_owned();
        got.push_str(&String::from_utf8_lossy(&out.stderr));
        // A plan records the scenario's absolute path on its pools; the README
        // shows it as in a checkout at README_ROOT.
        let got = got.replace(env!("CARGO_MANIFEST_DIR"), README_ROOT);
        let got = filtered(command, &got).expect("a filter the harness knows");
        if got != *expected {
            wrong.push(format!(
                "$ zlab {command}\n--- README\n{expected}--- zlab\n{got}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
