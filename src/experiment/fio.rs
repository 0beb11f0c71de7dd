//! fio, as an experiment runs it: the command of each built-in workload, the
//! wrapper that puts a user's job file in the experiment's directory, and a
//! typed reader of `--output-format=json`.

use std::path::Path;

use serde_json::Value;

use crate::scenario::experiment::{Seconds, Workload};
use crate::scenario::size::Size;
use crate::system::command::CommandLine;

/// Every file a workload writes is named by this: the jobs of every
/// workload share them (a read finds the write's files laid out), and zlab
/// removes only names of this form.
pub(crate) const FILE_PREFIX: &str = "zlab-fio.";

/// What a built-in workload is, in fio's words.
fn options(w: Workload) -> &'static [&'static str] {
    match w {
        Workload::SeqWrite => &["--rw=write", "--bs=1M", "--end_fsync=1"],
        Workload::SeqRead => &["--rw=read", "--bs=1M"],
        Workload::RandRead4k => &["--rw=randread", "--bs=4k"],
        Workload::RandRead128k => &["--rw=randread", "--bs=128k"],
        Workload::RandRw => &["--rw=randrw", "--rwmixread=70", "--bs=4k", "--end_fsync=1"],
    }
}

/// How every workload runs: `jobs` writers of `size` each, for `runtime`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) size: Size,
    pub(crate) runtime: Seconds,
    pub(crate) jobs: u32,
}

/// `fio --name=WORKLOAD …`: psync (every kernel and release has it, and a
/// pool's own caching is what is measured), `jobs` processes reported as one.
pub(crate) fn workload(w: Workload, dir: &Path, shape: Shape) -> CommandLine {
    CommandLine::new("fio")
        .arg(format!("--name={}", w.name()))
        .arg(format!("--directory={}", dir.display()))
        .arg(format!("--filename_format={FILE_PREFIX}$jobnum.$filenum"))
        .args(options(w).iter().copied())
        .arg(format!("--size={}", shape.size.bytes()))
        .arg(format!("--numjobs={}", shape.jobs))
        .arg(format!("--runtime={}", shape.runtime.0))
        .args([
            "--time_based",
            "--ioengine=psync",
            "--group_reporting",
            "--output-format=json",
        ])
}

/// A user's job file, behind a `[global]` section that gives its directory
/// and file names (validation refused job files that set their own).
pub(crate) fn wrapped_job(job: &str, dir: &Path) -> String {
    format!(
        "; written by zlab: the experiment's directory, then the job file as written\n[global]\ndirectory={}\nfilename_format={FILE_PREFIX}$jobname.$jobnum.$filenum\n\n{job}",
        dir.display()
    )
}

/// `fio --output-format=json FILE`.
pub(crate) fn job_file(path: &Path) -> CommandLine {
    CommandLine::new("fio")
        .arg("--output-format=json")
        .arg(path.to_string_lossy())
}

/// One direction of one job's result.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Io {
    /// Bytes per second.
    pub bw: u64,
    pub iops: f64,
    /// Completion latency, microseconds: mean and percentiles.
    pub lat_mean_us: f64,
    pub lat_p50_us: f64,
    pub lat_p99_us: f64,
    pub lat_p999_us: f64,
}

impl Io {
    /// Throughput in MB/s (10⁶ bytes a second).
    pub(crate) fn mb_s(&self) -> f64 {
        crate::fill::stats::mb_s(self.bw, 1.0)
    }
}

/// One job's (or group's) result.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct JobResult {
    pub name: String,
    pub read: Option<Io>,
    pub write: Option<Io>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fio's JSON output: {0}")]
pub struct ParseError(String);

/// Each job of `fio --output-format=json`; a direction that moved no bytes
/// is `None`. fio may print notes before the JSON: reading starts at `{`.
pub(crate) fn parse(stdout: &str) -> Result<Vec<JobResult>, ParseError> {
    let start = stdout
        .find('{')
        .ok_or_else(|| ParseError("no JSON object".into()))?;
    let v: Value = serde_json::from_str(&stdout[start..]).map_err(|e| ParseError(e.to_string()))?;
    let jobs = v["jobs"]
        .as_array()
        .ok_or_else(|| ParseError("no `jobs` list".into()))?;
    jobs.iter()
        .map(|j| {
            Ok(JobResult {
                name: j["jobname"]
                    .as_str()
                    .ok_or_else(|| ParseError("a job without `jobname`".into()))?
                    .to_owned(),
                read: direction(&j["read"])?,
                write: direction(&j["write"])?,
            })
        })
        .collect()
}

