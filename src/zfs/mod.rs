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
