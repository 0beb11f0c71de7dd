//! One experiment from its first step to its last, on a lab that is up:
//! fills, fio workloads, a failed drive rebuilt and brought back, scrubs —
//! each measured and appended to the results file, the pool recorded after
//! each. The `during` properties go back whatever happens, and after
//! `kill -9` on the next run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::fio::{self, Shape};
use super::results::{
    self, FailRecord, FillRecord, PoolRecord, RebuildRecord, Record, RunEnd, RunStart, ScrubRecord,
    WorkloadRecord,
};
use crate::exec::event::{Event, Outcome};
use crate::exec::identity::{self, FileId, PoolGuid};
use crate::exec::read;
use crate::fill::props::{self, Saved};
use crate::fill::{self, FillError};
use crate::lab::{Device, ExperimentSpec, ExperimentStep};
use crate::scenario::experiment::{FailHow, Onto, forbidden_fio_options};
use crate::scenario::model::FillTarget;
use crate::system::command::CommandLine;
use crate::system::{CommandError, System};
use crate::units;
use crate::zfs::output;
use crate::zfs::scan::{Scan, ScanKind, ScanState};
use crate::zfs::topology::{State, Topology, Vdev, VdevType};
use crate::zfs::version::Installed;

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(
        "pool {pool} is {state}{}: an experiment starts on an ONLINE pool with nothing being rebuilt or scrubbed",
        if *busy { ", with a scan running" } else { "" }
    )]
    NotReady {
        pool: String,
        state: String,
        busy: bool,
    },
    #[error(
        "pool {pool} is not the one this lab made ({why}); an experiment fails drives and writes only in its own lab's pool"
    )]
    NotOurs { pool: String, why: String },
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Fill(#[from] FillError),
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{label} ({}) is not a device of pool {pool} now", path.display())]
    NotInPool {
        label: String,
        path: PathBuf,
        pool: String,
    },
    #[error("{label}'s path is not known: the lab's journal has no loop device or volume for it")]
    Unbound { label: String },
    #[error("pool {pool} has no {onto} available for {label}")]
    NoSpare {
        pool: String,
        onto: Onto,
        label: String,
    },
    #[error(
        "{} is there and this experiment did not make it; nothing was written. Move it away",
        path.display()
    )]
    Foreign { path: PathBuf },
    #[error(transparent)]
    Fio(#[from] fio::ParseError),
    #[error("stopped at step {step} of {total}")]
    Interrupted { step: usize, total: usize },
    #[error("pool {pool} is {state} after {label} was brought back")]
    NotBack {
        pool: String,
        state: String,
        label: String,
    },
    #[error(
        "{} sets {options} since the scenario was validated; zlab gives a job its directory and runs nothing else: remove them",
        path.display()
    )]
    JobFile { path: PathBuf, options: String },
    #[error("install the Ctrl-C/SIGTERM handler: {0}")]
    Signals(std::io::Error),
}

/// What an experiment needs from its lab.
pub(crate) struct Setup<'a> {
    pub(crate) lab: &'a str,
    pub(crate) state_dir: &'a Path,
    /// The pool's data vdevs, as zpool names their kind.
    pub(crate) layout: Vec<String>,
    /// The run-time path of a loop device or volume variable (the journal).
    pub(crate) bind: &'a dyn Fn(&str) -> Option<PathBuf>,
    pub(crate) zfs: &'a Installed,
    /// The pool's GUID as the lab's journal recorded it when `up` made it:
    /// the experiment acts on that pool and no other of its name.
    pub(crate) pool_guid: Option<PoolGuid>,
    /// What the capacity planner says each fill file costs.
    pub(crate) charge_per_file: Option<u64>,
    /// How often a scan's progress is read.
    pub(crate) poll: Duration,
}

/// What survives a crash between runs: the property values found before
/// `during` was set, and the workload directory this experiment made.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    saved: Option<Vec<Saved>>,
    fio_dir: Option<(PathBuf, FileId)>,
}

fn kept_path(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join(format!("experiment-{name}.json"))
}

/// A user's job file, wrapped, while fio runs it.
fn wrapped_path(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join(format!("experiment-{name}.fio"))
}

