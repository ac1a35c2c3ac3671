//! The JSON text DollarPe signs: the body with its keys sorted, written in one of
//! two styles. Python's `json.dumps(body, sort_keys=True)` is the default (", " and
//! ": " separators, non-ASCII escaped as \uXXXX); the compact style uses "," and ":".
//! The request body sent is exactly this text, so what is signed is what is sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonStyle {
    /// `json.dumps(body, sort_keys=True)`: `{"a": 1, "b": [1, 2]}`
    #[default]
    Python,
    /// `json.dumps(body, sort_keys=True, separators=(",", ":"))`: `{"a":1,"b":[1,2]}`
    Compact,
}

impl JsonStyle {
    pub fn parse(s: &str) -> Option<JsonStyle> {
        match s {
            "python" => Some(JsonStyle::Python),
            "compact" => Some(JsonStyle::Compact),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JsonStyle::Python => "python",
            JsonStyle::Compact => "compact",
        }
    }

    fn separators(self) -> (&'static str, &'static str) {
        match self {
            JsonStyle::Python => (", ", ": "),
            JsonStyle::Compact => (",", ":"),
        }
    }
}

/// Writes `value` with sorted keys in the given style.
pub fn to_sorted_json(value: &Value, style: JsonStyle) -> String {
    let mut out = String::new();
    write_value(&mut out, value, style.separators());
    out
}

fn write_value(out: &mut String, value: &Value, seps: (&str, &str)) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(seps.0);
                }
                write_value(out, item, seps);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // UTF-8 byte order is code point order, which is how Python sorts str keys.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(seps.0);
                }
                write_string(out, key);
                out.push_str(seps.1);
                write_value(out, &map[key], seps);
            }
            out.push('}');
        }
    }
}

/// Python's `ensure_ascii=True` string form.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            // Python escapes everything outside printable ASCII (space to tilde).
            c if !(' '..='~').contains(&c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_style_matches_json_dumps_sort_keys() {
        // Expected strings written from Python 3: json.dumps(v, sort_keys=True)
        let v = json!({"b": [1, 2, {"z": null, "a": true}], "a": "x", "é": "ção"});
        assert_eq!(to_sorted_json(&v, JsonStyle::Python), r#"{"a": "x", "b": [1, 2, {"a": true, "z": null}], "\u00e9": "\u00e7\u00e3o"}"#);
        assert_eq!(to_sorted_json(&v, JsonStyle::Compact), r#"{"a":"x","b":[1,2,{"a":true,"z":null}],"\u00e9":"\u00e7\u00e3o"}"#);
    }

    #[test]
    fn escapes_like_python() {
        let v = json!("q\"\\\n\t\u{1}\u{7f}😀");
        assert_eq!(to_sorted_json(&v, JsonStyle::Python), r#""q\"\\\n\t\u0001\u007f\ud83d\ude00""#);
        assert_eq!(to_sorted_json(&json!({}), JsonStyle::Python), "{}");
        assert_eq!(to_sorted_json(&json!([]), JsonStyle::Python), "[]");
    }
}
