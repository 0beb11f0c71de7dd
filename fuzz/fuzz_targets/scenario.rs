//! Any text: parse, decode, validate, plan, predict capacity and render
//! without panicking.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use zlab::host::HostFacts;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = zlab::scenario::load_str(Path::new("fuzz.yaml"), text) else { return };
    if let Ok(lab) = zlab::validate::validate(&scenario, &HostFacts::unknown()) {
        let plan = zlab::plan::build(&lab);
        let report = zlab::capacity::report(&lab);
        let _ = zlab::capacity::text(&report);
        let notes = zlab::capacity::plan_notes(&report, &plan);
        let _ = zlab::plan::render::text(&plan, &notes);
        let _ = zlab::plan::render::sh(&plan);
        let _ = zlab::plan::render::json(&plan);
    }
});
