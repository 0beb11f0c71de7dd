//! The capacity model shown: tables for people and JSON for `zlab capacity`,
//! one line per pool and fill under the plan's steps, and the table of
//! candidate dRAID layouts of `zlab capacity --layouts`.

use std::fmt::Write as _;

use super::model::{FillCapacity, LabCapacity, PoolCapacity, VolumeCapacity, hundredths};
use crate::scenario::model::FillTarget;
use crate::scenario::size::Size;
use crate::units::thousands;
use crate::zfs::capacity::layouts::{Candidate, Search};
use crate::zfs::capacity::pool::{PoolSpace, VdevSpace};

/// `12.34 %`.
fn percent(h: u64) -> String {
    format!("{}.{:02} %", h / 100, h % 100)
}

fn human(n: u64) -> String {
    Size::from_bytes(n).human()
}

pub(crate) fn pool_line(r: &PoolCapacity) -> String {
    match (&r.space, &r.unknown) {
        (Some(s), _) => format!(
            "zpool SIZE {}, usable {} (zfs USED + AVAIL) of {} raw ({})",
            human(s.zpool_size),
            human(s.usable),
            human(s.raw),
            percent(s.efficiency())
        ),
        (None, Some(why)) => format!("not known before the run: {why}"),
        (None, None) => "not known before the run".into(),
    }
}

/// The volume's size, block size and what it reserves in its pool.
pub(crate) fn volume_line(v: &VolumeCapacity) -> String {
    let c = &v.cost;
    let block = format!(
        "{} blocks{}",
        Size::from_bytes(c.volblocksize),
        if c.block_chosen {
            " (zfs's choice for this pool)"
        } else {
            ""
        }
    );
    let size = format!("{} ({} B)", human(c.volsize), thousands(c.volsize));
    let padding = if c.padding > 0 {
        format!(", {} of it padding beyond the data", human(c.padding))
    } else {
        String::new()
    };
    let reservation = format!(
        "{} ({} B, {} of usable{padding})",
        human(c.reservation),
        thousands(c.reservation),
        percent(v.percent_of_usable)
    );
    if v.sparse {
        format!(
            "{size} in {block}, sparse: reserves nothing, costs what is written (not sparse it would reserve {reservation})"
        )
    } else {
        format!("{size} in {block}: refreservation {reservation}")
    }
}

pub(crate) fn fill_line(f: &FillCapacity, space: &PoolSpace) -> String {
    let what = match f.until {
        FillTarget::Percent(_) => format!("{} of {} usable = ", f.until, human(space.usable)),
        FillTarget::Bytes(b) => format!("{b} = "),
        FillTarget::Files(_) => String::new(),
    };
    let mut line = format!(
        "{what}{} file{} of {} = {} written, {} charged ({} of usable; {} records{})",
        thousands(f.files),
        if f.files == 1 { "" } else { "s" },
        Size::from_bytes(f.cost.file_size),
        human(f.bytes),
        human(f.charged),
        percent(f.percent_of_usable),
        Size::from_bytes(f.cost.recordsize),
        if f.cost.copies > 1 {
            format!(", copies={}", f.cost.copies)
        } else {
            String::new()
        }
    );
    if !f.fits {
        line.push_str(" — more than the pool holds");
    }
    line
}

/// The report as tables for people.
pub(crate) fn text(report: &LabCapacity) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "capacity of {} ({}), by OpenZFS 2.3's rules",
        report.lab,
        report.file.display()
    );
    for r in &report.pools {
        let ashift = match (r.ashift, r.ashift_inferred) {
            (Some(a), false) => format!(", ashift {a}"),
            (Some(a), true) => {
                format!(", ashift {a} (not set: the one zpool picks for these devices)")
            }
            (None, _) => String::new(),
        };
        let _ = writeln!(out, "\npool {}: {}{ashift}", r.name, r.topology);
        match &r.space {
            Some(space) => pool_table(&mut out, space),
            None => {
                let _ = writeln!(out, "  {}", pool_line(r));
            }
        }
        for nd in &r.not_data {
            let _ = writeln!(out, "  not data capacity: {nd}");
        }
        for v in &r.volumes {
            let _ = writeln!(out, "  volume {}: {}", v.name, volume_line(v));
        }
        if let Some(space) = &r.space {
            for f in &r.fills {
                let _ = writeln!(out, "  fill {}: {}", f.dataset, fill_line(f, space));
                let _ = writeln!(
                    out,
                    "    each {} file: {} record{} of {}, charged {} B",
                    Size::from_bytes(f.cost.file_size),
                    thousands(f.cost.blocks),
                    if f.cost.blocks == 1 { "" } else { "s" },
                    Size::from_bytes(f.cost.block_size),
                    thousands(f.cost.charged)
                );
            }
        }
    }
    for p in &report.path_fills {
        let _ = writeln!(out, "\nfill {p}");
    }
    out
}

