//! How a sandbox is set up, and the faults it injects.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// 0 picks a free port.
    pub port: u16,
    pub faults: Faults,
    pub dollarpe_style: StyleCheck,
    /// Which of QI Tech's signing schemes requests must use (changeable at run time
    /// through `PUT /_sandbox/qitech/scheme`).
    pub qitech_scheme: SchemeCheck,
    /// How long a submitted KYC document stays UNVERIFIED.
    pub kyc_verify_after: Duration,
    /// Seed the departments, invoices, customers, debts and contract of `demo`.
    pub seed_demo_data: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            faults: Faults::default(),
            dollarpe_style: StyleCheck::Either,
            qitech_scheme: SchemeCheck::Either,
            kyc_verify_after: Duration::from_secs(3),
            seed_demo_data: true,
        }
    }
}

/// Which serialisation of the sorted body DollarPe's signature must be over. The
/// real service's choice is uncertain (see api-notes), so the sandbox can play each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StyleCheck {
    Python,
    Compact,
    /// Any body whose signature verifies over the bytes as received.
    #[default]
    Either,
}

/// Which QI Tech signing scheme the sandbox accepts. The live account uses one,
/// and which is not in the excerpt, so the sandbox can play each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemeCheck {
    /// `AUTHORIZATION` token with `payload_md5` claims, the body as is.
    PayloadMd5,
    /// The api-auth gateway's: `Authorization: QIT ...`, the body as `encoded_body`.
    EncodedBody,
    /// Whichever the request uses; the answer comes back in the same scheme.
    #[default]
    Either,
}

/// Faults applied to provider paths (never to `/_sandbox/...`). Rates are 0..=1.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    pub latency_ms: u64,
    /// Answer 500 in the provider's own error shape without running the handler.
    pub error_rate: f64,
    /// Close the connection without answering; the handler does not run.
    pub drop_before_rate: f64,
    /// Run the handler (its state change stands), then close without answering.
    pub drop_after_rate: f64,
    /// Accept the request and never answer.
    pub hang: bool,
    /// Seeds the dice so a run with fractional rates can be repeated.
    pub seed: Option<u64>,
    /// Runs the sandbox's clock this many seconds ahead (negative: behind): its
    /// `Date` header and its timestamp checks, to try the desk's clock-skew advice.
    pub clock_offset_secs: i64,
}
