//! The dataset properties a fill changes (`during`), and putting them back.
//! The values found before are read with their source, so that a property
//! that was inherited is inherited again (`zfs inherit`) rather than pinned
//! to the value it happened to have.

use serde::{Deserialize, Serialize};

use super::event::FillEvent;
use crate::system::command::CommandLine;
use crate::system::{CommandError, System};
use crate::zfs::output::{self, Source};

/// A property as it was before the fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub name: String,
    pub value: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Set on the dataset itself (`local`, `temporary`): set it back.
    Local,
    /// `default` or `inherited from …`: inherit again.
    Inherited,
    /// `received` (zfs receive): revert to the received value.
    Received,
}

/// `zfs get -Hp -o property,value,source NAMES DATASET`.
pub(crate) fn read(
    sys: &dyn System,
    dataset: &str,
    names: &[&str],
) -> Result<Vec<Saved>, CommandError> {
    let cmd = CommandLine::new("zfs")
        .args(["get", "-Hp", "-o", "property,value,source"])
        .arg(names.join(","))
        .arg(dataset);
    let out = sys.run(&cmd)?;
    let saved: Vec<Saved> = output::properties(&out.stdout)
        .map_err(|e| CommandError::unparsable(&cmd, &out.stdout, e))?
        .into_iter()
        .filter_map(|p| {
            let origin = match p.source? {
                Source::Local => Origin::Local,
                Source::Received => Origin::Received,
                Source::Inherited => Origin::Inherited,
            };
            Some(Saved {
                name: p.name,
                value: p.value,
                origin,
            })
        })
        .collect();
    if saved.len() == names.len() {
        Ok(saved)
    } else {
        Err(CommandError::Failed {
            command: cmd.to_string(),
            status: "unexpected output".to_owned(),
            stderr: out.stdout,
        })
    }
}

/// `zfs set k=v … DATASET`: all at once.
pub(crate) fn set(
    sys: &dyn System,
    dataset: &str,
    values: &[(String, String)],
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<(), CommandError> {
    if values.is_empty() {
        return Ok(());
    }
    let cmd = CommandLine::new("zfs")
        .arg("set")
        .args(values.iter().map(|(k, v)| format!("{k}={v}")))
        .arg(dataset);
    emit(&FillEvent::Command(cmd.to_string()));
    sys.run(&cmd).map(drop)
}

/// Puts every property back as it was, trying all of them; the first error.
pub(crate) fn restore(
    sys: &dyn System,
    dataset: &str,
    saved: &[Saved],
    emit: &mut dyn FnMut(&FillEvent),
) -> Result<(), CommandError> {
    let mut first = None;
    for p in saved {
        let cmd = match p.origin {
            Origin::Local => CommandLine::new("zfs")
                .arg("set")
                .arg(format!("{}={}", p.name, p.value)),
            Origin::Inherited => CommandLine::new("zfs").arg("inherit").arg(p.name.clone()),
            Origin::Received => CommandLine::new("zfs")
                .args(["inherit", "-S"])
                .arg(p.name.clone()),
        }
        .arg(dataset);
        emit(&FillEvent::Command(cmd.to_string()));
        if let Err(e) = sys.run(&cmd) {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::fake::FakeSystem;

    #[test]
    fn inherited_values_are_inherited_again_and_local_ones_set_back() {
        let sys = FakeSystem::new();
        sys.expect(
            "zfs get -Hp -o property,value,source sync,recordsize,compression quick/data",
            "sync\tstandard\tdefault\nrecordsize\t131072\tinherited from quick\ncompression\toff\tlocal\n",
        )
        .expect("zfs set sync=disabled recordsize=1M quick/data", "")
        .expect("zfs inherit sync quick/data", "")
        .expect("zfs inherit recordsize quick/data", "")
        .expect("zfs set compression=off quick/data", "");
        let saved = read(&sys, "quick/data", &["sync", "recordsize", "compression"]).expect("get");
        let during = [
            ("sync".to_owned(), "disabled".to_owned()),
            ("recordsize".to_owned(), "1M".to_owned()),
        ];
        set(&sys, "quick/data", &during, &mut |_| {}).expect("set");
        restore(&sys, "quick/data", &saved, &mut |_| {}).expect("restore");
    }

    #[test]
    fn restore_tries_every_property_and_reports_the_first_failure() {
        let sys = FakeSystem::new();
        sys.expect_failure("zfs inherit sync t/d", "busy")
            .expect("zfs set recordsize=131072 t/d", "");
        let saved = [
            Saved {
                name: "sync".into(),
                value: "standard".into(),
                origin: Origin::Inherited,
            },
            Saved {
                name: "recordsize".into(),
                value: "131072".into(),
                origin: Origin::Local,
            },
        ];
        let err = restore(&sys, "t/d", &saved, &mut |_| {}).expect_err("fails");
        assert!(err.to_string().contains("busy"), "{err}");
    }
}
