//! Candidate dRAID layouts for a number of drives: every whole-group
//! `N<drives>-C<groups>-D<data>-P<parity>-S<spares>` shape with its usable
//! space, so a layout can be chosen by the numbers.

use serde::Serialize;

use super::pool::{CapacityError, Layout, PoolSpace, Shape, TopVdev};
use crate::zfs::layout_name::LayoutName;
use crate::zfs::vdev::{DraidLayout, Kind, MAX_CHILDREN, MAX_DRAID_SPARES};

/// What to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Search {
    pub drives: u32,
    pub size: u64,
    pub ashift: u8,
    /// Only this parity; all of 1, 2 and 3 when `None`.
    pub parity: Option<u8>,
    /// Distributed spares from 0 to this many.
    pub max_spares: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Candidate {
    #[serde(serialize_with = "name_str")]
    pub name: LayoutName,
    pub layout: DraidLayout,
    pub space: PoolSpace,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("dRAID takes 2 to {MAX_CHILDREN} drives, not {0}")]
    Drives(u32),
    #[error(transparent)]
    Capacity(#[from] CapacityError),
}

fn name_str<S: serde::Serializer>(name: &LayoutName, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(name)
}

impl Candidate {
    /// Parity's share of each redundancy group, in hundredths of a percent.
    pub(crate) fn parity_overhead(&self) -> u64 {
        let p = u64::from(self.layout.parity);
        p * 10_000 / (u64::from(self.layout.data) + p)
    }

    /// Failures survived at once, and in sequence when each is rebuilt onto a
    /// distributed spare before the next.
    pub(crate) fn survives(&self) -> (u32, u32) {
        let p = u32::from(self.layout.parity);
        (p, p + self.layout.spares)
    }
}

/// Every whole-group layout, fewest parity first, then most usable space.
pub(crate) fn candidates(search: &Search) -> Result<Vec<Candidate>, SearchError> {
    let n = search.drives;
    if !(2..=MAX_CHILDREN).contains(&n) {
        return Err(SearchError::Drives(n));
    }
    let mut out = Vec::new();
    for parity in 1..=3u8 {
        if search.parity.is_some_and(|p| p != parity) {
            continue;
        }
        for spares in 0..=search.max_spares.min(MAX_DRAID_SPARES) {
            let Some(rest) = n.checked_sub(spares) else {
                break;
            };
            for width in (u32::from(parity) + 1)..=rest {
                if !rest.is_multiple_of(width) {
                    continue;
                }
                let layout = DraidLayout {
                    parity,
                    data: width - u32::from(parity),
                    children: n,
                    spares,
                };
                let space = Layout {
                    ashift: search.ashift,
                    data: vec![TopVdev {
                        shape: Shape::of(Kind::Draid(layout)),
                        sizes: vec![search.size; n as usize],
                    }],
                    special: Vec::new(),
                }
                .space()?;
                out.push(Candidate {
                    name: LayoutName {
                        drives: n,
                        groups: rest / width,
                        data: layout.data,
                        parity: u32::from(parity),
                        spares,
                    },
                    layout,
                    space,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.layout
            .parity
            .cmp(&b.layout.parity)
            .then(b.space.usable.cmp(&a.space.usable))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TB: u64 = 1_000_000_000_000;

    fn search(parity: Option<u8>, max_spares: u32) -> Vec<Candidate> {
        candidates(&Search {
            drives: 58,
            size: 14 * TB,
            ashift: 12,
            parity,
            max_spares,
        })
        .expect("candidates")
    }

    fn names(c: &[Candidate]) -> Vec<String> {
        c.iter().map(|c| c.name.to_string()).collect()
    }

    #[test]
    fn the_seed_layouts_are_candidates() {
        let all = names(&search(None, 4));
        for seed in [
            "N58-C3-D16-P2-S4",
            "N58-C3-D16-P3-S1",
            "N58-C19-D2-P1-S1",
            "N58-C1-D56-P2-S0",
        ] {
            assert!(all.contains(&seed.to_owned()), "{seed} missing");
        }
    }

    #[test]
    fn every_candidate_has_whole_groups() {
        for c in search(None, 6) {
            let l = c.layout;
            assert_eq!(
                c.name.groups * (l.data + u32::from(l.parity)) + l.spares,
                58,
                "{}",
                c.name
            );
            assert_eq!(c.name.check(&l), Ok(()));
        }
    }

    #[test]
    fn sorted_by_parity_then_usable_space() {
        let c = search(Some(2), 4);
        assert!(c.iter().all(|c| c.layout.parity == 2));
        assert!(c.windows(2).all(|w| w[0].space.usable >= w[1].space.usable));
        // 16 data disks of 4K hold a 128K block in two whole rows; 56 would
        // pad every 128K block to a full row of 58, so D56 is far down the list.
        let d56 = c.iter().position(|c| c.layout.data == 56).expect("D56");
        let d16 = c
            .iter()
            .position(|c| c.name.to_string() == "N58-C3-D16-P2-S4")
            .expect("D16");
        assert!(d16 < d56);
    }

    #[test]
    fn overhead_and_tolerance() {
        let c = search(Some(2), 4);
        let seed = c
            .iter()
            .find(|c| c.name.to_string() == "N58-C3-D16-P2-S4")
            .expect("seed");
        assert_eq!(seed.parity_overhead(), 1111);
        assert_eq!(seed.survives(), (2, 6));
    }

    #[test]
    fn too_many_drives_are_refused() {
        let err = candidates(&Search {
            drives: 300,
            size: TB,
            ashift: 12,
            parity: None,
            max_spares: 0,
        });
        assert_eq!(err, Err(SearchError::Drives(300)));
    }
}
