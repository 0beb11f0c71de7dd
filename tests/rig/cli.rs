//! The scripting surface against a real lab: JSON-lines events from `up` and
//! `down`, `status` and `list` as JSON, the registry written by `up` and
//! removed by `down`, and `plan` showing what differs before it runs.

use serde_json::Value;

use crate::{assert_clean, sh, text, zlab};

const FILE: &str = "scenarios/quickstart.yaml";
/// A second lab, without fills: complete once up.
const COMPLETE: &str = "fixtures/capacity/layouts/stripe1-1G.yaml";

/// Tears the labs down even when an assertion failed.
struct Lab;

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = zlab(&["down", FILE]);
        let _ = zlab(&["down", COMPLETE]);
    }
}

fn document(args: &[&str]) -> Value {
    let out = zlab(args);
    assert!(out.status.success(), "{args:?}:\n{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["schema_version"], 1, "{v}");
    v
}

/// Every line of stdout an event with the schema; the kinds, in order.
fn events(args: &[&str]) -> Vec<Value> {
    let out = zlab(args);
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    for l in &lines {
        assert_eq!(l["schema_version"], 1, "{l}");
    }
    let last = lines.last().expect("events");
    assert_eq!(last["kind"], "finished", "{}", text(&out));
    assert_eq!(last["ok"], true, "{}", text(&out));
    assert!(out.status.success());
    lines
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn json_events_status_list_and_the_difference_before_a_plan() {
    assert_clean();
    let _lab = Lab;
    let up = events(&["up", "--no-fill", "--format", "json", FILE]);
    assert!(
        up.iter()
            .any(|e| e["kind"] == "step_finished" && e["outcome"] == "done")
    );

    let status = document(&["status", "--format", "json", FILE]);
    assert_eq!(status["complete"], false, "the fill is left: {status}");
    assert_eq!(status["drifted"], false, "{status}");
    assert_eq!(status["pools"][0]["health"], "ONLINE");
    assert_eq!(status["pools"][0]["differences"], serde_json::json!([]));

    // Two labs: this one half-built (its fill is left), one complete.
    events(&["up", "--format", "json", COMPLETE]);
    let list = document(&["list", "--format", "json"]);
    let labs: Vec<(&str, &str)> = list["labs"]
        .as_array()
        .expect("labs")
        .iter()
        .map(|l| {
            (
                l["lab"].as_str().unwrap_or("?"),
                l["state"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert!(labs.contains(&("quickstart", "partial")), "{list}");
    assert!(labs.contains(&("cap-stripe1-1G", "complete")), "{list}");
    let lab = list["labs"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["lab"] == "quickstart"))
        .expect("quickstart listed");
    assert_eq!(lab["pools"], serde_json::json!(["quick"]));
    println!("$ zlab list\n{}", text(&zlab(&["list"])));
    events(&["down", "--format", "json", COMPLETE]);

    // Drift: a property the scenario sets, changed by hand.
    sh("zfs set compression=lz4 quick/data");
    let plan = zlab(&["plan", FILE]);
    let plan = text(&plan);
    assert!(plan.starts_with("Against this machine"), "{plan}");
    assert!(
        plan.contains("DIFFERS") && plan.contains("compression"),
        "{plan}"
    );
    assert!(plan.contains("exists   create pool quick"), "{plan}");
    let json = document(&["plan", "--format", "json", FILE]);
    assert_eq!(json["machine"]["drifted"], true, "{json}");
    assert_eq!(json["machine"]["pools"][0]["name"], "quick", "{json}");
    let list = text(&zlab(&["list"]));
    assert!(list.contains("drifted"), "{list}");
    // Shown in the log: the README quotes them.
    let against: String = plan
        .lines()
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    println!(
        "$ zlab plan {FILE}   # the 'Against this machine' part\n{against}\n$ zlab list\n{list}"
    );

    let down = events(&["down", "--format", "json", FILE]);
    assert!(down.iter().any(|e| e["kind"] == "command"));
    let list = document(&["list", "--format", "json"]);
    assert_eq!(list["labs"], serde_json::json!([]), "down forgets the lab");
    assert!(
        !std::path::Path::new("/var/lib/zlab/labs").exists(),
        "the registry leaves nothing behind"
    );
    // A second `down` has nothing to do and leaves no trace of its own lock.
    let again = zlab(&["down", FILE]);
    assert!(
        again.status.success() && text(&again).contains("nothing to tear down"),
        "{}",
        text(&again)
    );
    assert!(
        !std::path::Path::new("/var/lib/zlab/quickstart").exists(),
        "a `down` with nothing to do leaves no state directory"
    );
    assert_clean();
}
