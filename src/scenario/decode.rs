//! Located YAML tree → typed [`Scenario`], collecting every problem on the way.
//!
//! Decoding never stops at the first error: an unknown key, a bad size and a
//! missing field anywhere in the file are all reported in one run, each at its
//! own line and column, with a "did you mean" where a key looks like a typo.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::model::{
    After, Bound, Dataset, DeviceGroup, DeviceKind, Fill, FillTarget, FsKind, LabelKind, Part,
    PartitionTable, Pool, Property, RamDisks, RealDisks, Scenario, SparseFiles, Vdev, Volume, Wipe,
    WipeMode,
};
use super::node::{Located, Node};
use super::selection::{SelItem, Selection};
use super::size::Size;
use crate::diag::Span;
use crate::diag::{Diagnostic, suggest};

mod experiment;

/// Decodes a parsed scenario. Parts that cannot be decoded are left out, their
/// problems kept in [`Scenario::problems`] and their names in
/// [`Scenario::broken`], so validation can still check the rest without
/// repeating what is already reported. `Err` only when nothing is usable.
pub(crate) fn decode(file: &Path, root: &Located<Node>) -> Result<Scenario, Vec<Diagnostic>> {
    let mut d = Decoder {
        file,
        diags: Vec::new(),
        broken: Vec::new(),
    };
    match d.scenario(root) {
        Some(mut s) => {
            s.problems = d.diags;
            s.broken = d.broken;
            Ok(s)
        }
        None => Err(d.diags),
    }
}

struct Decoder<'f> {
    file: &'f Path,
    diags: Vec<Diagnostic>,
    /// Names of groups, partitions and pools that failed to decode.
    broken: Vec<String>,
}

/// A map being decoded: its entries, where it is, and its field path.
struct Fields<'n> {
    path: String,
    at: Span,
    entries: &'n [(Located<String>, Located<Node>)],
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Located<Node>> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }

    fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

const TOP_KEYS: &[&str] = &[
    "lab",
    "state_dir",
    "allow_real_disks",
    "devices",
    "wipe",
    "partitions",
    "pools",
    "fills",
    "experiments",
];
const SPARSE_KEYS: &[&str] = &[
    "dir",
    "count",
    "pattern",
    "names",
    "size",
    "loop",
    "sector_size",
];
const RAM_KEYS: &[&str] = &["count", "size"];
const DISK_KEYS: &[&str] = &["paths", "force"];
const WIPE_KEYS: &[&str] = &["devices", "mode", "mib"];
const TABLE_KEYS: &[&str] = &["device", "label", "parts"];
const PART_KEYS: &[&str] = &["name", "start", "end", "fs", "mount"];
const POOL_KEYS: &[&str] = &[
    "name",
    "ashift",
    "vdevs",
    "log",
    "special",
    "cache",
    "spares",
    "properties",
    "root",
    "mountpoint",
    "altroot",
    "force",
    "datasets",
    "volumes",
];
const VDEV_KEYS: &[&str] = &["type", "devices"];
const DATASET_KEYS: &[&str] = &["name", "properties"];
const VOLUME_KEYS: &[&str] = &["name", "size", "sparse", "volblocksize", "properties"];
const FILL_KEYS: &[&str] = &[
    "dataset",
    "path",
    "until",
    "file_size",
    "buffer",
    "pattern",
    "streams",
    "window",
    "direct",
    "during",
    "after",
];

