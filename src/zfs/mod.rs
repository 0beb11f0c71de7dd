//! ZFS knowledge: the vdev grammar, layout names, properties and capacity math;
//! the OpenZFS version and what each release has; readers of `zpool status`.

pub mod capacity;
pub mod features;
pub mod layout_name;
pub mod properties;
pub mod scan;
pub mod topology;
pub mod vdev;
pub mod version;
