//! `zlab capacity`: what a lab's pools will hold and what its fills mean,
//! before anything exists ([`model`]), and how that is shown ([`render`]).

pub(crate) mod model;
pub(crate) mod render;

pub use model::{LabCapacity, PoolCapacity, of};
