//! The desk's IPC commands through Tauri's mock runtime: real command handlers, a
//! real SQLite file, and an in-memory keyring standing in for the OS one.

use std::sync::Arc;

use serde_json::{json, Value};
use signet_core::secrets::memory::MemorySecrets;
use signet_core::secrets::KeyringError;
use signet_desk::{AppPaths, AppState};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct Desk {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    secrets: Arc<MemorySecrets>,
}

impl Desk {
    fn start() -> Desk {
        Desk::start_with_sandbox(None)
    }

    /// As the desk starts, with the Sandbox profile pointed at `sandbox` if given.
    fn start_with_sandbox(sandbox: Option<String>) -> Desk {
        Desk::open(tempfile::tempdir().unwrap(), Arc::new(MemorySecrets::default()), sandbox)
    }

    /// Closes the desk and starts it again on the same data folder and keyring.
    fn restart_with_sandbox(self, sandbox: String) -> Desk {
        let Desk { _dir, _app, window, secrets } = self;
        drop(window);
        drop(_app);
        Desk::open(_dir, secrets, Some(sandbox))
    }

    fn open(dir: tempfile::TempDir, secrets: Arc<MemorySecrets>, sandbox: Option<String>) -> Desk {
        let paths = AppPaths { data_dir: dir.path().to_path_buf(), log_dir: dir.path().join("logs") };
        let mut state = AppState::open(paths, secrets.clone()).unwrap();
        if let Some(url) = sandbox {
            state.sandbox = Ok(url);
        }
        // The real context: tauri.conf.json, its "main" window and the capabilities that grant it commands.
        let app = signet_desk::builder(mock_builder()).manage(state).build(tauri::generate_context!(test = true)).unwrap();
        let config = app.config().app.windows.iter().find(|w| w.label == "main").expect("tauri.conf.json declares the main window");
        let window = tauri::WebviewWindowBuilder::from_config(&app, config).unwrap().build().unwrap();
        Desk { _dir: dir, _app: app, window, secrets }
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_in(&self.window, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(&self, cmd: &str, args: Value) -> Value {
        match self.invoke(cmd, args) {
            Ok(v) => panic!("{cmd} should have failed, returned {v}"),
            Err(e) => e,
        }
    }

    fn create_profile(&self, name: &str) -> String {
        self.ok("create_profile", json!({ "name": name }))["id"].as_str().unwrap().to_string()
    }
}

fn invoke_in(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The desk's own pages are served from here on Linux; capabilities grant local pages only.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

fn field<'a>(detail: &'a Value, provider: &str, key: &str) -> &'a Value {
    let view = detail["providers"].as_array().unwrap().iter().find(|p| p["provider"] == provider).unwrap();
    view["fields"].as_array().unwrap().iter().find(|f| f["key"] == key).unwrap()
}

#[test]
fn the_desk_starts_on_the_sandbox_with_the_keyring_usable() {
    let desk = Desk::start();
    let status = desk.ok("app_status", json!({}));
    assert_eq!(status["activeProfile"], json!({ "id": "sandbox", "name": "Sandbox", "builtin": true }));
    assert_eq!(status["keyring"]["state"], "available");
    assert_eq!(desk.ok("list_profiles", json!({})).as_array().unwrap().len(), 1);
}

#[test]
fn desktop_notifications_are_on_until_turned_off_and_stay_off_after_a_restart() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    assert_eq!(desk.ok("notifications_setting", json!({})), json!(true));
    desk.ok("set_notifications", json!({ "on": false }));
    let desk = desk.restart_with_sandbox(sandbox.base_url());
    assert_eq!(desk.ok("notifications_setting", json!({})), json!(false));
    // A value that is not a yes or no is refused before anything is stored.
    let refused = desk.err("set_notifications", json!({ "on": "yes" }));
    assert!(refused.to_string().contains("on"), "{refused}");
    assert_eq!(desk.ok("notifications_setting", json!({})), json!(false));
}

#[test]
fn the_desk_language_follows_the_computer_until_chosen_and_the_choice_is_kept() {
    let desk = Desk::start_with_sandbox(Some("http://127.0.0.1:9".into()));
    let status = desk.ok("app_status", json!({}));
    assert_eq!((&status["language"], &status["languageChoice"]), (&json!(signet_core::settings::system_language()), &json!("system")));
    assert_eq!(desk.err("set_language", json!({ "language": "fr" }))["field"], "language");
    assert_eq!(desk.ok("set_language", json!({ "language": "pt-br" })), "pt-BR");
    let desk = desk.restart_with_sandbox("http://127.0.0.1:9".into());
    assert_eq!(desk.ok("app_status", json!({}))["language"], "pt-BR");
}

#[test]
fn the_update_address_is_checked_kept_across_restarts_and_needed_before_a_check() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    assert_eq!(desk.ok("update_address", json!({})), Value::Null);
    assert_eq!(desk.err("update_check", json!({}))["field"], "update_address", "nothing to ask yet");
    let plain = desk.err("set_update_address", json!({ "address": "http://updates.example.com/signet/latest.json" }));
    assert_eq!(plain["field"], "update_address");
    assert!(plain["message"].as_str().unwrap().contains("https"), "{plain}");
    let address = "https://updates.example.com/signet/{{target}}/latest.json";
    let kept = desk.ok("set_update_address", json!({ "address": address }));
    let desk = desk.restart_with_sandbox(sandbox.base_url());
    assert_eq!(desk.ok("update_address", json!({})), kept);
    assert!(kept.as_str().unwrap().starts_with("https://updates.example.com/signet/"), "{kept}");
    // A server that is not there: the check says so and names what to do.
    desk.ok("set_update_address", json!({ "address": "http://127.0.0.1:9/latest.json" }));
    let unreachable = desk.err("update_check", json!({}));
    assert!(unreachable["message"].as_str().unwrap().contains("could not be reached"), "{unreachable}");
    assert_eq!(desk.err("update_install", json!({}))["field"], "update", "nothing was offered");
    // Blank turns updates off.
    assert_eq!(desk.ok("set_update_address", json!({ "address": " " })), Value::Null);
    assert_eq!(desk.ok("update_address", json!({})), Value::Null);
}

