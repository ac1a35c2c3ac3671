//! Bulk payment requests from a CSV file: every row is checked before anything is
//! sent; rows are sent with bounded concurrency; each row is tied to its operation
//! in the same transaction that records it, so a run stopped at any point (closed,
//! killed, power lost) resumes where it was without sending any row twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::Serialize;
use signet_providers::kpay::{Kpay, PaymentRequest};

use crate::error::{CoreError, Result};
use crate::group_commit::GroupCommit;
use crate::outbox::{self, lock, NewOperation};
use crate::payments;
use crate::store::{Store, StoredBulkRow};

pub const DEFAULT_CONCURRENCY: usize = 4;
pub const MAX_CONCURRENCY: usize = 32;
const MAX_ROWS: usize = 100_000;
/// How often a running bulk send reports its progress.
const REPORT_EVERY: Duration = Duration::from_millis(200);

/// One data line of the file, checked.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ParsedRow {
    /// The line number in the file (the header is line 1).
    #[ts(type = "number")]
    pub row_no: u64,
    pub department: String,
    pub request: PaymentRequest,
    /// Why this row will not be sent; it names the column and the fix (English, as
    /// kept with the run and written to its results).
    pub problem: Option<String>,
    /// The same problem for the window, which words it in the desk's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub problem_said: Option<crate::error::ErrorBody>,
}

/// Reads `department,invoice,options` (header names case-insensitive; `invoice_guid`
/// is accepted for `invoice`). Options are words separated by spaces, `;` or `|`:
/// text, email, esign, attach, without_kpay.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<ParsedRow>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CoreError::invalid_as("file", crate::error_words::CSV_NOT_CSV, &[("reason", e.to_string())]))?
        .iter()
        .map(|h| h.to_ascii_lowercase().replace([' ', '-'], "_"))
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(dept_col), Some(inv_col)) = (column(&["department", "department_uuid"]), column(&["invoice", "invoice_guid", "invoiceguid"])) else {
        return Err(CoreError::invalid_as("file", crate::error_words::CSV_HEADER, &[]));
    };
    let opt_col = column(&["options"]);

    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut lines = LineCounter::default();
    for record in reader.records() {
        let record = record.map_err(|e| CoreError::invalid_as("file", crate::error_words::CSV_UNREADABLE, &[("reason", e.to_string())]))?;
        // The line as an editor shows it (the csv crate's own count skips blank lines).
        let row_no = record.position().map(|p| lines.line_at(bytes, p.byte())).unwrap_or(0);
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(CoreError::invalid_as("file", crate::error_words::CSV_TOO_MANY, &[("max", MAX_ROWS.to_string())]));
        }
        let department = record.get(dept_col).unwrap_or_default().to_string();
        let invoice = record.get(inv_col).unwrap_or_default().to_string();
        let (mut request, mut problem) = match parse_options(opt_col.and_then(|c| record.get(c)).unwrap_or_default()) {
            Ok(r) => (r, None),
            Err(e) => (PaymentRequest::default(), Some(e)),
        };
        request.invoice_guid = invoice.clone();
        if problem.is_none() {
            match payments::check(&department, &request) {
                Ok((d, r)) => {
                    if let Some(first) = seen.insert(r.invoice_guid.clone(), row_no) {
                        problem = Some(CoreError::invalid_as("invoice", crate::error_words::CSV_REPEATED, &[("line", first.to_string())]));
                    }
                    rows.push(ParsedRow::new(row_no, d, r, problem));
                    continue;
                }
                Err(e) => problem = Some(e),
            }
        }
        rows.push(ParsedRow::new(row_no, department, request, problem));
    }
    if rows.is_empty() {
        return Err(CoreError::invalid_as("file", crate::error_words::CSV_EMPTY, &[]));
    }
    Ok(rows)
}

/// Line numbers for records met in file order, counting each byte once (counting
/// from the start for every record made a 10,000-row file quadratic).
#[derive(Default)]
struct LineCounter {
    counted_to: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: u64) -> u64 {
        // A record's position can point at the blank lines skipped before it.
        let mut end = (offset as usize).min(bytes.len());
        while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
            end += 1;
        }
        if end > self.counted_to {
            self.newlines += bytes[self.counted_to..end].iter().filter(|&&b| b == b'\n').count() as u64;
            self.counted_to = end;
        }
        self.newlines + 1
    }
}

