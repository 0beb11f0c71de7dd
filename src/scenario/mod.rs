//! Scenario files: YAML → located tree → typed, located model.

pub mod decode;
pub mod load;
pub mod model;
pub mod node;
pub mod parse;
pub mod selection;
pub mod size;
pub mod source;
pub mod text;

pub use load::{load, load_str};
pub use model::Scenario;