#[test]
fn a_profile_is_created_configured_and_made_active() {
    let desk = Desk::start();
    let id = desk.create_profile("Production");
    let view = desk.ok(
        "save_provider_settings",
        json!({ "profileId": id, "provider": "mykaarma", "input": { "baseUrl": "https://kpay.example.com/", "values": { "username": "desk" } } }),
    );
    assert_eq!(view["baseUrl"], "https://kpay.example.com");
    desk.ok("set_active_profile", json!({ "id": id }));
    assert_eq!(desk.ok("app_status", json!({}))["activeProfile"]["name"], "Production");

    let detail = desk.ok("get_profile", json!({ "id": id }));
    assert_eq!(field(&detail, "mykaarma", "username")["value"], "desk");
    assert_eq!(field(&detail, "mykaarma", "password")["isSet"], false);
}

#[test]
fn a_secret_is_set_reported_as_set_and_never_returned() {
    let desk = Desk::start();
    let id = desk.create_profile("Production");
    let marker = "MARKER-dollarpe-secret-91";
    let reply = desk.ok("set_secret", json!({ "profileId": id, "provider": "dollarpe", "field": "api_secret", "value": marker }));
    assert_eq!(reply, Value::Null);
    assert_eq!(desk.secrets.accounts(), vec![format!("profile/{id}/dollarpe/api_secret")]);

    let detail = desk.ok("get_profile", json!({ "id": id }));
    assert_eq!(field(&detail, "dollarpe", "api_secret")["isSet"], true);
    assert_eq!(field(&detail, "dollarpe", "api_secret")["value"], Value::Null);
    assert!(!detail.to_string().contains(marker));

    desk.ok("delete_secret", json!({ "profileId": id, "provider": "dollarpe", "field": "api_secret" }));
    let detail = desk.ok("get_profile", json!({ "id": id }));
    assert_eq!(field(&detail, "dollarpe", "api_secret")["isSet"], false);
    assert!(desk.secrets.accounts().is_empty());
}

#[test]
fn errors_cross_as_code_message_and_field() {
    let desk = Desk::start();
    let id = desk.create_profile("Production");
    let e = desk.err("save_provider_settings", json!({ "profileId": id, "provider": "dollarpe", "input": { "baseUrl": "http://dollarpe.example.com" } }));
    assert_eq!(e["code"], "invalid_input");
    assert_eq!(e["field"], "dollarpe.base_url");
    assert!(e["message"].as_str().unwrap().contains("https"), "{e}");
    // And the words' id and values, for the window to say it in the desk's language.
    assert_eq!((&e["id"], &e["params"]), (&json!("base_url.http"), &json!({ "host": "dollarpe.example.com" })), "{e}");
    assert_eq!(e.as_object().unwrap().len(), 5, "only code, message, field, id and params: {e}");

    let e = desk.err("set_secret", json!({ "profileId": "sandbox", "provider": "signzy", "field": "access_token", "value": "x" }));
    assert_eq!(e, json!({ "code": "read_only", "message": e["message"] }));

    let e = desk.err("get_profile", json!({ "id": "no-such-profile" }));
    assert_eq!(e["code"], "not_found");

    let e = desk.err("create_profile", json!({ "name": "  " }));
    assert_eq!((e["code"].as_str(), e["field"].as_str()), (Some("invalid_input"), Some("name")));
}

#[test]
fn a_locked_keyring_is_reported_and_refuses_secrets() {
    let desk = Desk::start();
    let id = desk.create_profile("Production");
    desk.secrets.fail_with(Some(KeyringError::Locked));

    let status = desk.ok("app_status", json!({}));
    assert_eq!(status["keyring"]["state"], "locked");
    assert!(status["keyring"]["message"].as_str().unwrap().contains("Unlock"));

    let e = desk.err("set_secret", json!({ "profileId": id, "provider": "signzy", "field": "access_token", "value": "tok" }));
    assert_eq!(e["code"], "keyring_locked");
    assert!(desk.secrets.accounts().is_empty());
    let detail = desk.ok("get_profile", json!({ "id": id }));
    assert_eq!(field(&detail, "signzy", "access_token")["isSet"], Value::Null);
}

#[test]
fn a_window_without_a_capability_cannot_call_commands() {
    let desk = Desk::start();
    let other = tauri::WebviewWindowBuilder::new(&desk.window, "unlisted", Default::default()).build().unwrap();
    let e = invoke_in(&other, "list_profiles", json!({})).unwrap_err();
    assert!(e.as_str().unwrap_or_default().contains("not allowed"), "{e}");
    assert!(invoke_in(&desk.window, "list_profiles", json!({})).is_ok());
}

#[test]
fn a_payment_request_is_sent_guarded_against_duplicates_and_listed_in_activity() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let departments = desk.ok("list_departments", json!({}));
    let service = departments.as_array().unwrap().iter().find(|d| d["name"] == "Service").unwrap()["uuid"].clone();
    let request = json!({ "invoiceGuid": signet_sandbox::demo::INVOICE_NO_MOBILE, "sendAsText": true, "sendAsEmail": true,
                          "attachInvoice": false, "esignRequired": false, "sendWithoutKpay": false });

    let sent = desk.ok("send_payment_request", json!({ "department": service, "request": request, "choice": { "again": false } }));
    assert!(sent["paymentLink"].as_str().unwrap().starts_with(&sandbox.base_url()));
    assert_eq!(sent["failedChannels"], json!(["text"]), "a half-success is visible as such");
    assert!(!sent["warnings"].as_array().unwrap().is_empty());

    let dup = desk.err("send_payment_request", json!({ "department": service, "request": request, "choice": { "again": false } }));
    assert_eq!(dup["code"], "duplicate");
    assert_eq!(dup["detail"]["key"], sent["operationKey"]);
    desk.ok("send_payment_request", json!({ "department": service, "request": request, "choice": { "again": true } }));

    let page = desk.ok("list_operations", json!({ "query": { "area": "payments", "offset": 0, "limit": 50 } }));
    assert_eq!(page["total"], 2);
    let unknown = desk.ok("list_operations", json!({ "query": { "status": "unknown", "offset": 0, "limit": 50 } }));
    assert_eq!(unknown["total"], 0);

    let bad = desk.err("send_payment_request", json!({ "department": "nope", "request": request, "choice": { "again": false } }));
    assert_eq!((bad["code"].as_str(), bad["field"].as_str()), (Some("invalid_input"), Some("department")));
    drop(sandbox);
}

