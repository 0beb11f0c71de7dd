//! `zlab report`: the summary of a fill log and its SVG plot.

use std::io::{BufWriter, Write};
use std::path::Path;

use assert_cmd::Command;

fn zlab() -> Command {
    let mut cmd = Command::cargo_bin("zlab").expect("zlab binary");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs `zlab report LOG -o PLOT EXTRA…`, which must succeed; its summary.
fn report(log: &Path, plot: &Path, extra: &[&str]) -> String {
    let out = zlab()
        .arg("report")
        .arg(log)
        .arg("-o")
        .arg(plot)
        .args(extra)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 summary")
}

const RESUMED: &str = "fixtures/fill-logs/resumed.jsonl";

/// How many `tag` elements the plot has (inside the element with id `within`,
/// if given); panics unless the plot is well-formed SVG.
fn svg_elements(svg: &str, tag: &str, within: Option<&str>) -> usize {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let scope = match within {
        Some(id) => doc
            .descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no element with id {id}")),
        None => root,
    };
    scope.descendants().filter(|n| n.has_tag_name(tag)).count()
}

#[test]
fn report_of_a_resumed_fill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plot = dir.path().join("plot.svg");
    let summary = report(Path::new(RESUMED), &plot, &["--window", "3"])
        .replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!("report_resumed", summary);

    let svg = std::fs::read_to_string(&plot).expect("plot written");
    assert_eq!(
        svg_elements(&svg, "polyline", Some("rolling")),
        2,
        "one rolling line per run"
    );
    assert_eq!(svg_elements(&svg, "rect", Some("gaps")), 1);
    assert_eq!(svg_elements(&svg, "path", Some("resumes")), 1);
}

#[test]
fn report_without_a_full_window_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stdout = report(Path::new(RESUMED), &dir.path().join("plot.svg"), &[]);
    assert!(
        stdout.contains(
            "fill log   fixtures/fill-logs/resumed.jsonl (rolling throughput over the last 60 files)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("rolling    n/a: no run has 60 files (a smaller --window gives one)"),
        "{stdout}"
    );
    // The fill's last figure, over all 13 records: no summary line between the runs.
    assert!(
        stdout.contains(
            "           last 127.3 MB/s, window ending with file_11 at 7m 16s (fewer than 60 files in its window)"
        ),
        "{stdout}"
    );
}

#[test]
fn report_writes_the_plot_beside_the_log_by_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("fill.jsonl");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(RESUMED), &log).expect("copy");
    let out = zlab().arg("report").arg(&log).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let svg = std::fs::read_to_string(dir.path().join("fill.svg")).expect("fill.svg");
    assert!(svg_elements(&svg, "polyline", None) > 0);
}

#[test]
fn report_of_something_else_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = zlab()
        .args(["report", "scenarios/quickstart.yaml", "-o"])
        .arg(dir.path().join("plot.svg"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("zlab: error: scenarios/quickstart.yaml: no file records in "),
        "{stderr}"
    );
    assert!(stderr.contains("(line 1: not JSON: "), "{stderr}");
    assert!(!dir.path().join("plot.svg").exists());
}

#[test]
fn report_of_a_missing_log_exits_1_naming_it() {
    let out = zlab()
        .args(["report", "no/such.jsonl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("read no/such.jsonl"), "{stderr}");
}

#[test]
fn report_window_of_zero_is_a_usage_error() {
    let out = zlab()
        .args(["report", RESUMED, "--window", "0"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

/// A 75 % fill of half a petabyte: 453,120 files of 1 GiB from two streams,
/// interrupted once. The plot's size depends on its width, not on the log.
#[test]
fn report_of_453120_files_stays_small() {
    const FILES: u64 = 453_120;
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("big.jsonl");
    let mut w = BufWriter::new(std::fs::File::create(&log).expect("create"));
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        f64::from(u32::try_from(seed % 1000).expect("small")) / 1000.0
    };
    let mut clock = [1_764_000_000.0f64, 1_764_000_000.01];
    for index in 0..FILES {
        if index == FILES / 2 {
            // Stopped and resumed an hour later, rewriting the last file.
            writeln!(w, r#"{{"type":"summary","complete":false}}"#).expect("write");
            clock = [clock[0].max(clock[1]) + 3600.0; 2];
            let again = index - 1;
            writeln!(
                w,
                r#"{{"type":"file","index":{again},"name":"file_{again}","bytes":1073741824,"start_unix":{:.3},"ms":800.0}}"#,
                clock[1]
            )
            .expect("write");
            clock[1] += 0.8;
        }
        let stream = usize::from(index % 2 == 1);
        let ms = 700.0 + 300.0 * noise();
        writeln!(
            w,
            r#"{{"type":"file","index":{index},"name":"file_{index}","bytes":1073741824,"start_unix":{:.3},"ms":{ms:.1},"mb_s":1.0,"rolling_mb_s":1.0}}"#,
            clock[stream]
        )
        .expect("write");
        clock[stream] += ms / 1000.0;
    }
    writeln!(w, r#"{{"type":"summary","complete":true}}"#).expect("write");
    w.flush().expect("flush");
    drop(w);

    let plot = dir.path().join("big.svg");
    let stdout = report(&log, &plot, &[]);
    assert!(
        stdout
            .contains("files      453,120, indexes 0–453,119 (none missing); 1 record superseded"),
        "{stdout}"
    );
    assert!(stdout.contains("runs       2, resumed at "), "{stdout}");
    let svg = std::fs::read_to_string(&plot).expect("plot");
    assert!(svg.len() < 100_000, "plot is {} bytes", svg.len());
    assert_eq!(svg_elements(&svg, "polyline", Some("rolling")), 2);
}
