//! The plot of `zlab report RESULTS…`, as hand-written SVG like the fill
//! report's ([`super::svg`]): on the left, each workload's throughput (MB/s,
//! read and write together) against the fill level it ran at, one line per
//! workload and file (colour: the workload; dashes and marker: the file;
//! hollow markers: the pool was degraded); on the right, bars of each file's
//! rebuild, verify-scrub and scrub times.
//!
//! Everything comes from the results files, so every text is escaped, and
//! nothing in it depends on when it was drawn.

use std::fmt::Write as _;

use super::axis::{Scale, TimeUnit};
use super::experiments::{Run, labels, mb_s};
use super::svg::{escape, header, text_width};
use crate::experiment::results::WorkloadRecord;
use crate::units::{decimal, duration};

const WIDTH: f64 = 1100.0;
const TOP: f64 = 96.0;
/// The throughput panel.
const L_LEFT: f64 = 84.0;
const L_RIGHT: f64 = 600.0;
const L_BOTTOM: f64 = 456.0;
/// The times panel: labels from `R_LABEL`, bars from `R_LEFT`.
const R_LABEL: f64 = 656.0;
const R_LEFT: f64 = 760.0;
const R_RIGHT: f64 = 1030.0;
const BAR: f64 = 14.0;

const MUTED_COLOUR: &str = "#595959";
const GRID_COLOUR: &str = "#e8e8e8";
const AXIS_COLOUR: &str = "#525252";
/// One colour per workload, in the order they first ran.
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];
/// One dash pattern and one marker per file, in the order given.
const DASHES: [&str; 4] = ["", "7 4", "2 3", "10 3 2 3"];
const REBUILD_COLOUR: &str = "#08519c";
const VERIFY_COLOUR: &str = "#6baed6";
const SCRUB_COLOUR: &str = "#fd8d3c";

#[derive(Debug, Clone, Copy)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
];

fn dash(file: usize) -> String {
    match DASHES[file % DASHES.len()] {
        "" => String::new(),
        d => format!(r#" stroke-dasharray="{d}""#),
    }
}

/// The marker of `file` at (x, y), with its tooltip.
fn marker(file: usize, x: f64, y: f64, colour: &str, hollow: bool, tip: &str) -> String {
    let fill = if hollow { "white" } else { colour };
    let paint = format!(r#"fill="{fill}" stroke="{colour}" stroke-width="1.5""#);
    let tip = if tip.is_empty() {
        String::new()
    } else {
        format!("<title>{}</title>", escape(tip))
    };
    match MARKERS[file % MARKERS.len()] {
        Marker::Circle => {
            format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" {paint}>{tip}</circle>"#)
        }
        Marker::Square => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" {paint}>{tip}</rect>"#,
            x - 3.5,
            y - 3.5
        ),
        Marker::Triangle => format!(
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" {paint}>{tip}</path>"#,
            y - 5.0,
            x + 4.5,
            y + 3.5,
            x - 4.5,
            y + 3.5
        ),
        Marker::Diamond => format!(
            r#"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" {paint}>{tip}</path>"#,
            y - 5.0,
            x + 5.0,
            y + 5.0,
            x - 5.0
        ),
    }
}

/// One line: a workload of one file, by level.
struct Series<'a> {
    file: usize,
    name: &'a str,
    degraded: bool,
    points: Vec<&'a WorkloadRecord>,
}

fn series(runs: &[Run]) -> Vec<Series<'_>> {
    let mut out: Vec<Series<'_>> = Vec::new();
    for (file, run) in runs.iter().enumerate() {
        for w in &run.workloads {
            match out
                .iter_mut()
                .find(|s| s.file == file && s.name == w.name && s.degraded == w.degraded)
            {
                Some(s) => s.points.push(w),
                None => out.push(Series {
                    file,
                    name: &w.name,
                    degraded: w.degraded,
                    points: vec![w],
                }),
            }
        }
    }
    for s in &mut out {
        s.points.sort_by(|a, b| a.level.total_cmp(&b.level));
    }
    out
}

/// The workloads' names in the order they first ran: their colours.
fn workload_names(runs: &[Run]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for w in runs.iter().flat_map(|r| &r.workloads) {
        if !names.contains(&w.name.as_str()) {
            names.push(&w.name);
        }
    }
    names
}

fn colour_of(names: &[&str], name: &str) -> &'static str {
    let i = names.iter().position(|n| *n == name).unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