#[test]
fn an_unknown_send_is_resolved_by_the_operator_and_sent_again_once() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let request = json!({ "invoiceGuid": "7d1f1d2e-0000-4000-8000-0000000000c1", "sendAsText": false, "sendAsEmail": true,
                          "attachInvoice": false, "esignRequired": false, "sendWithoutKpay": false });
    let department = signet_sandbox::demo::DEPARTMENT_SERVICE;

    // The connection drops after myKaarma acted: the desk cannot know, so it says so.
    sandbox.set_faults(signet_sandbox::Faults { drop_after_rate: 1.0, ..Default::default() });
    let e = desk.err("send_payment_request", json!({ "department": department, "request": request, "choice": { "again": false } }));
    assert_eq!(e["code"], "outcome_unknown");
    sandbox.set_faults(Default::default());
    let unknown = desk.ok("list_operations", json!({ "query": { "status": "unknown", "offset": 0, "limit": 10 } }));
    assert_eq!(unknown["total"], 1);
    let key = unknown["items"][0]["key"].as_str().unwrap().to_string();
    assert_eq!(desk.ok("app_status", json!({}))["needsAttention"], 1);

    // Payment requests cannot be read back from myKaarma, so "check" is refused plainly.
    assert_eq!(desk.err("check_operation", json!({ "key": key }))["code"], "conflict");

    // The operator decides it did not arrive and sends it again.
    let again = desk.ok("resend_payment_request", json!({ "key": key }));
    assert!(again["paymentLink"].is_string());
    let old = desk.ok("list_operations", json!({ "query": { "text": key, "offset": 0, "limit": 10 } }));
    assert_eq!(old["items"][0]["status"], "failed");
    assert_eq!(old["items"][0]["response"]["resolution"], "confirmed as not received");
    assert_eq!(desk.ok("app_status", json!({}))["needsAttention"], 0);
    let posts = sandbox.journal().iter().filter(|e| e.body.contains("7d1f1d2e-0000-4000-8000-0000000000c1")).count();
    assert_eq!(posts, 2, "the lost one and the deliberate resend, nothing more");
    // Resolving it twice is refused.
    assert_eq!(desk.err("resolve_operation", json!({ "key": key, "resolution": "sent", "note": "" }))["code"], "conflict");
}

/// The spiRequestUUID myKaarma gave an invoice's signature request (the Sandbox
/// lists them; the real API tells the dealer by other means).
fn sandbox_spi(sandbox: &signet_sandbox::Sandbox, invoice: &str) -> String {
    let url = format!("{}/_sandbox/kpay/signature-requests?invoiceGuid={invoice}", sandbox.base_url());
    let listed: Value = tauri::async_runtime::block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
    listed[0]["spiRequestUUID"].as_str().expect("the Sandbox made a signature request").to_string()
}

#[test]
fn a_signature_request_is_followed_captured_and_seen_signed() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let invoice = signet_sandbox::demo::INVOICE_BRAKES;
    let request = json!({ "invoiceGuid": invoice, "sendAsText": true, "sendAsEmail": true,
                          "attachInvoice": false, "esignRequired": true, "sendWithoutKpay": false });
    desk.ok("send_payment_request", json!({ "department": signet_sandbox::demo::DEPARTMENT_SERVICE, "request": request, "choice": { "again": false } }));
    let spi = sandbox_spi(&sandbox, invoice);

    let bad = desk.err("track_signature", json!({ "spiRequestUuid": "not-a-uuid", "label": "" }));
    assert_eq!((bad["code"].as_str(), bad["field"].as_str()), (Some("invalid_input"), Some("spi_request_uuid")));

    let tracked = desk.ok("track_signature", json!({ "spiRequestUuid": spi, "label": "Brakes, Ana" }));
    assert_eq!(tracked["label"], "Brakes, Ana");
    assert_eq!(tracked["request"]["isSigned"], false);
    assert!(tracked["request"]["signatureCaptureUrl"].as_str().unwrap().contains(&spi));
    assert!(!tracked["request"]["signers"].as_array().unwrap().is_empty());
    assert!(tracked["checkedAt"].is_string());

    // A plain-http link is refused before anything is sent.
    let before = sandbox.journal().len();
    let http = desk.err("capture_signature", json!({ "spiRequestUuid": spi, "url": "http://docs.example.com/s.pdf" }));
    assert_eq!((http["code"].as_str(), http["field"].as_str()), (Some("invalid_input"), Some("url")));
    assert_eq!(sandbox.journal().len(), before);

    let captured = desk.ok("capture_signature", json!({ "spiRequestUuid": spi, "url": "https://docs.example.com/signed.pdf" }));
    assert_eq!(captured["reply"]["requestUUID"], spi.as_str());
    assert!(captured["reply"]["error"].is_null(), "{captured}");
    let seen = desk.ok("refresh_signature", json!({ "spiRequestUuid": spi }));
    assert_eq!(seen["request"]["isSigned"], true);
    assert_eq!(seen["request"]["signedDocumentUrl"], "https://docs.example.com/signed.pdf");

    // The list keeps what was last seen, with no network call.
    let listed = desk.ok("list_tracked_signatures", json!({}));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["request"]["isSigned"], true);
    desk.ok("untrack_signature", json!({ "spiRequestUuid": spi }));
    assert_eq!(desk.ok("list_tracked_signatures", json!({})), json!([]));
    assert_eq!(desk.err("untrack_signature", json!({ "spiRequestUuid": spi }))["code"], "not_found");
}

