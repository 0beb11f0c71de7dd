//! The vdev grammar exactly as OpenZFS's `zpool create` enforces it
//! (cmd/zpool/zpool_vdev.c: `is_grouping`, `draid_config_by_type`,
//! `construct_spec`): kinds, their minimum and maximum device counts, and dRAID's
//! `draid[<parity>][:<data>d][:<children>c][:<spares>s]` with zpool's defaults.

use std::fmt;
use std::str::FromStr;

/// dRAID and raidz take at most this many children (`is_grouping`: maxdev 255,
/// VDEV_DRAID_MAX_CHILDREN).
pub(crate) const MAX_CHILDREN: u32 = 255;
/// `draid_config_by_type`: "an arbitrary limit of 100 distributed spares".
pub(crate) const MAX_DRAID_SPARES: u32 = 100;
/// Without `:<n>d`, zpool limits a redundancy group to 8 data disks.
pub(crate) const DEFAULT_DRAID_DATA: u32 = 8;

/// A vdev kind. Every fact about a kind — its name, parity, device counts,
/// the word `zpool create` takes, whether it may serve as a log or special
/// vdev — is a method here, written once; the capacity arithmetic of a kind
/// is `zfs::capacity::pool::Shape`'s. `D` is what dRAID carries: the fields
/// the user wrote ([`DraidSpec`], in [`VdevKind`]) or every field known
/// ([`DraidLayout`], in [`ResolvedVdev`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind<D> {
    Stripe,
    Mirror,
    Raidz { parity: u8 },
    Draid(D),
}

/// A vdev kind as written in a scenario, before its devices are counted.
pub(crate) type VdevKind = Kind<DraidSpec>;

/// A vdev kind checked against its device count: what `zpool create` gets.
pub(crate) type ResolvedVdev = Kind<DraidLayout>;

/// `draid…` with only the fields the user wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DraidSpec {
    pub parity: u8,
    pub data: Option<u32>,
    pub children: Option<u32>,
    pub spares: Option<u32>,
}

/// A dRAID layout with every field known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DraidLayout {
    pub parity: u8,
    pub data: u32,
    pub children: u32,
    pub spares: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VdevError {
    #[error(
        "unknown vdev type `{0}`: expected stripe, mirror, raidz1, raidz2, raidz3 or draid<parity>[:<data>d][:<children>c][:<spares>s]"
    )]
    Unknown(String),
    #[error("`{0}`: parity must be 1, 2 or 3")]
    Parity(String),
    #[error("`{spec}`: invalid dRAID syntax at `{part}`, expected :<number><d|c|s>")]
    DraidSyntax { spec: String, part: String },
    #[error("`{spec}`: `{part}` is given twice")]
    DraidRepeated { spec: String, part: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ArityError {
    #[error("{kind} needs at least {min} devices, got {got}")]
    TooFew {
        kind: String,
        min: usize,
        got: usize,
    },
    #[error("{kind} takes at most {max} devices, got {got}")]
    TooMany { kind: String, max: u32, got: usize },
    #[error("{kind} says {said} children, but {got} devices are given")]
    Children { kind: String, said: u32, got: usize },
    #[error(
        "{kind}: {data} data disks per group is too many; at most {max} of the {children} children are available for data"
    )]
    Data {
        kind: String,
        data: u32,
        max: u32,
        children: u32,
    },
    #[error("{kind}: parity {parity} and {spares} spares leave no disks for data")]
    NoData {
        kind: String,
        parity: u8,
        spares: u32,
    },
    #[error(
        "{kind}: {spares} distributed spares cannot be satisfied: data {data} + parity {parity} + spares {spares} = {total} > {children} children (and at most 100 spares)"
    )]
    Spares {
        kind: String,
        spares: u32,
        data: u32,
        parity: u8,
        total: u32,
        children: u32,
    },
}

impl ArityError {
    /// How to fix it, for the diagnostic's help line.
    pub(crate) fn hint(&self) -> String {
        match self {
            ArityError::TooFew { min, .. } => {
                format!("select at least {min} devices, or use a vdev type that takes fewer")
            }
            ArityError::TooMany { max, .. } => {
                format!("split the devices into several vdevs of at most {max}")
            }
            ArityError::Children { said, .. } => {
                format!("drop `:{said}c` (zlab fills in the device count) or select {said} devices")
            }
            ArityError::Data { max, .. } => {
                format!("use at most {max} data disks (`:{max}d`), fewer spares, or more devices")
            }
            ArityError::NoData { .. } => "use fewer spares or more devices".to_owned(),
            ArityError::Spares { .. } => {
                "use fewer distributed spares (`:<n>s`, at most 100) or more devices".to_owned()
            }
        }
    }
}

