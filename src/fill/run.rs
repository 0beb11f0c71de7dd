//! One fill from start (or resume) to end: find the directory, decide the
//! file count once, save the properties and set the `during` values, write,
//! log every file, and put the properties back whatever happens — on
//! success, on a write error, on Ctrl-C or SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::engine::{self, Job, Update, WriteError};
use super::event::{FillEvent, Start};
use super::log::{self, FileRecord, Line, RunStart, Summary, round3};
use super::props;
use super::resume::{self, Pending, Scan};
use super::state::{Paths, State};
use super::stats::{Totals, mb_s};
use super::target;
use crate::capacity::model::files_for;
use crate::lab::{FillDir, FillSpec};
use crate::scenario::model::FillTarget;
use crate::scenario::size::Size;
use crate::system::command::CommandLine;
use crate::system::lock::{Lock, LockError};
use crate::system::{CommandError, System, mountinfo};
use crate::zfs::output;
use crate::zfs::version::Installed;

#[derive(Debug, thiserror::Error)]
pub enum FillError {
    #[error("interrupted after {done} of {total} files; run `zlab fill` again to resume")]
    Interrupted { done: u64, total: u64 },
    #[error("dataset `{dataset}` is not mounted; mount it (`zfs mount {dataset}`) to fill it")]
    NotMounted { dataset: String },
    #[error("{} is not a directory", path.display())]
    NoDirectory { path: PathBuf },
    #[error(
        "{} is not on a ZFS dataset, so it has no properties to set while filling; drop them (`during:`, --set), or fill a dataset",
        path.display()
    )]
    NotZfs { path: PathBuf },
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Busy(#[from] LockError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} is already there and this fill did not write it ({count} such file{} in all); nothing was written. Move them away, or run `zlab fill --overwrite` to write over them",
        path.display(), if *count == 1 { "" } else { "s" }
    )]
    Foreign { path: PathBuf, count: usize },
    #[error("install the Ctrl-C/SIGTERM handler: {0}")]
    Signals(std::io::Error),
    #[error(
        "a fill of {target} until {recorded} is on record ({}), and this one is until {asked}; run it until {recorded} to resume it, or forget it first",
        state.display()
    )]
    Changed {
        target: String,
        recorded: String,
        asked: String,
        state: PathBuf,
    },
}

/// Runs `fill`, stopping cleanly on SIGINT or SIGTERM (a second signal ends
/// the process at once, leaving the properties for the next run or `down`).
/// Files of the target's names that this fill did not write stop it before it
/// writes, unless `how.overwrite` (`zlab fill --overwrite`).
pub(crate) fn run(
    fill: &FillSpec,
    how: &How<'_>,
    state_dir: &Path,
    sys: &dyn System,
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<Summary, FillError> {
    let stop = Arc::new(AtomicBool::new(false));
    let _signals = Signals::install(&stop).map_err(FillError::Signals)?;
    run_until(fill, how, state_dir, sys, &stop, emit)
}

/// How a fill runs, beside what it fills.
#[derive(Debug, Clone, Copy)]
pub(crate) struct How<'a> {
    /// What the capacity planner says each file costs the pool, if it knows.
    pub(crate) charge_per_file: Option<u64>,
    /// Write over files of the fill's names that it did not write.
    pub(crate) overwrite: bool,
    /// The OpenZFS found on this machine, recorded in the log's summaries.
    pub(crate) zfs: &'a Installed,
    /// This machine's CPUs, which pick the streams when the fill does not.
    pub(crate) cpus: usize,
}

impl<'a> How<'a> {
    /// A fill on this machine, its CPUs counted.
    pub(crate) fn here(charge_per_file: Option<u64>, overwrite: bool, zfs: &'a Installed) -> Self {
        How {
            charge_per_file,
            overwrite,
            zfs,
            cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        }
    }
}

