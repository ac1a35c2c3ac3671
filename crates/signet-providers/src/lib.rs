//! Exact clients for Signet's providers. Each module owns its wire types (field
//! names and casing as the provider documents them), its authentication and the
//! decoding of its error shapes; `http` is the one way requests are sent.

pub mod canonical;
pub mod dollarpe;
pub mod dollarpe_sign;
mod endpoint;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod jws;
pub mod kpay;
pub mod leegality;
pub mod qit;
pub mod qitech;
pub mod signzy;
pub mod whoami;

pub use error::{ProviderError, Rejection, Result};
pub use http::HttpConfig;
