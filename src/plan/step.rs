//! One action of a plan: what it does, the exact commands, and how to undo it.

use std::path::PathBuf;

use super::undo::Undo;
use crate::lab::{DevicePath, FillDir, FillSpec, PartSpec, PoolSpec, VdevSpec, VolumeSpec};
use crate::scenario::model::{Fill, FillTarget, FsKind, LabelKind};
use crate::scenario::size::Size;
use crate::system::command::{CommandLine, quote};
use crate::zfs::owner::Owner;

#[derive(Debug, Clone)]
pub(crate) enum Step {
    CreateDir {
        path: PathBuf,
    },
    CreateFile {
        path: PathBuf,
        size: Size,
    },
    AttachLoop {
        file: PathBuf,
        var: String,
        sector_size: Option<u32>,
        partscan: bool,
    },
    LoadBrd {
        count: u32,
        size: Size,
        max_part: u32,
    },
    WipeLabels {
        device: DevicePath,
    },
    /// Zero the first and last `mib` MiB; done by zlab itself (positioned writes).
    WipeEnds {
        device: DevicePath,
        mib: u32,
    },
    /// Zero the whole device; done by zlab itself, with progress.
    WipeZero {
        device: DevicePath,
    },
    Partition {
        device: DevicePath,
        label: LabelKind,
        parts: Vec<PartSpec>,
    },
    Mkfs {
        device: DevicePath,
        fs: FsKind,
    },
    Mount {
        device: DevicePath,
        path: PathBuf,
    },
    CreatePool {
        pool: PoolSpec,
        /// The lab and scenario recorded on the pool's root dataset
        /// (`zfs/owner.rs`); none for a scenario without a file (standard
        /// input), which no lab is ever built from.
        owner: Option<Owner>,
    },
    CreateDataset {
        name: String,
        properties: Vec<(String, String)>,
    },
    /// `zfs create -V`; then zlab finds its `/dev/zdN` (by the kernel's name
    /// for it, without udev) and binds it to the volume's variable.
    CreateVolume {
        volume: VolumeSpec,
    },
    /// Done by zlab itself: `zlab fill`.
    Fill {
        fill: FillSpec,
        /// What each file is charged in pool space, where the capacity model
        /// knows the pool: a percentage target counts in it, so the run stops
        /// where `zlab capacity` and the plan say it will.
        charge_per_file: Option<u64>,
    },
}

