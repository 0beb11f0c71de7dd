//! The repository's absolute path as an insta filter pattern, so snapshots
//! say `[ROOT]` wherever the checkout is.

/// `CARGO_MANIFEST_DIR`, escaped to match itself only.
pub(crate) fn pattern() -> String {
    env!("CARGO_MANIFEST_DIR")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}