impl Decoder<'_> {
    fn error(&mut self, at: Span, field: &str, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::new(self.file, at, field, message);
        d.help = help;
        self.diags.push(d);
    }

    /// Opens a map, reporting a wrong type and every unknown key.
    fn map<'n>(
        &mut self,
        node: &'n Located<Node>,
        path: &str,
        known: &[&str],
    ) -> Option<Fields<'n>> {
        let Node::Map(entries) = &node.value else {
            self.error(
                node.at,
                path,
                format!("expected a map, found {}", node.value.kind()),
                Some(format!("allowed keys: {}", known.join(", "))),
            );
            return None;
        };
        for (key, _) in entries {
            if !known.contains(&key.value.as_str()) {
                let help = match suggest(&key.value, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("allowed keys: {}", known.join(", ")),
                };
                self.error(
                    key.at,
                    &join(path, &key.value),
                    format!("unknown field `{}`", key.value),
                    Some(help),
                );
            }
        }
        Some(Fields {
            path: path.to_owned(),
            at: node.at,
            entries,
        })
    }

    fn required<'n>(
        &mut self,
        fields: &Fields<'n>,
        key: &str,
        help: &str,
    ) -> Option<&'n Located<Node>> {
        let value = fields.get(key);
        if value.is_none() {
            let at = fields.at;
            self.error(
                at,
                &fields.path,
                format!("missing field `{key}`"),
                Some(help.to_owned()),
            );
        }
        value
    }

    /// A scalar as text (numbers and booleans too: `1600`, `off`).
    fn text(&mut self, node: &Located<Node>, path: &str) -> Option<Located<String>> {
        match node.value.scalar_text() {
            Some(t) => Some(Located::new(t, node.at)),
            None => {
                self.error(
                    node.at,
                    path,
                    format!("expected a value, found {}", node.value.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A scalar parsed by its type's `FromStr`, with the type's own message.
    fn parse<T>(&mut self, node: &Located<Node>, path: &str, help: &str) -> Option<Located<T>>
    where
        T: FromStr,
        T::Err: Display,
    {
        let text = self.text(node, path)?;
        match text.value.parse::<T>() {
            Ok(v) => Some(Located::new(v, node.at)),
            Err(e) => {
                self.error(node.at, path, e.to_string(), Some(help.to_owned()));
                None
            }
        }
    }

    fn number<T: TryFrom<i128> + Display + PartialOrd>(
        &mut self,
        node: &Located<Node>,
        path: &str,
        min: T,
        max: T,
    ) -> Option<Located<T>> {
        if let Node::Int(i) = node.value
            && let Ok(v) = T::try_from(i)
            && v >= min
            && v <= max
        {
            return Some(Located::new(v, node.at));
        }
        self.error(
            node.at,
            path,
            format!(
                "expected a whole number from {min} to {max}, found {}",
                describe(&node.value)
            ),
            None,
        );
        None
    }

    fn flag(&mut self, node: &Located<Node>, path: &str) -> Option<Located<bool>> {
        if let Node::Bool(b) = node.value {
            Some(Located::new(b, node.at))
        } else {
            self.error(
                node.at,
                path,
                format!("expected true or false, found {}", describe(&node.value)),
                None,
            );
            None
        }
    }

    fn opt_flag(&mut self, fields: &Fields<'_>, key: &str) -> Located<bool> {
        fields
            .get(key)
            .and_then(|n| self.flag(n, &fields.path(key)))
            .unwrap_or(Located::new(false, fields.at))
    }

    fn list<'n, T>(
        &mut self,
        node: &'n Located<Node>,
        path: &str,
        mut each: impl FnMut(&mut Self, &'n Located<Node>, &str) -> Option<T>,
    ) -> Vec<T> {
        match &node.value {
            Node::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| each(self, item, &format!("{path}[{i}]")))
                .collect(),
            Node::Null => Vec::new(),
            other => {
                self.error(
                    node.at,
                    path,
                    format!("expected a list, found {}", other.kind()),
                    Some("write one `- item` per line".into()),
                );
                Vec::new()
            }
        }
    }

    fn opt_list<T>(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        each: impl FnMut(&mut Self, &Located<Node>, &str) -> Option<T>,
    ) -> Vec<T> {
        match fields.get(key) {
            Some(node) => self.list(node, &fields.path(key), each),
            None => Vec::new(),
        }
    }

    /// Decodes with `each`; when that fails, remembers every `name:` declared
    /// inside, so references to them are not reported a second time.
    fn or_broken<T>(
        &mut self,
        node: &Located<Node>,
        path: &str,
        each: fn(&mut Self, &Located<Node>, &str) -> Option<T>,
    ) -> Option<T> {
        let out = each(self, node, path);
        if out.is_none() {
            collect_names(&node.value, &mut self.broken);
        }
        out
    }

    /// `name: value` pairs for ZFS properties.
    fn properties(&mut self, node: &Located<Node>, path: &str) -> Vec<Property> {
        let entries = match &node.value {
            Node::Map(entries) => entries,
            Node::Null => return Vec::new(),
            other => {
                self.error(
                    node.at,
                    path,
                    format!("expected a map of properties, found {}", other.kind()),
                    Some("write `property: value`, e.g. `recordsize: 1M`".into()),
                );
                return Vec::new();
            }
        };
        entries
            .iter()
            .filter_map(|(key, value)| {
                let value = self.text(value, &join(path, &key.value))?;
                Some(Property {
                    name: key.clone(),
                    value,
                })
            })
            .collect()
    }

    fn opt_properties(&mut self, fields: &Fields<'_>, key: &str) -> Vec<Property> {
        match fields.get(key) {
            Some(node) => self.properties(node, &fields.path(key)),
            None => Vec::new(),
        }
    }

    /// A device selection: one reference or a list of them.
    fn selection(&mut self, node: &Located<Node>, path: &str) -> Option<Located<Selection>> {
        let help =
            "refer to a device group by name: `disks`, `disks[3]` or `disks[0..5]` (inclusive)";
        let mut one = |d: &mut Self, n: &Located<Node>, p: &str| d.parse::<SelItem>(n, p, help);
        let items = match &node.value {
            Node::Seq(_) => self.list(node, path, &mut one),
            _ => vec![one(self, node, path)?],
        };
        if items.is_empty() {
            self.error(node.at, path, "no devices selected", Some(help.to_owned()));
            return None;
        }
        Some(Located::new(Selection { items }, node.at))
    }

    fn scenario(&mut self, root: &Located<Node>) -> Option<Scenario> {
        let top = self.map(root, "", TOP_KEYS)?;
        let stem = self
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "lab".into());
        let lab = match top.get("lab") {
            Some(n) => self.text(n, "lab"),
            None => Some(Located::new(stem, top.at)),
        };
        let state_dir = top
            .get("state_dir")
            .and_then(|n| self.text(n, "state_dir"))
            .map(|t| t.map(PathBuf::from));
        let allow_real_disks = self.opt_flag(&top, "allow_real_disks");
        let devices = match top.get("devices") {
            Some(node) => self.devices(node),
            None => Vec::new(),
        };
        let wipe = self.opt_list(&top, "wipe", Self::wipe);
        let partitions =
            self.opt_list(&top, "partitions", |d, n, p| d.or_broken(n, p, Self::table));
        let pools = self.opt_list(&top, "pools", |d, n, p| d.or_broken(n, p, Self::pool));
        let fills = self.opt_list(&top, "fills", Self::fill);
        let experiments = self.opt_list(&top, "experiments", Self::experiment);
        Some(Scenario {
            file: self.file.to_path_buf(),
            lab: lab?,
            state_dir,
            allow_real_disks,
            devices,
            wipe,
            partitions,
            pools,
            fills,
            experiments,
            problems: Vec::new(),
            broken: Vec::new(),
        })
    }

    fn devices(&mut self, node: &Located<Node>) -> Vec<DeviceGroup> {
        let Node::Map(entries) = &node.value else {
            self.error(node.at, "devices", format!("expected a map of device groups, found {}", node.value.kind()), Some("write `name: { sparse: {...} }`, `name: { ram: {...} }` or `name: { disk: {...} }`".into()));
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(name, value)| {
                let group = self.group(name, value);
                if group.is_none() {
                    self.broken.push(name.value.clone());
                }
                group
            })
            .collect()
    }

    fn group(&mut self, name: &Located<String>, node: &Located<Node>) -> Option<DeviceGroup> {
        let path = format!("devices.{}", name.value);
        let fields = self.map(node, &path, &["sparse", "ram", "disk"])?;
        if fields.entries.len() != 1 {
            self.error(
                node.at,
                &path,
                "a device group has exactly one kind",
                Some("use one of `sparse:`, `ram:` or `disk:`".into()),
            );
            return None;
        }
        let (kind, body) = &fields.entries[0];
        let path = join(&path, &kind.value);
        let kind = match kind.value.as_str() {
            "sparse" => DeviceKind::Sparse(self.sparse(body, &path)?),
            "ram" => DeviceKind::Ram(self.ram(body, &path)?),
            "disk" => DeviceKind::Disk(self.disk(body, &path)?),
            _ => return None, // already reported as unknown
        };
        Some(DeviceGroup {
            name: name.clone(),
            kind,
        })
    }

    fn sparse(&mut self, node: &Located<Node>, path: &str) -> Option<SparseFiles> {
        let f = self.map(node, path, SPARSE_KEYS)?;
        let dir = self
            .required(
                &f,
                "dir",
                "where the sparse files go, e.g. `dir: /var/tmp/zlab`",
            )
            .and_then(|n| self.text(n, &f.path("dir")));
        let size = self
            .required(
                &f,
                "size",
                "the apparent size of each file, e.g. `size: 14T`",
            )
            .and_then(|n| self.size(n, &f.path("size")));
        let names = match (f.get("names"), f.get("count")) {
            (Some(_), Some(c)) => {
                self.error(
                    c.at,
                    &f.path("count"),
                    "`count` and `names` exclude each other",
                    Some(
                        "give either `count:` (with an optional `pattern:`) or a list of `names:`"
                            .into(),
                    ),
                );
                None
            }
            (Some(n), None) => {
                let list = self.list(n, &f.path("names"), |d, item, p| {
                    d.text(item, p).map(|t| t.value)
                });
                Some(Located::new(list, n.at))
            }
            (None, Some(c)) => {
                let count = self.number::<u32>(c, &f.path("count"), 1, 4096);
                let pattern = match f.get("pattern") {
                    Some(p) => self.text(p, &f.path("pattern")),
                    None => Some(Located::new(String::from("disk{n}.img"), f.at)),
                };
                match (count, pattern) {
                    (Some(count), Some(pattern)) => self
                        .expand_pattern(&pattern, &f.path("pattern"), count.value)
                        .map(|v| Located::new(v, c.at)),
                    _ => None,
                }
            }
            (None, None) => {
                self.error(
                    f.at,
                    path,
                    "missing field `count` (or `names`)",
                    Some("say how many files: `count: 8`".into()),
                );
                None
            }
        };
        let attach = match f.get("loop") {
            Some(n) => self.flag(n, &f.path("loop")),
            None => Some(Located::new(true, f.at)),
        };
        let sector_size = f
            .get("sector_size")
            .and_then(|n| self.number::<u32>(n, &f.path("sector_size"), 512, 4096));
        Some(SparseFiles {
            dir: dir?.map(PathBuf::from),
            names: names?,
            size: size?,
            attach: attach?,
            sector_size,
        })
    }

    /// `disk{n}.img` × 3 → disk0.img disk1.img disk2.img; `{n:02}` pads with zeros.
    fn expand_pattern(
        &mut self,
        pattern: &Located<String>,
        path: &str,
        count: u32,
    ) -> Option<Vec<String>> {
        let help =
            "use `{n}` (or `{n:02}` for zero-padding) for the file number, e.g. `disk{n:02}.img`";
        let Some((head, rest)) = pattern.value.split_once("{n") else {
            self.error(
                pattern.at,
                path,
                format!("pattern `{}` has no `{{n}}`", pattern.value),
                Some(help.into()),
            );
            return None;
        };
        let Some((spec, tail)) = rest.split_once('}') else {
            self.error(pattern.at, path, "unclosed `{n`", Some(help.into()));
            return None;
        };
        let width = match spec.strip_prefix(':') {
            None if spec.is_empty() => 0,
            Some(w) => match w.parse::<usize>() {
                Ok(w) if w <= 9 => w,
                _ => {
                    self.error(
                        pattern.at,
                        path,
                        format!("bad padding `{spec}`"),
                        Some(help.into()),
                    );
                    return None;
                }
            },
            None => {
                self.error(
                    pattern.at,
                    path,
                    format!("bad placeholder `{{n{spec}}}`"),
                    Some(help.into()),
                );
                return None;
            }
        };
        Some(
            (0..count)
                .map(|i| format!("{head}{i:0width$}{tail}"))
                .collect(),
        )
    }

    fn size(&mut self, node: &Located<Node>, path: &str) -> Option<Located<Size>> {
        self.parse::<Size>(node, path, "sizes follow truncate: K M G T P are powers of 1024, KB MB GB TB PB powers of 1000, e.g. `14T`, `1600GB`")
    }

    fn ram(&mut self, node: &Located<Node>, path: &str) -> Option<RamDisks> {
        let f = self.map(node, path, RAM_KEYS)?;
        let count = match f.get("count") {
            Some(n) => self.number::<u32>(n, &f.path("count"), 1, 16),
            None => Some(Located::new(1, f.at)),
        };
        let size = self
            .required(&f, "size", "the size of each RAM disk, e.g. `size: 10G`")
            .and_then(|n| self.size(n, &f.path("size")));
        Some(RamDisks {
            count: count?,
            size: size?,
        })
    }

    fn disk(&mut self, node: &Located<Node>, path: &str) -> Option<RealDisks> {
        let f = self.map(node, path, DISK_KEYS)?;
        let paths = self
            .required(
                &f,
                "paths",
                "list the block devices, e.g. `paths: [/dev/disk/by-id/...]`",
            )
            .map(|n| {
                self.list(n, &f.path("paths"), |d, item, p| {
                    d.text(item, p).map(|t| t.map(PathBuf::from))
                })
            });
        let force = self.opt_flag(&f, "force");
        Some(RealDisks {
            paths: paths?,
            force,
        })
    }

    fn wipe(&mut self, node: &Located<Node>, path: &str) -> Option<Wipe> {
        let f = self.map(node, path, WIPE_KEYS)?;
        let devices = self
            .required(&f, "devices", "which devices to wipe, e.g. `devices: old`")
            .and_then(|n| self.selection(n, &f.path("devices")));
        let mode_help = "one of `labels` (zpool labelclear + wipefs), `ends` (zero the first and last `mib` MiB) or `zero` (the whole device)";
        let mode = match f.get("mode") {
            Some(n) => {
                let text = self.text(n, &f.path("mode"));
                text.and_then(|t| match t.value.as_str() {
                    "labels" => Some(WipeMode::Labels),
                    "ends" => Some(WipeMode::Ends { mib: 0 }),
                    "zero" => Some(WipeMode::Zero),
                    other => {
                        self.error(
                            n.at,
                            &f.path("mode"),
                            format!("unknown wipe mode `{other}`"),
                            Some(mode_help.into()),
                        );
                        None
                    }
                })
                .map(|m| Located::new(m, n.at))
            }
            None => Some(Located::new(WipeMode::Labels, f.at)),
        };
        let mib = match f.get("mib") {
            Some(n) => self.number::<u32>(n, &f.path("mib"), 1, 1 << 20),
            None => Some(Located::new(16, f.at)),
        };
        let mut mode = mode?;
        match (&mut mode.value, f.get("mib")) {
            (WipeMode::Ends { mib: m }, _) => *m = mib?.value,
            (_, Some(n)) => self.error(
                n.at,
                &f.path("mib"),
                "`mib` only applies to `mode: ends`",
                None,
            ),
            _ => {}
        }
        Some(Wipe {
            devices: devices?,
            mode,
        })
    }

    fn table(&mut self, node: &Located<Node>, path: &str) -> Option<PartitionTable> {
        let f = self.map(node, path, TABLE_KEYS)?;
        let device = self
            .required(&f, "device", "the device to label, e.g. `device: vol`")
            .and_then(|n| self.selection(n, &f.path("device")));
        let label = match f.get("label") {
            Some(n) => self
                .text(n, &f.path("label"))
                .and_then(|t| match t.value.as_str() {
                    "gpt" => Some(Located::new(LabelKind::Gpt, n.at)),
                    "msdos" => Some(Located::new(LabelKind::Msdos, n.at)),
                    other => {
                        self.error(
                            n.at,
                            &f.path("label"),
                            format!("unknown label `{other}`"),
                            Some("use `gpt` (needed beyond 2 TiB) or `msdos`".into()),
                        );
                        None
                    }
                }),
            None => Some(Located::new(LabelKind::Gpt, f.at)),
        };
        let parts = self
            .required(
                &f,
                "parts",
                "list the partitions, e.g. `parts: [{ name: data }]`",
            )
            .map(|n| self.list(n, &f.path("parts"), |d, n, p| d.or_broken(n, p, Self::part)));
        Some(PartitionTable {
            device: device?,
            label: label?,
            parts: parts?,
        })
    }

    fn part(&mut self, node: &Located<Node>, path: &str) -> Option<Part> {
        let f = self.map(node, path, PART_KEYS)?;
        let name = self
            .required(
                &f,
                "name",
                "name the partition so pools can use it, e.g. `name: slog_a`",
            )
            .and_then(|n| self.text(n, &f.path("name")));
        let bound = |d: &mut Self, key: &str, default: Bound| match f.get(key) {
            Some(n) => d.parse::<Bound>(
                n,
                &f.path(key),
                "a percentage of the device (`50%`) or an offset (`1GiB`)",
            ),
            None => Some(Located::new(default, f.at)),
        };
        let start = bound(self, "start", Bound::Percent(0));
        let end = bound(self, "end", Bound::Percent(100));
        let fs = f.get("fs").and_then(|n| {
            self.text(n, &f.path("fs"))
                .and_then(|t| match t.value.as_str() {
                    "ext4" => Some(Located::new(FsKind::Ext4, n.at)),
                    "xfs" => Some(Located::new(FsKind::Xfs, n.at)),
                    other => {
                        self.error(
                            n.at,
                            &f.path("fs"),
                            format!("unsupported filesystem `{other}`"),
                            Some("use `ext4` or `xfs`".into()),
                        );
                        None
                    }
                })
        });
        let mount = f
            .get("mount")
            .and_then(|n| self.text(n, &f.path("mount")))
            .map(|t| t.map(PathBuf::from));
        Some(Part {
            name: name?,
            start: start?,
            end: end?,
            fs,
            mount,
        })
    }

    /// A pool with any undecodable part is left out whole: checking the rest
    /// (e.g. "no data vdev") would only repeat the problem.
    fn pool(&mut self, node: &Located<Node>, path: &str) -> Option<Pool> {
        let problems = self.diags.len();
        let f = self.map(node, path, POOL_KEYS)?;
        let name = self
            .required(
                &f,
                "name",
                "name the pool, e.g. `name: tank` or `name: \"{layout}\"`",
            )
            .and_then(|n| self.text(n, &f.path("name")));
        let ashift = f
            .get("ashift")
            .and_then(|n| self.number::<u8>(n, &f.path("ashift"), 0, u8::MAX));
        let vdevs = self
            .required(
                &f,
                "vdevs",
                "list the data vdevs, e.g. `vdevs: [{ type: raidz1, devices: disks }]`",
            )
            .map(|n| self.list(n, &f.path("vdevs"), Self::vdev));
        let log = self.opt_list(&f, "log", Self::vdev);
        let special = self.opt_list(&f, "special", Self::vdev);
        let cache = f
            .get("cache")
            .and_then(|n| self.selection(n, &f.path("cache")));
        let spares = f
            .get("spares")
            .and_then(|n| self.selection(n, &f.path("spares")));
        let properties = self.opt_properties(&f, "properties");
        let root = self.opt_properties(&f, "root");
        let mountpoint = f
            .get("mountpoint")
            .and_then(|n| self.text(n, &f.path("mountpoint")));
        let altroot = f
            .get("altroot")
            .and_then(|n| self.text(n, &f.path("altroot")))
            .map(|t| t.map(PathBuf::from));
        let force = self.opt_flag(&f, "force");
        let datasets = self.opt_list(&f, "datasets", Self::dataset);
        let volumes = self.opt_list(&f, "volumes", Self::volume);
        if self.diags.len() > problems {
            return None;
        }
        Some(Pool {
            name: name?,
            ashift,
            vdevs: vdevs?,
            log,
            special,
            cache,
            spares,
            properties,
            root,
            mountpoint,
            altroot,
            force,
            datasets,
            volumes,
            at: node.at,
        })
    }

    fn vdev(&mut self, node: &Located<Node>, path: &str) -> Option<Vdev> {
        let f = self.map(node, path, VDEV_KEYS)?;
        let kind = self
            .required(&f, "type", "stripe, mirror, raidz1/2/3 or draid<p>[:<d>d][:<c>c][:<s>s]")
            .and_then(|n| self.parse(n, &f.path("type"), "stripe, mirror, raidz1, raidz2, raidz3 or draid<parity>[:<data>d][:<children>c][:<spares>s], e.g. draid2:16d:58c:4s"));
        let devices = self
            .required(&f, "devices", "which devices, e.g. `devices: disks`")
            .and_then(|n| self.selection(n, &f.path("devices")));
        Some(Vdev {
            kind: kind?,
            devices: devices?,
        })
    }

    fn dataset(&mut self, node: &Located<Node>, path: &str) -> Option<Dataset> {
        let f = self.map(node, path, DATASET_KEYS)?;
        let name = self
            .required(
                &f,
                "name",
                "the dataset's name below the pool, e.g. `name: Data`",
            )
            .and_then(|n| self.text(n, &f.path("name")));
        let properties = self.opt_properties(&f, "properties");
        Some(Dataset {
            name: name?,
            properties,
        })
    }

    fn volume(&mut self, node: &Located<Node>, path: &str) -> Option<Volume> {
        let f = self.map(node, path, VOLUME_KEYS)?;
        let name = self
            .required(
                &f,
                "name",
                "the volume's name below the pool, e.g. `name: vol1`; it is a device name too",
            )
            .and_then(|n| self.text(n, &f.path("name")));
        let size = self
            .required(
                &f,
                "size",
                "the volume's size (`zfs create -V`), e.g. `size: 54854G`",
            )
            .and_then(|n| self.size(n, &f.path("size")));
        let volblocksize = match f.get("volblocksize") {
            Some(n) => Some(self.size(n, &f.path("volblocksize"))?),
            None => None,
        };
        let sparse = self.opt_flag(&f, "sparse");
        let properties = self.opt_properties(&f, "properties");
        Some(Volume {
            name: name?,
            size: size?,
            sparse,
            volblocksize,
            properties,
        })
    }

    fn fill(&mut self, node: &Located<Node>, path: &str) -> Option<Fill> {
        let f = self.map(node, path, FILL_KEYS)?;
        let dataset = f
            .get("dataset")
            .and_then(|n| self.text(n, &f.path("dataset")));
        let target_path = f
            .get("path")
            .and_then(|n| self.text(n, &f.path("path")))
            .map(|t| t.map(PathBuf::from));
        if f.get("dataset").is_some() == f.get("path").is_some() {
            self.error(f.at, path, "a fill needs exactly one of `dataset` or `path`", Some("`dataset: pool/Data` fills a ZFS dataset; `path: /mnt/x` any mounted directory".into()));
        }
        let until = self.required(&f, "until", "e.g. `until: 75%`, `until: 10TB` or `until: 1000 files`").and_then(|n| {
            self.parse::<FillTarget>(n, &f.path("until"), "a percentage of the pool's capacity (`75%`), a size (`10TB`) or a file count (`1000 files`)")
        });
        self.fill_rest(&f, dataset, target_path, until)
    }

    /// How a fill writes (everything but its target and its end), from `f`.
    fn fill_rest(
        &mut self,
        f: &Fields<'_>,
        dataset: Option<Located<String>>,
        target_path: Option<Located<PathBuf>>,
        until: Option<Located<FillTarget>>,
    ) -> Option<Fill> {
        let size_or = |d: &mut Self, key: &str, default: Size| match f.get(key) {
            Some(n) => d.size(n, &f.path(key)),
            None => Some(Located::new(default, f.at)),
        };
        let file_size = size_or(self, "file_size", Fill::FILE_SIZE);
        let buffer = match f.get("buffer") {
            Some(n) => self.size(n, &f.path("buffer")).map(|s| s.map(Some)),
            None => Some(Located::new(None, f.at)),
        };
        let pattern = match f.get("pattern") {
            Some(n) => self.text(n, &f.path("pattern")),
            None => Some(Located::new(Fill::PATTERN.to_owned(), f.at)),
        };
        let count_or = |d: &mut Self, key: &str, default: u32, max: u32| match f.get(key) {
            Some(n) => d.number::<u32>(n, &f.path(key), 1, max),
            None => Some(Located::new(default, f.at)),
        };
        let streams = match f.get("streams") {
            Some(n) => self
                .number::<u32>(n, &f.path("streams"), 1, Fill::MAX_STREAMS)
                .map(|s| s.map(Some)),
            None => Some(Located::new(None, f.at)),
        };
        let window = count_or(self, "window", Fill::WINDOW, Fill::MAX_WINDOW);
        let direct = self.opt_flag(f, "direct");
        let during = self.opt_properties(f, "during");
        let after = match f.get("after") {
            None => Some(Located::new(After::Restore, f.at)),
            Some(n) => match &n.value {
                Node::Str(s) if s == "restore" => Some(Located::new(After::Restore, n.at)),
                Node::Map(_) => Some(Located::new(
                    After::Set(self.properties(n, &f.path("after"))),
                    n.at,
                )),
                other => {
                    self.error(n.at, &f.path("after"), format!("expected `restore` or a map of properties, found {}", other.kind()), Some("`after: restore` puts the original values back; `after: { sync: standard }` sets these".into()));
                    None
                }
            },
        };
        Some(Fill {
            dataset,
            path: target_path,
            until: until?,
            file_size: file_size?,
            buffer: buffer?,
            pattern: pattern?,
            streams: streams?,
            window: window?,
            direct,
            during,
            after: after?,
        })
    }
}

fn collect_names(node: &Node, into: &mut Vec<String>) {
    match node {
        Node::Map(entries) => {
            for (key, value) in entries {
                match (key.value.as_str(), value.value.scalar_text()) {
                    ("name", Some(name)) => into.push(name),
                    _ => collect_names(&value.value, into),
                }
            }
        }
        Node::Seq(items) => items.iter().for_each(|i| collect_names(&i.value, into)),
        _ => {}
    }
}

/// A short rendering of a scalar for "found …" messages.
fn describe(node: &Node) -> String {
    match node.scalar_text() {
        Some(t) if matches!(node, Node::Str(_)) => format!("`{t}`"),
        Some(t) => t,
        None => node.kind().to_owned(),
    }
}
