//! Capacity before anything is built: the usable size OpenZFS will report for
//! a layout, every loss on the way there, what files and volumes cost, and the candidate
//! dRAID layouts for a set of drives.

pub(crate) mod fill;
pub(crate) mod layouts;
pub(crate) mod pool;
pub(crate) mod rules;
pub(crate) mod volume;
