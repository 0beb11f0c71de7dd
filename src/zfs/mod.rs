//! ZFS knowledge: the vdev grammar, layout names, properties and capacity math;
//! the OpenZFS version and what each release has; readers of `zpool status`.

pub(crate) mod capacity;
pub(crate) mod features;
pub(crate) mod layout_name;
pub(crate) mod output;
pub(crate) mod owner;
pub(crate) mod properties;
pub(crate) mod scan;
pub(crate) mod topology;
pub(crate) mod vdev;
pub(crate) mod version;

/// The releases whose real output is kept in `fixtures/zfs/<version>/` and
/// that have `marker` (a file or directory) there, oldest first: what the
/// parser tests read, whichever versions the rig captured.
#[cfg(test)]
pub(crate) fn captured_releases(marker: &str) -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zfs");
    let mut found: Vec<_> = std::fs::read_dir(root)
        .expect("fixtures/zfs")
        .flatten()
        .map(|e| e.path())
        .filter(|dir| dir.join(marker).exists())
        .collect();
    found.sort();
    found
}
