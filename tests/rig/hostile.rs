//! Hostile input against real ZFS: a scenario whose every string is shell
//! syntax (quotes, `$(…)`, backticks, `;`, `#`) is legal, and its
//! `plan --format sh` script, run with `up` then `down`, builds and removes the
//! lab without running any of it. A victim file the injections aim at stays
//! byte for byte the same, no marker file appears, and nothing is left over.
//! The same scenario with a newline in a path never gets a script at all.

use std::path::Path;

use assert_cmd::Command;

use crate::{assert_clean, sh};

const VICTIM: &str = "/var/tmp/zlab-victim";
const MARKER: &str = "/tmp/PWNED";

/// Every string a script shows is an attack on `VICTIM`; all of it is legal.
fn scenario(payload: &str) -> String {
    format!(
        r#"lab: hostile-quoting
devices:
  disks:
    sparse:
      dir: "/var/tmp/zlab/it's a \"lab\" {payload}"
      names: ["d0 {payload_name}", "d1'\"", "-rf"]
      size: 256M
pools:
  - name: "hostile tank"
    vdevs: [{{ type: raidz1, devices: disks }}]
    root: {{ "com.example:note": "'; {payload}" }}
    datasets:
      - name: "my data:set"
        properties: {{ "com.example:owner": "$USER $(rm -f {VICTIM})" }}
"#,
        payload_name = payload.replace('/', "∕"),
    )
}

fn plan(dir: &Path, text: &str) -> std::process::Output {
    let file = dir.join("hostile.yaml");
    std::fs::write(&file, text).expect("scenario");
    crate::zlab_command()
        .args(["plan", "--format", "sh"])
        .arg(&file)
        .output()
        .expect("zlab plan")
}

fn bash(script: &Path, action: &str) -> std::process::Output {
    Command::new("bash")
        .arg(script)
        .arg(action)
        .current_dir("/tmp")
        .output()
        .expect("bash")
}

/// `down` runs whatever happened to the test.
struct Down<'a>(&'a Path);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let out = bash(self.0, "down");
        if !out.status.success() && !std::thread::panicking() {
            panic!("down failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
#[ignore = "needs root and OpenZFS: run inside the zlab qemu rig (scripts/test)"]
fn shell_syntax_in_every_string_builds_and_removes_the_lab_and_runs_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let payload = format!("$(rm -f {VICTIM}) `touch {MARKER}`; rm -f {VICTIM} #");
    sh(&format!(
        "head -c 1048576 /dev/urandom > {VICTIM} && rm -f {MARKER}"
    ));
    let before = sh(&format!("sha256sum {VICTIM}"));

    // A newline would end a comment and start a command: no script at all.
    let refused = plan(dir.path(), &scenario(&format!("\\n{payload}")));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("contains a control character (\\n)"),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty());

    let out = plan(dir.path(), &scenario(&payload));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = dir.path().join("lab.sh");
    std::fs::write(&script, &out.stdout).expect("script");
    {
        let _down = Down(&script);
        let up = bash(&script, "up");
        assert!(
            up.status.success(),
            "up failed: {}",
            String::from_utf8_lossy(&up.stderr)
        );
        let status = sh("zpool status -P 'hostile tank'");
        assert!(status.contains("raidz1-0"), "{status}");
        assert!(
            status.contains("/dev/loop"),
            "the pool is on the loop devices: {status}"
        );
        assert_eq!(
            sh("zfs get -Hp -o value com.example:owner 'hostile tank/my data:set'").trim(),
            format!("$USER $(rm -f {VICTIM})"),
            "the property holds the text, not its expansion"
        );
        // The payload's `/` make the directory deep; its three files are there.
        let files = sh("find /var/tmp/zlab -type f");
        assert_eq!(files.lines().count(), 3, "{files}");
        assert!(
            files.contains("/-rf\n") && files.contains("/d1'\"\n"),
            "{files}"
        );
    }
    assert_clean();
    assert_eq!(
        sh(&format!("sha256sum {VICTIM}")),
        before,
        "the victim changed"
    );
    assert!(!Path::new(MARKER).exists(), "an injected command ran");
    assert_eq!(
        sh("find /var/tmp/zlab -type f"),
        "",
        "backing files left behind"
    );
    sh(&format!("rm -f {VICTIM}"));
}
