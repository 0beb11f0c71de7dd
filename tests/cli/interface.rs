//! What a CLI owes the hands that use it: a hint with no arguments, completions
//! and man pages, `-` for standard input and output, quiet and colour switches,
//! and a closed pipe that ends quietly.

use std::io::Read;
use std::process::Stdio;

use assert_cmd::Command;

use super::cli::zlab;

const INVALID: &str = "fixtures/invalid/raidz4.yaml";

fn stdout_of(args: &[&str]) -> String {
    let out = zlab().args(args).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn no_arguments_prints_the_help_and_where_to_start() {
    let out = zlab().output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Usage: zlab"), "{stderr}");
    assert!(stderr.contains("Start with `zlab validate"), "{stderr}");
}

#[test]
fn plan_help_describes_its_file() {
    let help = stdout_of(&["plan", "--help"]);
    assert!(
        help.contains("Scenario file (`-` reads standard input)"),
        "{help}"
    );
}

#[test]
fn completions_for_each_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        for command in ["validate", "plan", "capacity", "list", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
}

#[test]
fn man_pages_come_from_the_command_line_definition() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with(".ie"),
        "roff: {}",
        &page[..40.min(page.len())]
    );
    assert!(page.contains("zlab"));
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("man1");
    stdout_of(&["man", target.to_str().expect("utf-8 path")]);
    for page in ["zlab.1", "zlab-plan.1", "zlab-rig-up.1"] {
        let text = std::fs::read_to_string(target.join(page)).expect(page);
        assert!(text.contains(".TH"), "{page}");
    }
    // Every page renders, as `man` shows it, without a roff warning.
    for entry in std::fs::read_dir(&target).expect("man1") {
        let page = entry.expect("page").path();
        let out = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .expect("man");
        assert!(out.status.success(), "{}", page.display());
        assert!(
            out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{}", page.display());
    }
}

#[test]
fn bash_loads_the_completions() {
    let script = stdout_of(&["completions", "bash"]);
    let out = Command::new("bash")
        .args(["-c", "source /dev/stdin && complete -p zlab"])
        .write_stdin(script)
        .output()
        .expect("bash");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("zlab"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_scenario_on_standard_input_is_named_stdin() {
    let text = std::fs::read_to_string(INVALID).expect("fixture");
    let out = zlab()
        .args(["validate", "--portable", "-"])
        .write_stdin(text)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--> <stdin>:"), "{stderr}");

    let text = std::fs::read_to_string("scenarios/quickstart.yaml").expect("scenario");
    let out = zlab()
        .args(["plan", "--portable", "-"])
        .write_stdin(text)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("create pool quick"));
}

#[test]
fn report_to_dash_writes_the_svg_to_standard_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = zlab()
        .current_dir(dir.path())
        .args(["report", "-o", "-"])
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/fill-logs/resumed.jsonl"),
        )
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{svg:.80}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("plot"));
    assert!(!dir.path().join("-").exists(), "no file named -");
}

#[test]
fn quiet_validate_says_nothing_on_success() {
    let out = zlab()
        .args(["-q", "validate", "--portable", "scenarios/quickstart.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
}

#[test]
fn colour_is_asked_for_or_left_out() {
    let esc = |args: &[&str], no_color: bool| {
        let mut cmd = zlab();
        cmd.args(args).args(["validate", "--portable", INVALID]);
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.output().expect("run");
        String::from_utf8_lossy(&out.stderr).contains('\u{1b}')
    };
    assert!(esc(&["--color", "always"], false));
    assert!(esc(&["--color", "always"], true), "an explicit flag wins");
    assert!(!esc(&["--color", "never"], false));
    // Not a terminal: auto means none.
    assert!(!esc(&[], false));
}

#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "the test needs the raw pipe, closed before zlab writes"
)]
fn a_closed_pipe_ends_quietly() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("zlab"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["validate", "--portable"])
        .args(std::iter::repeat_n("scenarios/quickstart.yaml", 200))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}