impl<D: fmt::Display> Kind<D> {
    /// The kind without its parameters, as the scenario's `type` names it.
    pub(crate) fn family(&self) -> &'static str {
        match self {
            Kind::Stripe => "stripe",
            Kind::Mirror => "mirror",
            Kind::Raidz { .. } => "raidz",
            Kind::Draid(_) => "draid",
        }
    }

    /// The kind in a sentence, plural: `OpenZFS 2.0 has no dRAID vdevs`.
    pub(crate) fn plural(&self) -> &'static str {
        match self {
            Kind::Stripe => "stripes",
            Kind::Mirror => "mirrors",
            Kind::Raidz { .. } => "raidz vdevs",
            Kind::Draid(_) => "dRAID vdevs",
        }
    }

    /// The most devices `zpool create` accepts (`is_grouping`'s `maxdev`).
    pub(crate) fn max_devices(&self) -> u32 {
        match self {
            Kind::Raidz { .. } | Kind::Draid(_) => MAX_CHILDREN,
            Kind::Stripe | Kind::Mirror => u32::MAX,
        }
    }

    /// Whether each device is a top-level vdev of its own (a stripe), rather
    /// than all of them making one.
    pub(crate) fn is_stripe(&self) -> bool {
        matches!(self, Kind::Stripe)
    }

    /// Whether a log or special class may be built of it (zlab's rule).
    pub(crate) fn serves_aux_class(&self) -> bool {
        matches!(self, Kind::Stripe | Kind::Mirror)
    }

    /// dRAID's parameters, for the rules only dRAID has (layout names).
    pub(crate) fn draid(&self) -> Option<&D> {
        match self {
            Kind::Draid(d) => Some(d),
            Kind::Stripe | Kind::Mirror | Kind::Raidz { .. } => None,
        }
    }

    /// The word `zpool create` takes before the devices; none for a stripe.
    pub(crate) fn token(&self) -> Option<String> {
        (!self.is_stripe()).then(|| self.to_string())
    }
}

impl<D: Copy> Kind<D> {
    /// The same kind with dRAID's parameters in another form.
    fn map_draid<E, Err>(&self, f: impl FnOnce(D) -> Result<E, Err>) -> Result<Kind<E>, Err> {
        Ok(match *self {
            Kind::Stripe => Kind::Stripe,
            Kind::Mirror => Kind::Mirror,
            Kind::Raidz { parity } => Kind::Raidz { parity },
            Kind::Draid(d) => Kind::Draid(f(d)?),
        })
    }
}

/// Every family, in the order messages list them.
pub(crate) const FAMILIES: [VdevKind; 4] = [
    Kind::Stripe,
    Kind::Mirror,
    Kind::Raidz { parity: 1 },
    Kind::Draid(DraidSpec {
        parity: 1,
        data: None,
        children: None,
        spares: None,
    }),
];

impl VdevKind {
    /// The fewest devices `zpool create` accepts (`is_grouping`'s `mindev`).
    pub(crate) fn min_devices(&self) -> usize {
        match self {
            Kind::Stripe => 1,
            Kind::Mirror => 2,
            Kind::Raidz { parity } => usize::from(*parity) + 1,
            Kind::Draid(d) => usize::from(d.parity) + 1,
        }
    }

    /// Checks the device count as zpool does and fills in dRAID's defaults.
    pub(crate) fn resolve(&self, devices: usize) -> Result<ResolvedVdev, ArityError> {
        let kind = self.to_string();
        let min = self.min_devices();
        if devices < min {
            return Err(ArityError::TooFew {
                kind,
                min,
                got: devices,
            });
        }
        let max = self.max_devices();
        let children =
            u32::try_from(devices)
                .ok()
                .filter(|&c| c <= max)
                .ok_or(ArityError::TooMany {
                    kind: kind.clone(),
                    max,
                    got: devices,
                })?;
        self.map_draid(|spec| spec.resolve(children, kind))
    }

    /// The kind with every parameter written out, as `zpool status` names an
    /// interior vdev (`draid2:8d:60c:2s`); none while a dRAID field is left out.
    pub(crate) fn complete(&self) -> Option<ResolvedVdev> {
        self.map_draid(|spec| spec.complete().ok_or(())).ok()
    }
}

impl DraidSpec {
    /// The layout, when every field is written.
    fn complete(&self) -> Option<DraidLayout> {
        Some(DraidLayout {
            parity: self.parity,
            data: self.data?,
            children: self.children?,
            spares: self.spares?,
        })
    }

