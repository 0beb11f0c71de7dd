//! Byte sizes as storage engineers write them, following GNU `truncate`:
//! `K M G T P E` (and `KiB`…) are powers of 1024, `KB MB GB TB PB EB` powers of
//! 1000, so `14T`, `14TB` and `1600GB` all mean what `truncate -s` means.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("`{0}` is not a size: expected a size like 14T (1024-based) or 14TB (1000-based)")]
    Malformed(String),
    #[error("`{0}` is too large")]
    Overflow(String),
    #[error("`{0}` is not a whole number of bytes")]
    Fraction(String),
}

const LETTERS: [char; 6] = ['K', 'M', 'G', 'T', 'P', 'E'];

impl Size {
    pub(crate) const fn from_bytes(bytes: u64) -> Size {
        Size(bytes)
    }

    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// KiB, rounded up: `brd`'s `rd_size` unit.
    pub(crate) const fn kib(self) -> u64 {
        self.0.div_ceil(1024)
    }

    /// For reports: 1024-based with up to two decimals, e.g. `12.73 TiB`.
    pub(crate) fn human(self) -> String {
        const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        let mut unit = 0;
        let mut scaled = u128::from(self.0) * 100;
        while scaled >= 1024 * 100 && unit < UNITS.len() - 1 {
            scaled /= 1024;
            unit += 1;
        }
        let (whole, frac) = (scaled / 100, scaled % 100);
        match frac {
            0 => format!("{whole} {}", UNITS[unit]),
            f if f % 10 == 0 => format!("{whole}.{} {}", f / 10, UNITS[unit]),
            f => format!("{whole}.{f:02} {}", UNITS[unit]),
        }
    }
}

impl FromStr for Size {
    type Err = SizeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || SizeError::Malformed(text.to_owned());
        let s = text.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, suffix) = (&s[..split], s[split..].trim_start());
        let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() || (number.contains('.') && frac.is_empty()) || frac.contains('.') {
            return Err(malformed());
        }
        let unit = unit(suffix).ok_or_else(malformed)?;
        let overflow = || SizeError::Overflow(text.to_owned());
        // whole × unit + frac × unit / 10^digits, exactly, in 128 bits.
        let whole: u128 = whole.parse().map_err(|_| overflow())?;
        let scale = u32::try_from(frac.len())
            .ok()
            .and_then(|d| 10u128.checked_pow(d))
            .ok_or_else(overflow)?;
        let frac_value: u128 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| overflow())?
        };
        let frac_bytes = frac_value
            .checked_mul(u128::from(unit))
            .ok_or_else(overflow)?;
        if frac_bytes % scale != 0 {
            return Err(SizeError::Fraction(text.to_owned()));
        }
        let total = whole
            .checked_mul(u128::from(unit))
            .and_then(|w| w.checked_add(frac_bytes / scale))
            .ok_or_else(overflow)?;
        u64::try_from(total).map(Size).map_err(|_| overflow())
    }
}

/// The multiplier a suffix stands for: `` / `B` bytes, `K`/`KiB` 1024, `KB` 1000 …
fn unit(suffix: &str) -> Option<u64> {
    if suffix.is_empty() || suffix.eq_ignore_ascii_case("b") {
        return Some(1);
    }
    let mut chars = suffix.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let power = u32::try_from(LETTERS.iter().position(|&l| l == letter)? + 1).ok()?;
    match chars.as_str() {
        "" | "iB" | "ib" | "IB" => 1024u64.checked_pow(power),
        "B" | "b" => 1000u64.checked_pow(power),
        _ => None,
    }
}

impl fmt::Display for Size {
    /// The shortest exact form `truncate -s` reads; ties prefer 1024-based.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut best = self.0.to_string();
        for (base, tail) in [(1024u64, ""), (1000u64, "B")] {
            let mut unit = 1u64;
            for letter in LETTERS {
                let Some(next) = unit.checked_mul(base) else {
                    break;
                };
                unit = next;
                if self.0 != 0 && self.0.is_multiple_of(unit) {
                    let candidate = format!("{}{letter}{tail}", self.0 / unit);
                    if candidate.len() < best.len() {
                        best = candidate;
                    }
                }
            }
        }
        f.write_str(&best)
    }
}

impl serde::Serialize for Size {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(s: &str) -> Result<u64, SizeError> {
        s.parse::<Size>().map(Size::bytes)
    }

    #[test]
    fn binary_and_decimal_suffixes_follow_truncate() {
        assert_eq!(size("14T"), Ok(14 << 40));
        assert_eq!(size("14TB"), Ok(14_000_000_000_000));
        assert_eq!(size("1600GB"), Ok(1_600_000_000_000));
        assert_eq!(size("10GiB"), Ok(10 << 30));
        assert_eq!(size("512"), Ok(512));
        assert_eq!(size("4096B"), Ok(4096));
    }

    #[test]
    fn suffix_letter_is_case_insensitive_and_may_follow_a_space() {
        assert_eq!(size("14t"), Ok(14 << 40));
        assert_eq!(size("1600 gb"), Ok(1_600_000_000_000));
    }

    #[test]
    fn decimals_must_give_whole_bytes() {
        assert_eq!(size("58.9TB"), Ok(58_900_000_000_000));
        assert_eq!(size("1.5T"), Ok(3 << 39));
        assert!(matches!(size("0.3K"), Err(SizeError::Fraction(_))));
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in ["", "T", "-1G", "1..5G", "1.G", "14Q", "14TBB", "1 2G"] {
            assert!(matches!(size(bad), Err(SizeError::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(matches!(size("16E"), Err(SizeError::Overflow(_))));
        assert!(matches!(
            size("99999999999999999999999999999999999999999"),
            Err(SizeError::Overflow(_))
        ));
    }

    #[test]
    fn display_picks_the_shortest_exact_form() {
        assert_eq!(Size(14_000_000_000_000).to_string(), "14TB");
        assert_eq!(Size(10 << 30).to_string(), "10G");
        assert_eq!(Size(58_900_000_000_000).to_string(), "58900GB");
        assert_eq!(Size(1000).to_string(), "1KB");
        assert_eq!(Size(1023).to_string(), "1023");
        assert_eq!(Size(0).to_string(), "0");
    }

    #[test]
    fn display_round_trips() {
        let mut x: u64 = 1;
        for i in 0..2000u64 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            for v in [x, x >> (i % 64), (x >> 40) << 30, (i + 1) * 1_000_000_000] {
                assert_eq!(Size(v).to_string().parse::<Size>(), Ok(Size(v)), "{v}");
            }
        }
    }

    #[test]
    fn kib_rounds_up() {
        assert_eq!(Size(10 << 30).kib(), 10_485_760);
        assert_eq!(Size(1025).kib(), 2);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(Size(10 << 30).human(), "10 GiB");
        assert_eq!(Size(14_000_000_000_000).human(), "12.73 TiB");
        assert_eq!(Size(512).human(), "512 B");
    }
}
