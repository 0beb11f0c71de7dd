//! `zlab rig shell`: a real interactive bash on the guest's second serial
//! port (a tty, so job control, Ctrl-C and line editing work), which qemu
//! exposes as the unix socket `shell.sock`. This side connects, asks the guest
//! (through the control directory) to start bash there with this terminal's
//! size, puts the terminal in raw mode, and copies bytes both ways until the
//! guest reports that bash has exited.

use std::io::{ErrorKind, IsTerminal, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::control::Job;
use super::error::RigError;
use super::vm::VmDir;

/// End of transmission: what a terminal sends for Ctrl-D.
const EOT: u8 = 4;

/// Runs the shell; returns bash's exit status (`None` if the guest stopped).
pub(crate) fn shell(dir: &VmDir, out: &mut dyn Write) -> Result<Option<i32>, RigError> {
    let socket = dir.socket();
    let stream = UnixStream::connect(&socket).map_err(RigError::io("connect to", &socket))?;
    let tty = std::io::stdin().is_terminal();
    let (rows, cols) = if tty { terminal_size() } else { None }.unwrap_or((24, 80));
    let term = std::env::var("TERM")
        .ok()
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| "dumb".to_owned());
    let job = Job::submit(
        &dir.ctl(),
        "shell-request",
        &format!("{rows} {cols} {term}\n"),
    )?;
    let _raw = if tty { RawMode::enter() } else { None };

    // A serial port drops what arrives before bash opens it: input waits for
    // the guest's first output (the prompt).
    let (prompted, prompt) = std::sync::mpsc::channel::<()>();
    let mut to_guest = stream
        .try_clone()
        .map_err(RigError::io("connect to", &socket))?;
    std::thread::spawn(move || {
        if prompt.recv().is_err() {
            return;
        }
        let mut input = std::io::stdin();
        let mut buf = [0u8; 4096];
        loop {
            match input.read(&mut buf) {
                Ok(0) | Err(_) => {
                    // Input ended (a pipe): end the shell as Ctrl-D would.
                    let _ = to_guest.write_all(&[EOT]);
                    break;
                }
                Ok(n) => {
                    if to_guest.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
    });
    // Guest output is copied here, on the caller's `out`; the read timeout
    // lets the loop notice the end of the shell.
    let mut from_guest = stream;
    from_guest
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(RigError::io("connect to", &socket))?;
    let alive = || dir.running_pid().is_some();
    let mut buf = [0u8; 4096];
    let mut ended_at = None;
    loop {
        match from_guest.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let _ = prompted.send(());
                out.write_all(&buf[..n])
                    .and_then(|()| out.flush())
                    .map_err(RigError::io("write the output of", &socket))?;
                continue;
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(RigError::io("read", &socket)(e)),
        }
        // Quiet for a moment: has bash ended? Its last output may still be
        // on its way, so stop only after one more quiet read.
        if ended_at.is_some() {
            break;
        }
        ended_at = job.status().or_else(|| (!alive()).then_some(-1)).map(Some);
    }
    Ok(ended_at.flatten().filter(|s| *s >= 0))
}

/// `stty size` of the terminal on stdin: rows and columns.
fn terminal_size() -> Option<(u16, u16)> {
    let text = duct::cmd("stty", ["size"]).stdout_capture().read().ok()?;
    let mut words = text.split_whitespace().map(str::parse::<u16>);
    match (words.next(), words.next()) {
        (Some(Ok(rows)), Some(Ok(cols))) if rows > 0 && cols > 0 => Some((rows, cols)),
        _ => None,
    }
}

/// The terminal in raw mode (keys go to the guest as typed, Ctrl-C included);
/// restored on drop, also on error.
struct RawMode {
    saved: String,
}

impl RawMode {
    fn enter() -> Option<RawMode> {
        let saved = duct::cmd("stty", ["-g"]).stdout_capture().read().ok()?;
        duct::cmd("stty", ["raw", "-echo"]).run().ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = duct::cmd("stty", [self.saved.trim()]).run();
    }
}
