//! Desktop notifications: when something the operator waits for happens while they
//! are looking elsewhere (the main window not focused), unless turned off in Settings.
//! Sent from Rust through Tauri's notification plugin; the webview has no permission.

use signet_core::store::OperationStatus;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// What the desk tells the operator about, worded in the desk's language.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    BulkFinished {
        sent: u64,
        failed: u64,
        unknown: u64,
    },
    /// `why`: the failure that stopped it, in Rust's words, if any.
    BulkStopped {
        sent: u64,
        failed: u64,
        unknown: u64,
        remaining: u64,
        why: Option<String>,
    },
    /// DollarPe decided (`status` as DollarPe says it, e.g. VERIFIED).
    KycDecided {
        customer: String,
        status: String,
    },
    /// A followed signature request was signed (its label, or its id).
    Signed {
        which: String,
    },
    /// Operations whose outcome is unknown grew to `count`.
    Attention {
        count: u64,
    },
}

impl Notice {
    /// The title and body in `language` ("pt-BR", else English).
    pub fn words(&self, language: &str) -> (String, String) {
        let pt = language == "pt-BR";
        let counts = |sent, failed, unknown| {
            if pt {
                format!("enviados: {sent}, com falha: {failed}, a conferir: {unknown}")
            } else {
                format!("{sent} sent, {failed} failed, {unknown} to check")
            }
        };
        match self {
            Notice::BulkFinished { sent, failed, unknown } => (if pt { "Lote concluído" } else { "Bulk run finished" }.into(), counts(sent, failed, unknown)),
            Notice::BulkStopped { sent, failed, unknown, remaining, why } => {
                let why = why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default();
                let counts = counts(sent, failed, unknown);
                if pt {
                    ("Lote interrompido".into(), format!("{counts}; {remaining} ainda não enviados{why}. Retome-o em Pedidos de pagamento."))
                } else {
                    ("Bulk run stopped".into(), format!("{counts}; {remaining} not sent yet{why}. Resume it from Payment requests."))
                }
            }
            Notice::KycDecided { customer, status } => {
                if pt {
                    let decided = match status.as_str() {
                        "VERIFIED" => "verificado".to_string(),
                        "REJECTED" => "recusado".to_string(),
                        other => other.to_lowercase(),
                    };
                    (format!("KYC {decided}"), format!("Resposta da DollarPe para o cliente {customer}: {status}."))
                } else {
                    (format!("KYC {}", status.to_lowercase()), format!("DollarPe's answer for customer {customer}: {status}."))
                }
            }
            Notice::Signed { which } => (if pt { "Um pedido de assinatura foi assinado" } else { "A signature request was signed" }.into(), which.clone()),
            Notice::Attention { count } => {
                let body = match (pt, count) {
                    (false, 1) => "1 operation may or may not have reached its provider: check it in Activity before sending it again.".to_string(),
                    (false, n) => format!("{n} operations may or may not have reached their provider: check them in Activity before sending them again."),
                    (true, 1) => "1 operação pode ou não ter chegado ao provedor: confira-a em Atividade antes de enviá-la de novo.".to_string(),
                    (true, n) => format!("{n} operações podem ou não ter chegado ao provedor: confira-as em Atividade antes de enviá-las de novo."),
                };
                (if pt { "Uma operação precisa de atenção" } else { "An operation needs attention" }.into(), body)
            }
        }
    }
}

/// Tells the operator `notice` in the desk's language, if notifications are on and
/// the desk's window does not have the focus (then they see it there already).
pub fn tell<R: Runtime>(app: &AppHandle<R>, notice: Notice) {
    let state = app.state::<AppState>();
    match state.with_store(signet_core::settings::notifications_enabled) {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!("notification setting unreadable: {}", e.0.message);
            return;
        }
    }
    let language = state.with_store(signet_core::settings::language).unwrap_or_else(|_| "en".into());
    let (title, body) = notice.words(&language);
    let title = title.as_str();
    let focused = app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
    if focused {
        tracing::debug!(title, "not notified: the window has the focus");
        return;
    }
    match app.notification().builder().title(title).body(&body).show() {
        Ok(()) => tracing::info!(title, "notification shown"),
        Err(e) => tracing::warn!(title, "notification could not be shown: {e}"),
    }
}

/// Watches the number of operations whose outcome is unknown and tells the operator
/// when it grows (whatever area they came from).
#[derive(Default)]
pub struct AttentionWatch {
    last: Option<u64>,
}

impl AttentionWatch {
    pub fn look<R: Runtime>(&mut self, app: &AppHandle<R>) {
        let counts = match app.state::<AppState>().with_store(|s| s.operation_counts()) {
            Ok(counts) => counts,
            Err(_) => return,
        };
        let unknown = counts.iter().filter(|(s, _)| *s == OperationStatus::Unknown).map(|(_, n)| n).sum();
        // The first look only learns what was already there when the desk opened.
        if self.last.is_some_and(|before| unknown > before) {
            tell(app, Notice::Attention { count: unknown });
        }
        self.last = Some(unknown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_worded_in_the_desks_language() {
        let stopped = Notice::BulkStopped { sent: 3, failed: 1, unknown: 0, remaining: 6, why: Some("disk full".into()) };
        assert_eq!(
            stopped.words("en"),
            ("Bulk run stopped".into(), "3 sent, 1 failed, 0 to check; 6 not sent yet (disk full). Resume it from Payment requests.".into())
        );
        assert_eq!(
            stopped.words("pt-BR"),
            (
                "Lote interrompido".into(),
                "enviados: 3, com falha: 1, a conferir: 0; 6 ainda não enviados (disk full). Retome-o em Pedidos de pagamento.".into()
            )
        );
        assert_eq!(Notice::Attention { count: 1 }.words("pt-BR").0, "Uma operação precisa de atenção");
        assert!(Notice::Attention { count: 2 }.words("en").1.starts_with("2 operations may or may not"));
        let kyc = Notice::KycDecided { customer: "C1".into(), status: "VERIFIED".into() };
        assert_eq!(kyc.words("pt-BR"), ("KYC verificado".into(), "Resposta da DollarPe para o cliente C1: VERIFIED.".into()));
    }
}