fn direction(d: &Value) -> Result<Option<Io>, ParseError> {
    let bw = d["bw_bytes"]
        .as_u64()
        .ok_or_else(|| ParseError("a direction without `bw_bytes`".into()))?;
    if d["io_bytes"].as_u64().unwrap_or(0) == 0 {
        return Ok(None);
    }
    let clat = &d["clat_ns"];
    let pct = |p: &str| clat["percentile"][p].as_f64().map_or(0.0, |ns| ns / 1000.0);
    Ok(Some(Io {
        bw,
        iops: d["iops"].as_f64().unwrap_or(0.0),
        lat_mean_us: clat["mean"].as_f64().unwrap_or(0.0) / 1000.0,
        lat_p50_us: pct("50.000000"),
        lat_p99_us: pct("99.000000"),
        lat_p999_us: pct("99.900000"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/fio")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn each_fio_reads_the_same_way() {
        // Debian 12's fio (the 2.1 and 2.3 guests, the host) and Debian 13's
        // (the 2.4 guest), captured running the built-in mix.
        for version in ["3.33", "3.39"] {
            let jobs = parse(&fixture(&format!("{version}/rand-rw.json"))).expect("parse");
            assert_eq!(jobs.len(), 1, "{version}");
            for io in [jobs[0].read, jobs[0].write] {
                let io = io.expect("both directions");
                assert!(io.bw > 0 && io.iops > 0.0, "{version}: {io:?}");
                assert!(
                    io.lat_p999_us >= io.lat_p99_us && io.lat_p99_us >= io.lat_p50_us,
                    "{version}: {io:?}"
                );
            }
        }
    }

    #[test]
    fn a_mixed_workload_reads_both_directions() {
        let jobs = parse(&fixture("3.33/rand-rw.json")).expect("parse");
        assert_eq!(jobs.len(), 1);
        let read = jobs[0].read.expect("read");
        assert_eq!(read.bw, 68_550_225);
        assert!((read.iops - 16_735.894_942).abs() < 1e-6);
        assert!(read.lat_p99_us > read.lat_p50_us);
        assert!(jobs[0].write.is_some());
    }

    #[test]
    fn a_job_file_gives_each_job_and_only_the_directions_it_used() {
        let jobs = parse(&fixture("3.33/job-file.json")).expect("parse");
        let names: Vec<_> = jobs.iter().map(|j| j.name.as_str()).collect();
        assert_eq!(names, ["reader", "writer"]);
        assert!(jobs[0].write.is_none() && jobs[1].read.is_none());
        assert_eq!(jobs[1].write.map(|w| w.bw), Some(16_865_208_391));
    }

    #[test]
    fn notes_before_the_json_are_skipped_and_garbage_is_an_error() {
        let text = format!(
            "note: both iodepth >= 1 and synchronous\n{}",
            fixture("3.33/rand-rw.json")
        );
        assert_eq!(parse(&text).expect("parse").len(), 1);
        assert!(parse("fio: engine libaio not loadable").is_err());
    }

    #[test]
    fn a_workload_command_names_its_directory_and_shared_files() {
        let shape = Shape {
            size: Size::from_bytes(1 << 30),
            runtime: Seconds(30),
            jobs: 4,
        };
        assert_eq!(
            workload(
                Workload::RandRead4k,
                Path::new("/tank/data/.zlab-fio"),
                shape
            )
            .to_string(),
            "fio --name=rand-read-4k --directory=/tank/data/.zlab-fio '--filename_format=zlab-fio.$jobnum.$filenum' --rw=randread --bs=4k --size=1073741824 --numjobs=4 --runtime=30 --time_based --ioengine=psync --group_reporting --output-format=json"
        );
    }
}