#[test]
fn a_send_that_finds_no_network_waits_and_the_operator_can_send_it_now() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let desk = Desk::start_with_sandbox(Some(dead));
    let invoice = "7d1f1d2e-0000-4000-8000-0000000000d1";
    let request = json!({ "invoiceGuid": invoice, "sendAsText": false, "sendAsEmail": true,
                          "attachInvoice": false, "esignRequired": false, "sendWithoutKpay": false });
    let department = signet_sandbox::demo::DEPARTMENT_SERVICE;
    let e = desk.err("send_payment_request", json!({ "department": department, "request": request, "choice": { "again": false } }));
    assert_eq!(e["code"], "waiting", "{e}");
    let key = e["detail"]["operationKey"].as_str().unwrap().to_string();
    assert_eq!(desk.ok("app_status", json!({}))["waitingOperations"], 1);

    // Another one the operator decides not to send after all.
    let other = json!({ "invoiceGuid": "7d1f1d2e-0000-4000-8000-0000000000d2", "sendAsText": false, "sendAsEmail": true,
                        "attachInvoice": false, "esignRequired": false, "sendWithoutKpay": false });
    let e = desk.err("send_payment_request", json!({ "department": department, "request": other, "choice": { "again": false } }));
    let cancelled = desk.ok("cancel_waiting_operation", json!({ "key": e["detail"]["operationKey"] }));
    assert_eq!((cancelled["status"].as_str(), cancelled["response"]["code"].as_str()), (Some("failed"), Some("cancelled")));

    // The network comes back (the Sandbox answers now); the operator asks for it now.
    let desk = desk.restart_with_sandbox(sandbox.base_url());
    desk.ok("retry_operation_now", json!({ "key": key }));
    let op = desk.ok("list_operations", json!({ "query": { "text": key, "offset": 0, "limit": 10 } }));
    assert_eq!((op["items"][0]["status"].as_str(), op["items"][0]["attempts"].as_u64()), (Some("sent"), Some(2)));
    assert_eq!(desk.ok("app_status", json!({}))["waitingOperations"], 0);
    assert_eq!(sandbox.journal().iter().filter(|e| e.method == "POST").count(), 1, "the sent one once, the cancelled one never");
    assert_eq!(desk.err("retry_operation_now", json!({ "key": key }))["code"], "conflict");
    assert_eq!(desk.err("cancel_waiting_operation", json!({ "key": key }))["code"], "conflict");
}

/// Polls a bulk run until `done` says so (or fails after 30 s).
/// What the desk pushes to its window as `event`, collected as it arrives.
fn pushes(desk: &Desk, event: &str) -> Arc<std::sync::Mutex<Vec<Value>>> {
    let pushed = Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let heard = pushed.clone();
    tauri::Listener::listen_any(&desk._app, event, move |event| heard.lock().unwrap().push(serde_json::from_str(event.payload()).unwrap()));
    pushed
}

