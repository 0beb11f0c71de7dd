//! `zpool status -P POOL` text, the one topology output every release has.
//!
//! Layout (`print_status_config`, `print_class_vdevs`, `print_spares`,
//! `print_l2cache` in cmd/zpool/zpool_main.c, alike from 2.1 to 2.4): after
//! `config:` and a `NAME STATE READ WRITE CKSUM` header, one line per vdev,
//! a tab, then two spaces per level: the pool at level 0, then its top-level
//! vdevs, their children… Class headers (`logs`, `special`, `dedup`, `cache`,
//! `spares`) stand alone at level 0. With `-P`, leaves are full paths. Hot
//! spares have no error columns; a missing device is named by its GUID and
//! says `was <path>`.

use super::{ParseError, State, Topology, Vdev, VdevType};
use crate::zfs::scan;

/// One vdev line before its children are attached.
struct Line {
    depth: usize,
    class: Class,
    name: String,
    state: State,
    note: String,
    number: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Data,
    Log,
    Special,
    Dedup,
    Cache,
    Spare,
}

/// Parses the status of `pool`.
pub(crate) fn parse(text: &str, pool: &str) -> Result<Topology, ParseError> {
    let named = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("pool:"))
        .any(|n| n.trim() == pool);
    if !named {
        return Err(ParseError::NoPool(pool.to_owned()));
    }
    let mut topology = Topology {
        pool: pool.to_owned(),
        scans: scan::from_text(text),
        ..Topology::default()
    };
    let config = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| l.trim() != "config:")
        .skip(1)
        .skip_while(|(_, l)| l.trim().is_empty());
    let mut lines = Vec::new();
    let mut class = None;
    let mut header = false;
    for (i, raw) in config {
        let number = i + 1;
        let Some(line) = raw.strip_prefix('\t') else {
            break;
        };
        if !header {
            header = line.trim_start().starts_with("NAME");
            if !header {
                return Err(ParseError::Line {
                    line: number,
                    reason: "expected the NAME STATE header".to_owned(),
                });
            }
            continue;
        }
        let depth = line.len() - line.trim_start_matches(' ').len();
        let rest = line.trim();
        if depth == 0 {
            class = Some(match rest {
                "logs" => Class::Log,
                "special" => Class::Special,
                "dedup" => Class::Dedup,
                "cache" => Class::Cache,
                "spares" => Class::Spare,
                _ => {
                    let (name, state, _) = split(rest, false, number)?;
                    if name != pool {
                        return Err(ParseError::Line {
                            line: number,
                            reason: format!("expected pool `{pool}`, found `{name}`"),
                        });
                    }
                    topology.state = state;
                    Class::Data
                }
            });
            continue;
        }
        let Some(class) = class else {
            return Err(ParseError::Line {
                line: number,
                reason: "a vdev before the pool's line".to_owned(),
            });
        };
        let (name, state, note) = split(rest, class == Class::Spare, number)?;
        lines.push(Line {
            depth,
            class,
            name,
            state,
            note,
            number,
        });
    }
    if !header {
        return Err(ParseError::NoPool(pool.to_owned()));
    }
    let mut at = 0;
    while at < lines.len() {
        let class = lines[at].class;
        let vdevs = tree(&lines, &mut at, 2, class)?;
        match class {
            Class::Data => topology.data.extend(vdevs),
            Class::Log => topology.log.extend(vdevs),
            Class::Special => topology.special.extend(vdevs),
            Class::Dedup => topology.dedup.extend(vdevs),
            Class::Cache => topology.cache.extend(vdevs),
            Class::Spare => topology.spares.extend(vdevs),
        }
    }
    Ok(topology)
}

/// The vdevs at `depth` from `lines[*at]` on, with their children, within one class.
fn tree(
    lines: &[Line],
    at: &mut usize,
    depth: usize,
    class: Class,
) -> Result<Vec<Vdev>, ParseError> {
    let mut out = Vec::new();
    while let Some(line) = lines.get(*at) {
        if line.class != class || line.depth < depth {
            break;
        }
        if line.depth > depth {
            return Err(ParseError::Line {
                line: line.number,
                reason: format!("indented {} spaces, expected {depth}", line.depth),
            });
        }
        *at += 1;
        let children = tree(lines, at, depth + 2, class)?;
        let kind = VdevType::from_name(&line.name, !children.is_empty());
        let path = match kind {
            VdevType::Leaf => Some(
                line.note
                    .strip_prefix("was ")
                    .map_or_else(|| line.name.clone(), str::to_owned),
            ),
            _ => None,
        };
        out.push(Vdev {
            name: line.name.clone(),
            kind,
            state: line.state.clone(),
            path,
            note: line.note.clone(),
            children,
        });
    }
    Ok(out)
}

/// `NAME  STATE  READ WRITE CKSUM  note`: the name runs up to the first state
/// word (paths may hold spaces); spares have no error columns.
fn split(rest: &str, spare: bool, line: usize) -> Result<(String, State, String), ParseError> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (i, state) = words
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(i, w)| State::from_word(w).map(|s| (i, s)))
        .ok_or_else(|| ParseError::Line {
            line,
            reason: format!("no state in `{rest}`"),
        })?;
    let name_end = rest
        .match_indices(words[i])
        .map(|(at, _)| at)
        .find(|&at| at > 0 && rest[..at].ends_with(' '))
        .unwrap_or(rest.len());
    let name = rest[..name_end].trim().to_owned();
    let skip = if spare { 1 } else { 4 };
    let note = words.get(i + skip..).unwrap_or_default().join(" ");
    Ok((name, state, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_ends_at_the_state() {
        let (name, state, note) =
            split("/tmp/my disk.img  UNAVAIL  0  0  0  cannot open", false, 1).expect("line");
        assert_eq!(name, "/tmp/my disk.img");
        assert_eq!(state, State::Unavail);
        assert_eq!(note, "cannot open");
    }

    #[test]
    fn output_without_the_pool_is_an_error() {
        assert_eq!(
            parse("no pools available\n", "t"),
            Err(ParseError::NoPool("t".to_owned()))
        );
    }

    #[test]
    fn a_jump_of_two_levels_is_an_error() {
        let text = "  pool: t\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tt ONLINE 0 0 0\n\t      /dev/loop0 ONLINE 0 0 0\n";
        assert!(matches!(
            parse(text, "t"),
            Err(ParseError::Line { line: 7, .. })
        ));
    }
}
