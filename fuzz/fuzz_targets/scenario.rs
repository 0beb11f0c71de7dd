//! Any text: parse, decode, validate, plan, predict capacity and render
//! without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        zlab::exercise_scenario(text);
    }
});
