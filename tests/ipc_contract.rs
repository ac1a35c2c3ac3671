//! The IPC contract is written in four places: the command list Tauri turns into
//! permissions (`src-tauri/build.rs`), the handler list (`src-tauri/lib.rs`), the
//! windows' capabilities (`capabilities/*.json`) and the calls the UI makes
//! (`ui/src`). A command missing from one of them fails only at run time, in the
//! window, so this test reads all four and says what disagrees.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `"..."` between `start` and the next `end`.
fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found")) + start.len();
    let body = &text[from..from + text[from..].find(end).unwrap()];
    body.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

fn declared() -> BTreeSet<String> {
    quoted_between(&read("src-tauri/build.rs"), "const COMMANDS: &[&str] = &[", "];")
}

fn handled() -> BTreeSet<String> {
    let lib = read("src-tauri/lib.rs");
    let from = lib.find("generate_handler![").expect("generate_handler! in lib.rs");
    let body = &lib[from..from + lib[from..].find(']').unwrap()];
    body.split(',').filter_map(|path| path.trim().rsplit("::").next()).filter(|n| !n.is_empty() && !n.contains('[')).map(str::to_string).collect()
}

fn granted() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities")).unwrap() {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for p in json["permissions"].as_array().unwrap() {
            // Only the app's own commands; plugin permissions are named plugin:...
            if let Some(name) = p.as_str().and_then(|p| p.strip_prefix("allow-")) {
                all.insert(name.replace('-', "_"));
            }
        }
    }
    all
}

/// The command names the UI calls: `call<T>("name"` in the API module and
/// `invoke<T>("name"` on the signer's screen.
fn called() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("bindings") {
                    stack.push(path);
                }
                continue;
            }
            if !matches!(path.extension().and_then(|e| e.to_str()), Some("ts" | "svelte")) || path.to_string_lossy().contains(".test.") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["call<", "call(", "invoke<", "invoke("] {
                for (at, _) in text.match_indices(call) {
                    let rest = &text[at + call.len()..];
                    let rest = if call.ends_with('<') { &rest[rest.find(">(").map(|i| i + 2).unwrap_or(rest.len())..] } else { rest };
                    if let Some(name) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                        if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty() {
                            all.insert(name.to_string());
                        }
                    }
                }
            }
        }
    }
    all
}

fn differences(a_name: &str, a: &BTreeSet<String>, b_name: &str, b: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for only in a.difference(b) {
        out.push(format!("{only}: in {a_name}, not in {b_name}"));
    }
    for only in b.difference(a) {
        out.push(format!("{only}: in {b_name}, not in {a_name}"));
    }
    out
}

#[test]
fn every_command_is_declared_handled_granted_and_called_alike() {
    let declared = declared();
    assert!(declared.len() > 40, "the command list was not read: {declared:?}");
    let mut problems = differences("src-tauri/build.rs", &declared, "src-tauri/lib.rs's handlers", &handled());
    problems.extend(differences("src-tauri/build.rs", &declared, "capabilities/", &granted()));
    problems.extend(differences("src-tauri/build.rs", &declared, "the UI's calls", &called()));
    assert!(problems.is_empty(), "the IPC contract disagrees with itself:\n  {}", problems.join("\n  "));
}
