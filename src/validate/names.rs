//! Dataset names as OpenZFS 2.3 checks them (`module/zcommon/zfs_namecheck.c`,
//! `entity_namecheck` and `dataset_nestcheck`; `zfs_validate_name` in libzfs),
//! so a name `zfs create` would refuse is found before anything is built.

/// `ZFS_MAX_DATASET_NAME_LEN`: a full name (`pool/a/b`) is shorter than this.
const MAX_NAME_LEN: usize = 256;
/// `zfs_max_dataset_nesting`: the default limit of `/` in a full name.
const MAX_NESTING: usize = 50;

/// Why `name` (below `pool`, without the pool's name) is not a dataset name
/// `zfs create` accepts.
pub(super) fn dataset_name_problem(pool: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_owned());
    }
    if name.starts_with('/') {
        return Some("it starts with `/`".to_owned());
    }
    if name.ends_with('/') {
        return Some("it ends with `/`".to_owned());
    }
    let full = format!("{pool}/{name}");
    if full.len() >= MAX_NAME_LEN {
        return Some(format!(
            "`{pool}/…` is {} characters long; ZFS takes at most {}",
            full.len(),
            MAX_NAME_LEN - 1
        ));
    }
    for component in name.split('/') {
        match component {
            "" => return Some("it has an empty component (`//`)".to_owned()),
            "." => {
                return Some("a component `.` means the dataset itself".to_owned());
            }
            ".." => return Some("a component `..` means the parent dataset".to_owned()),
            _ => {}
        }
        // `%` is valid only in names ZFS makes for itself (temporary clones).
        if let Some(c) = component.chars().find(|&c| !valid_char(c)) {
            return Some(format!(
                "`{}` is not allowed in dataset names",
                c.escape_debug()
            ));
        }
    }
    let depth = full.matches('/').count();
    if depth > MAX_NESTING {
        return Some(format!(
            "it is nested {depth} levels deep; ZFS stops at {MAX_NESTING}"
        ));
    }
    None
}

/// `valid_char()` of `zfs_namecheck.c`.
fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.: ".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_zfs_create_takes() {
        for ok in ["Data", "Data/sub", "a.b", "with space", "x:y", "..a", "a.."] {
            assert_eq!(dataset_name_problem("tank", ok), None, "{ok}");
        }
    }

    #[test]
    fn names_zfs_create_refuses() {
        for bad in [
            ".", "..", "a/..", "a/./b", "a//b", "/a", "a/", "a@snap", "a#b", "50%", "ä",
        ] {
            assert!(dataset_name_problem("tank", bad).is_some(), "{bad}");
        }
        assert!(dataset_name_problem("tank", &"x".repeat(251)).is_some());
        assert!(dataset_name_problem("tank", &["d"; 51].join("/")).is_some());
        assert_eq!(dataset_name_problem("tank", &["d"; 50].join("/")), None);
    }
}