impl Step {
    /// A short machine name for the step kind (JSON, journal).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Step::CreateDir { .. } => "create_dir",
            Step::CreateFile { .. } => "create_file",
            Step::AttachLoop { .. } => "attach_loop",
            Step::LoadBrd { .. } => "load_brd",
            Step::WipeLabels { .. } => "wipe_labels",
            Step::WipeEnds { .. } => "wipe_ends",
            Step::WipeZero { .. } => "wipe_zero",
            Step::Partition { .. } => "partition",
            Step::Mkfs { .. } => "mkfs",
            Step::Mount { .. } => "mount",
            Step::CreatePool { .. } => "create_pool",
            Step::CreateDataset { .. } => "create_dataset",
            Step::CreateVolume { .. } => "create_volume",
            Step::Fill { .. } => "fill",
        }
    }

    /// What the journal keys the step by: stable across runs and across
    /// rewordings of [`Step::describe`].
    pub(crate) fn id(&self) -> String {
        match self {
            Step::CreateDir { path } => format!("dir:{}", path.display()),
            Step::CreateFile { path, .. } => format!("file:{}", path.display()),
            Step::AttachLoop { var, .. } => format!("loop:{var}"),
            Step::LoadBrd { .. } => "brd".to_owned(),
            Step::WipeLabels { device }
            | Step::WipeEnds { device, .. }
            | Step::WipeZero { device } => {
                format!("wipe:{device}")
            }
            Step::Partition { device, .. } => format!("partition:{device}"),
            Step::Mkfs { device, .. } => format!("mkfs:{device}"),
            Step::Mount { path, .. } => format!("mount:{}", path.display()),
            Step::CreatePool { pool, .. } => format!("pool:{}", pool.name),
            Step::CreateDataset { name, .. } => format!("dataset:{name}"),
            Step::CreateVolume { volume } => format!("volume:{}", volume.name),
            Step::Fill { fill, .. } => format!("fill:{}", fill.target),
        }
    }

    /// One line for people; every name and path in it is shell-quoted where
    /// it needs to be, as it is in the commands (the sh plan shows it in a comment).
    pub(crate) fn describe(&self) -> String {
        match self {
            Step::CreateDir { path } => format!("create directory {}", quote(&path_str(path))),
            Step::CreateFile { path, size } => format!(
                "create sparse file {} ({})",
                quote(&path_str(path)),
                size_words(*size)
            ),
            Step::AttachLoop { file, var, .. } => format!(
                "attach {} to a free loop device → ${{{var}}}",
                quote(&path_str(file))
            ),
            Step::LoadBrd { count, size, .. } => format!(
                "load brd: {count} RAM disk{} of {}",
                plural(*count),
                size.human()
            ),
            Step::WipeLabels { device } => {
                format!("clear ZFS labels and signatures on {}", shown(device))
            }
            Step::WipeEnds { device, mib } => {
                format!("zero the first and last {mib} MiB of {}", shown(device))
            }
            Step::WipeZero { device } => format!("zero all of {}", shown(device)),
            Step::Partition {
                device,
                label,
                parts,
            } => {
                let names: Vec<&str> = parts.iter().map(|p| p.device.label.as_str()).collect();
                format!(
                    "write a {} label on {} with {} partition{} ({})",
                    label_word(*label),
                    shown(device),
                    parts.len(),
                    plural(parts.len()),
                    names.join(", ")
                )
            }
            Step::Mkfs { device, fs } => {
                format!("make an {} filesystem on {}", fs_word(*fs), shown(device))
            }
            Step::Mount { device, path } => {
                format!("mount {} on {}", shown(device), quote(&path_str(path)))
            }
            Step::CreatePool { pool, .. } => {
                format!("create pool {} ({})", quote(&pool.name), topology(pool))
            }
            Step::CreateDataset { name, .. } => format!("create dataset {}", quote(name)),
            Step::CreateVolume { volume } => format!(
                "create {}volume {} ({}) → {}",
                if volume.sparse { "sparse " } else { "" },
                quote(&volume.name),
                size_words(volume.size),
                volume.device.path
            ),
            Step::Fill { fill, .. } => {
                let during: Vec<String> = fill
                    .during
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let during = if during.is_empty() {
                    String::new()
                } else {
                    format!(", {} meanwhile", during.join(" "))
                };
                let amount = match fill.until {
                    FillTarget::Files(n) => format!("with {n} files of {}", fill.file_size),
                    other => format!("to {other} in {} files", fill.file_size),
                };
                let streams = match fill.streams {
                    Some(n) => format!("{n} stream{}", plural(n)),
                    None => {
                        let r = Fill::AUTO_STREAMS;
                        format!("a stream per CPU ({} to {})", r.start(), r.end())
                    }
                };
                let buffer = match fill.buffer {
                    Some(b) => format!("sharing a {b} buffer"),
                    None => format!("with a {} buffer each", Fill::BUFFER_PER_STREAM),
                };
                format!(
                    "fill {} {amount}, {streams} {buffer}{during}",
                    fill_target(fill)
                )
            }
        }
    }

    /// The commands the executor runs; empty for steps zlab does itself.
    pub(crate) fn commands(&self) -> Vec<CommandLine> {
        match self {
            Step::CreateDir { path } => {
                vec![CommandLine::new("mkdir").arg("-p").arg(path_str(path))]
            }
            Step::CreateFile { path, size } => vec![
                CommandLine::new("truncate")
                    .arg("-s")
                    .arg(size.to_string())
                    .arg(path_str(path)),
            ],
            Step::AttachLoop {
                file,
                sector_size,
                partscan,
                ..
            } => {
                let mut c = CommandLine::new("losetup").arg("--find").arg("--show");
                if let Some(s) = sector_size {
                    c = c.arg("--sector-size").arg(s.to_string());
                }
                if *partscan {
                    c = c.arg("--partscan");
                }
                vec![c.arg(path_str(file))]
            }
            Step::LoadBrd {
                count,
                size,
                max_part,
            } => vec![CommandLine::new("modprobe").args([
                "brd".to_owned(),
                format!("rd_nr={count}"),
                format!("rd_size={}", size.kib()),
                format!("max_part={max_part}"),
            ])],
            // wipefs alone leaves ZFS's labels readable (`zdb -l` still finds
            // them), and labelclear fails on a device without any.
            Step::WipeLabels { device } => vec![
                CommandLine::new("zpool")
                    .arg("labelclear")
                    .arg("-f")
                    .dev(device)
                    .only_if(CommandLine::new("zdb").arg("-l").dev(device)),
                CommandLine::new("wipefs").arg("--all").dev(device),
            ],
            Step::WipeEnds { .. } | Step::WipeZero { .. } | Step::Fill { .. } => Vec::new(),
            Step::Partition {
                device,
                label,
                parts,
            } => {
                let mut c = CommandLine::new("parted")
                    .args(["--script", "--align", "optimal"])
                    .dev(device)
                    .arg("mklabel")
                    .arg(label_word(*label));
                for p in parts {
                    let name = match label {
                        LabelKind::Gpt => p.device.label.clone(),
                        LabelKind::Msdos => "primary".to_owned(),
                    };
                    c = c
                        .arg("mkpart")
                        .arg(name)
                        .arg(p.start.to_string())
                        .arg(p.end.to_string());
                }
                vec![c]
            }
            Step::Mkfs { device, fs } => vec![match fs {
                // Lazy init: a 50 TiB sparse volume is formatted in seconds and
                // stays sparse.
                FsKind::Ext4 => CommandLine::new("mkfs.ext4")
                    .args(["-F", "-q", "-E", "lazy_itable_init=1,lazy_journal_init=1"])
                    .dev(device),
                FsKind::Xfs => CommandLine::new("mkfs.xfs").args(["-f", "-q"]).dev(device),
            }],
            Step::Mount { device, path } => vec![
                CommandLine::new("mkdir").arg("-p").arg(path_str(path)),
                CommandLine::new("mount").dev(device).arg(path_str(path)),
            ],
            Step::CreatePool { pool, owner } => vec![create_pool(pool, owner.as_ref())],
            Step::CreateDataset { name, properties } => {
                let mut c = CommandLine::new("zfs").arg("create").arg("-p");
                for (k, v) in properties {
                    c = c.arg("-o").arg(format!("{k}={v}"));
                }
                vec![c.arg(name.clone())]
            }
            Step::CreateVolume { volume } => {
                let mut c = CommandLine::new("zfs").arg("create");
                if volume.sparse {
                    c = c.arg("-s");
                }
                c = c.arg("-V").arg(volume.size.to_string());
                if let Some(b) = volume.volblocksize {
                    c = c.arg("-b").arg(b.to_string());
                }
                for (k, v) in &volume.properties {
                    c = c.arg("-o").arg(format!("{k}={v}"));
                }
                vec![c.arg(volume.name.clone())]
            }
        }
    }

    /// What undoes this step, in the order to run it (the one undo table).
    pub(crate) fn undos(&self) -> Vec<Undo> {
        match self {
            Step::CreateDir { path } => vec![Undo::RemoveDir(path.clone())],
            Step::CreateFile { path, .. } => vec![Undo::RemoveFile(path.clone())],
            Step::AttachLoop { var, .. } => {
                vec![Undo::Detach(DevicePath::Loop { var: var.clone() })]
            }
            Step::LoadBrd { .. } => vec![Undo::UnloadBrd],
            Step::Mount { path, .. } => vec![Undo::Unmount(path.clone())],
            Step::CreatePool { pool, .. } => vec![Undo::DestroyPool(pool.name.clone())],
            Step::CreateVolume { volume } => vec![Undo::DestroyVolume(volume.name.clone())],
            // Wiped data is gone; partitions and filesystems go with their device;
            // datasets with their pool; the fill restores its properties itself.
            Step::WipeLabels { .. }
            | Step::WipeEnds { .. }
            | Step::WipeZero { .. }
            | Step::Partition { .. }
            | Step::Mkfs { .. }
            | Step::CreateDataset { .. }
            | Step::Fill { .. } => Vec::new(),
        }
    }

    /// The commands that undo this step, in the order to run them.
    pub(crate) fn undo(&self) -> Vec<CommandLine> {
        self.undos().iter().map(Undo::command).collect()
    }

    /// The shell variable this step binds (a loop device's name).
    pub(crate) fn binds(&self) -> Option<&str> {
        match self {
            Step::AttachLoop { var, .. } => Some(var),
            Step::CreateVolume { volume } => match &volume.device.path {
                DevicePath::Volume { var } => Some(var),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn is_native(&self) -> bool {
        matches!(
            self,
            Step::WipeEnds { .. } | Step::WipeZero { .. } | Step::Fill { .. }
        )
    }

    /// Lines for the `up` part of `plan --format sh`.
    pub(crate) fn sh(&self, scenario: &str) -> Vec<String> {
        match self {
            Step::AttachLoop { var, .. } => self
                .commands()
                .iter()
                .map(|c| format!("{var}=$({c})"))
                .collect(),
            Step::WipeEnds { device, mib } => {
                let d = shell_device(device);
                vec![
                    format!(
                        "dd if=/dev/zero of={d} bs=1M count={mib} oflag=direct conv=notrunc status=none"
                    ),
                    format!(
                        "dd if=/dev/zero of={d} bs=1M count={mib} oflag=direct conv=notrunc status=none seek=$(( $(blockdev --getsize64 {d}) / 1048576 - {mib} ))"
                    ),
                ]
            }
            Step::WipeZero { device } => {
                let d = shell_device(device);
                vec![format!(
                    "dd if=/dev/zero of={d} bs=1M oflag=direct conv=notrunc status=progress count=$(( $(blockdev --getsize64 {d}) / 1048576 ))"
                )]
            }
            Step::Fill { .. } => vec![format!("zlab fill {}", quote(scenario))],
            // As zlab does it, without udev: the /dev/zdN that says it is
            // the volume, once OpenZFS has made it (within a minute).
            Step::CreateVolume { volume } => {
                let mut lines: Vec<String> =
                    self.commands().iter().map(ToString::to_string).collect();
                if let Some(var) = self.binds() {
                    lines.push(format!(
                        "{var}=$(for _ in $(seq 300); do for d in /dev/zd*; do [ \"$(/usr/lib/udev/zvol_id \"$d\" 2>/dev/null)\" = {} ] && echo \"$d\" && exit; done; sleep 0.2; done)",
                        quote(&volume.name)
                    ));
                }
                lines
            }
            _ => self.commands().iter().map(ToString::to_string).collect(),
        }
    }

    /// Lines for the `down` part of `plan --format sh`: tolerant of what is
    /// already gone, and rediscovering loop devices from their files.
    pub(crate) fn undo_sh(&self) -> Vec<String> {
        match self {
            Step::AttachLoop { file, var, .. } => vec![
                format!(
                    "{var}=$(losetup --list --noheadings --output NAME --associated {})",
                    quote(&path_str(file))
                ),
                format!("[ -z \"${{{var}}}\" ] || losetup --detach \"${{{var}}}\""),
            ],
            Step::LoadBrd { .. } => vec!["! grep -q '^brd ' /proc/modules || rmmod brd".to_owned()],
            Step::Mount { path, .. } => vec![format!(
                "! mountpoint -q {p} || umount {p}",
                p = quote(&path_str(path))
            )],
            Step::CreatePool { pool, .. } => vec![format!(
                "! zpool list {p} >/dev/null 2>&1 || zpool destroy {p}",
                p = quote(&pool.name)
            )],
            Step::CreateVolume { volume } => vec![format!(
                "! zfs list {v} >/dev/null 2>&1 || zfs destroy {v}",
                v = quote(&volume.name)
            )],
            _ => self.undo().iter().map(ToString::to_string).collect(),
        }
    }
}

/// `zpool create` with every vdev class in one command, so the pool appears
/// whole, and with its owner recorded from the first moment it exists.
fn create_pool(pool: &PoolSpec, owner: Option<&Owner>) -> CommandLine {
    let mut c = CommandLine::new("zpool").arg("create");
    if pool.force {
        c = c.arg("-f");
    }
    if let Some(a) = pool.ashift {
        c = c.arg("-o").arg(format!("ashift={a}"));
    }
    for (k, v) in &pool.properties {
        c = c.arg("-o").arg(format!("{k}={v}"));
    }
    for (k, v) in pool
        .root
        .iter()
        .chain(owner.map(Owner::properties).iter().flatten())
    {
        c = c.arg("-O").arg(format!("{k}={v}"));
    }
    if let Some(m) = &pool.mountpoint {
        c = c.arg("-m").arg(m.clone());
    }
    if let Some(r) = &pool.altroot {
        c = c.arg("-R").arg(path_str(r));
    }
    c = c.arg(pool.name.clone());
    c = vdevs(c, &pool.data);
    for (word, class) in [("log", &pool.log), ("special", &pool.special)] {
        if !class.is_empty() {
            c = vdevs(c.arg(word), class);
        }
    }
    for (word, devices) in [("cache", &pool.cache), ("spare", &pool.spares)] {
        if !devices.is_empty() {
            c = c.arg(word);
            for d in devices {
                c = c.dev(&d.path);
            }
        }
    }
    c
}

fn vdevs(mut c: CommandLine, vdevs: &[VdevSpec]) -> CommandLine {
    for v in vdevs {
        if let Some(token) = v.kind.token() {
            c = c.arg(token);
        }
        for d in &v.devices {
            c = c.dev(&d.path);
        }
    }
    c
}

/// `draid2:16d:58c:4s × 58, log ram0` — the pool's shape in one phrase.
fn topology(pool: &PoolSpec) -> String {
    let class = |vdevs: &[VdevSpec]| {
        vdevs
            .iter()
            .map(|v| format!("{} × {}", v.kind, v.devices.len()))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let mut parts = vec![class(&pool.data)];
    for (word, vdevs) in [("log", &pool.log), ("special", &pool.special)] {
        if !vdevs.is_empty() {
            parts.push(format!("{word} {}", class(vdevs)));
        }
    }
    for (word, devices) in [("cache", &pool.cache), ("spare", &pool.spares)] {
        if !devices.is_empty() {
            parts.push(format!("{word} × {}", devices.len()));
        }
    }
    parts.join(", ")
}

/// `14TB = 12.73 TiB` for 1000-based sizes, `10 GiB` otherwise.
fn size_words(size: Size) -> String {
    let written = size.to_string();
    if written.ends_with('B') {
        format!("{written} = {}", size.human())
    } else {
        size.human()
    }
}

fn fill_target(fill: &FillSpec) -> String {
    match &fill.target {
        FillDir::Dataset { name, .. } => quote(name),
        FillDir::Path(p) => quote(&path_str(p)),
    }
}

/// A device for people: a known path quoted like a word of the script, a
/// run-time one as its variable.
fn shown(d: &DevicePath) -> String {
    if d.is_runtime() {
        d.to_string()
    } else {
        quote(&d.to_string())
    }
}

fn shell_device(d: &DevicePath) -> String {
    crate::system::command::Arg::Dev(d.clone()).to_string()
}

fn path_str(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

fn label_word(label: LabelKind) -> &'static str {
    match label {
        LabelKind::Gpt => "gpt",
        LabelKind::Msdos => "msdos",
    }
}

fn fs_word(fs: FsKind) -> &'static str {
    match fs {
        FsKind::Ext4 => "ext4",
        FsKind::Xfs => "xfs",
    }
}

fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) { "" } else { "s" }
}