/// The files an experiment keeps while it runs (not its results).
pub(crate) fn state_files(state_dir: &Path, name: &str) -> Vec<PathBuf> {
    vec![kept_path(state_dir, name), wrapped_path(state_dir, name)]
}

impl Kept {
    fn load(sys: &dyn System, path: &Path) -> Result<Kept, ExperimentError> {
        if !sys.exists(path) {
            return Ok(Kept::default());
        }
        let text = sys.read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| ExperimentError::Io {
            action: "read",
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })
    }

    fn save(&self, sys: &dyn System, path: &Path) -> Result<(), ExperimentError> {
        if *self == Kept::default() {
            if sys.exists(path) {
                sys.remove_file(path)?;
            }
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(self).map_err(|e| ExperimentError::Io {
            action: "write",
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        Ok(sys.write_atomic(path, &json)?)
    }
}

/// Runs `spec`; Ctrl-C or SIGTERM stops it after the current measurement.
pub(crate) fn run(
    spec: &ExperimentSpec,
    setup: &Setup<'_>,
    sys: &dyn System,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), ExperimentError> {
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let _signals = fill::run::Signals::install(&stop).map_err(ExperimentError::Signals)?;
    run_until(spec, setup, sys, &stop, emit)
}

/// [`run`] with the stop flag given.
pub(crate) fn run_until(
    spec: &ExperimentSpec,
    setup: &Setup<'_>,
    sys: &dyn System,
    stop: &AtomicBool,
    emit: &mut dyn FnMut(&Event),
) -> Result<(), ExperimentError> {
    // Nothing is touched, not even properties a killed run left, in a pool
    // that is not the lab's.
    let found = identity::pool_guid(sys, &spec.pool)?;
    if setup.pool_guid.is_none() || found != setup.pool_guid {
        let why = match (setup.pool_guid, found) {
            (None, _) => "the journal records no pool of that name made by `zlab up`".to_owned(),
            (Some(r), None) => format!("the journal records {r}; no pool of that name is imported"),
            (Some(r), Some(f)) => format!("the journal records {r}, this one has {f}"),
        };
        return Err(ExperimentError::NotOurs {
            pool: spec.pool.clone(),
            why,
        });
    }
    let kept_at = kept_path(setup.state_dir, &spec.name);
    let mut kept = Kept::load(sys, &kept_at)?;
    let mut runner = Runner {
        spec,
        setup,
        sys,
        stop,
        failed: None,
        at: None,
    };
    // What a run killed last time left: its properties, its directory.
    if let Some(saved) = kept.saved.take() {
        emit(&Event::Note(format!(
            "putting back the properties a stopped experiment changed on {}",
            spec.dataset
        )));
        props::restore(sys, &spec.dataset, &saved, &mut |e| {
            runner.fill_event(e, emit)
        })?;
        kept.save(sys, &kept_at)?;
    }
    runner.clean_fio_dir(&mut kept, &kept_at, emit)?;

    let topology = runner.topology()?;
    let busy = topology.scans.iter().any(Scan::is_running);
    if topology.state != State::Online || busy {
        return Err(ExperimentError::NotReady {
            pool: spec.pool.clone(),
            state: topology.state.to_string(),
            busy,
        });
    }
    let path = results::path(setup.state_dir, &spec.name);
    let mut out = results::Writer::open(&path).map_err(|source| ExperimentError::Io {
        action: "open",
        path: path.clone(),
        source,
    })?;
    emit(&Event::Note(format!("results: {}", path.display())));
    let write = |out: &mut results::Writer, r: &Record| {
        out.append(r).map_err(|source| ExperimentError::Io {
            action: "append to",
            path: out.path().to_path_buf(),
            source,
        })
    };
    write(
        &mut out,
        &Record::Start(RunStart {
            experiment: spec.name.clone(),
            lab: setup.lab.to_owned(),
            pool: spec.pool.clone(),
            dataset: spec.dataset.clone(),
            layout: setup.layout.clone(),
            zfs: setup.zfs.effective().map(ToString::to_string),
            start_unix: unix_now(),
        }),
    )?;
    write(&mut out, &Record::Pool(runner.pool_record(0)?))?;

    if !spec.during.is_empty() {
        let names: Vec<&str> = spec.during.iter().map(|(k, _)| k.as_str()).collect();
        kept.saved = Some(props::read(sys, &spec.dataset, &names)?);
        kept.save(sys, &kept_at)?;
        props::set(sys, &spec.dataset, &spec.during, &mut |e| {
            runner.fill_event(e, emit);
        })?;
    }
    let total = spec.steps.len();
    let mut outcome = Ok(());
    for (i, step) in spec.steps.iter().enumerate() {
        let index = i + 1;
        let description = step.to_string();
        emit(&Event::StepStarted {
            index,
            total,
            description: description.clone(),
        });
        let started = Instant::now();
        let done = runner
            .step(index, step, &mut kept, &kept_at, emit)
            .and_then(|records| {
                for r in &records {
                    write(&mut out, r)?;
                }
                write(&mut out, &Record::Pool(runner.pool_record(index)?))
            });
        let done = done.map_err(|e| match e {
            ExperimentError::Interrupted { .. } => {
                ExperimentError::Interrupted { step: index, total }
            }
            e => e,
        });
        match done {
            Ok(()) if stop.load(Ordering::Relaxed) => {
                outcome = Err(ExperimentError::Interrupted { step: index, total });
            }
            Ok(()) => emit(&Event::StepFinished {
                index,
                total,
                description,
                outcome: Outcome::Done,
                elapsed: started.elapsed(),
            }),
            Err(e) => {
                emit(&Event::StepFailed {
                    index,
                    total,
                    description,
                    error: e.to_string(),
                });
                outcome = Err(e);
            }
        }
        if outcome.is_err() {
            break;
        }
    }
    let restored = match kept.saved.take() {
        Some(saved) => props::restore(sys, &spec.dataset, &saved, &mut |e| {
            runner.fill_event(e, emit);
        })
        .map_err(ExperimentError::from)
        .and_then(|()| kept.save(sys, &kept_at)),
        None => Ok(()),
    };
    write(
        &mut out,
        &Record::End(RunEnd {
            end_unix: unix_now(),
            complete: outcome.is_ok(),
            error: outcome.as_ref().err().map(ToString::to_string),
        }),
    )?;
    outcome.and(restored)
}

fn unix_now() -> f64 {
    let s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    (s * 1000.0).round() / 1000.0
}

struct Runner<'r, 'a> {
    spec: &'r ExperimentSpec,
    setup: &'r Setup<'a>,
    sys: &'r dyn System,
    stop: &'r AtomicBool,
    /// How the drive failed by this run and not yet rebuilt was failed.
    failed: Option<FailHow>,
    /// The target of the last fill step run.
    at: Option<String>,
}

impl Runner<'_, '_> {
    fn fill_event(&self, e: &fill::event::FillEvent, emit: &mut dyn FnMut(&Event)) {
        emit(&Event::Fill(e.clone()));
    }

    fn topology(&self) -> Result<Topology, ExperimentError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(read::topology(
            self.sys,
            &self.spec.pool,
            self.setup.zfs.userland.as_ref(),
            now,
        )?)
    }

    /// The fill level, as fills count it: the pool's USED over USED + AVAIL.
    fn level(&self) -> Result<f64, ExperimentError> {
        let room = fill::target::pool_capacity(self.sys, &self.spec.pool)?;
        #[expect(clippy::cast_precision_loss, reason = "a percentage")]
        let level = room.used as f64 * 100.0 / room.size.max(1) as f64;
        Ok((level * 100.0).round() / 100.0)
    }

    fn pool_record(&self, step: usize) -> Result<PoolRecord, ExperimentError> {
        let pool = &self.spec.pool;
        let list = CommandLine::new("zpool")
            .args([
                "list",
                "-Hp",
                "-o",
                "name,size,alloc,free,cap,frag,health,guid",
            ])
            .arg(pool);
        let o = self.sys.run(&list)?;
        let usage = output::pool_usage(&o.stdout)
            .map_err(|e| CommandError::unparsable(&list, &o.stdout, e))?;
        let iostat = CommandLine::new("zpool").args(["iostat", "-vHp"]).arg(pool);
        let o = self.sys.run(&iostat)?;
        let vdevs = output::vdev_io(&o.stdout)
            .map_err(|e| CommandError::unparsable(&iostat, &o.stdout, e))?;
        Ok(PoolRecord {
            step,
            level: self.level()?,
            usage,
            vdevs,
        })
    }

    fn run(
        &self,
        cmd: &CommandLine,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<String, ExperimentError> {
        emit(&Event::Command(cmd.to_string()));
        Ok(self.sys.run(cmd)?.stdout)
    }

    fn step(
        &mut self,
        index: usize,
        step: &ExperimentStep,
        kept: &mut Kept,
        kept_at: &Path,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<Vec<Record>, ExperimentError> {
        match step {
            ExperimentStep::Fill(until) => {
                self.at = Some(until.to_string());
                self.fill(index, *until, emit).map(|r| vec![r])
            }
            ExperimentStep::Workloads(list) => {
                let dir = self.fio_dir(kept, kept_at)?;
                let mut records = Vec::new();
                let shape = Shape {
                    size: self.spec.workload_size,
                    runtime: self.spec.runtime,
                    jobs: self.spec.jobs,
                };
                for w in list {
                    if self.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let cmd = fio::workload(*w, &dir, shape);
                    records.extend(self.fio(index, &cmd, None, emit)?);
                }
                self.clean_fio_dir(kept, kept_at, emit)?;
                Ok(records)
            }
            ExperimentStep::Fio { job, path } => {
                let dir = self.fio_dir(kept, kept_at)?;
                let text = self.sys.read_to_string(path)?;
                let forbidden = forbidden_fio_options(&text);
                if !forbidden.is_empty() {
                    return Err(ExperimentError::JobFile {
                        path: path.clone(),
                        options: forbidden.join(", "),
                    });
                }
                let wrapped = wrapped_path(self.setup.state_dir, &self.spec.name);
                self.sys
                    .write_atomic(&wrapped, fio::wrapped_job(&text, &dir).as_bytes())?;
                let prefix = job.display().to_string();
                let records = self.fio(index, &fio::job_file(&wrapped), Some(&prefix), emit);
                self.sys.remove_file(&wrapped)?;
                self.clean_fio_dir(kept, kept_at, emit)?;
                records
            }
            ExperimentStep::Fail { device, how } => self.fail(index, device, *how, emit),
            ExperimentStep::Rebuild { device, onto } => self.rebuild(index, device, *onto, emit),
            ExperimentStep::Scrub => {
                let level = self.level()?;
                let start = Instant::now();
                self.run(
                    &CommandLine::new("zpool").arg("scrub").arg(&self.spec.pool),
                    emit,
                )?;
                self.wait(emit)?;
                Ok(vec![Record::Scrub(ScrubRecord {
                    step: index,
                    level,
                    seconds: secs(start.elapsed()),
                })])
            }
        }
    }

    fn fill(
        &self,
        index: usize,
        until: FillTarget,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<Record, ExperimentError> {
        let mut spec = self.spec.fill.clone();
        spec.until = until;
        let how = fill::run::How::here(self.setup.charge_per_file, false, self.setup.zfs);
        let start = Instant::now();
        let summary = fill::run::run_until(
            &spec,
            &how,
            self.setup.state_dir,
            self.sys,
            self.stop,
            &mut |e| emit(&Event::Fill(e.clone())),
        )?;
        Ok(Record::Fill(FillRecord {
            step: index,
            until: until.to_string(),
            level: self.level()?,
            files: summary.files,
            seconds: secs(start.elapsed()),
        }))
    }

    /// Runs fio and turns each of its jobs into a record.
    fn fio(
        &self,
        index: usize,
        cmd: &CommandLine,
        job_file: Option<&str>,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<Vec<Record>, ExperimentError> {
        let level = self.level()?;
        let start = Instant::now();
        let stdout = self.run(cmd, emit)?;
        let seconds = secs(start.elapsed());
        let jobs = fio::parse(&stdout)?;
        Ok(jobs
            .into_iter()
            .map(|j| {
                let name = match job_file {
                    Some(file) => format!("{file}:{}", j.name),
                    None => j.name,
                };
                let rate = |io: Option<fio::Io>, what: &str| {
                    io.map(|io| {
                        format!(
                            "{what} {}, {} IOPS, p99 {} µs",
                            units::mb_s(io.mb_s()),
                            units::decimal(io.iops, 0),
                            units::decimal(io.lat_p99_us, 0)
                        )
                    })
                };
                let said: Vec<String> = [rate(j.read, "read"), rate(j.write, "write")]
                    .into_iter()
                    .flatten()
                    .collect();
                emit(&Event::Note(format!(
                    "    {name} at {level:.1}%: {}",
                    said.join("; ")
                )));
                Record::Workload(WorkloadRecord {
                    step: index,
                    name,
                    level,
                    at: self.at.clone(),
                    degraded: self.failed.is_some(),
                    seconds,
                    read: j.read,
                    write: j.write,
                })
            })
            .collect())
    }

    /// The directory workloads write in, made by this experiment (its
    /// identity kept, so that only it is ever emptied).
    fn fio_dir(&self, kept: &mut Kept, kept_at: &Path) -> Result<PathBuf, ExperimentError> {
        let mount = fill::run::dataset_mount(self.sys, &self.spec.dataset)?;
        if !mount.mounted {
            return Err(FillError::NotMounted {
                dataset: self.spec.dataset.clone(),
            }
            .into());
        }
        let dir = mount
            .mountpoint
            .join(format!(".zlab-fio-{}", self.spec.name));
        if let Some((path, id)) = &kept.fio_dir
            && *path == dir
            && self.sys.stat(&dir)?.is_some_and(|s| id.is(&s))
        {
            return Ok(dir);
        }
        std::fs::create_dir(&dir).map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                ExperimentError::Foreign { path: dir.clone() }
            } else {
                ExperimentError::Io {
                    action: "create",
                    path: dir.clone(),
                    source,
                }
            }
        })?;
        let stat = self.sys.stat(&dir)?.ok_or_else(|| ExperimentError::Io {
            action: "stat",
            path: dir.clone(),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        kept.fio_dir = Some((dir.clone(), FileId::of(&stat)));
        kept.save(self.sys, kept_at)?;
        Ok(dir)
    }

    /// Removes the workload files from the directory this experiment made,
    /// then the directory; anything else found in it stays, and so does it.
    fn clean_fio_dir(
        &self,
        kept: &mut Kept,
        kept_at: &Path,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<(), ExperimentError> {
        let Some((dir, id)) = kept.fio_dir.clone() else {
            return Ok(());
        };
        if self.sys.stat(&dir)?.is_some_and(|s| id.is(&s)) {
            let entries = std::fs::read_dir(&dir).map_err(|source| ExperimentError::Io {
                action: "list",
                path: dir.clone(),
                source,
            })?;
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name();
                if name.to_string_lossy().starts_with(fio::FILE_PREFIX)
                    && entry.file_type().is_ok_and(|t| t.is_file())
                {
                    self.sys.remove_file(&entry.path())?;
                }
            }
            if let Err(e) = std::fs::remove_dir(&dir) {
                emit(&Event::Note(format!(
                    "{} stays: {e} (files zlab did not write are in it)",
                    dir.display()
                )));
            }
        }
        kept.fio_dir = None;
        kept.save(self.sys, kept_at)
    }

    /// The leaf of the pool that is `device`, and the index of its top-level vdev.
    fn leaf(&self, t: &Topology, device: &Device) -> Result<(String, usize), ExperimentError> {
        let path =
            device
                .path
                .resolve(self.setup.bind)
                .ok_or_else(|| ExperimentError::Unbound {
                    label: device.label.clone(),
                })?;
        let wanted = path.to_string_lossy().into_owned();
        // A whole disk ZFS partitioned shows as its first partition.
        let is_it = |v: &Vdev| {
            v.path.as_deref().is_some_and(|p| {
                p == wanted
                    || p.strip_prefix(&wanted)
                        .is_some_and(|rest| rest.trim_start_matches('p').parse::<u32>().is_ok())
            })
        };
        t.data
            .iter()
            .enumerate()
            .find_map(|(i, top)| {
                top.walk()
                    .find(|v| v.kind == VdevType::Leaf && is_it(v))
                    .map(|v| (v.path.clone().unwrap_or_else(|| v.name.clone()), i))
            })
            .ok_or_else(|| ExperimentError::NotInPool {
                label: device.label.clone(),
                path,
                pool: self.spec.pool.clone(),
            })
    }

    fn fail(
        &mut self,
        index: usize,
        device: &Device,
        how: FailHow,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<Vec<Record>, ExperimentError> {
        let t = self.topology()?;
        let (leaf, _) = self.leaf(&t, device)?;
        let mut cmd = CommandLine::new("zpool").arg("offline");
        if how == FailHow::Fault {
            cmd = cmd.arg("-f");
        }
        self.run(&cmd.arg(&self.spec.pool).arg(&leaf), emit)?;
        self.failed = Some(how);
        Ok(vec![Record::Fail(FailRecord {
            step: index,
            device: device.label.clone(),
            path: leaf,
            how,
        })])
    }

    /// `zpool replace` onto a spare, timed to the end of the rebuild (and of
    /// the scrub a sequential rebuild starts); then the drive comes back
    /// (`zpool online`, or `zpool clear` for a fault), the spare is returned,
    /// and the pool must be ONLINE.
    fn rebuild(
        &mut self,
        index: usize,
        device: &Device,
        onto: Onto,
        emit: &mut dyn FnMut(&Event),
    ) -> Result<Vec<Record>, ExperimentError> {
        let pool = self.spec.pool.clone();
        let t = self.topology()?;
        let (leaf, top) = self.leaf(&t, device)?;
        let spare = t
            .spares
            .iter()
            .find(|s| {
                s.state == State::Avail
                    && match onto {
                        Onto::DistributedSpare => {
                            s.kind == VdevType::DistributedSpare && dspare_top(&s.name) == Some(top)
                        }
                        Onto::HotSpare => s.kind == VdevType::Leaf,
                    }
            })
            .map(|s| s.path.clone().unwrap_or_else(|| s.name.clone()))
            .ok_or_else(|| ExperimentError::NoSpare {
                pool: pool.clone(),
                onto,
                label: device.label.clone(),
            })?;
        let level = self.level()?;
        let mut replace = CommandLine::new("zpool").arg("replace");
        if onto == Onto::DistributedSpare {
            // Sequential: dRAID's fast rebuild (a plain replace resilvers).
            replace = replace.arg("-s");
        }
        let start = Instant::now();
        self.run(&replace.arg(&pool).arg(&leaf).arg(&spare), emit)?;
        let waited = self.wait(emit)?;
        let seconds = secs(waited.rebuilt.unwrap_or(waited.end) - start);
        let verify_seconds = match (onto, waited.rebuilt) {
            (Onto::DistributedSpare, Some(rebuilt)) if waited.scrubbed => {
                Some(secs(waited.end - rebuilt))
            }
            _ => None,
        };
        let back = Instant::now();
        let how = self.failed.unwrap_or(FailHow::Offline);
        let verb = match how {
            FailHow::Offline => "online",
            FailHow::Fault => "clear",
        };
        self.run(
            &CommandLine::new("zpool").arg(verb).arg(&pool).arg(&leaf),
            emit,
        )?;
        self.wait(emit)?;
        let t = self.topology()?;
        if t.spares.iter().any(|s| {
            s.state == State::Inuse && s.path.clone().unwrap_or_else(|| s.name.clone()) == spare
        }) {
            self.run(
                &CommandLine::new("zpool")
                    .arg("detach")
                    .arg(&pool)
                    .arg(&spare),
                emit,
            )?;
        }
        let t = self.topology()?;
        if t.state != State::Online {
            return Err(ExperimentError::NotBack {
                pool,
                state: t.state.to_string(),
                label: device.label.clone(),
            });
        }
        self.failed = None;
        Ok(vec![Record::Rebuild(RebuildRecord {
            step: index,
            device: device.label.clone(),
            spare,
            kind: match onto {
                Onto::DistributedSpare => "rebuild",
                Onto::HotSpare => "resilver",
            }
            .to_owned(),
            level,
            seconds,
            verify_seconds,
            restore_seconds: secs(back.elapsed()),
        })])
    }

    /// Reads the pool's scans until none runs, showing each as it goes. A
    /// scrub that a sequential rebuild starts when it ends follows at once,
    /// and is waited for too.
    fn wait(&self, emit: &mut dyn FnMut(&Event)) -> Result<Waited, ExperimentError> {
        let mut rebuilt = None;
        let mut scrubbed = false;
        let mut rebuilding = false;
        let mut last: Vec<Scan> = Vec::new();
        let mut quiet_polls = 0;
        loop {
            let t = self.topology()?;
            let running: Vec<Scan> = t.scans.into_iter().filter(Scan::is_running).collect();
            let rebuild_now = running
                .iter()
                .any(|s| matches!(s.kind, ScanKind::Rebuild { .. } | ScanKind::Resilver));
            if rebuilding && !rebuild_now && rebuilt.is_none() {
                rebuilt = Some(Instant::now());
            }
            rebuilding |= rebuild_now;
            scrubbed |= running.iter().any(|s| s.kind == ScanKind::Scrub);
            for s in &running {
                emit(&Event::Scan {
                    pool: self.spec.pool.clone(),
                    scan: s.clone(),
                });
            }
            if running.is_empty() {
                // A sequential rebuild's scrub starts a moment after it ends.
                let rebuild_was_sequential = last
                    .iter()
                    .any(|s| matches!(s.kind, ScanKind::Rebuild { .. }));
                if rebuild_was_sequential && !scrubbed && quiet_polls < 3 {
                    quiet_polls += 1;
                } else {
                    for mut s in last {
                        s.state = ScanState::Finished;
                        s.percent = Some(100.0);
                        s.eta = None;
                        emit(&Event::Scan {
                            pool: self.spec.pool.clone(),
                            scan: s,
                        });
                    }
                    let end = Instant::now();
                    return Ok(Waited {
                        rebuilt: rebuilt.or(rebuilding.then_some(end)),
                        scrubbed,
                        end,
                    });
                }
            } else {
                last = running;
            }
            if self.stop.load(Ordering::Relaxed) {
                return Err(ExperimentError::Interrupted {
                    step: 0,
                    total: self.spec.steps.len(),
                });
            }
            std::thread::sleep(self.setup.poll);
        }
    }
}

/// When a wait's scans ended.
struct Waited {
    /// When no rebuild or resilver ran any more (if one was seen).
    rebuilt: Option<Instant>,
    /// Whether a scrub ran.
    scrubbed: bool,
    end: Instant,
}

/// The top-level vdev a distributed spare belongs to: `draid2-1-0` → 1.
fn dspare_top(name: &str) -> Option<usize> {
    let mut parts = name.strip_prefix("draid")?.split('-');
    parts.next()?;
    parts.next()?.parse().ok()
}

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::system::fake::FakeSystem;

    #[test]
    fn a_pool_of_the_labs_name_but_not_its_guid_is_left_alone() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/rig-draid-rebuild.yaml");
        let lab = crate::load_lab(&file, &crate::HostFacts::unknown()).expect("valid");
        let state = tempfile::tempdir().expect("state");
        // A killed run's saved property: not even that is put back.
        let kept = Kept {
            saved: Some(Vec::new()),
            fio_dir: None,
        };
        let sys = FakeSystem::new();
        kept.save(&sys, &kept_path(state.path(), "rebuild"))
            .expect("kept");
        sys.expect("zpool get -Hp -o value guid xdraid", "999\n");
        let setup = Setup {
            lab: &lab.name,
            state_dir: state.path(),
            layout: Vec::new(),
            bind: &|_| None,
            zfs: &Installed::default(),
            pool_guid: Some(PoolGuid(1)),
            charge_per_file: None,
            poll: Duration::from_millis(1),
        };
        let err = run_until(
            &lab.experiments[0],
            &setup,
            &sys,
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect_err("not ours");
        assert!(matches!(err, ExperimentError::NotOurs { .. }), "{err}");
        assert!(err.to_string().contains("this one has guid 999"), "{err}");
        // Only the GUID was read (the fake fails on any other command), and
        // the saved values wait for the lab's own pool.
        assert!(sys.exists(&kept_path(state.path(), "rebuild")));
    }

    #[test]
    fn a_distributed_spare_names_its_top_level_vdev() {
        assert_eq!(dspare_top("draid2-0-0"), Some(0));
        assert_eq!(dspare_top("draid1-3-1"), Some(3));
        assert_eq!(dspare_top("/dev/loop5"), None);
    }
}
