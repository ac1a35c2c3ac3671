//! Properties of the wire formats, over generated inputs (proptest):
//! - DollarPe's signed text is Python's `json.dumps(body, sort_keys=True)` exactly,
//!   whatever order the keys came in, checked against a real Python;
//! - QI Tech's ES512 token carries the request's claims and nothing else verifies.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use proptest::prelude::*;
use serde_json::{Map, Value};
use signet_providers::canonical::{to_sorted_json, JsonStyle};
use signet_providers::{dollarpe_sign, jws};

/// JSON as DollarPe bodies hold it: strings (any Unicode), integers, booleans,
/// nulls, arrays and objects, nested a few levels. Objects are built from pairs in
/// the generated order, so the same keys arrive in many orders.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Printable text of every script, control characters, DEL, a zero-width
        // space and an emoji (a surrogate pair in Python's \\u escapes).
        "(\\PC|[\\x00-\\x1f\\x7f\\x{200b}\\x{1F600}]){0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,8}", inner), 0..6).prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The same object with its keys in another order, at every level.
fn reordered(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().rev().map(|(k, v)| (k.clone(), reordered(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(reordered).collect()),
        other => other.clone(),
    }
}

/// One Python for the whole run: a JSON document per line in, its
/// `json.dumps(sort_keys=True)` per line out.
struct Python {
    _child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

static PYTHON: Mutex<Option<Python>> = Mutex::new(None);

fn python_dumps(value: &Value, compact: bool) -> String {
    let mut guard = PYTHON.lock().unwrap_or_else(|e| e.into_inner());
    let py = guard.get_or_insert_with(|| {
        let script = "import json, sys\nfor line in sys.stdin:\n    req = json.loads(line)\n    seps = (',', ':') if req['compact'] else (', ', ': ')\n    print(json.dumps(req['body'], sort_keys=True, separators=seps), flush=True)\n";
        let mut child = Command::new("python3").args(["-c", script]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("python3 is installed");
        Python { input: child.stdin.take().unwrap(), output: BufReader::new(child.stdout.take().unwrap()), _child: child }
    });
    writeln!(py.input, "{}", serde_json::json!({ "compact": compact, "body": value })).unwrap();
    let mut line = String::new();
    py.output.read_line(&mut line).unwrap();
    line.trim_end_matches('\n').to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dollarpe_signs_what_python_writes_whatever_the_key_order(body in json()) {
        for (style, compact) in [(JsonStyle::Python, false), (JsonStyle::Compact, true)] {
            let ours = to_sorted_json(&body, style);
            prop_assert_eq!(&ours, &to_sorted_json(&reordered(&body), style));
            prop_assert_eq!(&ours, &python_dumps(&body, compact));
            // The text sent parses back to the body, and so is signed once.
            prop_assert_eq!(&serde_json::from_str::<Value>(&ours).unwrap(), &body);
            prop_assert_eq!(
                dollarpe_sign::signature("key", "secret", 1_700_000_000, &ours),
                dollarpe_sign::signature("key", "secret", 1_700_000_000, &to_sorted_json(&reordered(&body), style))
            );
        }
    }
}

fn key() -> jws::SigningKey {
    jws::signing_key_from_pem(include_str!("../../signet-core/tests/fixtures/p521-private.pem")).unwrap()
}

proptest! {
    // Each case signs and verifies with P-521 (about 2 ms).
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_qi_token_carries_the_requests_claims_and_a_changed_byte_fails(
        body in prop::collection::vec(any::<u8>(), 0..2048),
        method in prop::sample::select(vec!["get", "POST", "Patch", "delete"]),
        uri in "/[a-z0-9/_-]{0,40}",
        unix_ms in 0i64..4_102_444_800_000,
        flip in any::<prop::sample::Index>(),
    ) {
        let now = time::OffsetDateTime::from_unix_timestamp_nanos(unix_ms as i128 * 1_000_000).unwrap();
        let claims = jws::RequestClaims::for_request(&body, method, &uri, now);
        let key = key();
        let token = jws::sign(&key, &claims);
        let verifying = key.verifying_key();
        let back: jws::RequestClaims = jws::verify(&verifying, &token).unwrap();
        prop_assert_eq!(&back, &claims);
        prop_assert_eq!(back.payload_md5.len(), 32);
        prop_assert_eq!(back.method, method.to_ascii_uppercase());
        prop_assert!(back.timestamp.ends_with('Z') && back.timestamp.len() == 24, "{}", back.timestamp);
        // Any one character changed (other than to itself) and the token is refused.
        let mut bytes = token.into_bytes();
        let i = flip.index(bytes.len());
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        prop_assert!(jws::verify::<jws::RequestClaims>(&verifying, &tampered).is_err());
    }
}
