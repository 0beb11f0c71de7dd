//! `zlab rig …`: glue between the command line, the rig's cache, guest image,
//! VM and command protocol, and the live display of the rig's events.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::load_lab;
use crate::cli::{RigCommand, VmArgs};
use crate::error::Error;
use crate::host::HostFacts;
use crate::progress::rig::RigReporter;
use crate::rig::cache::Cache;
use crate::rig::control::{self, Job};
use crate::rig::error::RigError;
use crate::rig::event::RigEvent;
use crate::rig::guest;
use crate::rig::shell;
use crate::rig::vm::{self, Lifetime, VmConfig, VmDir};
use crate::system::real::RealSystem;

/// Runs one `zlab rig` command; guest output goes to `out` (stdout) and stderr.
pub(crate) fn run(command: RigCommand, out: &mut dyn Write) -> Result<(), Error> {
    let mut reporter = RigReporter::new(std::io::stderr().is_terminal());
    let mut emit = |e: &RigEvent| reporter.event(e);
    let result = match command {
        RigCommand::Up { scenario, vm } => up(scenario.as_deref(), &vm, out, &mut emit),
        RigCommand::Run { scenario, vm } => run_once(&scenario, &vm, out, &mut emit),
        RigCommand::Exec { command } => exec(&command, out),
        RigCommand::Shell => open_shell(out),
        RigCommand::Down => down(out, &mut emit),
    };
    reporter.finish();
    result
}

