//! ZFS knowledge: the vdev grammar, layout names, properties and capacity math.

pub mod capacity;
pub mod layout_name;
pub mod properties;
pub mod vdev;