/// What [`release`] leaves of a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// `zlab down`: the state and the log.
    Everything,
    /// `zlab fill --abandon`: the state; the log stays for `zlab report`.
    KeepLog,
}

/// Ends a fill: the properties still changed by a fill that was killed are
/// put back (if the dataset still exists), and its state goes (and its log,
/// unless `release` keeps it).
pub(crate) fn release(
    target: &FillDir,
    state_dir: &Path,
    release: Release,
    sys: &dyn System,
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<(), FillError> {
    let paths = Paths::new(state_dir, target);
    if let Some(State {
        dataset: Some(dataset),
        saved: Some(saved),
        ..
    }) = State::load(sys, &paths.state)?
        && crate::system::probe::dataset_exists(sys, &dataset)
    {
        emit(&FillEvent::Note(format!(
            "putting back the properties a stopped fill changed on {dataset}"
        )));
        props::restore(sys, &dataset, &saved, emit)?;
    }
    let log = (release == Release::Everything).then_some(&paths.log);
    for path in std::iter::once(&paths.state).chain(log) {
        if sys.exists(path) {
            emit(&FillEvent::Note(format!("removing {}", path.display())));
            sys.remove_file(path)?;
        }
    }
    Ok(())
}

/// [`run`] with the stop flag given: for tests, and for callers with their own.
pub(crate) fn run_until(
    fill: &FillSpec,
    how: &How<'_>,
    state_dir: &Path,
    sys: &dyn System,
    stop: &AtomicBool,
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<Summary, FillError> {
    let paths = Paths::new(state_dir, &fill.target);
    let Place { dir, dataset, guid } = locate(fill, sys)?;
    // Whoever asks for it — a lab's fill, a fill without a scenario, another
    // lab's — one fill writes into a directory at a time.
    let _writing = Lock::dir(&dir)?;
    let mut state = State::load(sys, &paths.state)?;
    if state.as_ref().is_some_and(|s| s.guid != guid) {
        // The pool was made again since: the old fill's files are gone.
        emit(&FillEvent::Note(format!(
            "{} belongs to an earlier incarnation of {}: starting afresh",
            paths.state.display(),
            fill.target
        )));
        state = None;
    }
    let asked = fill.until.to_string();
    if let Some(recorded) = state.as_ref().and_then(|s| s.until.clone())
        && recorded != asked
    {
        if let Some(s) = state.as_mut()
            && s.raise(fill.until, &asked, how.charge_per_file)
        {
            emit(&FillEvent::Note(format!(
                "the fill of {} went until {recorded}; it goes on until {asked} ({} files in all)",
                fill.target, s.files_total
            )));
            s.save(sys, &paths.state)?;
        } else {
            return Err(FillError::Changed {
                target: fill.target.to_string(),
                recorded,
                asked,
                state: paths.state,
            });
        }
    }
    if state.is_none() && sys.exists(&paths.log) {
        sys.remove_file(&paths.log)?;
    }
    let mut scan = resume::scan(&paths.log, fill.window).map_err(|source| FillError::Io {
        action: "read the fill log",
        path: paths.log.clone(),
        source,
    })?;
    let file_size = fill.file_size.bytes();
    let mut state = match state {
        Some(s) => s,
        None => {
            // A percentage is of the pool's USED + AVAIL wherever ZFS holds
            // the directory, else of the filesystem's size.
            let capacity = match (&fill.until, &dataset) {
                (FillTarget::Percent(_), Some(ds)) => {
                    let pool = ds.split('/').next().unwrap_or(ds);
                    Some(target::pool_capacity(sys, pool)?)
                }
                (FillTarget::Percent(_), None) => Some(target::fs_capacity(sys, &dir)?),
                _ => None,
            };
            let mut fresh = State {
                dataset: dataset.clone(),
                guid,
                files_total: files_for(fill.until, file_size, how.charge_per_file, capacity)
                    .unwrap_or(0),
                file_size,
                capacity,
                saved: None,
                complete: false,
                until: Some(asked),
                measure_charge: false,
                charge: None,
            };
            // What a file costs a pool zlab did not plan is measured on the
            // first one (its records with parity, padding and metadata, as
            // `zfs list` counts them); until then each counts as its size.
            fresh.measure_charge = matches!(fill.until, FillTarget::Percent(_))
                && fresh.dataset.is_some()
                && how.charge_per_file.is_none()
                && fresh.files_total > 1;
            // A fill that has not begun here owns none of the names it writes.
            if !how.overwrite {
                refuse_foreign(&dir, &fill.pattern, fresh.files_total)?;
            }
            fresh.save(sys, &paths.state)?;
            fresh
        }
    };
    let (streams, buffer) = fill.writers(how.cpus);
    let job = Job {
        dir: dir.clone(),
        pattern: fill.pattern.clone(),
        file_size,
        buffer: buffer.bytes(),
        streams,
        direct: fill.direct,
        salt: salt(),
    };
    let tail = 2 * u64::from(streams);
    for index in resume::verify(&mut scan, tail, file_size, |i| job.name(i), &dir) {
        emit(&FillEvent::Note(format!(
            "{} is not complete: writing it again",
            job.name(index)
        )));
    }
    emit(&FillEvent::Start(Start {
        target: fill.target.to_string(),
        dir,
        until: fill.until,
        capacity: state.capacity,
        files_total: state.files_total,
        files_done: scan.done.count(),
        file_size,
        streams,
        window: fill.window,
        log: paths.log.clone(),
    }));
    if state.complete && scan.done.count() >= state.files_total {
        let summary = summarize(&scan, &state, how.zfs);
        emit(&FillEvent::Summary(summary.clone()));
        return Ok(summary);
    }

    // Save what is there before changing anything; a run after `kill -9`
    // keeps the values saved by the first.
    let during_on = match (&dataset, fill.during.is_empty()) {
        (Some(ds), false) => {
            if state.saved.is_none() {
                let names: Vec<&str> = fill.during.iter().map(|(k, _)| k.as_str()).collect();
                state.saved = Some(props::read(sys, ds, &names)?);
                state.save(sys, &paths.state)?;
            }
            props::set(sys, ds, &fill.during, emit).map(|()| ds.clone())
        }
        _ => Ok(String::new()),
    };
    let run = RunStart {
        target: fill.target.to_string(),
        until: fill.until.to_string(),
        file_size,
        streams,
        window: fill.window,
        start_unix: round3(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        ),
    };
    let written = during_on.map_err(FillError::from).and_then(|_| {
        log::Writer::open(&paths.log)
            .and_then(|mut w| w.append(&Line::Start(run)))
            .map_err(|source| FillError::Io {
                action: "append to the fill log",
                path: paths.log.clone(),
                source,
            })?;
        if state.measure_charge {
            write(&job, 1, &mut scan, &paths, stop, emit)?;
            if scan.done.count() >= 1 && !stop.load(Ordering::Relaxed) {
                measure_charge(fill, &mut state, &scan, sys, emit)?;
                state.save(sys, &paths.state)?;
            }
        }
        write(&job, state.files_total, &mut scan, &paths, stop, emit)
    });
    let complete = scan.done.count() >= state.files_total;
    let restored = put_back(&mut state, fill, complete, sys, emit);
    state.complete = complete;
    let saved = state.save(sys, &paths.state);
    let summary = summarize(&scan, &state, how.zfs);
    let logged =
        log::Writer::open(&paths.log).and_then(|mut w| w.append(&Line::Summary(summary.clone())));
    emit(&FillEvent::Summary(summary.clone()));
    written?;
    restored?;
    saved?;
    logged.map_err(|source| FillError::Io {
        action: "append to the fill log",
        path: paths.log.clone(),
        source,
    })?;
    if complete {
        Ok(summary)
    } else {
        Err(FillError::Interrupted {
            done: summary.files,
            total: summary.files_total,
        })
    }
}

/// Where a fill writes, found on this machine.
struct Place {
    dir: PathBuf,
    /// The ZFS dataset that holds `dir`: its properties are what `during`
    /// changes, and its pool what a percentage is of.
    dataset: Option<String>,
    /// The dataset's guid: a pool made again is a new fill.
    guid: Option<String>,
}

/// Where `fill` writes. A directory is looked up in the mount table: on a
/// ZFS dataset it is that dataset's, like a `dataset:` target.
fn locate(fill: &FillSpec, sys: &dyn System) -> Result<Place, FillError> {
    match &fill.target {
        FillDir::Dataset { name, .. } => {
            let mount = dataset_mount(sys, name)?;
            if !mount.mounted {
                return Err(FillError::NotMounted {
                    dataset: name.clone(),
                });
            }
            Ok(Place {
                dir: mount.mountpoint,
                dataset: Some(name.clone()),
                guid: Some(mount.guid),
            })
        }
        FillDir::Path(path) => {
            if !path.is_dir() {
                return Err(FillError::NoDirectory { path: path.clone() });
            }
            let real = std::fs::canonicalize(path).map_err(|source| FillError::Io {
                action: "resolve",
                path: path.clone(),
                source,
            })?;
            let on_zfs = mountinfo::holding(sys, &real)?.filter(|m| m.fs_type == "zfs");
            let (dataset, guid) = match on_zfs {
                Some(m) => {
                    let guid = dataset_mount(sys, &m.source)?.guid;
                    (Some(m.source), Some(guid))
                }
                None if !fill.during.is_empty() => {
                    return Err(FillError::NotZfs { path: path.clone() });
                }
                None => (None, None),
            };
            Ok(Place {
                dir: path.clone(),
                dataset,
                guid,
            })
        }
    }
}

/// `zfs get mounted,mountpoint,guid DATASET`.
pub(crate) fn dataset_mount(sys: &dyn System, name: &str) -> Result<output::Mount, FillError> {
    let cmd = CommandLine::new("zfs")
        .args(["get", "-Hp", "-o", "value", "mounted,mountpoint,guid"])
        .arg(name);
    let out = sys.run(&cmd)?;
    Ok(output::mount(&out.stdout).map_err(|e| CommandError::unparsable(&cmd, &out.stdout, e))?)
}

/// Writes the pending files of the first `total`, logging each as it completes.
fn write(
    job: &Job,
    total: u64,
    scan: &mut Scan,
    paths: &Paths,
    stop: &AtomicBool,
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<(), FillError> {
    let mut log = log::Writer::open(&paths.log).map_err(|source| FillError::Io {
        action: "open the fill log",
        path: paths.log.clone(),
        source,
    })?;
    let pending = Pending::new(scan.done.clone(), total);
    engine::write_files::<FillError>(job, pending, stop, |report| {
        match report {
            Update::Wrote { bytes } => emit(&FillEvent::Progress { bytes }),
            Update::Finished {
                index,
                bytes,
                start,
                elapsed,
            } => {
                let start = start
                    .duration_since(UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                let record = finished(
                    &mut scan.totals,
                    index,
                    job.name(index),
                    bytes,
                    start,
                    elapsed.as_secs_f64(),
                );
                log.append(&Line::File(record.clone()))
                    .map_err(|source| FillError::Io {
                        action: "append to the fill log",
                        path: log.path().to_path_buf(),
                        source,
                    })?;
                scan.done.insert(index);
                emit(&FillEvent::File {
                    record,
                    files_done: scan.done.count(),
                });
            }
        }
        Ok(())
    })?;
    if stop.load(Ordering::Relaxed) {
        emit(&FillEvent::Note(
            "stop requested: the writers have stopped".to_owned(),
        ));
    }
    Ok(())
}

/// The log record of a file written from `start` (Unix seconds) for
/// `seconds`, its figures added to `totals`. Every figure comes from the
/// values as logged (rounded), so that a resumed fill and `zlab report`,
/// reading them back, compute the same figures.
pub(crate) fn finished(
    totals: &mut Totals,
    index: u64,
    name: String,
    bytes: u64,
    start: f64,
    seconds: f64,
) -> FileRecord {
    let start_unix = round3(start);
    let ms = round3(seconds * 1000.0);
    let rolling = totals.file(start_unix, ms, bytes);
    FileRecord {
        index,
        name,
        bytes,
        start_unix,
        ms,
        mb_s: round3(mb_s(bytes, ms / 1000.0)),
        rolling_mb_s: round3(rolling.mb_s),
    }
}

/// Decides the file count from what the fill's files cost the pool so far:
/// its USED now, once `zpool sync` has written them out, less the USED the
/// percentage was taken from, over the files done.
fn measure_charge(
    fill: &FillSpec,
    state: &mut State,
    scan: &Scan,
    sys: &dyn System,
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<(), FillError> {
    let (Some(dataset), Some(before)) = (&state.dataset, state.capacity) else {
        return Ok(());
    };
    let pool = dataset.split('/').next().unwrap_or(dataset);
    sys.run(&CommandLine::new("zpool").arg("sync").arg(pool))?;
    let now = target::pool_capacity(sys, pool)?;
    let files = scan.done.count().max(1);
    let charge = now.used.saturating_sub(before.used) / files;
    let total = files_for(
        fill.until,
        state.file_size,
        Some(charge.max(1)),
        Some(before),
    )
    .unwrap_or(0)
    .max(files);
    emit(&FillEvent::Note(format!(
        "a file is charged {} in {pool} (measured): {total} files reach {} ({} if each counted as its size)",
        Size::from_bytes(charge).human(),
        fill.until,
        state.files_total
    )));
    state.files_total = total;
    state.measure_charge = false;
    state.charge = Some(charge.max(1));
    Ok(())
}

/// The saved values back (or the `after` values once complete).
fn put_back(
    state: &mut State,
    fill: &FillSpec,
    complete: bool,
    sys: &dyn System,
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<(), FillError> {
    let (Some(dataset), Some(saved)) = (&state.dataset, &state.saved) else {
        return Ok(());
    };
    match (&fill.after, complete) {
        (Some(after), true) => props::set(sys, dataset, after, emit)?,
        _ => props::restore(sys, dataset, saved, emit)?,
    }
    state.saved = None;
    Ok(())
}

fn summarize(scan: &Scan, state: &State, zfs: &Installed) -> Summary {
    let files = scan.done.count();
    let mut summary = summary(&scan.totals, files, state.files_total, state.file_size);
    summary.zfs_tools = zfs.userland.as_ref().map(|v| v.raw.clone());
    summary.zfs_module = zfs.kernel.as_ref().map(|v| v.raw.clone());
    summary
}

/// The summary of a fill whose log gave `totals`, `files` of `files_total`
/// complete: the mean and the rolling extremes are those `zlab report`
/// computes from the same log.
pub(crate) fn summary(totals: &Totals, files: u64, files_total: u64, file_size: u64) -> Summary {
    let t = &totals.throughput;
    Summary {
        files,
        files_total,
        bytes: files.saturating_mul(file_size),
        seconds: round3(t.seconds()),
        mean_mb_s: round3(t.mean_mb_s().unwrap_or(0.0)),
        p50_ms: round3(totals.times.quantile(0.5)),
        p99_ms: round3(totals.times.quantile(0.99)),
        min_rolling_mb_s: totals.rolling.min.map(|m| round3(m.0)),
        max_rolling_mb_s: totals.rolling.max.map(|m| round3(m.0)),
        complete: files >= files_total,
        zfs_tools: None,
        zfs_module: None,
    }
}

/// Different in every run, so no two fills ever write the same record.
/// Stops on the first of the fill's names (`file_{n}`, n below `total`) that
/// is already in `dir`.
fn refuse_foreign(dir: &Path, pattern: &str, total: u64) -> Result<(), FillError> {
    let (prefix, suffix) = pattern.split_once("{n}").unwrap_or((pattern, ""));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // Nothing there: nothing to overwrite (writing will say why it fails).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(FillError::Io {
                action: "list",
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut found: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let n: u64 = name
                .strip_prefix(prefix)?
                .strip_suffix(suffix)?
                .parse()
                .ok()?;
            (n < total && n.to_string().len() + prefix.len() + suffix.len() == name.len())
                .then(|| (n, e.path()))
        })
        .collect();
    found.sort();
    match found.first() {
        Some((_, path)) => Err(FillError::Foreign {
            path: path.clone(),
            count: found.len(),
        }),
        None => Ok(()),
    }
}

fn salt() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    #[expect(clippy::cast_possible_truncation, reason = "only the low bits vary")]
    let nanos = nanos as u64;
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// SIGINT and SIGTERM set the stop flag while a fill runs; the second one
/// ends the process (exit status 1) for someone who cannot wait.
/// SIGINT and SIGTERM set a stop flag while this lives; a second one ends
/// the process at once.
pub(crate) struct Signals(Vec<signal_hook::SigId>);

impl Signals {
    pub(crate) fn install(stop: &Arc<AtomicBool>) -> std::io::Result<Signals> {
        let mut ids = Vec::new();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            ids.push(signal_hook::flag::register_conditional_shutdown(
                signal,
                1,
                Arc::clone(stop),
            )?);
            ids.push(signal_hook::flag::register(signal, Arc::clone(stop))?);
        }
        Ok(Signals(ids))
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.0.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::size::Size;
    use crate::system::fake::FakeSystem;

    fn spec(until: FillTarget) -> FillSpec {
        FillSpec {
            target: FillDir::Dataset {
                name: "quick/data".into(),
                pool: "quick".into(),
            },
            until,
            file_size: Size::from_bytes(1 << 20),
            buffer: Some(Size::from_bytes(1 << 20)),
            pattern: "file_{n}".into(),
            streams: Some(2),
            window: 60,
            direct: false,
            during: vec![("sync".into(), "disabled".into())],
            after: None,
        }
    }

    /// The commands up to the writing: where, how much, the saved property.
    /// `zfs list` after the first file: the pool's USED grew by `charged`.
    fn measured(sys: &FakeSystem, charged: u64) {
        sys.expect("zpool sync quick", "").expect(
            "zfs list -Hp -o used,avail quick",
            &format!("{}\t{}\n", 1_048_576 + charged, 9_437_184 - charged),
        );
    }

    fn before_writing(sys: &FakeSystem, mountpoint: &Path) {
        sys.expect(
            "zfs get -Hp -o value mounted,mountpoint,guid quick/data",
            &format!("yes\n{}\n42\n", mountpoint.display()),
        )
        .expect("zfs list -Hp -o used,avail quick", "1048576\t9437184\n")
        .expect(
            "zfs get -Hp -o property,value,source sync quick/data",
            "sync\tstandard\tdefault\n",
        )
        .expect("zfs set sync=disabled quick/data", "");
    }

    /// Fills `quick/data` (mounted at `mountpoint`) to 50 % of 10 MiB with
    /// 1 MiB used — 4 files of 1 MiB — expecting `sync` to be put back.
    fn fill_half(
        sys: &FakeSystem,
        mountpoint: &Path,
        state: &Path,
        stopped: bool,
    ) -> Result<Summary, FillError> {
        before_writing(sys, mountpoint);
        if !stopped {
            measured(sys, 1 << 20);
        }
        sys.expect("zfs inherit sync quick/data", "");
        run_until(
            &spec(FillTarget::Percent(5000)),
            &How {
                charge_per_file: None,
                overwrite: false,
                zfs: &Installed::default(),
                cpus: 2,
            },
            state,
            sys,
            &AtomicBool::new(stopped),
            &mut |_| {},
        )
    }

    #[test]
    fn a_file_this_fill_did_not_write_stops_it_before_it_writes() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        let theirs = mnt.path().join("file_0");
        std::fs::write(&theirs, b"someone's data").expect("victim");
        let sys = FakeSystem::new();
        sys.expect(
            "zfs get -Hp -o value mounted,mountpoint,guid quick/data",
            &format!("yes\n{}\n42\n", mnt.path().display()),
        )
        .expect("zfs list -Hp -o used,avail quick", "1048576\t9437184\n");
        let err = run_until(
            &spec(FillTarget::Percent(5000)),
            &How {
                charge_per_file: None,
                overwrite: false,
                zfs: &Installed::default(),
                cpus: 2,
            },
            state.path(),
            &sys,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect_err("foreign");
        assert!(matches!(err, FillError::Foreign { count: 1, .. }), "{err}");
        assert!(err.to_string().contains("--overwrite"), "{err}");
        assert_eq!(std::fs::read(&theirs).expect("intact"), b"someone's data");
        // Nothing begun: the next run checks again.
        assert!(
            std::fs::read_dir(state.path())
                .expect("ls")
                .next()
                .is_none()
        );
    }

    #[test]
    fn overwrite_writes_over_files_it_did_not_write() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        std::fs::write(mnt.path().join("file_0"), b"old").expect("old");
        let sys = FakeSystem::new();
        before_writing(&sys, mnt.path());
        measured(&sys, 1 << 20);
        sys.expect("zfs inherit sync quick/data", "");
        let summary = run_until(
            &spec(FillTarget::Percent(5000)),
            &How {
                charge_per_file: None,
                overwrite: true,
                zfs: &Installed::default(),
                cpus: 2,
            },
            state.path(),
            &sys,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect("fill");
        assert!(summary.complete);
        assert_eq!(
            std::fs::metadata(mnt.path().join("file_0"))
                .expect("written")
                .len(),
            1 << 20
        );
    }

    #[test]
    fn a_percentage_fill_writes_its_files_and_puts_the_property_back() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        let sys = FakeSystem::new();
        let summary = fill_half(&sys, mnt.path(), state.path(), false).expect("fill");
        assert_eq!((summary.files, summary.files_total), (4, 4));
        assert!(summary.complete);
        assert_eq!(std::fs::read_dir(mnt.path()).expect("dir").count(), 4);
        let saved = State::load(&sys, &state.path().join("fill-quick-data.json"))
            .expect("state")
            .expect("some");
        assert_eq!((saved.saved, saved.complete), (None, true));
    }

    #[test]
    fn an_interrupted_fill_puts_the_property_back_and_says_how_to_resume() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        let sys = FakeSystem::new();
        let err = fill_half(&sys, mnt.path(), state.path(), true).expect_err("stopped");
        assert!(
            matches!(err, FillError::Interrupted { done: 0, total: 4 }),
            "{err}"
        );
        let log = std::fs::read_to_string(state.path().join("fill-quick-data.jsonl")).expect("log");
        assert!(log.contains(r#""type":"summary","files":0"#), "{log}");
    }

    #[test]
    fn a_pool_zlab_did_not_plan_counts_files_by_what_the_first_was_charged() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        let sys = FakeSystem::new();
        before_writing(&sys, mnt.path());
        // 1 MiB files charged 2 MiB each (parity, padding): 50 % of 10 MiB
        // with 1 MiB used leaves room for 2, not 4.
        measured(&sys, 2 << 20);
        sys.expect("zfs inherit sync quick/data", "");
        let mut notes = Vec::new();
        let summary = run_until(
            &spec(FillTarget::Percent(5000)),
            &How::here(None, false, &Installed::default()),
            state.path(),
            &sys,
            &AtomicBool::new(false),
            &mut |e| {
                if let FillEvent::Note(n) = e {
                    notes.push(n.clone());
                }
            },
        )
        .expect("fill");
        assert_eq!((summary.files, summary.files_total), (2, 2));
        assert_eq!(std::fs::read_dir(mnt.path()).expect("dir").count(), 2);
        assert!(
            notes.iter().any(|n| n.starts_with("a file is charged 2 MiB in quick (measured): 2 files reach 50% (4 if each counted as its size)")),
            "{notes:?}"
        );
        let saved = State::load(&sys, &state.path().join("fill-quick-data.json"))
            .expect("state")
            .expect("some");
        assert!(!saved.measure_charge && saved.files_total == 2);
    }

    #[test]
    fn a_directory_another_fill_writes_into_is_left_alone() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        let _other = Lock::dir(mnt.path()).expect("the other fill's lock");
        let sys = FakeSystem::new();
        sys.expect(
            "zfs get -Hp -o value mounted,mountpoint,guid quick/data",
            &format!("yes\n{}\n42\n", mnt.path().display()),
        );
        let err = run_until(
            &spec(FillTarget::Files(2)),
            &How::here(None, false, &Installed::default()),
            state.path(),
            &sys,
            &AtomicBool::new(false),
            &mut |_| {},
        );
        assert!(matches!(err, Err(FillError::Busy(_))), "{err:?}");
        assert_eq!(std::fs::read_dir(mnt.path()).expect("dir").count(), 0);
        assert!(!state.path().join("fill-quick-data.json").exists());
    }

    #[test]
    fn a_write_error_puts_the_property_back_too() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        // A directory where the first file goes: opening it to write fails.
        std::fs::create_dir(mnt.path().join("file_0")).expect("dir");
        let sys = FakeSystem::new();
        before_writing(&sys, mnt.path());
        sys.expect("zfs inherit sync quick/data", "");
        let how = How {
            charge_per_file: None,
            overwrite: true,
            zfs: &Installed::default(),
            cpus: 2,
        };
        let spec = spec(FillTarget::Percent(5000));
        let err = run_until(
            &spec,
            &how,
            state.path(),
            &sys,
            &AtomicBool::new(false),
            &mut |_| {},
        );
        assert!(matches!(err, Err(FillError::Write(_))), "{err:?}");
    }

    #[test]
    fn a_complete_fill_asked_for_more_writes_on_and_one_asked_for_less_is_refused() {
        let (mnt, state) = (
            tempfile::tempdir().expect("mnt"),
            tempfile::tempdir().expect("state"),
        );
        // One fake machine: the state a run saves is what the next one reads.
        let sys = FakeSystem::new();
        let run = |files: u64| {
            sys.expect(
                "zfs get -Hp -o value mounted,mountpoint,guid quick/data",
                &format!("yes\n{}\n42\n", mnt.path().display()),
            );
            let mut spec = spec(FillTarget::Files(files));
            spec.during.clear();
            run_until(
                &spec,
                &How::here(None, false, &Installed::default()),
                state.path(),
                &sys,
                &AtomicBool::new(false),
                &mut |_| {},
            )
        };
        assert_eq!(run(2).expect("two files").files, 2);
        let first = std::fs::metadata(mnt.path().join("file_0")).expect("file_0");
        let raised = run(4).expect("raised to four");
        assert_eq!((raised.files, raised.files_total), (4, 4));
        // The first files were not written again.
        let again = std::fs::metadata(mnt.path().join("file_0")).expect("file_0");
        assert_eq!(again.modified().ok(), first.modified().ok());
        let err = run(3).expect_err("less than done");
        assert!(matches!(err, FillError::Changed { .. }), "{err}");
        assert_eq!(std::fs::read_dir(mnt.path()).expect("dir").count(), 4);
    }
}
