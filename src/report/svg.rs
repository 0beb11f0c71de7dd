//! The plot of a fill report, as hand-written SVG: the MB/s of the files of
//! each pixel column as their range (light) and mean ± 1 sd (darker), the
//! rolling throughput of all streams (`fill::stats::Throughput`) as a bold
//! line broken between runs, gaps as grey bands and
//! resumes as dashed markers, over elapsed time.
//!
//! Its size is bounded by the plot's width, not by the log: two marks and one
//! line point per pixel column (about 45 KB for any number of files), plus at
//! most one band and one marker per column.

use std::fmt::Write as _;

use super::axis::{Scale, TimeUnit};
use super::scan::Analysis;
use crate::scenario::size::Size;
use crate::units::{decimal, duration, file_time, mb_s, thousands};

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 560.0;
const LEFT: f64 = 84.0;
const RIGHT: f64 = 972.0;
const TOP: f64 = 74.0;
const BOTTOM: f64 = 474.0;

/// Pixel columns of the plot area: pass this to [`super::scan::analyze`].
pub(crate) const COLUMNS: usize = 888;

const RANGE_COLOUR: &str = "#d4e4f3";
const SPREAD_COLOUR: &str = "#8dbbe0";
const ROLLING_COLOUR: &str = "#08519c";
const RESUME_COLOUR: &str = "#d94801";
const GAP_COLOUR: &str = "#bdbdbd";
const TEXT_COLOUR: &str = "#252525";
const GRID_COLOUR: &str = "#e8e8e8";
const AXIS_COLOUR: &str = "#525252";

/// The start of a report's SVG document, to its subtitle: every plot of
/// `zlab report` opens alike. `title` and `subtitle` are escaped here.
pub(super) fn header(s: &mut String, (width, height): (f64, f64), title: &str, subtitle: &str) {
    let (title, subtitle) = (escape(title), escape(subtitle));
    let _ = write!(
        s,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12" fill="{TEXT_COLOUR}">
<title>{title}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="24" y="30" font-size="17" font-weight="bold">{title}</text>
<text x="24" y="52" fill="#595959">{subtitle}</text>
"##
    );
}

/// Where values land in the picture.
struct Frame<'a> {
    a: &'a Analysis,
    span: f64,
    unit: TimeUnit,
    xs: Scale,
    ys: Scale,
}

impl Frame<'_> {
    fn x_of_time(&self, t: f64) -> f64 {
        LEFT + (t - self.a.start) / self.span * (RIGHT - LEFT)
    }

    fn x_of_tick(&self, v: f64) -> f64 {
        LEFT + v * self.unit.seconds() / self.span * (RIGHT - LEFT)
    }

    fn y_of(&self, mb_s: f64) -> f64 {
        BOTTOM - mb_s / self.ys.end * (BOTTOM - TOP)
    }

    fn x_of_column(&self, i: usize) -> f64 {
        let count = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
        LEFT + (count(i) + 0.5) * (RIGHT - LEFT) / count(self.a.columns.len())
    }
}

/// Renders the plot.
pub(crate) fn render(a: &Analysis) -> String {
    let span = a.wall_seconds().max(1e-3);
    let unit = TimeUnit::for_span(span);
    let f = Frame {
        a,
        span,
        unit,
        xs: Scale::exact(span / unit.seconds(), 8),
        // All streams together go above any one file.
        ys: Scale::rounded_up(
            a.columns
                .iter()
                .filter(|c| c.files > 0)
                .map(super::scan::Column::rolling)
                .fold(a.rate_max, f64::max)
                * 1.02,
            6,
        ),
    };
    let mut s = String::with_capacity(64 * 1024);
    header(&mut s, (WIDTH, HEIGHT), &title(a), &subtitle(a));
    grid(&mut s, &f);
    gaps(&mut s, &f);
    files(&mut s, &f);
    resumes(&mut s, &f);
    rolling(&mut s, &f);
    axes(&mut s, &f);
    legend(&mut s, a);
    s.push_str("</svg>\n");
    s
}