/// Boots the VM of `zlab rig up`, builds `scenario` in it, leaves it running.
fn up(
    scenario: Option<&Path>,
    args: &VmArgs,
    out: &mut dyn Write,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<(), Error> {
    let cache = Cache::locate()?;
    let dir = VmDir::new(cache.vm_dir());
    if let Some(pid) = dir.running_pid() {
        return Err(RigError::AlreadyUp { pid, dir: dir.root }.into());
    }
    if let Some(file) = scenario {
        load_lab(file, &HostFacts::unknown())?;
    }
    if dir.root.exists() {
        emit(&RigEvent::Note(format!(
            "rig: removing {}, left by a rig that is no longer running",
            dir.root.display()
        )));
        vm::power_off(&dir, &RealSystem, emit)?;
    }
    let (cfg, _) = boot(&cache, &dir, args, Lifetime::Detached, emit)?;
    writeln!(
        out,
        "rig: up: OpenZFS {}, {} virtual disk{} of {} ({}); {} shared",
        args.zfs,
        cfg.disks,
        if cfg.disks == 1 { "" } else { "s" },
        cfg.disk_size(),
        disk_names(cfg.disks),
        cfg.share.display()
    )?;
    if let Some(file) = scenario {
        let file = guest_path(&dir, &cfg.share, file)?;
        for verb in ["up", "status"] {
            let mut command = zlab_words(verb, &file);
            if verb == "up" {
                // The VM's disks are throw-away: no one to ask in the guest.
                command.push("--yes".to_owned());
                if args.no_fill {
                    command.push("--no-fill".to_owned());
                }
            }
            writeln!(out, "== {}", command.join(" "))?;
            let status = in_guest(&dir, &cfg, &command, out)?;
            if status != 0 {
                writeln!(
                    out,
                    "rig: the VM stays up to look into it: `zlab rig shell`, `zlab rig down`"
                )?;
                return Err(guest_exit(&command, status));
            }
        }
    }
    writeln!(
        out,
        "rig: ready: `zlab rig exec CMD`, `zlab rig shell`, `zlab rig down`"
    )?;
    Ok(())
}

/// `zlab rig run`: a VM of its own for one scenario, `up` → `status` →
/// `down` in it, a check that no pool is left, and the VM gone again.
fn run_once(
    scenario: &Path,
    args: &VmArgs,
    out: &mut dyn Write,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<(), Error> {
    let started = Instant::now();
    let lab = load_lab(scenario, &HostFacts::unknown())?;
    let cache = Cache::locate()?;
    let runs = cache.root.join("runs");
    std::fs::create_dir_all(&runs).map_err(RigError::io("create", &runs))?;
    remove_stale_runs(&runs);
    let tmp = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&runs)
        .map_err(RigError::io("create a directory in", &runs))?;
    let dir = VmDir::new(tmp.path().join("vm"));
    let (cfg, qemu) = boot(&cache, &dir, args, Lifetime::Attached, emit)?;
    let result = up_status_down(&dir, &cfg, scenario, args.no_fill, out);
    vm::power_off(&dir, &RealSystem, emit)?;
    drop(qemu);
    result?;
    writeln!(
        out,
        "rig run: {}: lab `{}` built, shown and torn down with OpenZFS {} on {} virtual disk{} in {:.0}s; VM powered off",
        scenario.display(),
        lab.name,
        args.zfs,
        cfg.disks,
        if cfg.disks == 1 { "" } else { "s" },
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

/// Removes what interrupted `rig run`s left (their qemu died with them):
/// directories whose VM was started and no longer runs.
fn remove_stale_runs(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = VmDir::new(entry.path().join("vm"));
        if dir.was_started() && dir.running_pid().is_none() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn up_status_down(
    dir: &VmDir,
    cfg: &VmConfig,
    scenario: &Path,
    no_fill: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let file = guest_path(dir, &cfg.share, scenario)?;
    let zpool_status = vec!["zpool".to_owned(), "status".to_owned(), "-P".to_owned()];
    let mut failed = None;
    // The VM's disks are throw-away: no one to ask in the guest.
    let mut up = zlab_words("up", &file);
    up.push("--yes".to_owned());
    if no_fill {
        up.push("--no-fill".to_owned());
    }
    for command in [
        up,
        zlab_words("status", &file),
        zpool_status,
        zlab_words("down", &file),
    ] {
        // After a failed `up` only the teardown is of interest.
        if failed.is_some() && command[1] != "down" {
            continue;
        }
        writeln!(out, "== {}", command.join(" "))?;
        let status = in_guest(dir, cfg, &command, out)?;
        if status != 0 && failed.is_none() {
            failed = Some(guest_exit(&command, status));
        }
    }
    let mut pools = Vec::new();
    let list = ["zpool list -H -o name".to_owned()];
    in_guest(dir, cfg, &list, &mut pools)?;
    let pools = String::from_utf8_lossy(&pools).trim().replace('\n', " ");
    writeln!(
        out,
        "== left behind in the guest: {}",
        if pools.is_empty() { "no pool" } else { &pools }
    )?;
    if let Some(err) = failed {
        return Err(err);
    }
    if !pools.is_empty() {
        return Err(Error::Rig(RigError::GuestExit {
            command: format!("zlab down {} (pools left: {pools})", file.display()),
            status: 1,
        }));
    }
    Ok(())
}

fn exec(command: &[String], out: &mut dyn Write) -> Result<(), Error> {
    let dir = running()?;
    let cfg = dir.config()?;
    let status = in_guest(&dir, &cfg, command, out)?;
    if status == 0 {
        Ok(())
    } else {
        Err(guest_exit(command, status))
    }
}

fn open_shell(out: &mut dyn Write) -> Result<(), Error> {
    let dir = running()?;
    match shell::shell(&dir, out)? {
        Some(_) => Ok(()),
        None => Err(RigError::GuestGone {
            command: "bash (zlab rig shell)".to_owned(),
        }
        .into()),
    }
}

fn down(out: &mut dyn Write, emit: &mut dyn FnMut(&RigEvent)) -> Result<(), Error> {
    let cache = Cache::locate()?;
    let dir = VmDir::new(cache.vm_dir());
    if !dir.root.exists() {
        writeln!(out, "rig: no rig is up")?;
        return Ok(());
    }
    vm::power_off(&dir, &RealSystem, emit)?;
    writeln!(
        out,
        "rig: down; {} and its virtual disks are deleted",
        dir.root.display()
    )?;
    Ok(())
}

/// Builds (or finds) the guest and boots it in `dir` as `args` say.
fn boot(
    cache: &Cache,
    dir: &VmDir,
    args: &VmArgs,
    lifetime: Lifetime,
    emit: &mut dyn FnMut(&RigEvent),
) -> Result<(VmConfig, Option<vm::Attached>), Error> {
    let here = std::env::current_dir().map_err(RigError::io("read", "the current directory"))?;
    let share = args.share.clone().unwrap_or(here);
    let share = share
        .canonicalize()
        .map_err(RigError::io("find", share.clone()))?;
    let cfg = VmConfig {
        disks: args.disks,
        disk_size: args.disk_size.bytes(),
        mem_mib: args.mem,
        cpus: args.cpus,
        share,
        kvm: args.kvm,
    };
    vm::check_path(&cfg.share)?;
    let scripts = cache.install_scripts()?;
    let guest = guest::ensure(&scripts, &cache.root, args.zfs.as_str(), emit)?;
    let exe = std::env::current_exe().map_err(RigError::io("find", "this zlab executable"))?;
    let qemu = vm::boot(dir, &cfg, &guest, &exe, lifetime, &RealSystem, emit)?;
    Ok((cfg, qemu))
}

/// The running `rig up` VM.
fn running() -> Result<VmDir, Error> {
    let dir = VmDir::new(Cache::locate()?.vm_dir());
    match dir.running_pid() {
        Some(_) => Ok(dir),
        None => Err(RigError::NotUp { dir: dir.root }.into()),
    }
}

/// Runs `command` in the guest, in the current directory if the guest sees
/// it (else at the share's top); its exit status.
fn in_guest(
    dir: &VmDir,
    cfg: &VmConfig,
    command: &[String],
    out: &mut dyn Write,
) -> Result<i32, RigError> {
    let here = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .ok()
        .filter(|d| d.starts_with(&cfg.share))
        .unwrap_or_else(|| cfg.share.clone());
    let job = Job::submit(
        &dir.ctl(),
        "cmd",
        &control::script(&here, &dir.bin(), command),
    )?;
    job.wait(out, &mut std::io::stderr(), &|| dir.running_pid().is_some())?
        .ok_or_else(|| RigError::GuestGone {
            command: control::command_line(command),
        })
}

/// The scenario as the guest reaches it: as given when the guest sees it
/// there (the share is mounted at the same path), else a copy in the state
/// directory.
fn guest_path(dir: &VmDir, share: &Path, file: &Path) -> Result<PathBuf, RigError> {
    let real = file.canonicalize().map_err(RigError::io("read", file))?;
    let here = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
    if real.starts_with(share) {
        let relative_works = file.is_relative() && here.is_some_and(|h| h.starts_with(share));
        return Ok(if relative_works || file.is_absolute() {
            file.to_path_buf()
        } else {
            real
        });
    }
    let copies = dir.root.join("scenarios");
    std::fs::create_dir_all(&copies).map_err(RigError::io("create", &copies))?;
    let copy = copies.join(real.file_name().unwrap_or_default());
    std::fs::copy(&real, &copy).map_err(RigError::io("copy the scenario to", &copy))?;
    Ok(copy)
}

fn zlab_words(verb: &str, file: &Path) -> Vec<String> {
    vec![
        "zlab".to_owned(),
        verb.to_owned(),
        file.to_string_lossy().into_owned(),
    ]
}

fn guest_exit(command: &[String], status: i32) -> Error {
    Error::Rig(RigError::GuestExit {
        command: control::command_line(command),
        status,
    })
}

/// `/dev/vda…/dev/vdd`: how the guest names its virtual disks.
fn disk_names(count: u32) -> String {
    let name = |n: u32| {
        let letter = char::from_u32(u32::from(b'a') + n).unwrap_or('?');
        format!("/dev/vd{letter}")
    };
    match count {
        0 => "none".to_owned(),
        1 => name(0),
        n => format!("{}…{}", name(0), name(n - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_disks_are_named_as_the_guest_names_them() {
        assert_eq!(disk_names(0), "none");
        assert_eq!(disk_names(1), "/dev/vda");
        assert_eq!(disk_names(4), "/dev/vda…/dev/vdd");
    }

    #[test]
    fn a_scenario_outside_the_share_is_copied_into_the_state_directory() {
        let state = tempfile::tempdir().expect("state");
        let elsewhere = tempfile::tempdir().expect("elsewhere");
        let file = elsewhere.path().join("lab.yaml");
        std::fs::write(&file, "lab: x\n").expect("scenario");
        let dir = VmDir::new(state.path().to_path_buf());
        let got = guest_path(&dir, Path::new("/nonexistent-share"), &file).expect("path");
        assert_eq!(got, state.path().join("scenarios/lab.yaml"));
        assert_eq!(std::fs::read_to_string(got).expect("copy"), "lab: x\n");
    }

    #[test]
    fn a_scenario_inside_the_share_is_used_in_place() {
        let share = tempfile::tempdir().expect("share");
        let share = share.path().canonicalize().expect("real");
        let file = share.join("lab.yaml");
        std::fs::write(&file, "lab: x\n").expect("scenario");
        let dir = VmDir::new(share.join("state"));
        assert_eq!(guest_path(&dir, &share, &file).expect("path"), file);
    }
}
