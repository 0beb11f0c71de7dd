//! Real disks are confirmed before `up` erases them: each is listed with what
//! tells it apart (model, serial, size, by-id path) and a person says yes on a
//! terminal, or `--yes` says it for a script. Without either, nothing runs.

use std::fmt::Write as _;

use serde::Deserialize;

use crate::error::Error;
use crate::plan::Plan;
use crate::scenario::size::Size;
use crate::system::command::CommandLine;
use crate::system::{CommandError, System};

/// How the real disks of a plan are confirmed.
pub(crate) enum Confirm<'a> {
    /// `--yes`.
    Yes,
    /// Ask a person: the question, and whether they answered yes.
    Ask(&'a mut dyn FnMut(&str) -> bool),
    /// No terminal and no `--yes`: refuse.
    NoTerminal,
}

/// Lists the plan's real disks and asks; an error unless confirmed. A disk
/// `lsblk` cannot describe stops the run.
pub(crate) fn real_disks(
    plan: &Plan,
    confirm: &mut Confirm<'_>,
    sys: &dyn System,
) -> Result<(), Error> {
    if plan.disks.is_empty() {
        return Ok(());
    }
    let mut listing = String::new();
    for disk in &plan.disks {
        let line = describe(sys, &disk.path).map_err(|e| {
            Error::Refused(format!(
                "cannot describe {} ({}): {e}; nothing was touched",
                disk.path.display(),
                disk.label
            ))
        })?;
        let _ = writeln!(
            listing,
            "  {} ({}): {line}",
            disk.path.display(),
            disk.label
        );
    }
    let question = format!(
        "zlab up {} will ERASE these disks (wipe, partition, pool):\n{listing}Type `yes` to go on: ",
        plan.file.display()
    );
    let yes = match confirm {
        Confirm::Yes => true,
        Confirm::Ask(ask) => ask(&question),
        Confirm::NoTerminal => {
            return Err(Error::Refused(format!(
                "the scenario erases real disks and there is no terminal to confirm it:\n{listing}run `zlab up --yes {}` if they may be erased",
                plan.file.display()
            )));
        }
    };
    if yes {
        Ok(())
    } else {
        Err(Error::Refused(
            "the real disks were not confirmed; nothing was touched".to_owned(),
        ))
    }
}

/// `model QEMU HARDDISK, serial zlab-disk0, 2.00 GiB, /dev/disk/by-id/…`.
fn describe(sys: &dyn System, disk: &std::path::Path) -> Result<String, CommandError> {
    #[derive(Deserialize)]
    struct Tree {
        blockdevices: Vec<Node>,
    }
    #[derive(Deserialize)]
    struct Node {
        model: Option<String>,
        serial: Option<String>,
        size: Option<serde_json::Value>,
    }
    let lsblk = CommandLine::new("lsblk")
        .args([
            "--json",
            "--nodeps",
            "--bytes",
            "--output",
            "MODEL,SERIAL,SIZE",
        ])
        .arg(disk.to_string_lossy());
    let out = sys.run(&lsblk)?;
    let tree: Tree = serde_json::from_str(&out.stdout)
        .map_err(|e| CommandError::unparsable(&lsblk, &out.stdout, e))?;
    let node = tree
        .blockdevices
        .first()
        .ok_or_else(|| CommandError::unparsable(&lsblk, &out.stdout, "no device listed"))?;
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_owned()
    };
    let size = node
        .size
        .as_ref()
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
        .map_or_else(
            || "size unknown".to_owned(),
            |b| Size::from_bytes(b).human(),
        );
    let by_id = by_id(sys, disk)?;
    Ok(format!(
        "model {}, serial {}, {size}, {by_id}",
        text(&node.model),
        text(&node.serial)
    ))
}

/// The disk's `/dev/disk/by-id` names (none without udev).
fn by_id(sys: &dyn System, disk: &std::path::Path) -> Result<String, CommandError> {
    let dir = std::path::Path::new("/dev/disk/by-id");
    if !sys.exists(dir) {
        return Ok("no /dev/disk/by-id name (no udev)".to_owned());
    }
    let find = CommandLine::new("find")
        .args(["-L", "/dev/disk/by-id", "-maxdepth", "1", "-samefile"])
        .arg(disk.to_string_lossy());
    let names: Vec<String> = sys.run(&find)?.stdout.lines().map(str::to_owned).collect();
    Ok(if names.is_empty() {
        "no /dev/disk/by-id name".to_owned()
    } else {
        names.join(" ")
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::host::HostFacts;
    use crate::system::fake::FakeSystem;

    const LAB: &str = "lab: r\nallow_real_disks: true\ndevices:\n  d:\n    disk: { paths: [/dev/vdb] }\npools:\n  - name: tank\n    vdevs: [{ type: stripe, devices: d }]\n";
    const LSBLK: &str = "lsblk --json --nodeps --bytes --output MODEL,SERIAL,SIZE /dev/vdb";
    const ANSWER: &str =
        r#"{"blockdevices":[{"model":"QEMU HARDDISK","serial":"zlab-disk1","size":2147483648}]}"#;

    fn plan() -> Plan {
        let scenario = crate::scenario::load_str(Path::new("r.yaml"), LAB).expect("decodes");
        let lab = crate::validate::validate(&scenario, &HostFacts::unknown()).expect("valid");
        crate::plan::build(&lab, &crate::capacity::of(&lab))
    }

    #[test]
    fn without_a_terminal_or_yes_real_disks_are_refused_with_their_details() {
        let sys = FakeSystem::new();
        sys.expect(LSBLK, ANSWER);
        let err = real_disks(&plan(), &mut Confirm::NoTerminal, &sys).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("model QEMU HARDDISK, serial zlab-disk1, 2 GiB"),
            "{text}"
        );
        assert!(text.contains("--yes"), "{text}");
    }

    #[test]
    fn a_person_is_asked_and_no_is_a_refusal() {
        let sys = FakeSystem::new();
        sys.expect(LSBLK, ANSWER).expect(LSBLK, ANSWER);
        let mut asked = String::new();
        let mut no = |q: &str| {
            asked = q.to_owned();
            false
        };
        assert!(real_disks(&plan(), &mut Confirm::Ask(&mut no), &sys).is_err());
        assert!(asked.contains("/dev/vdb (d"), "{asked}");
        let mut yes = |_: &str| true;
        real_disks(&plan(), &mut Confirm::Ask(&mut yes), &sys).expect("confirmed");
    }

    #[test]
    fn a_failing_lsblk_stops_the_run_even_with_yes() {
        let sys = FakeSystem::new();
        sys.expect_failure(LSBLK, "lsblk: /dev/vdb: not a block device");
        assert!(real_disks(&plan(), &mut Confirm::Yes, &sys).is_err());
    }
}
