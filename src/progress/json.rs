//! Events as JSON lines for programs that follow a long run (`up`, `down`,
//! `fill` with `--format json`): one compact object per line, each with
//! `schema_version` and `kind` (docs/json.md). Byte-by-byte fill progress is
//! left out: each `fill_file` line carries its bytes.

use serde_json::{Value, json};

use crate::exec::event::{Event, Outcome};
use crate::fill::event::FillEvent;
use crate::output;

/// The JSON line for `event`, or none for events too fine to be worth a line.
pub(crate) fn line(event: &Event) -> Option<String> {
    let (kind, body) = match event {
        Event::StepStarted {
            index,
            total,
            description,
        } => (
            "step_started",
            json!({"index": index, "total": total, "step": description}),
        ),
        Event::Command(text) => ("command", json!({"command": text})),
        Event::StepFinished {
            index,
            total,
            description,
            outcome,
            elapsed,
        } => {
            let (outcome, reason) = match outcome {
                Outcome::Done => ("done", None),
                Outcome::AlreadyPresent => ("already_present", None),
                Outcome::Skipped(why) => ("skipped", Some(why)),
            };
            (
                "step_finished",
                json!({"index": index, "total": total, "step": description,
                       "outcome": outcome, "reason": reason,
                       "elapsed_s": elapsed.as_secs_f64()}),
            )
        }
        Event::StepFailed {
            index,
            total,
            description,
            error,
        } => (
            "step_failed",
            json!({"index": index, "total": total, "step": description, "error": error}),
        ),
        Event::Note(text) => ("note", json!({"message": text})),
        Event::Fill(FillEvent::Start(p)) => (
            "fill_started",
            json!({"target": p.target, "dir": p.dir, "until": p.until.to_string(),
                   "files_total": p.files_total, "files_done": p.files_done,
                   "file_size": p.file_size, "streams": p.streams, "log": p.log}),
        ),
        Event::Fill(FillEvent::Progress { .. }) => return None,
        Event::Fill(FillEvent::File { record, files_done }) => {
            let mut body = serde_json::to_value(record).unwrap_or(Value::Null);
            body["files_done"] = json!(files_done);
            ("fill_file", body)
        }
        Event::Fill(FillEvent::Summary(s)) => (
            "fill_finished",
            serde_json::to_value(s).unwrap_or(Value::Null),
        ),
        Event::Fill(FillEvent::Command(text)) => ("command", json!({"command": text})),
        Event::Fill(FillEvent::Note(text)) => ("note", json!({"message": text})),
        Event::Scan { pool, scan } => (
            "scan",
            json!({"pool": pool, "kind": scan.kind, "state": scan.state,
                   "percent": scan.percent, "rate": scan.rate,
                   "eta_seconds": scan.eta.map(|e| e.as_secs())}),
        ),
    };
    Some(output::line(kind, &body))
}

/// The last line of a run: whether it succeeded and, if not, why.
pub(crate) fn finished(error: Option<&str>) -> String {
    output::line("finished", &json!({"ok": error.is_none(), "error": error}))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn parse(line: &str) -> Value {
        serde_json::from_str(line).expect("one JSON object")
    }

    #[test]
    fn a_finished_step_is_one_line_with_its_outcome() {
        let text = line(&Event::StepFinished {
            index: 2,
            total: 5,
            description: "create pool tank".to_owned(),
            outcome: Outcome::AlreadyPresent,
            elapsed: Duration::from_millis(1500),
        })
        .expect("a line");
        assert!(!text.contains('\n'));
        let v = parse(&text);
        assert_eq!(v["schema_version"], output::SCHEMA_VERSION);
        assert_eq!(v["kind"], "step_finished");
        assert_eq!(v["outcome"], "already_present");
        assert_eq!(v["elapsed_s"], 1.5);
    }

    #[test]
    fn byte_progress_is_not_a_line() {
        assert!(line(&Event::Fill(FillEvent::Progress { bytes: 1 })).is_none());
    }

    #[test]
    fn the_last_line_says_whether_the_run_failed() {
        assert_eq!(parse(&finished(None))["ok"], true);
        let v = parse(&finished(Some("boom")));
        assert_eq!(
            (v["ok"].as_bool(), v["error"].as_str()),
            (Some(false), Some("boom"))
        );
    }
}
