//! Capacity before anything is built: the usable size OpenZFS will report for
//! a layout, every loss on the way there, what files cost, and the candidate
//! dRAID layouts for a set of drives.

pub mod fill;
pub mod layouts;
pub mod pool;
pub mod rules;