    /// `draid_config_by_type`, rule by rule.
    fn resolve(&self, children: u32, kind: String) -> Result<DraidLayout, ArityError> {
        if let Some(said) = self.children
            && said != children
        {
            return Err(ArityError::Children {
                kind,
                said,
                got: children as usize,
            });
        }
        let parity = u32::from(self.parity);
        let spares = self.spares.unwrap_or(0);
        let data = match self.data {
            Some(d) => d,
            None if children > spares + parity => {
                (children - spares - parity).min(DEFAULT_DRAID_DATA)
            }
            None => {
                return Err(ArityError::NoData {
                    kind,
                    parity: self.parity,
                    spares,
                });
            }
        };
        let available = children.saturating_sub(spares).saturating_sub(parity);
        if data == 0 || data + parity > children.saturating_sub(spares) {
            return Err(ArityError::Data {
                kind,
                data,
                max: available,
                children,
            });
        }
        if spares > MAX_DRAID_SPARES || spares > children - (data + parity) {
            return Err(ArityError::Spares {
                kind,
                spares,
                data,
                parity: self.parity,
                total: data + parity + spares,
                children,
            });
        }
        Ok(DraidLayout {
            parity: self.parity,
            data,
            children,
            spares,
        })
    }
}

impl DraidLayout {
    /// Redundancy groups when they divide the non-spare children exactly: the
    /// `C` of an `N58-C3-D16-P2-S4` name.
    pub fn groups(&self) -> Option<u32> {
        let width = self.data + u32::from(self.parity);
        let rest = self.children.checked_sub(self.spares)?;
        (width > 0 && rest % width == 0).then(|| rest / width)
    }
}

impl FromStr for VdevKind {
    type Err = VdevError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "stripe" | "disk" => return Ok(VdevKind::Stripe),
            "mirror" => return Ok(VdevKind::Mirror),
            _ => {}
        }
        if let Some(p) = lower.strip_prefix("raidz") {
            return Ok(VdevKind::Raidz {
                parity: parity(p, s)?,
            });
        }
        let Some(rest) = lower.strip_prefix("draid") else {
            return Err(VdevError::Unknown(s.to_owned()));
        };
        let mut parts = rest.split(':');
        let mut spec = DraidSpec {
            parity: parity(parts.next().unwrap_or(""), s)?,
            data: None,
            children: None,
            spares: None,
        };
        // zpool accepts the :<n>d :<n>c :<n>s parts in any order.
        for part in parts {
            let syntax = || VdevError::DraidSyntax {
                spec: s.to_owned(),
                part: part.to_owned(),
            };
            let split = part
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(syntax)?;
            let (digits, suffix) = part.split_at(split);
            let value: u32 = digits.parse().map_err(|_| syntax())?;
            let slot = match suffix {
                "d" => &mut spec.data,
                "c" => &mut spec.children,
                "s" => &mut spec.spares,
                _ => return Err(syntax()),
            };
            if slot.replace(value).is_some() {
                return Err(VdevError::DraidRepeated {
                    spec: s.to_owned(),
                    part: suffix.to_owned(),
                });
            }
        }
        Ok(VdevKind::Draid(spec))
    }
}

/// `""` is parity 1 (`raidz`, `draid`); otherwise 1, 2 or 3 (`get_parity`).
fn parity(digits: &str, whole: &str) -> Result<u8, VdevError> {
    match digits {
        "" | "1" => Ok(1),
        "2" => Ok(2),
        "3" => Ok(3),
        _ => Err(VdevError::Parity(whole.to_owned())),
    }
}

impl<D: fmt::Display> fmt::Display for Kind<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Stripe => f.write_str("stripe"),
            Kind::Mirror => f.write_str("mirror"),
            Kind::Raidz { parity } => write!(f, "raidz{parity}"),
            Kind::Draid(d) => d.fmt(f),
        }
    }
}

