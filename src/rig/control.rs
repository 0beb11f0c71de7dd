//! The host's side of the guest's command protocol (the guest's side is
//! `rig/init`'s `serve`): a job is a bash script dropped into the shared
//! control directory as `<job>.cmd` (written elsewhere, then renamed, so the
//! guest never sees half of it). The guest renames it to `<job>.run`, writes
//! `<job>.out` and `<job>.err` as it runs, and `<job>.exit` when it is over;
//! the host streams the output files meanwhile. A shell request
//! (`<job>.shell-request`) starts bash on the second serial port instead.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::RigError;
use crate::system::command::quote;

/// How often the host looks for output and the exit status.
const POLL: Duration = Duration::from_millis(50);

/// The bash script of one job: in `cwd`, with the VM's own zlab first on PATH.
pub(crate) fn script(cwd: &Path, bin: &Path, command: &[String]) -> String {
    let line = command_line(command);
    format!(
        "cd {} || exit 125\nexport PATH={}:\"$PATH\"\n{line}\n",
        quote(&cwd.to_string_lossy()),
        quote(&bin.to_string_lossy())
    )
}

/// The bash command line of `zlab rig exec` words: one word is a command
/// line already; several are one command, quoted.
pub(crate) fn command_line(command: &[String]) -> String {
    match command {
        [one] => one.clone(),
        words => words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" "),
    }
}

/// A job handed to the guest; its files are `<stem>.*`.
#[derive(Debug)]
pub(crate) struct Job {
    stem: PathBuf,
}

impl Job {
    /// Drops `content` into `ctl` as `<job>.<kind>` (`cmd` or `shell-request`).
    pub(crate) fn submit(ctl: &Path, kind: &str, content: &str) -> Result<Job, RigError> {
        let tmp = tempfile::Builder::new()
            .prefix("job-")
            .suffix(".new")
            .tempfile_in(ctl)
            .map_err(RigError::io("create a job in", ctl))?;
        let stem = tmp.path().with_extension("");
        let target = stem.with_extension(kind);
        let mut file = tmp;
        file.write_all(content.as_bytes())
            .map_err(RigError::io("write", file.path().to_path_buf()))?;
        file.persist(&target)
            .map_err(|e| RigError::io("write", target.clone())(e.error))?;
        Ok(Job { stem })
    }

    fn file(&self, ext: &str) -> PathBuf {
        self.stem.with_extension(ext)
    }

    /// The job's exit status, once the guest has written it.
    pub(crate) fn status(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.file("exit")).ok()?;
        Some(text.trim().parse().unwrap_or(-1))
    }

    /// Streams the job's stdout and stderr until it ends; its exit status.
    /// `alive` is asked between polls: a guest that stops is an error, not a hang.
    pub(crate) fn wait(
        &self,
        out: &mut dyn Write,
        err: &mut dyn Write,
        alive: &dyn Fn() -> bool,
    ) -> Result<Option<i32>, RigError> {
        let mut streams = [Stream::new(self.file("out")), Stream::new(self.file("err"))];
        loop {
            // Read the status first: once it exists, the output is complete.
            let status = self.status();
            streams[0].pump(out)?;
            streams[1].pump(err)?;
            if status.is_some() {
                return Ok(status);
            }
            if !alive() {
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Job {
    /// A finished job's files are of no further use.
    fn drop(&mut self) {
        if self.status().is_some() {
            for ext in ["run", "out", "err", "exit", "shell"] {
                let _ = std::fs::remove_file(self.file(ext));
            }
        }
    }
}

/// An output file read as it grows.
struct Stream {
    path: PathBuf,
    file: Option<File>,
}

impl Stream {
    fn new(path: PathBuf) -> Stream {
        Stream { path, file: None }
    }

    /// Copies what was added since the last call.
    fn pump(&mut self, to: &mut dyn Write) -> Result<(), RigError> {
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)
            .map_err(RigError::io("read", &self.path))?;
        if !buf.is_empty() {
            to.write_all(&buf)
                .and_then(|()| to.flush())
                .map_err(RigError::io("copy the output of", &self.path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word_is_a_command_line_and_several_are_quoted() {
        let bin = Path::new("/s/bin");
        assert_eq!(
            script(Path::new("/w"), bin, &["zpool list | wc -l".into()]),
            "cd /w || exit 125\nexport PATH=/s/bin:\"$PATH\"\nzpool list | wc -l\n"
        );
        assert_eq!(
            script(
                Path::new("/my dir"),
                bin,
                &["bash".into(), "-c".into(), "exit 3".into()]
            ),
            "cd '/my dir' || exit 125\nexport PATH=/s/bin:\"$PATH\"\nbash -c 'exit 3'\n"
        );
    }

    /// Plays the guest's part of the protocol for one job, in steps.
    fn guest_runs(ctl: &Path, out: &[&str], status: i32) {
        let cmd = loop {
            let found = std::fs::read_dir(ctl)
                .expect("ctl")
                .map(|e| e.expect("entry").path())
                .find(|p| p.extension().is_some_and(|e| e == "cmd"));
            if let Some(cmd) = found {
                break cmd;
            }
            std::thread::sleep(POLL);
        };
        let run = cmd.with_extension("run");
        std::fs::rename(&cmd, &run).expect("take");
        let mut stdout = File::create(cmd.with_extension("out")).expect("out");
        std::fs::write(cmd.with_extension("err"), "warning\n").expect("err");
        for chunk in out {
            stdout.write_all(chunk.as_bytes()).expect("write");
            std::thread::sleep(POLL * 2);
        }
        std::fs::write(cmd.with_extension("status"), format!("{status}\n")).expect("status");
        std::fs::rename(cmd.with_extension("status"), cmd.with_extension("exit")).expect("exit");
    }

    #[test]
    fn a_job_streams_its_output_and_returns_its_status_then_cleans_up() {
        let ctl = tempfile::tempdir().expect("ctl");
        let job = Job::submit(ctl.path(), "cmd", "echo hi\n").expect("submit");
        let guest_ctl = ctl.path().to_path_buf();
        let guest = std::thread::spawn(move || guest_runs(&guest_ctl, &["one\n", "two\n"], 3));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = job.wait(&mut out, &mut err, &|| true).expect("wait");
        guest.join().expect("guest");
        assert_eq!(status, Some(3));
        assert_eq!(String::from_utf8_lossy(&out), "one\ntwo\n");
        assert_eq!(String::from_utf8_lossy(&err), "warning\n");
        drop(job);
        assert_eq!(std::fs::read_dir(ctl.path()).expect("ctl").count(), 0);
    }

    #[test]
    fn a_guest_that_stops_ends_the_wait() {
        let ctl = tempfile::tempdir().expect("ctl");
        let job = Job::submit(ctl.path(), "cmd", "sleep 1000\n").expect("submit");
        let status = job
            .wait(&mut Vec::new(), &mut Vec::new(), &|| false)
            .expect("wait");
        assert_eq!(status, None);
        assert!(
            job.file("cmd").exists(),
            "an unfinished job is left for inspection"
        );
    }
}