fn bulk_wait(desk: &Desk, run_id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let status = desk.ok("bulk_status", json!({ "runId": run_id }));
        if done(&status) {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}: {status}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_bulk_run_pauses_stops_and_resumes_after_a_restart_without_sending_a_row_twice() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    // Slow enough answers that the run is still going when it is paused.
    sandbox.set_faults(signet_sandbox::Faults { latency_ms: 40, ..Default::default() });
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let rows = 60;
    let invoice = |i: usize| format!("5e7a0000-0000-4000-8000-{i:012}");
    let mut csv = String::from("department,invoice,options\n");
    for i in 0..rows {
        csv.push_str(&format!("{},{},email\n", signet_sandbox::demo::DEPARTMENT_SERVICE, invoice(i)));
    }
    let file = desk._dir.path().join("requests.csv");
    std::fs::write(&file, csv).unwrap();
    // The file dialog is answered by the environment; the code after the answer is the real one.
    let preview = pick_file(&file, || desk.ok("bulk_choose_file", json!({})));
    assert_eq!((preview["ready"].as_u64(), preview["problems"].as_u64()), (Some(rows as u64), Some(0)));
    // A bad concurrency is refused before anything is recorded or sent, and the
    // import is still there to start properly.
    for bad in [0, 33] {
        let refused = desk.err("bulk_start", json!({ "token": preview["token"], "concurrency": bad }));
        assert_eq!((refused["code"].as_str(), refused["field"].as_str()), (Some("invalid_input"), Some("concurrency")), "{refused}");
        assert!(refused["message"].as_str().unwrap().contains("1 to 32"), "{refused}");
    }
    assert!(desk.ok("bulk_unfinished", json!({})).as_array().unwrap().is_empty(), "a refused start recorded a run");
    assert!(sandbox.journal().is_empty());
    let run_id = desk.ok("bulk_start", json!({ "token": preview["token"], "concurrency": 2 })).as_str().unwrap().to_string();

    // A screen opened again finds the run being sent.
    assert_eq!(desk.ok("bulk_running", json!({})), json!([run_id]));
    // Pause: rows in flight finish, then nothing more is sent.
    bulk_wait(&desk, &run_id, "a few rows", |s| s["progress"]["sent"].as_u64() >= Some(4));
    desk.ok("bulk_pause", json!({ "runId": run_id, "paused": true }));
    let paused = bulk_wait(&desk, &run_id, "the pause to settle", |s| s["paused"] == true && s["progress"]["inFlight"] == 0);
    let received = sandbox.journal().len();
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(sandbox.journal().len(), received, "a paused run sent more rows");
    assert!(paused["progress"]["remaining"].as_u64().unwrap() > 0);

    // Resume for a moment, then stop: the run stays unfinished, to be resumed.
    desk.ok("bulk_pause", json!({ "runId": run_id, "paused": false }));
    bulk_wait(&desk, &run_id, "more rows", |s| s["progress"]["sent"].as_u64() > paused["progress"]["sent"].as_u64());
    desk.ok("bulk_cancel", json!({ "runId": run_id }));
    let stopped = bulk_wait(&desk, &run_id, "the run to stop", |s| s["running"] == false);
    assert_eq!(desk.ok("bulk_running", json!({})), json!([]));
    assert!(stopped["progress"]["remaining"].as_u64().unwrap() > 0, "stopped too late to prove anything: {stopped}");

    // Closed and reopened: the desk offers the run and finishes it.
    let desk = desk.restart_with_sandbox(sandbox.base_url());
    let unfinished = desk.ok("bulk_unfinished", json!({}));
    assert_eq!(unfinished[0]["progress"]["runId"], run_id.as_str(), "{unfinished}");
    // The window is told of the progress as it goes, not only when it asks.
    let pushed = pushes(&desk, "bulk-progress");
    desk.ok("bulk_resume", json!({ "runId": run_id, "concurrency": 4 }));
    let done = bulk_wait(&desk, &run_id, "the run to finish", |s| s["running"] == false && s["progress"]["remaining"] == 0);
    assert_eq!(done["progress"]["sent"].as_u64(), Some(rows as u64), "{done}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while pushed.lock().unwrap().last().is_none_or(|p| p["running"] == true) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pushed = pushed.lock().unwrap().clone();
    let sent: Vec<u64> = pushed.iter().map(|p| p["progress"]["sent"].as_u64().unwrap()).collect();
    assert!(pushed.len() >= 2 && sent.is_sorted(), "pushed counts go up as rows are sent: {sent:?}");
    assert_eq!(pushed.last(), Some(&done), "the last push is the finished run");
    assert_eq!(desk.ok("bulk_unfinished", json!({})), json!([]));

    // The Sandbox received every row exactly once.
    let journal = sandbox.journal();
    for i in 0..rows {
        let n = journal.iter().filter(|e| e.method == "POST" && e.body.contains(&invoice(i))).count();
        assert_eq!(n, 1, "row {i} was received {n} times");
    }
}

#[test]
fn an_evidence_ledger_altered_on_disk_is_reported_in_the_status_bar() {
    let dir = tempfile::tempdir().unwrap();
    {
        use signet_core::evidence::ledger::{self, Kind, NewRecord};
        let store = signet_core::store::Store::open_in(dir.path()).unwrap();
        let key = signet_core::evidence::key::SigningKey::from_bytes(&[1u8; 32]);
        for session in ["s1", "s2", "s3"] {
            let body = json!({ "session": session });
            ledger::append(&store, &key, NewRecord { kind: Kind::Acceptance, session_id: session, debt_key: "d", cpf: "61766976204", body: &body }).unwrap();
        }
        // Someone edits record 2 directly in the file, past the append-only triggers.
        let conn = store_connection(dir.path());
        conn.execute_batch("DROP TRIGGER evidence_ledger_no_update; UPDATE evidence_ledger SET body = '{\"session\":\"forged\"}' WHERE seq = 2;").unwrap();
    }
    let desk = Desk::open(dir, Arc::new(MemorySecrets::default()), None);
    let state: tauri::State<'_, AppState> = tauri::Manager::state(desk._app.handle());
    let report = state.verify_evidence().unwrap();
    assert_eq!(report.records, 3);
    let status = desk.ok("app_status", json!({}));
    let problems = status["evidence"]["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["position"] == 2 && p["problem"].as_str().unwrap().contains("altered")), "{status}");
}

/// The database file opened directly, as someone tampering with it would.
fn store_connection(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join(signet_core::store::DATABASE_FILE)).unwrap()
}

/// Answers the native file dialog with `path` while `f` runs. The answer is a
/// process-wide variable, so tests that pick files take turns.
fn pick_file<T>(path: &std::path::Path, f: impl FnOnce() -> T) -> T {
    static DIALOG: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = DIALOG.lock().unwrap_or_else(|p| p.into_inner());
    std::env::set_var("SIGNET_TEST_PICK_FILE", path);
    let out = f();
    std::env::remove_var("SIGNET_TEST_PICK_FILE");
    out
}

#[test]
fn an_opt_in_is_signed_in_the_signers_window_which_can_do_nothing_else() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/signet-core/tests/fixtures/contracts/contrato-reportlab.pdf");
    let contract = pick_file(&pdf, || desk.ok("optin_choose_contract", json!({})));
    assert_eq!((contract["pages"].as_u64(), contract["sourceName"].as_str()), (Some(3), Some("contrato-reportlab.pdf")));
    assert!(contract["text"].as_str().unwrap().contains("Cláusula 5ª"));

    let mut signer = json!({ "name": "Maria da Silva", "email": "maria@example.com", "phoneCountry": "055", "phoneArea": "11", "phoneNumber": "999999999", "cpf": "617.669.762-05" });
    let problems = desk.ok("optin_check_form", json!({ "debt": "", "signer": signer }));
    let fields: Vec<_> = problems.as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["debt", "cpf"]);
    let refused = desk.err("optin_open_signer", json!({ "debt": signet_sandbox::demo::DEBT_OPEN, "signer": signer, "geolocation": null }));
    assert_eq!(refused["field"], "cpf");
    signer["cpf"] = json!("617.669.762-04");
    let pushed = pushes(&desk, "optin-status");
    let session = desk.ok("optin_open_signer", json!({ "debt": signet_sandbox::demo::DEBT_OPEN, "signer": signer, "geolocation": null }));
    let session = session.as_str().unwrap().to_string();

    let signer_window = tauri::Manager::get_webview_window(desk._app.handle(), "signer").expect("the signer's window opened");
    // The signer's window may read, report and accept; nothing more. The operator's may not accept.
    assert!(invoke_in(&signer_window, "list_profiles", json!({})).unwrap_err().as_str().unwrap_or_default().contains("not allowed"));
    assert!(invoke_in(&signer_window, "evidence_find", json!({ "query": session })).is_err());
    assert!(desk.invoke("signer_accept", json!({})).unwrap_err().as_str().unwrap_or_default().contains("not allowed"));

    let view = invoke_in(&signer_window, "signer_view", json!({ "language": "pt-BR" })).unwrap();
    assert_eq!(view["textSha256"], contract["textSha256"]);
    assert!(view["consentWording"].as_str().unwrap().starts_with("Li todo o contrato"));
    let early = invoke_in(&signer_window, "signer_accept", json!({})).unwrap_err();
    assert_eq!(early["field"], "accept", "accepting before reading to the end is refused");
    invoke_in(&signer_window, "signer_reached_end", json!({ "view": "text" })).unwrap();
    let done = invoke_in(&signer_window, "signer_accept", json!({})).unwrap();
    assert_eq!(done["stage"], "done", "{done}");
    assert_eq!(done["result"]["status"], "signature_received");

    let status = desk.ok("optin_status", json!({}));
    assert_eq!((status["stage"].as_str(), status["sessionId"].as_str()), (Some("done"), Some(session.as_str())));
    // The operator's window was told of each step as it happened.
    let steps: Vec<(String, bool, bool)> = pushed
        .lock()
        .unwrap()
        .iter()
        .map(|p| (p["stage"].as_str().unwrap().to_string(), p["opened"].as_bool().unwrap(), p["scrolledToEnd"].as_bool().unwrap()))
        .collect();
    let step = |stage: &str, opened, read| (stage.to_string(), opened, read);
    assert_eq!(
        steps,
        [step("reading", false, false), step("reading", true, false), step("reading", true, true), step("submitting", true, true), step("done", true, true)]
    );
    assert_eq!(pushed.lock().unwrap().last(), Some(&status));
    let evidence = desk.ok("evidence_find", json!({ "query": session }));
    let kinds: Vec<_> = evidence.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["acceptance", "provider_response"]);
    let accepted = &evidence[0]["body"];
    assert_eq!(accepted["publicIp"], "127.0.0.1", "the Sandbox's whoami saw us on loopback");
    assert!(accepted["localPort"].as_u64().is_some_and(|p| p > 0));
    assert_eq!(accepted["reading"]["scrolledToEnd"], true);
    assert_eq!(accepted["consent"]["language"], "pt-BR");
    assert_eq!(desk.ok("evidence_verify", json!({}))["problems"], json!([]));
}