/// Renders the plot of `runs`, in the order given.
pub(crate) fn render(runs: &[Run]) -> String {
    let labels = labels(runs);
    let names = workload_names(runs);
    let mut body = String::with_capacity(16 * 1024);
    throughput(&mut body, runs, &labels, &names);
    let times_bottom = times(&mut body, runs, &labels);
    let legend_top = L_BOTTOM.max(times_bottom) + 58.0;
    let height = legend(&mut body, runs, &labels, &names, legend_top) + 16.0;

    let mut s = String::with_capacity(body.len() + 1024);
    header(
        &mut s,
        (WIDTH, height),
        &title(&labels),
        "each workload's throughput by the fill level it ran at, and the time of each rebuild and scrub (the last run of each file)",
    );
    s.push_str(&body);
    s.push_str("</svg>\n");
    s
}

/// `Experiment draid`, `Experiments draid and raidz`, `Experiments a, b and c`.
fn title(labels: &[String]) -> String {
    match labels {
        [] => "No experiments".to_owned(),
        [one] => format!("Experiment {one}"),
        [init @ .., last] => format!("Experiments {} and {last}", init.join(", ")),
    }
}

/// The left panel.
fn throughput(s: &mut String, runs: &[Run], labels: &[String], names: &[&str]) {
    let all = series(runs);
    let points = || all.iter().flat_map(|s| &s.points);
    let top_level = points().map(|w| w.level).fold(0.0, f64::max);
    let xs = Scale::rounded_up((top_level * 1.08).min(100.0), 5);
    let ys = Scale::rounded_up(points().map(|w| mb_s(w)).fold(0.0, f64::max) * 1.05, 6);
    let x_of = |level: f64| L_LEFT + level / xs.end * (L_RIGHT - L_LEFT);
    let y_of = |rate: f64| L_BOTTOM - rate / ys.end * (L_BOTTOM - TOP);

    let _ = write!(
        s,
        r#"<text x="{L_LEFT}" y="{}" font-weight="bold">throughput by fill level</text>
<g stroke="{GRID_COLOUR}">"#,
        TOP - 14.0
    );
    for &v in ys.ticks.iter().skip(1) {
        let _ = write!(s, r#"<path d="M{L_LEFT} {:.1}H{L_RIGHT}"/>"#, y_of(v));
    }
    for &v in xs.ticks.iter().skip(1) {
        let _ = write!(s, r#"<path d="M{:.1} {TOP}V{L_BOTTOM}"/>"#, x_of(v));
    }
    s.push_str("</g>\n");

    s.push_str(r#"<g id="throughput" fill="none" stroke-width="2" stroke-linejoin="round">"#);
    for line in &all {
        let colour = colour_of(names, line.name);
        let label = &labels[line.file];
        let what = if line.degraded {
            format!("{label} {}, degraded", line.name)
        } else {
            format!("{label} {}", line.name)
        };
        let _ = write!(s, "<g><title>{}</title>", escape(&what));
        if line.points.len() > 1 {
            let _ = write!(
                s,
                r#"<polyline stroke="{colour}"{} points=""#,
                dash(line.file)
            );
            for (i, w) in line.points.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                let _ = write!(s, "{:.1},{:.1}", x_of(w.level), y_of(mb_s(w)));
            }
            s.push_str("\"/>");
        }
        for w in &line.points {
            let tip = format!(
                "{what} at {}% ({}): {} MB/s",
                decimal(w.level, 1),
                w.at.as_deref().unwrap_or("no fill target"),
                decimal(mb_s(w), 1)
            );
            s.push_str(&marker(
                line.file,
                x_of(w.level),
                y_of(mb_s(w)),
                colour,
                line.degraded,
                &tip,
            ));
        }
        s.push_str("</g>");
    }
    s.push_str("</g>\n");
    if all.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{MUTED_COLOUR}">no workloads measured</text>"#,
            f64::midpoint(L_LEFT, L_RIGHT),
            f64::midpoint(TOP, L_BOTTOM)
        );
    }

    let _ = write!(
        s,
        r#"<path d="M{L_LEFT} {TOP}V{L_BOTTOM}H{L_RIGHT}" fill="none" stroke="{AXIS_COLOUR}"/>
<g text-anchor="end">"#
    );
    for &v in &ys.ticks {
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}">{}</text>"#,
            L_LEFT - 8.0,
            y_of(v) + 4.0,
            ys.label(v)
        );
    }
    s.push_str("</g>\n<g text-anchor=\"middle\">");
    for &v in &xs.ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}">{}</text>"#,
            x_of(v),
            L_BOTTOM + 18.0,
            xs.label(v)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{}">fill level when the workload ran (%)</text><text transform="translate(24 {:.1}) rotate(-90)">MB/s, read + write (10⁶ bytes/s)</text></g>"#,
        f64::midpoint(L_LEFT, L_RIGHT),
        L_BOTTOM + 40.0,
        f64::midpoint(TOP, L_BOTTOM)
    );
}

