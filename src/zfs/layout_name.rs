//! Pool names that encode a dRAID layout: `N<drives>-C<groups>-D<data>-P<parity>-S<spares>`.
//!
//! `N58-C3-D16-P2-S4` is 58 drives in 3 groups of (16 data + 2 parity) plus 4
//! distributed spares: `draid2:16d:58c:4s`, since 3 × 18 + 4 = 58. A prefix is
//! allowed (`carles-N58-C3-D16-P2-S4`).

use std::fmt;
use std::str::FromStr;

use super::vdev::DraidLayout;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayoutName {
    pub drives: u32,
    pub groups: u32,
    pub data: u32,
    pub parity: u32,
    pub spares: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NameError {
    #[error("`{0}` is not an N<drives>-C<groups>-D<data>-P<parity>-S<spares> name")]
    Malformed(String),
    #[error(
        "{layout} has no whole number of groups: {children} children − {spares} spares is not a multiple of {data} data + {parity} parity"
    )]
    Uneven {
        layout: String,
        children: u32,
        spares: u32,
        data: u32,
        parity: u8,
    },
}

/// One letter of the name that disagrees with the layout or with itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{letter} says {named}, {what} {actual}")]
pub(crate) struct NameMismatch {
    pub letter: char,
    pub named: u32,
    pub what: &'static str,
    pub actual: u32,
}

impl LayoutName {
    /// The layout name at the end of a pool name, after an optional `prefix-`.
    pub(crate) fn find_in(pool: &str) -> Option<LayoutName> {
        let start = pool.rfind("N")?;
        // Try every `N` from the right that begins the name or follows a `-`.
        pool.char_indices()
            .filter(|&(i, c)| c == 'N' && (i == 0 || pool[..i].ends_with('-')) && i <= start)
            .find_map(|(i, _)| pool[i..].parse().ok())
    }

    pub(crate) fn from_layout(layout: &DraidLayout) -> Result<LayoutName, NameError> {
        let groups = layout.groups().ok_or_else(|| NameError::Uneven {
            layout: layout.to_string(),
            children: layout.children,
            spares: layout.spares,
            data: layout.data,
            parity: layout.parity,
        })?;
        Ok(LayoutName {
            drives: layout.children,
            groups,
            data: layout.data,
            parity: u32::from(layout.parity),
            spares: layout.spares,
        })
    }

    /// N = C × (D + P) + S.
    pub(crate) fn check_consistent(&self) -> Result<(), Vec<NameMismatch>> {
        let implied = u64::from(self.groups) * (u64::from(self.data) + u64::from(self.parity))
            + u64::from(self.spares);
        if implied == u64::from(self.drives) {
            Ok(())
        } else {
            Err(vec![NameMismatch {
                letter: 'N',
                named: self.drives,
                what: "but C × (D + P) + S is",
                actual: u32::try_from(implied).unwrap_or(u32::MAX),
            }])
        }
    }

    /// Every letter that disagrees with `layout`.
    pub(crate) fn check(&self, layout: &DraidLayout) -> Result<(), Vec<NameMismatch>> {
        let mut out = Vec::new();
        let mut compare = |letter, named, what, actual| {
            if named != actual {
                out.push(NameMismatch {
                    letter,
                    named,
                    what,
                    actual,
                });
            }
        };
        compare(
            'N',
            self.drives,
            "the layout has children:",
            layout.children,
        );
        compare('D', self.data, "the layout has data disks:", layout.data);
        compare(
            'P',
            self.parity,
            "the layout has parity:",
            u32::from(layout.parity),
        );
        compare('S', self.spares, "the layout has spares:", layout.spares);
        if let Some(groups) = layout.groups() {
            compare('C', self.groups, "the layout has groups:", groups);
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }
}

impl FromStr for LayoutName {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || NameError::Malformed(s.to_owned());
        let fields: Vec<&str> = s.split('-').collect();
        let [n, c, d, p, sp] = fields.as_slice() else {
            return Err(malformed());
        };
        let number = |part: &str, letter: char| -> Result<u32, NameError> {
            let digits = part.strip_prefix(letter).ok_or_else(malformed)?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            digits.parse().map_err(|_| malformed())
        };
        Ok(LayoutName {
            drives: number(n, 'N')?,
            groups: number(c, 'C')?,
            data: number(d, 'D')?,
            parity: number(p, 'P')?,
            spares: number(sp, 'S')?,
        })
    }
}

impl fmt::Display for LayoutName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "N{}-C{}-D{}-P{}-S{}",
            self.drives, self.groups, self.data, self.parity, self.spares
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(parity: u8, data: u32, children: u32, spares: u32) -> DraidLayout {
        DraidLayout {
            parity,
            data,
            children,
            spares,
        }
    }

    #[test]
    fn parses_and_displays() {
        let n: LayoutName = "N58-C3-D16-P2-S4".parse().expect("valid");
        assert_eq!(
            n,
            LayoutName {
                drives: 58,
                groups: 3,
                data: 16,
                parity: 2,
                spares: 4
            }
        );
        assert_eq!(n.to_string(), "N58-C3-D16-P2-S4");
    }

    #[test]
    fn finds_the_name_after_a_prefix() {
        assert_eq!(
            LayoutName::find_in("carles-N58-C3-D16-P2-S4").map(|n| n.groups),
            Some(3)
        );
        assert_eq!(
            LayoutName::find_in("N56-C5-D8-P3-S1").map(|n| n.drives),
            Some(56)
        );
        assert_eq!(LayoutName::find_in("tank"), None);
        assert_eq!(LayoutName::find_in("N58-C3"), None);
        assert_eq!(LayoutName::find_in("xN58-C3-D16-P2-S4"), None);
    }

    #[test]
    fn generated_from_the_seed_layouts() {
        let name = |l| LayoutName::from_layout(&l).map(|n| n.to_string());
        assert_eq!(name(layout(2, 16, 58, 4)), Ok("N58-C3-D16-P2-S4".into()));
        assert_eq!(name(layout(3, 8, 56, 1)), Ok("N56-C5-D8-P3-S1".into()));
        assert_eq!(name(layout(1, 2, 58, 1)), Ok("N58-C19-D2-P1-S1".into()));
        assert_eq!(name(layout(3, 16, 58, 1)), Ok("N58-C3-D16-P3-S1".into()));
        assert!(matches!(
            name(layout(2, 4, 8, 1)),
            Err(NameError::Uneven { .. })
        ));
    }

    #[test]
    fn inconsistent_names_are_caught() {
        let n: LayoutName = "N58-C3-D16-P2-S5".parse().expect("valid");
        assert!(n.check_consistent().is_err());
        assert!(
            "N58-C3-D16-P2-S4"
                .parse::<LayoutName>()
                .expect("valid")
                .check_consistent()
                .is_ok()
        );
    }

    #[test]
    fn mismatched_letters_are_listed() {
        let n: LayoutName = "N58-C3-D16-P2-S4".parse().expect("valid");
        let errors = n.check(&layout(3, 16, 58, 1)).expect_err("mismatch");
        let letters: Vec<char> = errors.iter().map(|e| e.letter).collect();
        assert_eq!(letters, vec!['P', 'S']);
    }
}