#[test]
fn a_signzy_contract_is_started_listed_and_followed_signer_by_signer() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let not_pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    assert_eq!(pick_file(&not_pdf, || desk.err("signzy_choose_pdf", json!({})))["field"], "pdf");
    let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/signet-core/tests/fixtures/contracts/contrato-fpdf2.pdf");
    let picked = pick_file(&pdf, || desk.ok("signzy_choose_pdf", json!({})));
    assert_eq!(picked["name"], "contrato-fpdf2.pdf");

    let before = sandbox.journal().len();
    let bad = desk.err(
        "signzy_initiate",
        json!({ "name": "Loan LN-9", "executer": "Demo Lending", "ttlDays": 30,
        "signers": [{ "name": "Asha Rao", "email": "asha@example.com", "mobile": "98765" }] }),
    );
    assert_eq!(bad["field"], "signer_mobile");
    assert_eq!(sandbox.journal().len(), before, "nothing sent for bad input");
    let started = desk.ok("signzy_initiate", json!({ "name": "Loan LN-9", "executer": "Demo Lending", "ttlDays": 30,
        "signers": [{ "name": "Asha Rao", "email": "asha@example.com", "mobile": "9876543210" }, { "name": "Ravi Kumar", "email": "ravi@example.com", "mobile": "9876543211" }] }));
    let id = started["contractId"].as_str().unwrap().to_string();
    assert_eq!(started["signerdetail"].as_array().unwrap().len(), 2);

    let listed = desk.ok("signzy_contracts", json!({}));
    assert_eq!(
        (listed[0]["contractId"].as_str(), listed[0]["contractName"].as_str(), listed[0]["signers"].as_u64()),
        (Some(id.as_str()), Some("Loan LN-9"), Some(2))
    );
    let status = desk.ok("signzy_status", json!({ "contractId": id }));
    assert_eq!(status["isCompleted"], "false");
    let names: Vec<_> = status["signerdetail"].as_array().unwrap().iter().map(|d| d["signerName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Asha Rao", "Ravi Kumar"]);
    assert!(status["signerdetail"][0].get("aadhaarStatus").is_some());
}

