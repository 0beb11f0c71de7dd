//! The writers: `streams` threads, each with its own random source, each
//! writing whole files (large sequential writes straight from the source, no
//! copy, no allocation per write) until no index is left or a stop is asked
//! for. They report through a channel to the calling thread, which hands each
//! report to its caller: the engine never formats text and never blocks on a
//! reporter.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime};

use super::data::{PAGE, Source};

/// The largest single write: one 1M record, as `dd bs=1M` and `fio --bs=1M`
/// write. Measured in the rig on OpenZFS, 8 MiB writes were no faster (a
/// little slower), and a syscall per MiB costs nothing next to the copy.
pub(crate) const MAX_WRITE: usize = 1 << 20;

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub dir: PathBuf,
    /// File name with `{n}`.
    pub pattern: String,
    pub file_size: u64,
    /// All streams' sources together.
    pub buffer: u64,
    pub streams: u32,
    pub direct: bool,
    /// Mixed into every stamp, so that two fills never write equal records.
    pub salt: u64,
}

impl Job {
    pub(crate) fn name(&self, index: u64) -> String {
        self.pattern.replace("{n}", &index.to_string())
    }

    /// Each stream's source length and write size: the write size divides the
    /// source, so every write is one contiguous slice of it.
    fn sizes(&self) -> (usize, usize) {
        let streams = u64::from(self.streams.max(1));
        let per_stream = usize::try_from(self.buffer / streams)
            .unwrap_or(usize::MAX)
            .max(PAGE);
        let write = MAX_WRITE.min(prev_power_of_two(per_stream));
        (per_stream / write * write, write)
    }
}

fn prev_power_of_two(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.leading_zeros())
}

