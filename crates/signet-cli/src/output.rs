//! Results for people (aligned key: value lines) or machines (`--json`), and the
//! exit code each kind of failure gets.

use std::io::Write;

use serde_json::Value;
use signet_core::CoreError;

pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn success(&self, value: &Value) {
        let mut stdout = std::io::stdout().lock();
        let written = if self.json {
            writeln!(stdout, "{}", serde_json::to_string_pretty(value).expect("JSON values print"))
        } else {
            write_human(&mut stdout, value, 0)
        };
        // A reader that stopped early (`| head`) is not an error; anything else is.
        if let Err(e) = written.and_then(|_| stdout.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("error: cannot write the result: {e}");
                std::process::exit(1);
            }
        }
    }

    /// Prints the error and returns the process exit code.
    pub fn failure(&self, e: &CoreError) -> i32 {
        let body = e.body();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&body).expect("error bodies print"));
        } else {
            match &body.field {
                Some(field) => eprintln!("error ({field}): {}", body.message),
                None => eprintln!("error: {}", body.message),
            }
        }
        exit_code(&body.code)
    }

    /// A progress line for people; silent with --json so stdout stays parseable.
    pub fn note(&self, line: &str) {
        if !self.json {
            eprintln!("{line}");
        }
    }
}

pub fn exit_code(code: &str) -> i32 {
    match code {
        "invalid_input" | "duplicate" => 2,
        "provider_rejected" | "provider_auth" | "provider_response" => 3,
        "outcome_unknown" => 4,
        "transport" | "waiting" | "team_unreachable" => 5,
        _ => 1,
    }
}

fn write_human(w: &mut impl Write, value: &Value, indent: usize) -> std::io::Result<()> {
    let pad = "  ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(_) | Value::Array(_) if !is_empty(v) => {
                        writeln!(w, "{pad}{k}:")?;
                        write_human(w, v, indent + 1)?;
                    }
                    _ => writeln!(w, "{pad}{k}: {}", scalar(v))?,
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        writeln!(w, "{pad}-")?;
                        write_human(w, item, indent + 1)?;
                    }
                    _ => writeln!(w, "{pad}- {}", scalar(item))?,
                }
            }
        }
        other => writeln!(w, "{pad}{}", scalar(other))?,
    }
    Ok(())
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "(none)".into(),
        other => other.to_string(),
    }
}