#[test]
fn kyc_documents_are_checked_in_rust_uploaded_and_sent() {
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let desk = Desk::start_with_sandbox(Some(sandbox.base_url()));
    let customer = signet_sandbox::demo::CUSTOMER_NEW;
    let config = desk.ok("kyc_configuration", json!({ "customerId": customer }));
    assert!(config["documentTypes"].as_array().unwrap().iter().any(|t| t["documentType"] == "PASSPORT"));
    assert_eq!(config["updatesUsed"], 0);

    // A text file named like a document is refused, by name, on the Rust side.
    let readme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let refused = pick_file(&readme, || desk.err("kyc_choose_file", json!({ "side": "front" })));
    assert_eq!(refused["field"], "front");
    assert!(refused["message"].as_str().unwrap().starts_with("README.md"), "{refused}");
    let scan = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/signet-core/tests/fixtures/contracts/contrato-reportlab.pdf");
    let checked = pick_file(&scan, || desk.ok("kyc_choose_file", json!({ "side": "front" })));
    assert_eq!((checked["kind"].as_str(), checked["pages"].as_u64()), (Some("pdf"), Some(3)));
    assert!(checked.get("bytes").is_some() && checked.to_string().len() < 4096, "the file's bytes do not cross IPC");

    let form = json!({ "customerId": customer, "documentType": "PASSPORT", "fullAddress": "Av. Paulista 1000, São Paulo", "documentNumber": "BR1234567", "additionalData": {} });
    let missing = desk.err("kyc_submit", json!({ "form": form }));
    assert_eq!(missing["field"], "additional_data.issuing_country");
    // Nothing is lost: the picked file is still there for the corrected form.
    let mut form = form;
    form["additionalData"] = json!({ "issuing_country": "BR" });
    let refused = desk.ok("kyc_progress", json!({}));
    assert_eq!((refused["step"].clone(), refused["error"]["field"].as_str()), (Value::Null, Some("additional_data.issuing_country")), "{refused}");
    let pushed = pushes(&desk, "kyc-upload");
    let sent = desk.ok("kyc_submit", json!({ "form": form }));
    assert_eq!(sent["status"], "UNVERIFIED");
    // Each step was pushed to the window, then the outcome, which the screen finds
    // again when it is opened later.
    let pushed = pushed.lock().unwrap().clone();
    let steps: Vec<&Value> = pushed.iter().map(|p| &p["step"]).filter(|s| !s.is_null()).collect();
    assert_eq!(steps, [&json!({ "kind": "asking" }), &json!({ "kind": "uploading", "file": "contrato-reportlab.pdf" }), &json!({ "kind": "sending" })]);
    let ended = pushed.last().unwrap();
    assert_eq!((ended["step"].clone(), ended["customerId"].as_str()), (Value::Null, Some(customer)));
    assert_eq!(ended["submitted"], sent);
    assert_eq!(&desk.ok("kyc_progress", json!({})), ended, "an upload that ended is shown to the screen opened next");
    assert_eq!(desk.ok("kyc_progress", json!({})), Value::Null, "once");
    assert!(sent["front"]["url"].as_str().unwrap().contains("/_sandbox/files/kyc/"));
    let patch = sandbox.journal().into_iter().find(|e| e.method == "PATCH").expect("the update reached DollarPe");
    assert!(patch.body.contains(sent["front"]["url"].as_str().unwrap()));
    assert_eq!(desk.ok("kyc_configuration", json!({ "customerId": customer }))["updatesUsed"], 1);
    assert_eq!(desk.ok("kyc_picked", json!({})), json!({}), "the sent files are let go");

    // Today lists the update until DollarPe decides; the desk follows it by itself
    // (the Sandbox verifies a few seconds after the update) and records the answer.
    let unverified = |desk: &Desk| desk.ok("today", json!({ "utcOffsetMinutes": 0 }))["kycUnverified"]["count"].as_u64().unwrap();
    assert_eq!(unverified(&desk), 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while unverified(&desk) > 0 {
        assert!(std::time::Instant::now() < deadline, "the followed update was never seen verified");
        std::thread::sleep(std::time::Duration::from_millis(500));
        tauri::async_runtime::block_on(signet_desk::commands::kyc::follow_unsettled(desk._app.handle()));
    }
    let seen: String = store_connection(desk._dir.path()).query_row("SELECT status FROM kyc_status WHERE customer_id = ?1", [customer], |r| r.get(0)).unwrap();
    assert_eq!(seen, "VERIFIED");

    // Files dropped on the window take the same road: the first is the front, then the back.
    signet_desk::commands::kyc::files_dropped(desk._app.handle(), vec![scan.clone(), readme.clone()]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let picked = loop {
        let picked = desk.ok("kyc_picked", json!({}));
        if picked.get("front").is_some() {
            break picked;
        }
        assert!(std::time::Instant::now() < deadline, "the dropped file was not taken");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(picked["front"]["kind"], "pdf");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(desk.ok("kyc_picked", json!({})).get("back").is_none(), "the dropped text file was refused, not kept");
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needle));
        } else if std::fs::read(&path).unwrap_or_default().windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.push(path);
        }
    }
    hits
}

