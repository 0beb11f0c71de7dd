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

const DRAID: &str = "fixtures/experiment/results-draid.jsonl";
const RAIDZ: &str = "fixtures/experiment/results-raidz.jsonl";

#[test]
fn report_of_two_experiments_puts_them_side_by_side() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plot = dir.path().join("OUT.svg");
    let out = zlab()
        .args(["report", DRAID, RAIDZ, "-o"])
        .arg(&plot)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).expect("UTF-8 table");
    for line in [
        "results-draid.jsonl: experiment draid of lab compare-draid, pool tank (draid2:4d:11c:1s), OpenZFS 2.3.4, 8 steps, complete",
        "results-raidz.jsonl: experiment raidz of lab compare-raidz, pool tank (raidz2), OpenZFS 2.3.4, 7 steps, complete (the last of 2 runs in the file)",
        "    50%  50.0%  seq-read      degraded      902.1           -     860   7,766  29,491    55,312",
        "    rebuild  hdd[3]  faulted  draid2-0-0  50.0%  38.6 s        1m 11s  6.4 s",
        "side by side: draid (fixtures/experiment/results-draid.jsonl), raidz (fixtures/experiment/results-raidz.jsonl)",
        "  at   workload            draid MB/s  raidz MB/s  draid IOPS  raidz IOPS",
        "  25%  seq-write                612.4       701.0         584         669",
        "  50%  seq-read, degraded       902.1           -         860           -",
        "  rebuild/resilver  38.6 s  1m 34s",
        "  scrub             1m 05s  58.1 s",
    ] {
        assert!(
            table.lines().any(|l| l == line),
            "no line {line:?} in\n{table}"
        );
    }
    assert!(
        table.ends_with(&format!("\nplot: {}\n", plot.display())),
        "{table}"
    );

    let svg = std::fs::read_to_string(&plot).expect("plot written");
    assert_eq!(svg_elements(&svg, "polyline", Some("throughput")), 6);
    assert_eq!(svg_elements(&svg, "rect", Some("times")), 5);
    for entry in [
        ">seq-write<",
        ">rand-read-4k<",
        ">draid: draid2:4d:11c:1s, results-draid.jsonl<",
    ] {
        assert!(svg.contains(entry), "no {entry} in the plot");
    }
}

#[test]
fn report_of_results_to_stdout_puts_the_table_on_stderr() {
    let out = zlab()
        .args(["report", DRAID, "-o", "-"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let svg = String::from_utf8(out.stdout).expect("UTF-8 plot");
    assert_eq!(svg_elements(&svg, "polyline", Some("throughput")), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("results-draid.jsonl: experiment draid of lab compare-draid"),
        "{stderr}"
    );
    assert!(!stderr.contains("side by side"), "{stderr}");
}

#[test]
fn report_of_a_fill_log_and_results_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = zlab()
        .args(["report", RESUMED, DRAID, "-o"])
        .arg(dir.path().join("plot.svg"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "zlab: error: fixtures/fill-logs/resumed.jsonl: not the results of `zlab experiment`, and only experiments' results are reported several at once (2 files given); report a fill log on its own: `zlab report fixtures/fill-logs/resumed.jsonl`"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("plot.svg").exists());

    let out = zlab()
        .args(["report", DRAID, RESUMED, "-o"])
        .arg(dir.path().join("plot.svg"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "zlab: error: fixtures/fill-logs/resumed.jsonl: not the results of `zlab experiment` "
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "files reported together must all be, as fixtures/experiment/results-draid.jsonl is"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("plot.svg").exists());
}

#[test]
fn report_of_results_refuses_a_window() {
    let out = zlab()
        .args(["report", DRAID, "--window", "3", "-o", "-"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--window is for a fill log's rolling throughput"),
        "{stderr}"
    );
    assert!(
        stderr.contains("next: run it again without --window"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
