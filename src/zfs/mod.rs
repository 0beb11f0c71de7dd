//! ZFS knowledge: the vdev grammar, layout names, properties and capacity math.

pub(crate) mod capacity;
pub(crate) mod layout_name;
pub(crate) mod output;
pub(crate) mod properties;
pub(crate) mod vdev;
