//! The `zlab report` command: analyse a log, write the plot, print the summary;
//! or tabulate and plot experiments' results.

use std::io::Write;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use super::{Error, experiments, experiments_svg, scan, summary, svg};

/// Reports on the fill log `log`: writes the plot to `plot` (default: the log's
/// path with `.svg` for its extension) and the summary to `out`.
///
/// With `-` for `plot`, the SVG goes to `out` and the summary to `aside`, so
/// `zlab report LOG -o - > plot.svg` gives a clean SVG.
pub(crate) fn report(
    log: &Path,
    plot: Option<&Path>,
    window: Option<NonZeroU32>,
    out: &mut dyn Write,
    aside: &mut dyn Write,
) -> Result<(), Error> {
    if plot.is_some_and(|p| p.as_os_str() == "-") {
        let analysis = scan::analyze(log, window, svg::COLUMNS)?;
        out.write_all(svg::render(&analysis).as_bytes())
            .map_err(Error::Output)?;
        return aside
            .write_all(summary::render(&analysis, Path::new("<stdout>")).as_bytes())
            .map_err(Error::Output);
    }
    let plot = plot.map_or_else(|| default_plot(log), Path::to_owned);
    if same_file(log, &plot) {
        return Err(Error::PlotIsLog { path: plot });
    }
    let analysis = scan::analyze(log, window, svg::COLUMNS)?;
    std::fs::write(&plot, svg::render(&analysis)).map_err(|source| Error::Write {
        path: plot.clone(),
        source,
    })?;
    out.write_all(summary::render(&analysis, &plot).as_bytes())
        .map_err(Error::Output)
}

/// Reports on experiments' results files: the last run of each as a table,
/// then side by side, to `out`; the plot to `plot` (default: the first file's
/// path with `.svg` for its extension). With `-` for `plot`, as for a fill
/// log, the SVG goes to `out` and the table to `aside`.
pub(crate) fn results(
    files: &[PathBuf],
    plot: Option<&Path>,
    out: &mut dyn Write,
    aside: &mut dyn Write,
) -> Result<(), Error> {
    let plot = match plot {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p.to_owned()),
        None => files.first().map(|first| default_plot(first)),
    };
    if let Some(plot) = &plot
        && files.iter().any(|f| same_file(f, plot))
    {
        return Err(Error::PlotIsLog { path: plot.clone() });
    }
    let runs = files
        .iter()
        .map(|f| experiments::Run::read(f))
        .collect::<Result<Vec<_>, _>>()?;
    let svg = experiments_svg::render(&runs);
    let table = experiments::render(&runs);
    let Some(plot) = plot else {
        out.write_all(svg.as_bytes()).map_err(Error::Output)?;
        return aside.write_all(table.as_bytes()).map_err(Error::Output);
    };
    std::fs::write(&plot, svg).map_err(|source| Error::Write {
        path: plot.clone(),
        source,
    })?;
    out.write_all(format!("{table}\nplot: {}\n", plot.display()).as_bytes())
        .map_err(Error::Output)
}

/// `fill.jsonl` → `fill.svg`; `plot.svg` → `plot.svg.svg` (never the log itself).
fn default_plot(log: &Path) -> PathBuf {
    let plot = log.with_extension("svg");
    if plot == log {
        let mut name = log.as_os_str().to_owned();
        name.push(".svg");
        PathBuf::from(name)
    } else {
        plot
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (a.canonicalize(), b.canonicalize()),
            (Ok(x), Ok(y)) if x == y
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_goes_beside_the_log() {
        assert_eq!(
            default_plot(Path::new("runs/fill.jsonl")),
            PathBuf::from("runs/fill.svg")
        );
        assert_eq!(default_plot(Path::new("fill")), PathBuf::from("fill.svg"));
        assert_eq!(
            default_plot(Path::new("odd.svg")),
            PathBuf::from("odd.svg.svg")
        );
    }

    #[test]
    fn refuses_to_overwrite_the_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("fill.jsonl");
        std::fs::write(&log, "{}\n").expect("write");
        let err = report(
            &log,
            Some(&dir.path().join(".").join("fill.jsonl")),
            Some(NonZeroU32::MIN),
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .expect_err("must refuse");
        assert!(matches!(err, Error::PlotIsLog { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&log).expect("read"), "{}\n");
    }

    fn results_fixture(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/experiment")
                .join(name),
            &path,
        )
        .expect("copy");
        path
    }

    #[test]
    fn results_plot_goes_beside_the_first_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = [
            results_fixture(dir.path(), "results-draid.jsonl"),
            results_fixture(dir.path(), "results-raidz.jsonl"),
        ];
        let mut out = Vec::new();
        results(&files, None, &mut out, &mut Vec::new()).expect("report");
        let plot = dir.path().join("results-draid.svg");
        assert!(plot.exists());
        assert!(!dir.path().join("results-raidz.svg").exists());
        let table = String::from_utf8(out).expect("UTF-8");
        assert!(
            table.ends_with(&format!("\nplot: {}\n", plot.display())),
            "{table}"
        );
    }

    #[test]
    fn results_refuse_to_overwrite_any_of_the_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = [
            results_fixture(dir.path(), "results-draid.jsonl"),
            results_fixture(dir.path(), "results-raidz.jsonl"),
        ];
        let before = std::fs::read(&files[1]).expect("read");
        let err = results(&files, Some(&files[1]), &mut Vec::new(), &mut Vec::new())
            .expect_err("must refuse");
        assert!(matches!(err, Error::PlotIsLog { .. }), "{err}");
        assert_eq!(std::fs::read(&files[1]).expect("read"), before);
    }
}
