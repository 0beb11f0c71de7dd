//! Scenario files: YAML → located tree → typed, located model.

pub(crate) mod decode;
pub(crate) mod experiment;
pub(crate) mod load;
pub(crate) mod model;
pub(crate) mod node;
pub(crate) mod parse;
pub(crate) mod selection;
pub(crate) mod size;
pub(crate) mod source;
pub(crate) mod text;

pub(crate) use load::{LoadError, load, load_str};
pub(crate) use model::Scenario;
