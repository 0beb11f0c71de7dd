//! The rig VM: a state directory, the qemu command line, booting it and
//! powering it off. `rig up` detaches qemu (`-daemonize`: the VM outlives the
//! command that started it); `rig run` keeps it attached as a child in its own
//! process group, so Ctrl-C ends the VM with the command.
//!
//! State directory layout (also shared with the guest, at the same path):
//! `qemu.pid`, `console.log` (first serial port), `shell.sock` (second serial
//! port), `vm.json`, `ctl/` (the command protocol, see `control`),
//! `disks/disk<N>.raw` (sparse), `bin/zlab` (a copy of this zlab).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::RigError;
use super::event::RigEvent;
use super::guest::Guest;
use crate::scenario::size::Size;
use crate::system::System;
use crate::system::command::CommandLine;

/// What to boot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct VmConfig {
    pub disks: u32,
    pub disk_size: u64,
    pub mem_mib: u32,
    pub cpus: u32,
    /// Shared with the guest at the same path.
    pub share: PathBuf,
    pub kvm: bool,
}

/// Boot stages, in order, as the progress display shows them.
pub(crate) const STAGES: [&str; 5] = [
    "starting qemu",
    "booting the kernel",
    "loading ZFS",
    "mounting the shares",
    "ready",
];

/// A VM's state directory.
#[derive(Debug, Clone)]
pub(crate) struct VmDir {
    pub root: PathBuf,
}

impl VmDir {
    pub(crate) fn new(root: PathBuf) -> VmDir {
        VmDir { root }
    }
    pub(crate) fn ctl(&self) -> PathBuf {
        self.root.join("ctl")
    }
    pub(crate) fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
    pub(crate) fn socket(&self) -> PathBuf {
        self.root.join("shell.sock")
    }
    pub(crate) fn console(&self) -> PathBuf {
        self.root.join("console.log")
    }
    fn pidfile(&self) -> PathBuf {
        self.root.join("qemu.pid")
    }
    fn info(&self) -> PathBuf {
        self.root.join("vm.json")
    }
    fn disk(&self, n: u32) -> PathBuf {
        self.root.join(format!("disks/disk{n}.raw"))
    }

    /// Whether qemu was ever started here: it opens the console log after
    /// writing its pid file, and removes only the pid file when it ends.
    pub(crate) fn was_started(&self) -> bool {
        self.console().exists()
    }

    /// The pid of this directory's qemu, if it runs: the pid file names a live
    /// process whose command line names the pid file (never a stranger).
    pub(crate) fn running_pid(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.pidfile())
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let needle = self.pidfile().into_os_string().into_encoded_bytes();
        cmdline
            .windows(needle.len())
            .any(|w| w == needle.as_slice())
            .then_some(pid)
    }

    /// The configuration the running VM was booted with.
    pub(crate) fn config(&self) -> Result<VmConfig, RigError> {
        let path = self.info();
        let text = std::fs::read_to_string(&path).map_err(RigError::io("read", &path))?;
        serde_json::from_str(&text).map_err(|e| RigError::Io {
            action: "parse",
            path,
            source: e.into(),
        })
    }
}

/// Refuses directories the guest cannot take at the same path: its own system
/// directories, and paths the kernel command line or qemu's option syntax
/// would split.
pub(crate) fn check_path(path: &Path) -> Result<(), RigError> {
    let bad = |why| {
        Err(RigError::BadShare {
            path: path.to_path_buf(),
            why,
        })
    };
    let text = path.to_string_lossy();
    if text.chars().any(|c| c.is_whitespace() || c == ',') {
        return bad(
            "the path contains a space or a comma; choose another with --share or ZLAB_RIG_CACHE",
        );
    }
    let system = [
        "/proc", "/sys", "/dev", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/run",
    ];
    if path == Path::new("/") || system.iter().any(|s| path.starts_with(s)) {
        return bad(
            "it would hide the guest's own system directories; share a directory of your own with --share",
        );
    }
    Ok(())
}

/// Whether the VM outlives the command that boots it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifetime {
    /// `rig up`: qemu daemonizes.
    Detached,
    /// `rig run`: qemu is this process's child.
    Attached,
}

/// A qemu that is this process's child; dropping it reaps it.
pub(crate) struct Attached(duct::Handle);

