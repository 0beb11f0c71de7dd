//! A pool's scans — scrub, resilver, and dRAID's sequential rebuild — as
//! `zpool status` reports them: what runs, how far it is, how fast, how long
//! is left. Read from the text `scan:` block (every release) or from
//! `zpool status -j`'s `scan_stats` (2.3+); both give the same [`Scan`].
//!
//! The text follows `print_scan_scrub_resilver_status` and
//! `print_rebuild_status_impl` (cmd/zpool/zpool_main.c): 2.1 prints
//! `X scanned at R/s, Y issued at R/s, Z total`, 2.2+ `X / Z scanned at R/s,
//! Y / Z issued at R/s`; the percentage and `…, HH:MM:SS to go` are alike.

use std::time::Duration;

use serde_json::Value;

/// Which scan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ScanKind {
    Scrub,
    /// Healing resilver of the whole pool.
    Resilver,
    /// Sequential rebuild of one top-level vdev (dRAID spares, `zpool replace -s`),
    /// named as `zpool status` names it (`draid2:4d:10c:1s-0`).
    Rebuild {
        vdev: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ScanState {
    Running,
    Paused,
    Finished,
    Canceled,
}

/// One scan's progress.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Scan {
    pub(crate) kind: ScanKind,
    pub(crate) state: ScanState,
    /// Done, 0 to 100, while it runs.
    pub(crate) percent: Option<f64>,
    /// Bytes per second issued (rebuilds: scanned, as zpool's ETA uses).
    pub(crate) rate: Option<u64>,
    /// What zpool estimates is left; none when it gives no estimate.
    pub(crate) eta: Option<Duration>,
}

impl Scan {
    /// A scan as its first words say; how far it is comes after.
    fn new(kind: ScanKind, state: ScanState) -> Scan {
        Scan {
            kind,
            state,
            percent: None,
            rate: None,
            eta: None,
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        matches!(self.state, ScanState::Running | ScanState::Paused)
    }
}

/// The `scan:` blocks of `zpool status` text: each starts with `  scan: ` and
/// continues on tab-indented lines. An unknown first line is skipped (a newer
/// release's wording is not an error; the topology still reads).
pub(crate) fn from_text(status: &str) -> Vec<Scan> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut inside = false;
    for line in status.lines() {
        if let Some(first) = line.trim_start().strip_prefix("scan:") {
            blocks.push(vec![first.trim()]);
            inside = true;
        } else if inside && line.starts_with('\t') {
            if let Some(b) = blocks.last_mut() {
                b.push(line.trim());
            }
        } else {
            inside = false;
        }
    }
    blocks.iter().filter_map(|b| text_block(b)).collect()
}

fn text_block(lines: &[&str]) -> Option<Scan> {
    let first = *lines.first()?;
    let rebuild_vdev = |rest: &str| {
        rest.strip_prefix('(')
            .and_then(|r| r.split_once(')'))
            .map(|(v, _)| v.to_owned())
    };
    let (kind, state) = if first.starts_with("scrub in progress") {
        (ScanKind::Scrub, ScanState::Running)
    } else if first.starts_with("scrub paused") {
        (ScanKind::Scrub, ScanState::Paused)
    } else if first.starts_with("scrub repaired") {
        (ScanKind::Scrub, ScanState::Finished)
    } else if first.starts_with("scrub canceled") {
        (ScanKind::Scrub, ScanState::Canceled)
    } else if first.starts_with("resilver in progress") {
        (ScanKind::Resilver, ScanState::Running)
    } else if first.starts_with("resilver canceled") {
        (ScanKind::Resilver, ScanState::Canceled)
    } else if let Some(rest) = first.strip_prefix("resilver (") {
        let vdev = rebuild_vdev(&format!("({rest}"))?;
        let state = if rest.contains(") in progress") {
            ScanState::Running
        } else if rest.contains(") canceled") {
            ScanState::Canceled
        } else {
            return None;
        };
        (ScanKind::Rebuild { vdev }, state)
    } else if let Some(rest) = first.strip_prefix("resilvered (") {
        let vdev = rebuild_vdev(&format!("({rest}"))?;
        (ScanKind::Rebuild { vdev }, ScanState::Finished)
    } else if first.starts_with("resilvered ") {
        (ScanKind::Resilver, ScanState::Finished)
    } else {
        // "none requested", or wording this reader does not know.
        return None;
    };
    let mut scan = Scan::new(kind, state);
    if !scan.is_running() {
        return Some(scan);
    }
    for line in &lines[1..] {
        if let Some(done) = line.find("% done") {
            scan.percent = line[..done].rsplit(' ').next().and_then(|p| p.parse().ok());
            scan.eta = line
                .split_once("% done, ")
                .and_then(|(_, rest)| rest.strip_suffix(" to go"))
                .and_then(dhms);
        } else if scan.rate.is_none() {
            // Issued rate; a rebuild's ETA follows its scan rate.
            let wanted = if matches!(scan.kind, ScanKind::Rebuild { .. }) {
                "scanned"
            } else {
                "issued"
            };
            scan.rate = line
                .split(", ")
                .find(|part| part.contains(wanted))
                .and_then(|part| part.rsplit(' ').next())
                .and_then(|r| r.strip_suffix("/s"))
                .and_then(nicebytes);
        }
    }
    Some(scan)
}

