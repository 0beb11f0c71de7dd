//! A command line as the plan shows it and the executor runs it.
//!
//! Arguments are literal text or devices; a device known only at run time (a loop
//! device) renders as a shell variable (`"${disks_3}"`) and is resolved by the
//! executor once `losetup` has answered.

use std::fmt;
use std::path::PathBuf;

use crate::device::DevicePath;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub program: String,
    pub args: Vec<Arg>,
    /// Run only if this probe succeeds (`zdb -l` before `zpool labelclear`,
    /// which fails on a device that has no label).
    pub only_if: Option<Box<CommandLine>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Lit(String),
    Dev(DevicePath),
}

impl CommandLine {
    pub fn new(program: &str) -> Self {
        CommandLine {
            program: program.to_owned(),
            args: Vec::new(),
            only_if: None,
        }
    }

    #[must_use]
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(Arg::Lit(arg.into()));
        self
    }

    #[must_use]
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| Arg::Lit(a.into())));
        self
    }

    #[must_use]
    pub(crate) fn only_if(mut self, probe: CommandLine) -> Self {
        self.only_if = Some(Box::new(probe));
        self
    }

    #[must_use]
    pub fn dev(mut self, device: &DevicePath) -> Self {
        self.args.push(Arg::Dev(device.clone()));
        self
    }

    /// The same command with every device resolved to a path, or `None` if one is
    /// not known yet.
    pub(crate) fn resolve(&self, bind: &dyn Fn(&str) -> Option<PathBuf>) -> Option<CommandLine> {
        let args = self
            .args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => Some(Arg::Lit(s.clone())),
                Arg::Dev(d) => d
                    .resolve(bind)
                    .map(|p| Arg::Lit(p.to_string_lossy().into_owned())),
            })
            .collect::<Option<Vec<_>>>()?;
        let only_if = match &self.only_if {
            Some(probe) => Some(Box::new(probe.resolve(bind)?)),
            None => None,
        };
        Some(CommandLine {
            program: self.program.clone(),
            args,
            only_if,
        })
    }

    /// Program and arguments when every argument is literal (already resolved).
    pub(crate) fn literal(&self) -> Option<(&str, Vec<&str>)> {
        let args = self
            .args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => Some(s.as_str()),
                Arg::Dev(DevicePath::Known(p)) => p.to_str(),
                Arg::Dev(_) => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some((&self.program, args))
    }
}

/// Quotes a word for POSIX shells only when it needs it.
pub(crate) fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Lit(s) => f.write_str(&quote(s)),
            Arg::Dev(d) if d.is_runtime() => write!(f, "\"{d}\""),
            Arg::Dev(d) => f.write_str(&quote(&d.to_string())),
        }
    }
}

impl fmt::Display for CommandLine {
    /// A guarded command renders as `if PROBE >/dev/null 2>&1; then CMD; fi`,
    /// which is safe under `set -e`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(probe) = &self.only_if {
            let plain = CommandLine {
                only_if: None,
                ..self.clone()
            };
            return write!(f, "if {probe} >/dev/null 2>&1; then {plain}; fi");
        }
        f.write_str(&quote(&self.program))?;
        for a in &self.args {
            write!(f, " {a}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for CommandLine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote("/var/tmp/zlab/disk0.img"), "/var/tmp/zlab/disk0.img");
        assert_eq!(quote("rd_size=10485760"), "rd_size=10485760");
        assert_eq!(quote("two words"), "'two words'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn run_time_devices_render_as_shell_variables() {
        let loop3 = DevicePath::Loop {
            var: "disks_3".into(),
        };
        let part = DevicePath::Part {
            parent: Box::new(loop3.clone()),
            number: 1,
        };
        let cmd = CommandLine::new("wipefs")
            .arg("--all")
            .dev(&loop3)
            .dev(&part);
        assert_eq!(
            cmd.to_string(),
            r#"wipefs --all "${disks_3}" "${disks_3}p1""#
        );
    }

    #[test]
    fn guarded_commands_render_as_an_if() {
        let dev = DevicePath::Known("/dev/sdb".into());
        let cmd = CommandLine::new("zpool")
            .arg("labelclear")
            .arg("-f")
            .dev(&dev)
            .only_if(CommandLine::new("zdb").arg("-l").dev(&dev));
        assert_eq!(
            cmd.to_string(),
            "if zdb -l /dev/sdb >/dev/null 2>&1; then zpool labelclear -f /dev/sdb; fi"
        );
    }

    #[test]
    fn resolve_fills_in_bound_devices() {
        let loop3 = DevicePath::Loop {
            var: "disks_3".into(),
        };
        let cmd = CommandLine::new("losetup").arg("--detach").dev(&loop3);
        let bound = cmd
            .resolve(&|v| (v == "disks_3").then(|| PathBuf::from("/dev/loop7")))
            .expect("bound");
        assert_eq!(bound.to_string(), "losetup --detach /dev/loop7");
        assert!(cmd.resolve(&|_| None).is_none());
        assert!(cmd.literal().is_none());
    }
}