/// The right panel; returns where its axis labels end.
fn times(s: &mut String, runs: &[Run], labels: &[String]) -> f64 {
    let bars: Vec<Vec<(String, f64, &str)>> = runs
        .iter()
        .map(|run| {
            let mut bars = Vec::new();
            for r in &run.rebuilds {
                bars.push((r.kind.clone(), r.seconds, REBUILD_COLOUR));
                if let Some(v) = r.verify_seconds {
                    bars.push(("verify scrub".to_owned(), v, VERIFY_COLOUR));
                }
            }
            for sc in &run.scrubs {
                bars.push(("scrub".to_owned(), sc.seconds, SCRUB_COLOUR));
            }
            bars
        })
        .collect();
    let longest = bars.iter().flatten().map(|b| b.1).fold(0.0, f64::max);
    let unit = TimeUnit::for_span(longest);
    let xs = Scale::rounded_up(longest / unit.seconds(), 4);
    let x_of = |seconds: f64| R_LEFT + seconds / unit.seconds() / xs.end * (R_RIGHT - R_LEFT);

    let _ = writeln!(
        s,
        r#"<text x="{R_LABEL}" y="{}" font-weight="bold">rebuild and scrub times</text>"#,
        TOP - 14.0
    );
    let mut marks = String::new();
    let mut y = TOP;
    for (file, bars) in bars.iter().enumerate() {
        let _ = write!(
            marks,
            r#"<text x="{R_LABEL}" y="{:.1}" font-weight="bold">{}</text>"#,
            y + 12.0,
            escape(&labels[file])
        );
        y += 20.0;
        if bars.is_empty() {
            let _ = write!(
                marks,
                r#"<text x="{R_LEFT}" y="{:.1}" fill="{MUTED_COLOUR}">none measured</text>"#,
                y + 11.0
            );
            y += BAR + 6.0;
        }
        for (what, seconds, colour) in bars {
            let end = x_of(*seconds);
            let _ = write!(
                marks,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{R_LEFT}" y="{y:.1}" width="{:.1}" height="{BAR}" fill="{colour}"><title>{}</title></rect><text x="{:.1}" y="{:.1}">{}</text>"#,
                R_LEFT - 8.0,
                y + 11.0,
                escape(what),
                (end - R_LEFT).max(1.0),
                escape(&format!("{} {what}: {}", labels[file], duration(*seconds))),
                end + 5.0,
                y + 11.0,
                duration(*seconds)
            );
            y += BAR + 6.0;
        }
        y += 10.0;
    }
    let bottom = y.max(TOP + 60.0);

    let _ = write!(s, r#"<g stroke="{GRID_COLOUR}">"#);
    for &v in xs.ticks.iter().skip(1) {
        let x = x_of(v * unit.seconds());
        let _ = write!(s, r#"<path d="M{x:.1} {TOP}V{bottom:.1}"/>"#);
    }
    let _ = writeln!(s, "</g>\n<g id=\"times\">{marks}</g>");
    let _ = write!(
        s,
        r#"<path d="M{R_LEFT} {TOP}V{bottom:.1}H{R_RIGHT}" fill="none" stroke="{AXIS_COLOUR}"/>
<g text-anchor="middle">"#
    );
    for &v in &xs.ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            x_of(v * unit.seconds()),
            bottom + 18.0,
            xs.label(v)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}">time ({})</text></g>"#,
        f64::midpoint(R_LEFT, R_RIGHT),
        bottom + 40.0,
        unit.name()
    );
    bottom
}