// A profile of its own holding every provider's credentials runs every flow against
// the Sandbox, then again with wrong credentials (the error paths, where secrets
// most often slip into messages). No secret, in any form it travels in, is found in
// any IPC reply, the database (with its WAL) or the log files.
#[test]
fn the_secrets_of_every_provider_reach_no_reply_no_database_and_no_log() {
    use base64::Engine;
    let sandbox = tauri::async_runtime::block_on(signet_sandbox::Sandbox::start(Default::default())).unwrap();
    let url = sandbox.base_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let logs = signet_desk::logging::init(&data.join("logs")).expect("this test binary's only logger");
    let desk = Desk::open(dir, Arc::new(MemorySecrets::default()), Some(url.clone()));
    let replies = std::cell::RefCell::new(Vec::<String>::new());
    let call = |window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value| -> Value {
        let reply = invoke_in(window, cmd, args).unwrap_or_else(|e| e);
        replies.borrow_mut().push(reply.to_string());
        reply
    };
    let main = desk.window.clone();
    let demo = signet_sandbox::demo_credentials();
    let id = call(&main, "create_profile", json!({ "name": "Branch" }))["id"].as_str().unwrap().to_string();
    let settings = [
        ("mykaarma", json!({ "username": demo.kpay_username, "departments": format!("Service: {}", signet_sandbox::demo::DEPARTMENT_SERVICE) })),
        ("dollarpe", json!({})),
        ("qitech", json!({ "public_key": demo.qitech_public_key_pem, "public_ip_endpoint": format!("{url}/_sandbox/whoami") })),
        ("signzy", json!({})),
    ];
    for (provider, values) in settings {
        let saved = call(&main, "save_provider_settings", json!({ "profileId": id, "provider": provider, "input": { "baseUrl": url, "values": values } }));
        assert_eq!(saved["baseUrl"], url.as_str(), "{saved}");
    }
    let set_secrets = |secrets: [(&str, &str, &str); 6]| {
        for (provider, field, value) in secrets {
            assert_eq!(call(&main, "set_secret", json!({ "profileId": id, "provider": provider, "field": field, "value": value })), Value::Null);
        }
    };
    let real = [
        ("mykaarma", "password", demo.kpay_password),
        ("dollarpe", "api_key", demo.dollarpe_api_key),
        ("dollarpe", "api_secret", demo.dollarpe_api_secret),
        ("qitech", "api_client_key", demo.qitech_api_client_key),
        ("qitech", "private_key", demo.qitech_private_key_pem),
        ("signzy", "access_token", demo.signzy_token),
    ];
    set_secrets(real);
    call(&main, "set_active_profile", json!({ "id": id }));

    // Every flow, with the right credentials.
    let invoice = signet_sandbox::demo::INVOICE_BRAKES;
    let request =
        json!({ "invoiceGuid": invoice, "sendAsText": true, "sendAsEmail": true, "attachInvoice": false, "esignRequired": true, "sendWithoutKpay": false });
    let sent = call(
        &main,
        "send_payment_request",
        json!({ "department": signet_sandbox::demo::DEPARTMENT_SERVICE, "request": request, "choice": { "again": false } }),
    );
    assert!(sent["paymentLink"].is_string(), "{sent}");
    let spi = sandbox_spi(&sandbox, invoice);
    assert_eq!(call(&main, "track_signature", json!({ "spiRequestUuid": spi, "label": "" }))["request"]["isSigned"], false);
    assert_eq!(
        call(&main, "capture_signature", json!({ "spiRequestUuid": spi, "url": "https://docs.example.com/signed.pdf" }))["reply"]["requestUUID"],
        spi.as_str()
    );
    assert!(call(&main, "kyc_configuration", json!({ "customerId": signet_sandbox::demo::CUSTOMER_NEW }))["documentTypes"].is_array());
    let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/signet-core/tests/fixtures/contracts/contrato-fpdf2.pdf");
    pick_file(&pdf, || call(&main, "signzy_choose_pdf", json!({})));
    let started = call(
        &main,
        "signzy_initiate",
        json!({ "name": "Loan LN-10", "executer": "Demo Lending", "ttlDays": 30, "signers": [{ "name": "Asha Rao", "email": "asha@example.com", "mobile": "9876543210" }] }),
    );
    let contract_id = started["contractId"].as_str().unwrap_or_else(|| panic!("{started}")).to_string();
    call(&main, "signzy_status", json!({ "contractId": contract_id }));
    pick_file(&pdf, || call(&main, "optin_choose_contract", json!({})));
    let signer = json!({ "name": "Maria da Silva", "email": "maria@example.com", "phoneCountry": "055", "phoneArea": "11", "phoneNumber": "999999999", "cpf": "617.669.762-04" });
    let session = call(&main, "optin_open_signer", json!({ "debt": signet_sandbox::demo::DEBT_OPEN, "signer": signer, "geolocation": null }));
    let signer_window = tauri::Manager::get_webview_window(desk._app.handle(), "signer").expect("the signer's window opened");
    call(&signer_window, "signer_view", json!({ "language": "pt-BR" }));
    call(&signer_window, "signer_reached_end", json!({ "view": "text" }));
    assert_eq!(call(&signer_window, "signer_accept", json!({}))["result"]["status"], "signature_received");
    call(&main, "evidence_find", json!({ "query": session }));
    for cmd in ["app_status", "list_profiles", "optin_status", "evidence_verify", "list_tracked_signatures", "signzy_contracts"] {
        call(&main, cmd, json!({}));
    }
    call(&main, "get_profile", json!({ "id": id }));
    call(&main, "list_operations", json!({ "query": { "offset": 0, "limit": 100 } }));

    // Again with wrong credentials: every provider refuses, and says so.
    let wrong: Vec<String> = ["kpay", "dp-key", "dp-secret", "qi-client", "signzy"].iter().map(|p| format!("MARKER-{p}-{}", uuid::Uuid::new_v4())).collect();
    set_secrets([
        ("mykaarma", "password", &wrong[0]),
        ("dollarpe", "api_key", &wrong[1]),
        ("dollarpe", "api_secret", &wrong[2]),
        ("qitech", "api_client_key", &wrong[3]),
        ("qitech", "private_key", demo.qitech_private_key_pem),
        ("signzy", "access_token", &wrong[4]),
    ]);
    let other = json!({ "invoiceGuid": signet_sandbox::demo::INVOICE_NO_EMAIL, "sendAsText": true, "sendAsEmail": false, "attachInvoice": false, "esignRequired": false, "sendWithoutKpay": false });
    assert_eq!(
        call(&main, "send_payment_request", json!({ "department": signet_sandbox::demo::DEPARTMENT_SERVICE, "request": other, "choice": { "again": false } }))
            ["code"],
        "provider_auth"
    );
    assert_eq!(call(&main, "kyc_configuration", json!({ "customerId": signet_sandbox::demo::CUSTOMER_NEW }))["code"], "provider_auth");
    assert_eq!(call(&main, "signzy_status", json!({ "contractId": contract_id }))["code"], "provider_auth");
    call(&main, "refresh_signature", json!({ "spiRequestUuid": spi }));
    drop(logs); // flushes the log file

    let mut secrets: Vec<String> = real.iter().map(|(_, _, v)| v.to_string()).chain(wrong).collect();
    // As they travel: HTTP Basic, and the body of the PEM key rather than its armour.
    secrets.push(base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", demo.kpay_username, demo.kpay_password)));
    secrets.extend(demo.qitech_private_key_pem.lines().filter(|l| !l.starts_with("-----") && l.len() > 20).map(String::from));
    let replies = replies.into_inner();
    assert!(replies.len() > 30, "the flows ran ({} replies)", replies.len());
    assert!(std::fs::read_dir(data.join("logs")).unwrap().count() > 0, "a log file was written");
    for secret in &secrets {
        let in_replies = replies.iter().filter(|r| r.contains(secret.as_str())).count();
        assert_eq!(in_replies, 0, "a secret ({}…) was in {in_replies} IPC replies", &secret[..6]);
        let in_files = files_containing(&data, secret);
        assert!(in_files.is_empty(), "a secret ({}…) was written to {in_files:?}", &secret[..6]);
    }
    println!("secrets: {} secrets and encodings searched in {} IPC replies, the database and the logs: 0 found", secrets.len(), replies.len());
}