/// What the writers report.
#[derive(Debug)]
pub(crate) enum Update {
    /// Bytes written since the last report (for a live byte count).
    Wrote { bytes: u64 },
    Finished {
        index: u64,
        bytes: u64,
        start: SystemTime,
        elapsed: Duration,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} does not take O_DIRECT (`direct: true`): {source}", path.display())]
    Direct {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes the files `indices` yields until it is empty or `stop` is set; a
/// file being written when a stop comes is left partial (and is not
/// reported finished). `report` runs on the calling thread; its error stops
/// the writers too.
pub(crate) fn write_files<E: From<WriteError>>(
    job: &Job,
    indices: impl Iterator<Item = u64> + Send,
    stop: &AtomicBool,
    mut report: impl FnMut(Update) -> Result<(), E>,
) -> Result<(), E> {
    let (source_len, write) = job.sizes();
    let indices = Mutex::new(indices);
    let halt = AtomicBool::new(false);
    let stopped = || stop.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed);
    // Bounded, so writers never run far ahead of the log and a halt is prompt.
    let (tx, rx) = mpsc::sync_channel::<Result<Update, WriteError>>(64);
    std::thread::scope(|scope| {
        for stream in 0..job.streams.max(1) {
            let tx = tx.clone();
            let (indices, stopped) = (&indices, &stopped);
            scope.spawn(move || {
                let mut source = Source::new(source_len, job.salt ^ u64::from(stream));
                loop {
                    if stopped() {
                        return;
                    }
                    let next = indices.lock().map(|mut i| i.next()).unwrap_or(None);
                    let Some(index) = next else { return };
                    let written =
                        write_file(job, index, &mut source, write, stopped, &mut |bytes| {
                            let _ = tx.send(Ok(Update::Wrote { bytes }));
                        });
                    match written {
                        Ok(Some(done)) => {
                            let _ = tx.send(Ok(done));
                        }
                        Ok(None) => return,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            });
        }
        drop(tx);
        let mut result = Ok(());
        for message in rx {
            if result.is_err() {
                continue; // draining while the writers stop
            }
            result = message.map_err(E::from).and_then(&mut report);
            if result.is_err() {
                halt.store(true, Ordering::Relaxed);
            }
        }
        result
    })
}

/// One file, from open to closed; `None` if stopped part-way.
fn write_file(
    job: &Job,
    index: u64,
    source: &mut Source,
    write: usize,
    stopped: &dyn Fn() -> bool,
    wrote: &mut dyn FnMut(u64),
) -> Result<Option<Update>, WriteError> {
    let path = job.dir.join(job.name(index));
    let io = |source| WriteError::Io {
        path: path.clone(),
        source,
    };
    let start = SystemTime::now();
    let started = Instant::now();
    let mut file = open(&path, job.direct)?;
    let mut offset = 0u64;
    while offset < job.file_size {
        if stopped() {
            return Ok(None);
        }
        let len = usize::try_from(job.file_size - offset).map_or(write, |left| left.min(write));
        // O_DIRECT takes whole pages only; a tail goes through the page cache.
        let aligned = len / PAGE * PAGE;
        if job.direct && aligned != len {
            file = OpenOptions::new().append(true).open(&path).map_err(io)?;
        }
        let chunk = source.chunk(index, job.salt, offset, len);
        file.write_all(chunk).map_err(io)?;
        offset += len as u64;
        wrote(len as u64);
    }
    // No fsync: it would idle the device between files (40 % slower on ext4
    // here). A file is whole once written; after a power cut, a resume finds
    // the files that did not reach the disk by their size.
    drop(file);
    Ok(Some(Update::Finished {
        index,
        bytes: job.file_size,
        start,
        elapsed: started.elapsed(),
    }))
}

fn open(path: &Path, direct: bool) -> Result<File, WriteError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if direct {
        options.custom_flags(libc::O_DIRECT);
    }
    options.open(path).map_err(|source| {
        if direct && source.raw_os_error() == Some(libc::EINVAL) {
            WriteError::Direct {
                path: path.to_path_buf(),
                source,
            }
        } else {
            WriteError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(dir: &Path, file_size: u64, streams: u32) -> Job {
        Job {
            dir: dir.to_path_buf(),
            pattern: "f_{n}".into(),
            file_size,
            buffer: 256 << 10,
            streams,
            direct: false,
            salt: 5,
        }
    }

    #[test]
    fn writes_every_index_once_in_whole_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), 300_000, 3);
        let mut finished = Vec::new();
        let mut bytes = 0;
        write_files::<WriteError>(
            &job,
            [0, 1, 2, 3, 5].into_iter(),
            &AtomicBool::new(false),
            |r| {
                match r {
                    Update::Finished { index, .. } => finished.push(index),
                    Update::Wrote { bytes: b } => bytes += b,
                }
                Ok(())
            },
        )
        .expect("fill");
        finished.sort_unstable();
        assert_eq!(finished, vec![0, 1, 2, 3, 5]);
        assert_eq!(bytes, 5 * 300_000);
        for i in [0, 1, 2, 3, 5] {
            let len = std::fs::metadata(dir.path().join(format!("f_{i}")))
                .expect("file")
                .len();
            assert_eq!(len, 300_000);
        }
        assert!(!dir.path().join("f_4").exists());
    }

    #[test]
    fn a_stop_ends_the_writers_between_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), 1 << 20, 2);
        let stop = AtomicBool::new(false);
        let mut finished = 0;
        write_files::<WriteError>(&job, 0..1000, &stop, |r| {
            if let Update::Finished { .. } = r {
                finished += 1;
                if finished == 3 {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            Ok(())
        })
        .expect("stopped cleanly");
        // Only the files under way or queued when the stop came were finished.
        assert!((3..100).contains(&finished), "{finished}");
    }

    #[test]
    fn a_reporter_error_stops_the_fill_and_is_returned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let job = job(dir.path(), 64 << 10, 2);
        let err = write_files(&job, 0..1000, &AtomicBool::new(false), |r| match r {
            Update::Finished { index, .. } => Err(WriteError::Io {
                path: format!("log after {index}").into(),
                source: std::io::ErrorKind::StorageFull.into(),
            }),
            _ => Ok(()),
        })
        .expect_err("fails");
        assert!(err.to_string().contains("log after"), "{err}");
        let left = std::fs::read_dir(dir.path()).expect("dir").count();
        assert!(left < 100, "{left} files: the writers did not stop");
    }

    #[test]
    fn direct_writes_whole_pages_and_the_tail_through_the_cache() {
        // 1 MiB + 1000 bytes: the last write is not whole pages.
        let dir = tempfile::tempdir().expect("tempdir");
        let job = Job {
            direct: true,
            ..job(dir.path(), (1 << 20) + 1000, 1)
        };
        match write_files::<WriteError>(&job, 0..2, &AtomicBool::new(false), |_| Ok(())) {
            Ok(()) => {
                for i in 0..2 {
                    let len = std::fs::metadata(dir.path().join(format!("f_{i}")))
                        .expect("file")
                        .len();
                    assert_eq!(len, (1 << 20) + 1000);
                }
            }
            // A temporary directory on tmpfs takes no O_DIRECT: said plainly.
            Err(e @ WriteError::Direct { .. }) => assert!(e.to_string().contains("O_DIRECT")),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_write_size_divides_each_streams_source() {
        let j = |buffer: u64, streams| Job {
            buffer,
            streams,
            ..job(Path::new("/"), 1, 1)
        };
        assert_eq!(j(32 << 20, 2).sizes(), (16 << 20, MAX_WRITE));
        assert_eq!(j(1 << 20, 2).sizes(), (512 << 10, 512 << 10));
        assert_eq!(j(3 << 20, 2).sizes(), (1 << 20, 1 << 20));
        assert_eq!(j(100 << 20, 3).sizes(), (33 << 20, MAX_WRITE));
    }
}