/// The legend under both panels, wrapped to the width; returns its bottom.
fn legend(s: &mut String, runs: &[Run], labels: &[String], names: &[&str], top: f64) -> f64 {
    let mut items: Vec<(String, String)> = names
        .iter()
        .map(|name| {
            let colour = colour_of(names, name);
            (
                format!(r#"<path d="M0 0H22" stroke="{colour}" stroke-width="2.5"/>"#),
                (*name).to_owned(),
            )
        })
        .collect();
    for (file, run) in runs.iter().enumerate() {
        items.push((
            format!(
                r#"<path d="M0 0H22" stroke="{AXIS_COLOUR}" stroke-width="2"{}/>{}"#,
                dash(file),
                marker(file, 11.0, 0.0, AXIS_COLOUR, false, "")
            ),
            format!("{}: {}, {}", labels[file], run.layout(), run.file_name()),
        ));
    }
    if runs.iter().flat_map(|r| &r.workloads).any(|w| w.degraded) {
        items.push((
            marker(0, 11.0, 0.0, AXIS_COLOUR, true, ""),
            "hollow: a drive failed, not yet rebuilt".to_owned(),
        ));
    }

    s.push_str(r#"<g id="legend">"#);
    let (mut x, mut y) = (24.0, top);
    for (mark, text) in &items {
        let width = 28.0 + text_width(text, 12.0);
        if x > 24.0 && x + width > WIDTH - 24.0 {
            x = 24.0;
            y += 22.0;
        }
        let _ = write!(
            s,
            r#"<g transform="translate({x:.1} {y:.1})">{mark}</g><text x="{:.1}" y="{:.1}">{}</text>"#,
            x + 28.0,
            y + 4.0,
            escape(text)
        );
        x += width + 20.0;
    }
    s.push_str("</g>\n");
    y + 8.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::experiments::tests::fixture;

    fn both() -> Vec<Run> {
        vec![
            fixture("results-draid.jsonl"),
            fixture("results-raidz.jsonl"),
        ]
    }

    /// The texts of the element with id `id`.
    fn texts(doc: &roxmltree::Document, id: &str) -> Vec<String> {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no element with id {id}"))
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect()
    }

    #[test]
    fn plot_is_well_formed_with_a_line_per_workload_and_file() {
        let svg = render(&both());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        // Every tag opened is closed: `<name …>` against `</name>` and `…/>`.
        let bytes = svg.as_bytes();
        let opened = (0..bytes.len() - 1)
            .filter(|&i| bytes[i] == b'<' && bytes[i + 1].is_ascii_alphabetic())
            .count();
        let closed = svg.matches("</").count() + svg.matches("/>").count();
        assert_eq!(opened, closed, "balanced tags");
        let lines = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        // Three workloads at two levels in each file; the degraded read is one point.
        assert_eq!(lines, 6);
        assert!(
            svg.contains("<title>Experiments draid and raidz</title>"),
            "{svg}"
        );
    }

    #[test]
    fn legend_names_each_workload_and_file() {
        let svg = render(&both());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert_eq!(
            texts(&doc, "legend"),
            [
                "seq-write",
                "seq-read",
                "rand-read-4k",
                "draid: draid2:4d:11c:1s, results-draid.jsonl",
                "raidz: raidz2, results-raidz.jsonl",
                "hollow: a drive failed, not yet rebuilt",
            ]
        );
    }

    #[test]
    fn times_have_a_bar_each_with_its_duration() {
        let svg = render(&both());
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert_eq!(
            texts(&doc, "times"),
            [
                "draid",
                "rebuild",
                "38.6 s",
                "verify scrub",
                "1m 11s",
                "scrub",
                "1m 05s",
                "raidz",
                "resilver",
                "1m 34s",
                "scrub",
                "58.1 s",
            ]
        );
    }

    #[test]
    fn text_from_the_files_is_escaped() {
        let mut runs = both();
        runs[0].start.experiment = "a&b <x>".to_owned();
        runs[0].workloads[0].name = "w<1>&".to_owned();
        let svg = render(&runs);
        roxmltree::Document::parse(&svg).expect("well-formed");
        assert!(svg.contains("a&amp;b &lt;x&gt;"), "{svg}");
        assert!(svg.contains("w&lt;1&gt;&amp;"), "{svg}");
        assert!(!svg.contains("<x>") && !svg.contains("<1>"));
    }

    #[test]
    fn the_same_results_draw_the_same_plot() {
        assert_eq!(render(&both()), render(&both()));
    }

    #[test]
    fn a_run_without_measurements_still_draws() {
        let mut run = fixture("results-draid.jsonl");
        run.workloads.clear();
        run.rebuilds.clear();
        run.scrubs.clear();
        let svg = render(&[run]);
        roxmltree::Document::parse(&svg).expect("well-formed");
        assert!(svg.contains("no workloads measured"), "{svg}");
        assert!(svg.contains("none measured"), "{svg}");
    }
}