fn pool_table(out: &mut String, s: &PoolSpace) {
    let row = |out: &mut String, sign: &str, label: &str, bytes: u64| {
        let _ = writeln!(
            out,
            "  {sign} {label:<34} {:>25} {:>12} {:>10}",
            thousands(bytes),
            human(bytes),
            percent(hundredths(bytes, s.raw))
        );
    };
    let _ = writeln!(
        out,
        "    {:<34} {:>25} {:>12} {:>10}",
        "", "bytes", "", "of raw"
    );
    row(out, " ", "raw (data devices)", s.raw);
    for (label, bytes) in s.losses.before_size() {
        if bytes > 0 {
            row(out, "−", label, bytes);
        }
    }
    if s.special_size > 0 {
        row(out, "=", "data vdevs", s.data_size);
        row(out, "+", "special vdevs", s.special_size);
    }
    row(out, "=", "zpool list SIZE", s.zpool_size);
    if s.special_size > 0 {
        row(out, "−", "special vdevs", s.special_size);
    }
    for (label, bytes) in s.losses.after_size() {
        if bytes > 0 || label.starts_with("slop") {
            row(out, "−", label, bytes);
        }
    }
    row(out, "=", "usable: zfs list USED + AVAIL", s.usable);
    for v in group_vdevs(&s.data) {
        let _ = writeln!(out, "  {v}");
    }
}

/// `3 × raidz2 of 6: asize …, 1,535 metaslabs of 16 GiB, 128K deflated 341/512`.
fn group_vdevs(vdevs: &[VdevSpace]) -> Vec<String> {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for v in vdevs {
        let line = format!(
            "{} of {}: asize {}, {} metaslabs of {}, 128K blocks deflated {}/512",
            v.shape,
            v.children,
            human(v.asize),
            thousands(v.ms_count),
            human(1 << v.ms_shift),
            v.deflate_ratio
        );
        match lines.iter_mut().find(|(l, _)| *l == line) {
            Some((_, n)) => *n += 1,
            None => lines.push((line, 1)),
        }
    }
    lines
        .into_iter()
        .map(|(l, n)| if n == 1 { l } else { format!("{n} × {l}") })
        .collect()
}

/// The report for programs.
pub(crate) fn json(report: &LabCapacity) -> String {
    crate::output::document("capacity", report)
}

/// The candidate dRAID layouts as a table; `recordsize` is the record size
/// whose files the "holds" column counts.
pub(crate) fn layouts_text(search: &Search, candidates: &[Candidate], recordsize: u64) -> String {
    let mut out = String::new();
    let raw = u64::from(search.drives).saturating_mul(search.size);
    let _ = writeln!(
        out,
        "dRAID layouts of {} drives of {} ({} raw), ashift {}, 0 to {} distributed spares",
        search.drives,
        Size::from_bytes(search.size),
        human(raw),
        search.ashift,
        search.max_spares
    );
    let _ = writeln!(
        out,
        "usable: zfs list USED + AVAIL; holds: data in {} records that fits in it; survives: failures at once / one after another with rebuilds onto spares\n",
        Size::from_bytes(recordsize)
    );
    let _ = writeln!(
        out,
        "{:<20} {:<20} {:>12} {:>9} {:>12} {:>8} {:>17} {:>9}",
        "layout", "vdev", "usable", "of raw", "holds", "parity", "spares", "survives"
    );
    for c in candidates {
        let charge = c.space.block_charge(recordsize);
        let holds = if charge == 0 {
            0
        } else {
            u64::try_from(u128::from(c.space.usable) * u128::from(recordsize) / u128::from(charge))
                .unwrap_or(u64::MAX)
        };
        let (at_once, in_turn) = c.survives();
        let spares = if c.layout.spares == 0 {
            "0".to_owned()
        } else {
            format!(
                "{} ({})",
                c.layout.spares,
                human(c.space.losses.distributed_spares)
            )
        };
        let _ = writeln!(
            out,
            "{:<20} {:<20} {:>12} {:>9} {:>12} {:>8} {:>17} {:>9}",
            c.name.to_string(),
            c.layout.to_string(),
            human(c.space.usable),
            percent(c.space.efficiency()),
            human(holds),
            percent(c.parity_overhead()),
            spares,
            format!("{at_once} / {in_turn}")
        );
    }
    out
}

pub(crate) fn layouts_json(search: &Search, candidates: &[Candidate]) -> String {
    let doc = serde_json::json!({
        "drives": search.drives,
        "size": search.size,
        "ashift": search.ashift,
        "candidates": candidates,
    });
    crate::output::document("layouts", &doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::thousands;

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(812_000_000_000_000), "812,000,000,000,000");
        assert_eq!(percent(8272), "82.72 %");
        assert_eq!(percent(5), "0.05 %");
        assert_eq!(hundredths(3, 4), 7500);
        assert_eq!(hundredths(1, 0), 0);
    }
}