impl ParsedRow {
    fn new(row_no: u64, department: String, request: PaymentRequest, problem: Option<CoreError>) -> ParsedRow {
        let said = problem.map(|e| e.body());
        // "column: what is wrong", the column being the file's own header.
        let problem = said.as_ref().map(|b| match &b.field {
            Some(f) => format!("{f}: {}", b.message),
            None => b.message.clone(),
        });
        ParsedRow { row_no, department, request, problem, problem_said: said }
    }
}

fn parse_options(raw: &str) -> Result<PaymentRequest> {
    let mut r = PaymentRequest::default();
    for word in raw.split([' ', ';', '|', '+']).map(str::trim).filter(|w| !w.is_empty()) {
        match word.to_ascii_lowercase().as_str() {
            "text" | "sms" => r.send_as_text = true,
            "email" => r.send_as_email = true,
            "esign" | "e-sign" | "esign_required" => r.esign_required = true,
            "attach" | "attach_invoice" => r.attach_invoice = true,
            "without_kpay" | "no_kpay" => r.send_without_kpay = true,
            other => return Err(CoreError::invalid_as("options", crate::error_words::CSV_OPTION, &[("value", other.to_string())])),
        }
    }
    Ok(r)
}

/// Where a run stands, for a progress bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Progress {
    pub run_id: String,
    #[ts(type = "number")]
    pub total: u64,
    /// Rows with a problem: never sent.
    #[ts(type = "number")]
    pub invalid: u64,
    #[ts(type = "number")]
    pub sent: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// Sent, but the answer was lost: check before sending again.
    #[ts(type = "number")]
    pub unknown: u64,
    #[ts(type = "number")]
    pub in_flight: u64,
    #[ts(type = "number")]
    pub remaining: u64,
    pub rate_per_sec: f64,
    pub eta_secs: Option<f64>,
}

impl Progress {
    pub fn finished(&self) -> bool {
        self.remaining == 0 && self.in_flight == 0
    }
}

/// A run left unfinished (closed or killed), with where it stands.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UnfinishedRun {
    pub source: String,
    pub progress: Progress,
}

pub fn unfinished_runs(store: &Store, profile_id: &str) -> Result<Vec<UnfinishedRun>> {
    store.open_bulk_runs(profile_id)?.into_iter().map(|(id, source)| Ok(UnfinishedRun { source, progress: progress(store, &id)? })).collect()
}

pub fn progress(store: &Store, run_id: &str) -> Result<Progress> {
    let [total, invalid, sent, failed, unknown, in_flight, remaining] = store.bulk_tally(run_id)?;
    Ok(Progress { run_id: run_id.into(), total, invalid, sent, failed, unknown, in_flight, remaining, ..Default::default() })
}

/// Records a new run for `rows`, or finds the unfinished run of the same file and
/// profile (the resume case). Invoices that already have a payment request outside
/// this run are marked as problems, not sent again.
pub fn open_run(store: &Store, profile_id: &str, source: &str, file: &[u8], rows: &[ParsedRow]) -> Result<(String, bool)> {
    let sha = crate::evidence::ledger::sha256_hex(file);
    if let Some(id) = store.open_bulk_run(profile_id, &sha)? {
        return Ok((id, true));
    }
    let id = uuid::Uuid::new_v4().to_string();
    store.atomically(|s| {
        s.insert_bulk_run(&id, profile_id, source, &sha, &outbox::now())?;
        for row in rows {
            let earlier = match &row.problem {
                Some(_) => None,
                None => payments::earlier_request(s, &row.request.invoice_guid)?,
            };
            let problem = row.problem.clone().or_else(|| {
                earlier.map(|op| format!("invoice: it already has a payment request (operation {}); send it on its own if it needs another.", op.key))
            });
            let request = serde_json::to_string(&row.request).expect("wire types serialize");
            s.insert_bulk_row(&id, row.row_no, &row.department, &request, problem.as_deref())?;
        }
        Ok(())
    })?;
    Ok((id, false))
}