/// `secs_to_dhms`: `01:02:03` or `2 days 01:02:03`.
fn dhms(text: &str) -> Option<Duration> {
    let (days, clock) = match text.split_once(" days ") {
        Some((d, c)) => (d.parse::<u64>().ok()?, c),
        None => (0, text),
    };
    let mut parts = clock.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(Duration::from_secs(((days * 24 + h) * 60 + m) * 60 + s))
}

/// `zfs_nicebytes`: `1.23G`, `512M`, `0B`, `100K` (powers of 1024).
fn nicebytes(text: &str) -> Option<u64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let shift = match unit {
        "" | "B" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        "P" => 50,
        "E" => 60,
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rate printed with three significant digits"
    )]
    Some((value * (1u64 << shift) as f64) as u64)
}

/// `scan_stats` of `zpool status -j --json-int` (2.3+). `now` (seconds since
/// the epoch) is what zpool itself uses for a scrub's or resilver's rate.
pub(crate) fn from_json(stats: &Value, now: u64) -> Vec<Scan> {
    let int = |v: &Value, key: &str| v[key].as_u64().unwrap_or(0);
    let mut scans = Vec::new();
    let kind = match stats["function"].as_str() {
        Some("SCRUB") => Some(ScanKind::Scrub),
        Some("RESILVER") => Some(ScanKind::Resilver),
        _ => None,
    };
    let state = match stats["state"].as_str() {
        Some("SCANNING") if int(stats, "scrub_pause") != 0 => Some(ScanState::Paused),
        Some("SCANNING") => Some(ScanState::Running),
        Some("FINISHED") => Some(ScanState::Finished),
        Some("CANCELED") => Some(ScanState::Canceled),
        _ => None,
    };
    if let (Some(kind), Some(state)) = (kind, state) {
        let mut scan = Scan::new(kind, state);
        if scan.is_running() {
            let (issued, total) = (int(stats, "issued"), int(stats, "to_examine"));
            scan.percent = ratio(issued, total);
            let elapsed = now
                .saturating_sub(int(stats, "pass_start"))
                .saturating_sub(int(stats, "scrub_spent_paused"))
                .max(1);
            let rate = int(stats, "issued_bytes_per_scan") / elapsed;
            if state == ScanState::Running {
                scan.rate = Some(rate);
                scan.eta = eta(total.saturating_sub(issued), rate);
            }
        }
        scans.push(scan);
    }
    if let Some(rebuilds) = stats["rebuild_stats"].as_object() {
        for (vdev, r) in rebuilds {
            let state = match r["state"].as_str() {
                Some("ACTIVE") => ScanState::Running,
                Some("COMPLETE") => ScanState::Finished,
                Some("CANCELED") => ScanState::Canceled,
                _ => continue,
            };
            let mut scan = Scan::new(ScanKind::Rebuild { vdev: vdev.clone() }, state);
            if state == ScanState::Running {
                let (scanned, total) = (int(r, "scanned"), int(r, "to_scan"));
                // zpool: scanned × 100 / (estimate + 1), at most 100.
                scan.percent = ratio(scanned, total + 1).map(|p| p.min(100.0));
                let rate = int(r, "pass_scanned") / (int(r, "pass_time") + 1) * 1000;
                scan.rate = Some(rate);
                scan.eta = eta(total.saturating_sub(scanned), rate);
            }
            scans.push(scan);
        }
    }
    scans
}

