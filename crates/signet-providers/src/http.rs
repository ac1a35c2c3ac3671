//! One way to send a request to a provider: timeouts, retries with exponential
//! backoff and full jitter, a fresh signature on every attempt, and the rule that a
//! request which must not be repeated is never resent once it may have arrived.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::Method;

use crate::error::{ProviderError, Result};

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// Whether a request may be sent again when its fate is unknown.
#[derive(Debug, Clone)]
pub enum Repeat {
    /// Reads and idempotent writes: retried on network errors, 429 and 5xx.
    Safe,
    /// Everything else: retried only when it certainly never left (no connection).
    Never { operation_key: String },
}

/// One attempt's request, built afresh (and re-signed) for every attempt.
pub struct Outgoing {
    pub method: Method,
    pub url: url::Url,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct Incoming {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Incoming {
    /// Seconds the provider's clock is ahead of ours (negative: behind), from `Date`.
    pub fn clock_skew_secs(&self) -> Option<i64> {
        let date = self.headers.get(reqwest::header::DATE)?.to_str().ok()?;
        let theirs = httpdate::parse_http_date(date).ok()?;
        let ours = SystemTime::now();
        Some(match theirs.duration_since(ours) {
            Ok(ahead) => ahead.as_secs() as i64,
            Err(behind) => -(behind.duration().as_secs() as i64),
        })
    }

    /// The body as `T`; a body that does not parse is the provider's mistake, named as such.
    pub fn json<T: for<'de> serde::Deserialize<'de>>(&self, provider: &'static str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| ProviderError::BadResponse {
            provider,
            status: self.status,
            reason: format!("{e}: {}", self.body_excerpt()),
        })
    }

    pub fn body_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(300).collect()
    }
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    config: HttpConfig,
    provider: &'static str,
}

impl Http {
    pub fn new(provider: &'static str, config: HttpConfig) -> Http {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .user_agent(concat!("Signet/", env!("CARGO_PKG_VERSION")))
            // TLS errors are never ignorable, and providers do not redirect API calls.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(false)
            .build()
            .expect("the HTTP client builds with static settings");
        Http { client, config, provider }
    }

    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Sends what `build` makes, attempt after attempt as `repeat` allows.
    pub async fn send(&self, repeat: Repeat, mut build: impl FnMut() -> Result<Outgoing>) -> Result<Incoming> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.config.max_attempts;
            let out = build()?;
            let mut req = self.client.request(out.method.clone(), out.url.clone()).headers(out.headers);
            if let Some(body) = out.body {
                req = req.body(body);
            }
            tracing::debug!(provider = self.provider, method = %out.method, path = out.url.path(), attempt, "sending");
            let failure = match req.send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(body) => {
                            let incoming = Incoming { status, headers, body: body.to_vec() };
                            // 429 says the request was not processed: retrying is safe for any request.
                            let retry = status == 429 || (status >= 500 && matches!(repeat, Repeat::Safe));
                            if retry && !last {
                                tracing::info!(provider = self.provider, status, attempt, "retrying after a server error");
                                self.pause(attempt, &incoming).await;
                                continue;
                            }
                            // A server error (or timeout answer) to a one-shot write says nothing
                            // about whether it was acted on: unknown, never "failed, send again".
                            if let Repeat::Never { operation_key } = &repeat {
                                if status >= 500 || status == 408 {
                                    return Err(ProviderError::OutcomeUnknown {
                                        provider: self.provider,
                                        operation_key: operation_key.clone(),
                                        reason: format!("it answered HTTP {status}: {}", incoming.body_excerpt()),
                                    });
                                }
                            }
                            return Ok(incoming);
                        }
                        Err(e) => Failure::AfterSend(format!("the answer was cut off ({e})")),
                    }
                }
                Err(e) if e.is_connect() => Failure::NeverSent(describe(&e)),
                Err(e) if e.is_timeout() => Failure::AfterSend(format!("no answer within {} s", self.config.total_timeout.as_secs())),
                Err(e) => Failure::AfterSend(describe(&e)),
            };
            match (failure, &repeat) {
                (Failure::NeverSent(reason), _) if last => return Err(ProviderError::Unreachable { provider: self.provider, reason }),
                (Failure::AfterSend(reason), Repeat::Safe) if last => return Err(ProviderError::Unreachable { provider: self.provider, reason }),
                (Failure::AfterSend(reason), Repeat::Never { operation_key }) => {
                    return Err(ProviderError::OutcomeUnknown { provider: self.provider, operation_key: operation_key.clone(), reason })
                }
                (Failure::NeverSent(reason) | Failure::AfterSend(reason), _) => {
                    tracing::info!(provider = self.provider, attempt, %reason, "retrying");
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
            }
        }
    }

    async fn pause(&self, attempt: u32, incoming: &Incoming) {
        let hinted = incoming
            .headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        tokio::time::sleep(hinted.unwrap_or_else(|| self.backoff(attempt)).min(self.config.max_delay)).await;
    }

    /// Full jitter: a random wait up to base × 2^(attempt-1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        use rand::Rng;
        let ceiling = self.config.base_delay.saturating_mul(1 << (attempt - 1).min(16)).min(self.config.max_delay);
        Duration::from_millis(rand::thread_rng().gen_range(0..=ceiling.as_millis() as u64))
    }
}

enum Failure {
    /// No connection was made: nothing can have reached the provider.
    NeverSent(String),
    /// The request may have arrived.
    AfterSend(String),
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