/// Pause and cancel, shared with whoever shows the progress.
#[derive(Debug, Default)]
pub struct Control {
    paused: AtomicBool,
    cancelled: AtomicBool,
    /// Team mode: rows go without the team check while the team store cannot be
    /// reached (the operator's decision; each is recorded as an override).
    unchecked: AtomicBool,
}

impl Control {
    pub fn pause(&self, on: bool) {
        self.paused.store(on, Ordering::SeqCst);
    }
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
    pub fn send_unchecked(&self, on: bool) {
        self.unchecked.store(on, Ordering::SeqCst);
    }
}

/// How many rows may be in flight at once: checked before a run is recorded or
/// started, so a bad number is refused to the operator rather than stopping the run.
pub fn check_concurrency(concurrency: usize) -> Result<()> {
    if (1..=MAX_CONCURRENCY).contains(&concurrency) {
        Ok(())
    } else {
        Err(CoreError::invalid_as("concurrency", crate::error_words::CONCURRENCY, &[("max", MAX_CONCURRENCY.to_string()), ("value", concurrency.to_string())]))
    }
}

/// Sends every row not yet sent, `concurrency` at a time. Rows already tied to an
/// operation (whatever its outcome) are never sent again. Cancelling or pausing
/// stops new rows from being recorded; those in flight, and the few recorded ahead
/// of their turn, go and finish. A cancelled run stays open to be resumed.
pub async fn execute(
    db: &Arc<Mutex<Store>>,
    client: &Kpay,
    profile_id: &str,
    run_id: &str,
    concurrency: usize,
    control: &Control,
    on_progress: impl Fn(&Progress),
) -> Result<Progress> {
    check_concurrency(concurrency)?;
    // The rows in flight share their durable commits (see group_commit).
    let group = GroupCommit::new(db.clone(), profile_id)?;
    // Rows an earlier sending of this process left recorded ahead (it stopped on a
    // failed write) are settled first, so those never sent go now.
    outbox::settle_from_journals(&*lock(db)?)?;
    let rows = lock(db)?.bulk_rows(run_id)?;
    let todo: Vec<StoredBulkRow> = rows.into_iter().filter(|r| r.problem.is_none() && r.operation_key.is_none()).collect();
    let started = Instant::now();
    let done_now = std::sync::atomic::AtomicU64::new(0);
    // Counting the run costs a pass over its rows, so progress is reported every
    // REPORT_EVERY at most (and always at the start and the end), not per row:
    // per row it made a 10,000-row run quadratic.
    let last_report: Mutex<Option<Instant>> = Mutex::new(None);
    let report = |force: bool| -> Result<()> {
        {
            let mut last = last_report.lock().unwrap_or_else(|e| e.into_inner());
            if !force && last.is_some_and(|t| t.elapsed() < REPORT_EVERY) {
                return Ok(());
            }
            *last = Some(Instant::now());
        }
        let mut p = progress(&*lock(db)?, run_id)?;
        let secs = started.elapsed().as_secs_f64();
        let done = done_now.load(Ordering::SeqCst) as f64;
        p.rate_per_sec = if secs > 0.0 { done / secs } else { 0.0 };
        p.eta_secs = (p.rate_per_sec > 0.0).then(|| (p.remaining + p.in_flight) as f64 / p.rate_per_sec);
        on_progress(&p);
        Ok(())
    };
    report(true)?;

    // A row that cannot be recorded (disk full, data folder read-only, database
    // busy) stops the run: every row after it would fail the same way, and the
    // operator needs the reason, not a count of rows not sent.
    let storage_failure: Mutex<Option<CoreError>> = Mutex::new(None);
    let stopped = || storage_failure.lock().map(|f| f.is_some()).unwrap_or(true);

    // A single-desk run records its next rows ahead, so a row whose turn comes goes
    // at once (see send_journal); a team run's rows claim and record just before.
    let journal_file = match group.team() {
        None => crate::send_journal::Journal::open(&*lock(db)?, run_id),
        Some(_) => None,
    };
    let not_sent = |e: CoreError, row_no: u64| {
        tracing::info!(row = row_no, code = e.code(), "bulk row not sent as plain success");
        if e.stops_long_work() {
            if let Ok(mut first) = storage_failure.lock() {
                first.get_or_insert(e);
            }
        }
    };
    let unchecked = || control.unchecked.load(Ordering::SeqCst);

    // The rows are moved into their tasks; everything else is shared by reference.
    let (report, done_now, stopped, group, journal, not_sent, unchecked) = (&report, &done_now, &stopped, &group, journal_file.as_ref(), &not_sent, &unchecked);
    // First each row is made ready in file order, up to `concurrency` ahead of the
    // rows being sent: `None` if it is not to go now, `Some(Err(()))` if it could
    // not be recorded (already said), else the row with its key if recorded ahead.
    let ready = futures::stream::iter(todo)
        .map(|row| async move {
            // While paused, the answers of the rows that were in flight go to disk
            // now (there is no next row for them to go with).
            while control.is_paused() && !control.is_cancelled() {
                if group.flush().await.unwrap_or(false) {
                    // Those rows are settled now: say so, or the count stays at in flight.
                    let _ = report(true);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if control.is_cancelled() || stopped() {
                return None;
            }
            let request = serde_json::from_str::<PaymentRequest>(&row.request).ok()?;
            let Some(journal) = journal else { return Some(Ok((row, request, None))) };
            match outbox::reserve_linked(group, journal, row_operation(profile_id, run_id, &row, &request, unchecked()), row_link(run_id, row.row_no)).await {
                Ok(key) => Some(Ok((row, request, Some(key)))),
                Err(e) => {
                    not_sent(e, row.row_no);
                    Some(Err(()))
                }
            }
        })
        .buffered(if journal.is_some() { concurrency } else { 1 });
    ready
        .for_each_concurrent(concurrency, |ready| async move {
            let Some(ready) = ready else { return };
            if let Ok((row, request, reserved)) = ready {
                let (dept, req) = (&row.department, &request);
                let send = |key: String| async move { client.send_payment_request(dept, req, &key).await };
                let outcome = match (reserved, journal) {
                    // Recorded ahead, but the run stopped meanwhile: it does not go.
                    (Some(key), Some(_)) if stopped() => {
                        outbox::release_reserved(group, &key, "The run stopped (the disk could not be written) before this row was sent; it was not sent.")
                            .await;
                        return;
                    }
                    (Some(key), Some(journal)) => outbox::send_reserved(db, group, journal, &key, send).await.map(drop),
                    _ => {
                        let op = row_operation(profile_id, run_id, &row, &request, unchecked());
                        outbox::run_linked(db, group, op, row_link(run_id, row.row_no), send).await.map(drop)
                    }
                };
                if let Err(e) = outcome {
                    not_sent(e, row.row_no);
                }
            }
            done_now.fetch_add(1, Ordering::SeqCst);
            // While paused or stopping, the rows still in flight finish one by one
            // and no more follow: each of those reports, so the count settles.
            let _ = report(control.is_paused() || control.is_cancelled());
        })
        .await;
    // The last rows' answers, and the rows still waiting for the search index.
    let flushed = group.flush().await;
    if let Err(e) = &flushed {
        tracing::error!("could not record the last answers of the run: {e}");
    }
    if let Err(e) = lock(db)?.atomically(|_| Ok(())) {
        tracing::warn!("the run's last operations wait for the search index: {e}");
    }
    tracing::info!(rows = done_now.load(Ordering::SeqCst), durable_commits = group.commits(), "bulk rows handled");

    // Every row this sending recorded has its outcome on disk now, unless a write
    // failed: then the journal stays, to settle them by at the next sending or start.
    let failure = storage_failure.lock().ok().and_then(|mut f| f.take());
    if let (Some(journal), true, None, 0) = (journal_file, flushed.is_ok(), &failure, group.failed_writes()) {
        crate::send_journal::Journal::close(journal);
    }
    if let Some(e) = failure {
        let _ = report(true);
        return Err(e);
    }
    let p = progress(&*lock(db)?, run_id)?;
    if p.finished() {
        lock(db)?.set_bulk_run_state(run_id, "done", &outbox::now())?;
    }
    report(true)?;
    Ok(p)
}

/// The operation that sends `row` of run `run_id`, with its team claim.
fn row_operation<'a>(profile_id: &'a str, run_id: &str, row: &StoredBulkRow, request: &'a PaymentRequest, unchecked: bool) -> NewOperation<'a> {
    NewOperation {
        area: payments::AREA,
        kind: payments::SEND_KIND,
        profile_id,
        subject: &request.invoice_guid,
        request: serde_json::json!({ "departmentUuid": row.department, "body": request, "bulkRun": run_id, "row": row.row_no }),
        claim: None,
        unchecked: false,
    }
    .claiming(payments::CLAIM_SCOPE, &payments::claim_key(&row.department, &request.invoice_guid), outbox::SendChoice { again: false, unchecked })
}

/// Ties the row to its operation as it is recorded. Linking fails only if the row
/// was taken meanwhile (another process resumed the same run): then this process
/// does not send it.
fn row_link(run_id: &str, row_no: u64) -> impl Fn(&Store, &str) -> Result<()> + Send + 'static {
    let run_id = run_id.to_string();
    move |s: &Store, key: &str| {
        if s.link_bulk_row(&run_id, row_no, key)? {
            Ok(())
        } else {
            Err(CoreError::Conflict(format!("row {row_no} is already being sent")))
        }
    }
}

/// The run's outcome per row, as CSV: row, invoice, outcome, links, error, operation.
pub fn results_csv(store: &Store, run_id: &str) -> Result<String> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| CoreError::Io { context: "cannot write the results".into(), source: std::io::Error::other(e) };
    out.write_record(["row", "department", "invoice", "outcome", "payment_link", "invoice_link", "text_sent", "email_sent", "error", "operation_key"])
        .map_err(io)?;
    for row in store.bulk_rows(run_id)? {
        let request: serde_json::Value = serde_json::from_str(&row.request).unwrap_or_default();
        let response: serde_json::Value = row.response.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
        let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
        let outcome = match (&row.problem, row.status.as_deref()) {
            (Some(_), _) => "not sent (invalid)",
            (None, Some("sent")) => "sent",
            (None, Some("failed")) => "failed",
            (None, Some("unknown")) => "unknown: check before resending",
            (None, Some(_)) => "in flight",
            (None, None) => "not sent yet",
        };
        let error = row.problem.clone().unwrap_or_else(|| if row.status.as_deref() == Some("sent") { String::new() } else { text(&response, "message") });
        out.write_record([
            row.row_no.to_string(),
            row.department.clone(),
            text(&request, "invoiceGuid"),
            outcome.to_string(),
            text(&response, "paymentLink"),
            text(&response, "invoiceLink"),
            text(&response, "textSent"),
            text(&response, "emailSent"),
            error,
            row.operation_key.clone().unwrap_or_default(),
        ])
        .map_err(io)?;
    }
    String::from_utf8(out.into_inner().map_err(|e| CoreError::Io { context: "cannot write the results".into(), source: e.into_error() })?)
        .map_err(|_| CoreError::invalid("file", "the results are not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPT: &str = "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01";

    #[test]
    fn rows_are_checked_one_by_one_with_the_column_and_fix_named() {
        let file = format!(
            "Department,Invoice GUID,Options\n\
             {DEPT},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01,text email\n\
             not-a-uuid,9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e02,email\n\
             {DEPT},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e03,fax\n\
             {DEPT},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01,email\n\
             \n\
             {DEPT},9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e04,\n"
        );
        let rows = parse_csv(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!((rows[0].row_no, rows[0].problem.as_deref()), (2, None));
        assert!(rows[0].request.send_as_text && rows[0].request.send_as_email);
        assert!(rows[1].problem.as_deref().unwrap().starts_with("department:"), "{:?}", rows[1].problem);
        assert!(rows[2].problem.as_deref().unwrap().contains("\"fax\""), "{:?}", rows[2].problem);
        assert!(rows[3].problem.as_deref().unwrap().contains("line 2"), "{:?}", rows[3].problem);
        assert!(rows[4].problem.as_deref().unwrap().starts_with("channels:"), "{:?}", rows[4].problem);
        assert_eq!(rows[4].row_no, 7, "line numbers count the blank line");
    }

    #[test]
    fn a_file_without_the_columns_or_rows_is_refused() {
        assert_eq!(parse_csv(b"a,b\n1,2\n").unwrap_err().body().field.as_deref(), Some("file"));
        assert!(parse_csv(b"department,invoice,options\n").is_err());
    }
}