#[expect(
    clippy::cast_precision_loss,
    reason = "a percentage shown with two decimals"
)]
fn ratio(done: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| done as f64 * 100.0 / total as f64)
}

/// zpool gives an estimate only from 10 MiB/s on.
fn eta(left: u64, rate: u64) -> Option<Duration> {
    (rate >= 10 << 20).then(|| Duration::from_secs(left / rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_resilver_in_2_1_wording() {
        let text = "  pool: t\n state: DEGRADED\n  scan: resilver in progress since Tue Dec  1 03:00:00 2026\n\t1.20G scanned at 409M/s, 512M issued at 171M/s, 2.00G total\n\t510M resilvered, 25.00% done, 00:00:08 to go\nconfig:\n";
        assert_eq!(
            from_text(text),
            [Scan {
                kind: ScanKind::Resilver,
                state: ScanState::Running,
                percent: Some(25.0),
                rate: Some(171 << 20),
                eta: Some(Duration::from_secs(8)),
            }]
        );
    }

    #[test]
    fn a_running_rebuild_in_2_3_wording() {
        let text = "  scan: resilver (draid2:4d:10c:1s-0) in progress since Tue Dec  1 03:00:00 2026\n\t1.5G / 3G scanned at 20M/s, 1G / 3G issued at 15M/s\n\t900M resilvered, 50.00% done, 2 days 00:01:15 to go\n";
        assert_eq!(
            from_text(text),
            [Scan {
                kind: ScanKind::Rebuild {
                    vdev: "draid2:4d:10c:1s-0".to_owned()
                },
                state: ScanState::Running,
                percent: Some(50.0),
                rate: Some(20 << 20),
                eta: Some(Duration::from_secs(2 * 86_400 + 75)),
            }]
        );
    }

    #[test]
    fn finished_and_absent_scans() {
        let text =
            "  scan: scrub repaired 0B in 00:00:01 with 0 errors on Tue Dec  1 03:00:00 2026\n";
        assert_eq!(from_text(text)[0].state, ScanState::Finished);
        assert!(from_text("  scan: none requested\n").is_empty());
        let no_estimate = "  scan: scrub in progress since X\n\t1M scanned at 1M/s, 1M issued at 1M/s, 9M total\n\t0B repaired, 11.11% done, no estimated completion time\n";
        let scan = &from_text(no_estimate)[0];
        assert_eq!((scan.percent, scan.eta), (Some(11.11), None));
    }

    #[test]
    fn json_scrub_and_rebuild() {
        let stats: Value = serde_json::from_str(
            r#"{"function":"SCRUB","state":"SCANNING","to_examine":1000,"issued":250,
                "pass_start":100,"scrub_pause":0,"scrub_spent_paused":0,"issued_bytes_per_scan":250,
                "rebuild_stats":{"draid1:2d:4c:1s-0":{"state":"ACTIVE","scanned":104857600,
                "to_scan":209715199,"pass_time":4999,"pass_scanned":104857600}}}"#,
        )
        .expect("json");
        let scans = from_json(&stats, 110);
        assert_eq!(scans[0].percent, Some(25.0));
        assert_eq!(scans[0].rate, Some(25));
        assert_eq!(scans[0].eta, None);
        assert_eq!(scans[1].percent, Some(50.0));
        // zpool's integer arithmetic: 104857600 / 5000 × 1000.
        assert_eq!(scans[1].rate, Some(20_971_000));
        assert_eq!(scans[1].eta, Some(Duration::from_secs(5)));
    }

    #[test]
    fn nicebytes_reads_zfs_numbers() {
        assert_eq!(nicebytes("0B"), Some(0));
        assert_eq!(nicebytes("1.50K"), Some(1536));
        assert_eq!(nicebytes("12x"), None);
    }
}