fn grid(s: &mut String, f: &Frame) {
    let _ = write!(s, r#"<g stroke="{GRID_COLOUR}">"#);
    for &v in f.ys.ticks.iter().skip(1) {
        let _ = write!(s, r#"<path d="M{LEFT} {:.1}H{RIGHT}"/>"#, f.y_of(v));
    }
    for &v in f.xs.ticks.iter().skip(1) {
        let _ = write!(s, r#"<path d="M{:.1} {TOP}V{BOTTOM}"/>"#, f.x_of_tick(v));
    }
    s.push_str("</g>\n");
}

/// Times without writing as grey bands, merged where they share a pixel.
fn gaps(s: &mut String, f: &Frame) {
    let mut bands: Vec<(f64, f64, f64)> = Vec::new();
    for g in f.a.gaps() {
        let (x0, x1) = (f.x_of_time(g.start), f.x_of_time(g.end));
        match bands.last_mut() {
            Some(last) if x0 <= last.1 + 1.0 => {
                last.1 = x1;
                last.2 += g.seconds();
            }
            _ => bands.push((x0, x1, g.seconds())),
        }
    }
    let _ = write!(
        s,
        r#"<g id="gaps" fill="{GAP_COLOUR}" fill-opacity="0.35">"#
    );
    for (x0, x1, seconds) in &bands {
        let _ = write!(
            s,
            r#"<rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{}"><title>no writing for {}</title></rect>"#,
            (x1 - x0).max(1.0),
            BOTTOM - TOP,
            duration(*seconds)
        );
    }
    s.push_str("</g>\n");
}

/// The files of each pixel column: their whole range, light, and their mean ±
/// one standard deviation, darker (one file: a dot).
fn files(s: &mut String, f: &Frame) {
    let dense = f.a.files > u64::try_from(f.a.columns.len() / 4).unwrap_or(u64::MAX);
    let width = if dense { 1.6 } else { 4.5 };
    let columns = || f.a.columns.iter().enumerate().filter(|(_, c)| c.files > 0);
    for (id, colour, range) in [
        ("files-range", RANGE_COLOUR, true),
        ("files-spread", SPREAD_COLOUR, false),
    ] {
        let _ = write!(
            s,
            r#"<path id="{id}" fill="none" stroke="{colour}" stroke-width="{width}" stroke-linecap="round" d=""#
        );
        for (i, c) in columns() {
            let (low, high) = if range {
                (c.rate_min, c.rate_max)
            } else {
                let (mean, sd) = c.rate_mean_sd();
                ((mean - sd).max(c.rate_min), (mean + sd).min(c.rate_max))
            };
            let _ = write!(
                s,
                "M{:.1} {:.1}V{:.1}",
                f.x_of_column(i),
                f.y_of(high),
                f.y_of(low)
            );
        }
        s.push_str("\"/>\n");
    }
}

/// A dashed line where each run after the first began, labelled where there
/// is room; one per pixel at most.
fn resumes(s: &mut String, f: &Frame) {
    let _ = write!(
        s,
        r#"<g id="resumes" stroke="{RESUME_COLOUR}" stroke-width="1.5" stroke-dasharray="5 4" fill="{RESUME_COLOUR}" font-size="11">"#
    );
    let mut last_x = f64::NEG_INFINITY;
    let mut label_end = f64::NEG_INFINITY;
    for (i, r) in f.a.resumes.iter().enumerate() {
        let x = f.x_of_time(r.at);
        if x - last_x < 1.0 {
            continue;
        }
        last_x = x;
        let _ = write!(s, r#"<path d="M{x:.1} {TOP}V{BOTTOM}"/>"#);
        let label = match r.after {
            Some(g) => format!("run {} after {}", i + 2, duration(g.seconds())),
            None => format!("run {}", i + 2),
        };
        let width = text_width(&label, 11.0);
        // Right of the line if it fits, else left of it.
        let (tx, anchor) = if x + 4.0 + width <= RIGHT {
            (x + 4.0, "start")
        } else {
            (x - 4.0, "end")
        };
        let left = if anchor == "start" { tx } else { tx - width };
        if left > label_end + 6.0 && left >= LEFT {
            label_end = left + width;
            let _ = write!(
                s,
                r#"<text x="{tx:.1}" y="{}" stroke="none" text-anchor="{anchor}">{}</text>"#,
                TOP + 13.0,
                escape(&label)
            );
        }
    }
    s.push_str("</g>\n");
}

/// The rolling throughput: the mean of each column's, one polyline per run.
fn rolling(s: &mut String, f: &Frame) {
    let _ = write!(
        s,
        r#"<g id="rolling" fill="none" stroke="{ROLLING_COLOUR}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round">"#
    );
    let mut run = None;
    for (i, c) in f.a.columns.iter().enumerate().filter(|(_, c)| c.files > 0) {
        if run == Some(c.run) {
            s.push(' ');
        } else {
            if run.is_some() {
                s.push_str(r#""/>"#);
            }
            s.push_str(r#"<polyline points=""#);
            run = Some(c.run);
        }
        let _ = write!(s, "{:.1},{:.1}", f.x_of_column(i), f.y_of(c.rolling()));
    }
    if run.is_some() {
        s.push_str(r#""/>"#);
    }
    s.push_str("</g>\n");
}

fn axes(s: &mut String, f: &Frame) {
    let _ = write!(
        s,
        r#"<path d="M{LEFT} {TOP}V{BOTTOM}H{RIGHT}" fill="none" stroke="{AXIS_COLOUR}"/>
<g text-anchor="end">"#
    );
    for &v in &f.ys.ticks {
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}">{}</text>"#,
            LEFT - 8.0,
            f.y_of(v) + 4.0,
            f.ys.label(v)
        );
    }
    s.push_str("</g>\n<g text-anchor=\"middle\">");
    for &v in &f.xs.ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}">{}</text>"#,
            f.x_of_tick(v),
            BOTTOM + 18.0,
            f.xs.label(v)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{}">time since the first file started ({})</text><text transform="translate(24 {:.1}) rotate(-90)">MB/s of one file (10⁶ bytes/s)</text></g>"#,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 40.0,
        f.unit.name(),
        (TOP + BOTTOM) / 2.0
    );
}

/// One line of legend under the plot.
fn legend(s: &mut String, a: &Analysis) {
    let y = BOTTOM + 68.0;
    let mut x = LEFT;
    s.push_str(r#"<g id="legend">"#);
    let mut item = |s: &mut String, mark: &str, text: &str| {
        let _ = write!(
            s,
            r#"<g transform="translate({x:.1} {y})">{mark}</g><text x="{:.1}" y="{}">{}</text>"#,
            x + 28.0,
            y + 4.0,
            escape(text)
        );
        x += 28.0 + text_width(text, 12.0) + 20.0;
    };
    let line = |colour: &str, width: f64, dash: &str| {
        format!(r#"<path d="M0 0H22" stroke="{colour}" stroke-width="{width}"{dash}/>"#)
    };
    item(
        s,
        &line(RANGE_COLOUR, 10.0, ""),
        "range of the files in a pixel",
    );
    item(s, &line(SPREAD_COLOUR, 10.0, ""), "mean ± 1 sd");
    item(
        s,
        &line(ROLLING_COLOUR, 2.5, ""),
        &format!("all streams, last {} files", a.window),
    );
    if a.gaps().next().is_some() {
        item(
            s,
            &format!(
                r#"<rect y="-6" width="22" height="12" fill="{GAP_COLOUR}" fill-opacity="0.35"/>"#
            ),
            "no writing",
        );
    }
    if !a.resumes.is_empty() {
        item(
            s,
            &line(RESUME_COLOUR, 1.5, r#" stroke-dasharray="5 4""#),
            "run resumed",
        );
    }
    s.push_str("</g>\n");
}

/// About how wide `text` is in DejaVu Sans at `size` px (its average advance
/// is about 0.52 em): enough to keep labels apart.
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    0.52 * size * f64::from(u32::try_from(text.chars().count()).unwrap_or(u32::MAX))
}

fn title(a: &Analysis) -> String {
    let mut t = format!(
        "{} files, {} in {}",
        thousands(a.files),
        Size::from_bytes(a.bytes).human(),
        duration(a.wall_seconds())
    );
    if let Some(rate) = a.mean_mb_s {
        let _ = write!(t, ": {} mean, all streams together", mb_s(rate));
    }
    t
}

fn subtitle(a: &Analysis) -> String {
    let name = a.path.file_name().map_or_else(
        || a.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut t = format!(
        "{name} · per file p50 {}, p99 {}",
        file_time(a.p50_ms),
        file_time(a.p99_ms)
    );
    if let (Some(min), Some(max)) = (&a.rolling_min, &a.rolling_max) {
        let _ = write!(
            t,
            " · all streams {}–{} MB/s (last {} files)",
            decimal(min.mb_s, 0),
            decimal(max.mb_s, 0),
            a.window
        );
    }
    let runs = a.resumes.len() + 1;
    if runs > 1 {
        let _ = write!(
            t,
            " · {runs} runs, {} without writing",
            duration(a.wall_seconds() - a.writing_seconds)
        );
    }
    t
}

/// Text for SVG character data and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::num::NonZeroU32;

    use super::*;
    use crate::report::scan::analyze;

    fn analysis(log: &str, name: &str) -> Analysis {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(log.as_bytes()))
            .expect("write log");
        analyze(&path, NonZeroU32::new(2), COLUMNS).expect("analyze")
    }

    fn file(index: u64, start: f64, ms: f64) -> String {
        format!(
            r#"{{"type":"file","index":{index},"name":"file_{index}","bytes":1000000000,"start_unix":{start},"ms":{ms}}}"#
        ) + "\n"
    }

    #[test]
    fn plot_is_well_formed_svg_with_one_polyline_per_run() {
        let mut log = String::new();
        for i in 0..5 {
            log += &file(
                i,
                1000.0 + f64::from(u32::try_from(i).expect("small")),
                1000.0,
            );
        }
        log += r#"{"type":"summary","complete":false}"#;
        log += "\n";
        for i in 4..8 {
            log += &file(
                i,
                2000.0 + f64::from(u32::try_from(i).expect("small")),
                900.0,
            );
        }
        let svg = render(&analysis(&log, "a&b <fill>.jsonl"));
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let polylines = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        assert_eq!(polylines, 2);
        let gaps = doc
            .descendants()
            .find(|n| n.attribute("id") == Some("gaps"))
            .expect("gaps group");
        assert_eq!(
            gaps.children().filter(|n| n.has_tag_name("rect")).count(),
            1
        );
        assert!(svg.contains("a&amp;b &lt;fill&gt;.jsonl"), "{svg}");
    }

    #[test]
    fn title_states_the_totals() {
        let a = analysis(&(file(0, 0.0, 1000.0) + &file(1, 1.0, 1000.0)), "t.jsonl");
        assert_eq!(
            title(&a),
            "2 files, 1.86 GiB in 2.0 s: 1,000.0 MB/s mean, all streams together"
        );
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape(r#"<a & 'b' "c">"#),
            "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
        );
    }
}