impl Drop for Attached {
    /// Kills qemu if it still runs (an error path) and reaps it.
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The qemu command line: TCG (or KVM), no network, no display, a pid file
/// (how later commands find the VM); `-daemonize` when detached.
pub(crate) fn qemu_command(
    cfg: &VmConfig,
    guest: &Guest,
    dir: &VmDir,
    lifetime: Lifetime,
) -> CommandLine {
    let p = |path: &Path| path.to_string_lossy().into_owned();
    let (accel, cpu) = if cfg.kvm {
        ("kvm", "host")
    } else {
        ("tcg", "max")
    };
    let mut cmd = CommandLine::new("qemu-system-x86_64")
        .args(["-accel", accel, "-cpu", cpu])
        .args(["-m".to_owned(), cfg.mem_mib.to_string()])
        .args(["-smp".to_owned(), cfg.cpus.to_string()])
        .args(["-kernel".to_owned(), p(&guest.kernel)])
        .args(["-initrd".to_owned(), p(&guest.initrd)])
        // no_timer_check: on a loaded host TCG is too slow for the kernel's
        // IO-APIC timer check, which then panics ("IO-APIC + timer doesn't work").
        .arg("-append")
        .arg(format!(
            "console=ttyS0 quiet panic=-1 no_timer_check zlab.share={} zlab.state={}",
            p(&cfg.share),
            p(&dir.root)
        ))
        .args([
            "-display",
            "none",
            "-no-reboot",
            "-nic",
            "none",
            "-monitor",
            "none",
        ])
        .arg("-serial")
        .arg(format!("file:{}", p(&dir.console())))
        .arg("-chardev")
        .arg(format!(
            "socket,id=shell,path={},server=on,wait=off",
            p(&dir.socket())
        ))
        .args(["-serial", "chardev:shell"])
        .arg("-virtfs")
        .arg(format!(
            "local,path={},mount_tag=rig,security_model=none,id=rig",
            p(&cfg.share)
        ))
        .arg("-virtfs")
        .arg(format!(
            "local,path={},mount_tag=state,security_model=none,id=state",
            p(&dir.root)
        ));
    for n in 0..cfg.disks {
        // The serial belongs to the device, not the drive, in current qemu.
        cmd = cmd
            .arg("-drive")
            .arg(format!(
                "file={},format=raw,if=none,id=disk{n},cache=unsafe",
                p(&dir.disk(n))
            ))
            .arg("-device")
            .arg(format!("virtio-blk-pci,drive=disk{n},serial=zlab-disk{n}"));
    }
    if lifetime == Lifetime::Detached {
        cmd = cmd.arg("-daemonize");
    }
    cmd.arg("-pidfile").arg(p(&dir.pidfile()))
}

/// How far the console says the boot got: an index into [`STAGES`] from
/// `booting the kernel` on (`ready` is the control directory's `ready` file).
pub(crate) fn boot_stage(console: &str) -> usize {
    if console.contains("RIG-STAGE=share") {
        3
    } else if console.contains("RIG-STAGE=zfs") {
        2
    } else {
        1
    }
}

/// Creates the state directory (refusing one that exists), the sparse disks
/// and a copy of `zlab_exe`, starts qemu and waits until the guest serves
/// commands. On failure the VM is stopped and the directory removed. An
/// attached qemu comes back as a handle.
pub(crate) fn boot(
    dir: &VmDir,
    cfg: &VmConfig,
    guest: &Guest,
    zlab_exe: &Path,
    lifetime: Lifetime,
    sys: &dyn System,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<Option<Attached>, RigError> {
    check_path(&dir.root)?;
    check_path(&cfg.share)?;
    if let Some(parent) = dir.root.parent() {
        std::fs::create_dir_all(parent).map_err(RigError::io("create", parent))?;
    }
    // create_dir, not create_dir_all: two `rig up` at once cannot both win.
    std::fs::create_dir(&dir.root).map_err(RigError::io("create", &dir.root))?;
    let machine = Machine {
        dir,
        cfg,
        guest,
        zlab_exe,
        lifetime,
    };
    let result = start(machine, sys, emit);
    if result.is_err() {
        // Best effort: the boot error is the one to report.
        let _ = power_off(dir, sys, &mut |_| {});
    }
    result
}

/// What `start` builds a VM from.
#[derive(Clone, Copy)]
struct Machine<'a> {
    dir: &'a VmDir,
    cfg: &'a VmConfig,
    guest: &'a Guest,
    zlab_exe: &'a Path,
    lifetime: Lifetime,
}

/// `boot` once its directory exists: the disks, the copy of zlab, qemu.
fn start(
    machine: Machine<'_>,
    sys: &dyn System,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<Option<Attached>, RigError> {
    let Machine {
        dir,
        cfg,
        guest,
        zlab_exe,
        lifetime,
    } = machine;
    let started = Instant::now();
    let total = STAGES.len();
    emit(&RigEvent::BootStage {
        index: 1,
        total,
        stage: STAGES[0],
    });
    for sub in [dir.ctl(), dir.bin(), dir.root.join("disks")] {
        std::fs::create_dir(&sub).map_err(RigError::io("create", &sub))?;
    }
    for n in 0..cfg.disks {
        let path = dir.disk(n);
        std::fs::File::create(&path)
            .and_then(|f| f.set_len(cfg.disk_size))
            .map_err(RigError::io("create the virtual disk", &path))?;
    }
    let copy = dir.bin().join("zlab");
    std::fs::copy(zlab_exe, &copy).map_err(RigError::io("copy zlab to", &copy))?;
    let info = serde_json::to_string_pretty(cfg).unwrap_or_default();
    std::fs::write(dir.info(), info).map_err(RigError::io("write", dir.info()))?;

    let qemu = qemu_command(cfg, guest, dir, lifetime);
    let attached = match lifetime {
        Lifetime::Detached => {
            sys.run(&qemu).map_err(RigError::Qemu)?;
            None
        }
        Lifetime::Attached => {
            let (program, args) = qemu.literal().unwrap_or_default();
            let log = dir.root.join("qemu.log");
            let handle = duct::cmd(program, args)
                .stdin_null()
                .stdout_null()
                .stderr_path(&log)
                .unchecked()
                .start()
                .map_err(RigError::io("start qemu, logging to", &log))?;
            Some(Attached(handle))
        }
    };
    let mut reached = 1;
    loop {
        let console = std::fs::read_to_string(dir.console()).unwrap_or_default();
        let stage = if dir.ctl().join("ready").exists() {
            STAGES.len()
        } else {
            boot_stage(&console) + 1
        };
        while reached < stage {
            reached += 1;
            emit(&RigEvent::BootStage {
                index: reached,
                total,
                stage: STAGES[reached - 1],
            });
        }
        if reached == total {
            emit(&RigEvent::Booted {
                elapsed: started.elapsed(),
            });
            return Ok(attached);
        }
        let failed = |why: &str| RigError::Boot {
            why: why.to_owned(),
            log: dir.console(),
            console: last_lines(&console, 20),
        };
        if console.contains("RIG-EXIT=") {
            return Err(failed("the guest's init gave up"));
        }
        let qemu_gone = match &attached {
            Some(Attached(handle)) => handle.try_wait().ok().flatten().is_some(),
            // No pid file yet means qemu has not daemonized yet: run() waits for that.
            None => dir.running_pid().is_none(),
        };
        if qemu_gone {
            let log = std::fs::read_to_string(dir.root.join("qemu.log")).unwrap_or_default();
            return Err(failed(&format!("qemu exited {}", log.trim())));
        }
        if started.elapsed() > boot_timeout() {
            return Err(failed(
                "it did not become ready in time (ZLAB_RIG_BOOT_TIMEOUT)",
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn boot_timeout() -> Duration {
    let secs = std::env::var("ZLAB_RIG_BOOT_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Asks the guest to power off (it syncs first), falls back to `kill -TERM`
/// and `kill -KILL`, then deletes the state directory and its disks.
pub(crate) fn power_off(
    dir: &VmDir,
    sys: &dyn System,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<(), RigError> {
    if let Some(pid) = dir.running_pid() {
        let request = dir.ctl().join("poweroff");
        let asked = std::fs::write(&request, "").is_ok();
        if asked && gone_within(dir, Duration::from_secs(60)) {
            emit(&RigEvent::Note(format!(
                "rig: the guest powered off (qemu pid {pid})"
            )));
        } else {
            for signal in ["-TERM", "-KILL"] {
                emit(&RigEvent::Note(format!("rig: kill {signal} {pid} (qemu)")));
                let kill = CommandLine::new("kill").arg(signal).arg(pid.to_string());
                if let Err(source) = sys.run(&kill)
                    && dir.running_pid().is_some()
                {
                    return Err(RigError::Stop { pid, source });
                }
                if gone_within(dir, Duration::from_secs(10)) {
                    break;
                }
            }
        }
    }
    if dir.root.exists() {
        std::fs::remove_dir_all(&dir.root).map_err(RigError::io("remove", &dir.root))?;
    }
    Ok(())
}

fn gone_within(dir: &VmDir, limit: Duration) -> bool {
    let start = Instant::now();
    while dir.running_pid().is_some() {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

impl VmConfig {
    pub(crate) fn disk_size(&self) -> Size {
        Size::from_bytes(self.disk_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> VmConfig {
        VmConfig {
            disks: 2,
            disk_size: 1 << 30,
            mem_mib: 4096,
            cpus: 2,
            share: "/work/lab".into(),
            kvm: false,
        }
    }

    fn guest() -> Guest {
        Guest {
            kernel: "/c/g/vmlinuz".into(),
            initrd: "/c/g/initramfs.cpio.lz4".into(),
        }
    }

    #[test]
    fn qemu_gets_the_shares_disks_serial_ports_and_a_pid_file() {
        let dir = VmDir::new("/c/vm".into());
        let cmd = qemu_command(&config(), &guest(), &dir, Lifetime::Detached);
        assert_eq!(
            cmd.to_string(),
            "qemu-system-x86_64 -accel tcg -cpu max -m 4096 -smp 2 \
             -kernel /c/g/vmlinuz -initrd /c/g/initramfs.cpio.lz4 \
             -append 'console=ttyS0 quiet panic=-1 no_timer_check zlab.share=/work/lab zlab.state=/c/vm' \
             -display none -no-reboot -nic none -monitor none \
             -serial file:/c/vm/console.log \
             -chardev socket,id=shell,path=/c/vm/shell.sock,server=on,wait=off \
             -serial chardev:shell \
             -virtfs local,path=/work/lab,mount_tag=rig,security_model=none,id=rig \
             -virtfs local,path=/c/vm,mount_tag=state,security_model=none,id=state \
             -drive file=/c/vm/disks/disk0.raw,format=raw,if=none,id=disk0,cache=unsafe \
             -device virtio-blk-pci,drive=disk0,serial=zlab-disk0 \
             -drive file=/c/vm/disks/disk1.raw,format=raw,if=none,id=disk1,cache=unsafe \
             -device virtio-blk-pci,drive=disk1,serial=zlab-disk1 \
             -daemonize -pidfile /c/vm/qemu.pid"
        );
        let attached = qemu_command(&config(), &guest(), &dir, Lifetime::Attached).to_string();
        assert!(
            attached.ends_with("serial=zlab-disk1 -pidfile /c/vm/qemu.pid"),
            "{attached}"
        );
    }

    #[test]
    fn kvm_uses_the_host_cpu() {
        let cfg = VmConfig {
            kvm: true,
            ..config()
        };
        let cmd = qemu_command(
            &cfg,
            &guest(),
            &VmDir::new("/c/vm".into()),
            Lifetime::Detached,
        )
        .to_string();
        assert!(
            cmd.starts_with("qemu-system-x86_64 -accel kvm -cpu host "),
            "{cmd}"
        );
    }

    #[test]
    fn the_console_tells_how_far_the_boot_got() {
        assert_eq!(STAGES[boot_stage("")], "booting the kernel");
        assert_eq!(boot_stage("[0.1] x\nRIG-STAGE=zfs\n"), 2);
        assert_eq!(boot_stage("RIG-STAGE=zfs\nRIG-STAGE=share\n"), 3);
    }

    #[test]
    fn system_directories_and_odd_paths_are_not_shared() {
        for bad in ["/", "/usr/src", "/proc", "/home/me/my lab", "/a,b"] {
            assert!(check_path(Path::new(bad)).is_err(), "{bad}");
        }
        for good in ["/work/lab", "/root", "/tmp/x", "/home/me/lab"] {
            assert!(check_path(Path::new(good)).is_ok(), "{good}");
        }
    }

    #[test]
    fn a_directory_without_a_live_qemu_is_not_running() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = VmDir::new(tmp.path().to_path_buf());
        assert_eq!(dir.running_pid(), None);
        // Our own pid is alive but is not this directory's qemu.
        std::fs::write(tmp.path().join("qemu.pid"), std::process::id().to_string()).expect("pid");
        assert_eq!(dir.running_pid(), None);
    }
}
