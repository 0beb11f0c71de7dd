//! ZFS knowledge: the vdev grammar, layout names and properties.

pub mod layout_name;
pub mod properties;
pub mod vdev;