impl fmt::Display for DraidSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "draid{}", self.parity)?;
        for (value, suffix) in [(self.data, 'd'), (self.children, 'c'), (self.spares, 's')] {
            if let Some(v) = value {
                write!(f, ":{v}{suffix}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for DraidLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "draid{}:{}d:{}c:{}s",
            self.parity, self.data, self.children, self.spares
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> VdevKind {
        s.parse().expect(s)
    }

    fn layout(s: &str, n: usize) -> Result<DraidLayout, ArityError> {
        match kind(s).resolve(n)? {
            ResolvedVdev::Draid(l) => Ok(l),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_every_kind() {
        assert_eq!(kind("stripe"), VdevKind::Stripe);
        assert_eq!(kind("mirror"), VdevKind::Mirror);
        assert_eq!(kind("raidz"), VdevKind::Raidz { parity: 1 });
        assert_eq!(kind("raidz3"), VdevKind::Raidz { parity: 3 });
        assert_eq!(
            kind("draid"),
            VdevKind::Draid(DraidSpec {
                parity: 1,
                data: None,
                children: None,
                spares: None
            })
        );
        assert_eq!(
            kind("draid2:16d:58c:4s"),
            VdevKind::Draid(DraidSpec {
                parity: 2,
                data: Some(16),
                children: Some(58),
                spares: Some(4)
            })
        );
    }

    #[test]
    fn draid_parts_may_come_in_any_order() {
        assert_eq!(kind("draid2:4s:58c:16d"), kind("draid2:16d:58c:4s"));
    }

    #[test]
    fn rejects_bad_kinds() {
        assert!(matches!(
            "raidz4".parse::<VdevKind>(),
            Err(VdevError::Parity(_))
        ));
        assert!(matches!(
            "draid0".parse::<VdevKind>(),
            Err(VdevError::Parity(_))
        ));
        assert!(matches!(
            "draid2:16x".parse::<VdevKind>(),
            Err(VdevError::DraidSyntax { .. })
        ));
        assert!(matches!(
            "draid2:d".parse::<VdevKind>(),
            Err(VdevError::DraidSyntax { .. })
        ));
        assert!(matches!(
            "draid2:1d:2d".parse::<VdevKind>(),
            Err(VdevError::DraidRepeated { .. })
        ));
        assert!(matches!(
            "raid5".parse::<VdevKind>(),
            Err(VdevError::Unknown(_))
        ));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "stripe",
            "mirror",
            "raidz1",
            "raidz2",
            "draid1",
            "draid2:16d:58c:4s",
            "draid3:8d",
            "draid1:2s",
        ] {
            assert_eq!(kind(s).to_string(), s);
        }
    }

    #[test]
    fn minimum_devices_follow_is_grouping() {
        assert_eq!(
            kind("mirror").resolve(1),
            Err(ArityError::TooFew {
                kind: "mirror".into(),
                min: 2,
                got: 1
            })
        );
        assert!(kind("raidz2").resolve(2).is_err());
        assert!(kind("raidz2").resolve(3).is_ok());
        assert!(kind("raidz1").resolve(256).is_err());
        assert!(kind("stripe").resolve(1).is_ok());
    }

    #[test]
    fn draid_children_default_to_the_device_count() {
        assert_eq!(
            layout("draid2:16d:4s", 58),
            Ok(DraidLayout {
                parity: 2,
                data: 16,
                children: 58,
                spares: 4
            })
        );
    }

    #[test]
    fn draid_children_must_match_the_device_count() {
        assert!(matches!(
            layout("draid2:4d:10c:1s", 8),
            Err(ArityError::Children {
                said: 10,
                got: 8,
                ..
            })
        ));
    }

    #[test]
    fn draid_data_defaults_to_at_most_eight() {
        assert_eq!(layout("draid2", 58).map(|l| l.data), Ok(8));
        assert_eq!(layout("draid1:1s", 5).map(|l| l.data), Ok(3));
    }

    #[test]
    fn draid_group_must_fit() {
        assert!(matches!(
            layout("draid2:6d:2s", 8),
            Err(ArityError::Data { .. })
        ));
        assert!(matches!(
            layout("draid1:2d:2s", 4),
            Err(ArityError::Data { .. })
        ));
        assert!(layout("draid1:2d:1s", 4).is_ok());
    }

    #[test]
    fn draid_spares_are_capped_at_100() {
        assert!(matches!(
            layout("draid1:1d:101s", 255),
            Err(ArityError::Spares { .. })
        ));
    }

    #[test]
    fn groups_divide_the_seed_layouts() {
        assert_eq!(
            layout("draid2:16d:58c:4s", 58).map(|l| l.groups()),
            Ok(Some(3))
        );
        assert_eq!(
            layout("draid3:8d:56c:1s", 56).map(|l| l.groups()),
            Ok(Some(5))
        );
        assert_eq!(layout("draid2:4d:8c:1s", 8).map(|l| l.groups()), Ok(None));
    }

    #[test]
    fn token_is_what_zpool_create_takes() {
        assert_eq!(
            kind("draid2:16d:4s").resolve(58).map(|r| r.token()),
            Ok(Some("draid2:16d:58c:4s".into()))
        );
        assert_eq!(kind("stripe").resolve(3).map(|r| r.token()), Ok(None));
        assert_eq!(
            kind("raidz").resolve(3).map(|r| r.token()),
            Ok(Some("raidz1".into()))
        );
    }
}
