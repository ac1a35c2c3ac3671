//! QI Tech (QI SCD): opt-in contract signatures, document upload and event polling.
//! Each request carries `API-CLIENT-KEY` and is signed ES512 in one of two schemes,
//! a profile setting: an `AUTHORIZATION` token binding the body's MD5, the time,
//! the method and the path (`jws`), or the `api-auth` gateway's signed body with
//! `Authorization: QIT ...` (`qit`). Errors arrive as `{"data": "<JSON text>"}`,
//! decoded twice into title, description, translation, code (or, from the
//! gateway, as that inner object itself).

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::endpoint::{join, segment};
use crate::error::{ProviderError, Rejection, Result};
use crate::http::{Http, HttpConfig, Incoming, Outgoing, Repeat};
use crate::jws::{self, RequestClaims};
use crate::qit;

pub const PROVIDER: &str = "QI Tech";

/// Which of QI's two ways of signing a request an account uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// `AUTHORIZATION: <ES512 token of {payload_md5, timestamp, method, uri}>`, the body as is.
    #[default]
    PayloadMd5,
    /// `Authorization: QIT <key>:<token>`, the body as `{"encoded_body": <token>}`.
    EncodedBody,
}

impl AuthScheme {
    /// The profile setting's values.
    pub const CHOICES: [&'static str; 2] = ["payload_md5", "encoded_body"];

    pub fn parse(setting: &str) -> Option<AuthScheme> {
        match setting.trim() {
            "" | "payload_md5" => Some(AuthScheme::PayloadMd5),
            "encoded_body" => Some(AuthScheme::EncodedBody),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            AuthScheme::PayloadMd5 => "the AUTHORIZATION token scheme (payload_md5)",
            AuthScheme::EncodedBody => "the signed-body scheme (encoded_body, Authorization: QIT)",
        }
    }

    fn other(self) -> AuthScheme {
        match self {
            AuthScheme::PayloadMd5 => AuthScheme::EncodedBody,
            AuthScheme::EncodedBody => AuthScheme::PayloadMd5,
        }
    }
}

/// What a request carries.
enum Body {
    None,
    Json(Vec<u8>),
    /// A multipart form with its content type, and the file's bytes (what the signed-body scheme hashes).
    Multipart {
        content_type: String,
        form: Vec<u8>,
        file: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSignature {
    /// Always "data_signature".
    #[serde(rename = "type")]
    pub kind: String,
    pub signatures: Vec<Signature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    pub signed_object: SignedObject,
    pub authenticity: Authenticity,
    pub signer: Signer,
    /// "opt-in".
    pub authentication_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedObject {
    pub raw_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authenticity {
    /// "YYYY-MM-DD HH:MM:SS".
    pub timestamp: String,
    pub ip_address: String,
    pub session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geolocation: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signer {
    pub name: String,
    pub email: String,
    pub phone: Phone,
    pub document_number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phone {
    pub country_code: String,
    pub area_code: String,
    pub number: String,
}

impl DataSignature {
    /// The excerpt's request: one opt-in signature of `raw_text`.
    pub fn opt_in(raw_text: String, authenticity: Authenticity, signer: Signer) -> DataSignature {
        DataSignature {
            kind: "data_signature".into(),
            signatures: vec![Signature { signed_object: SignedObject { raw_text }, authenticity, signer, authentication_type: "opt-in".into() }],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureReceived {
    #[serde(default)]
    pub data: serde_json::Value,
    pub event_datetime: String,
    pub key: String,
    pub status: String,
    pub webhook_type: String,
}

/// The inner JSON of an error's `data` string.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct InnerError {
    title: String,
    description: String,
    translation: Option<String>,
    code: String,
    extra_fields: serde_json::Value,
}

pub struct QiTech {
    http: Http,
    base_url: String,
    client_key: SecretString,
    signing_key: jws::SigningKey,
    qi_public_key: Option<jws::VerifyingKey>,
    scheme: AuthScheme,
}

impl QiTech {
    pub fn new(
        base_url: &str,
        client_key: SecretString,
        private_key_pem: &SecretString,
        qi_public_key_pem: Option<&str>,
        scheme: AuthScheme,
        config: HttpConfig,
    ) -> Result<Self> {
        let signing_key = jws::signing_key_from_pem(private_key_pem.expose_secret())
            .map_err(|e| ProviderError::invalid("qitech.private_key", format!("The QI Tech private key cannot be used: {e}.")))?;
        let qi_public_key = qi_public_key_pem
            .map(jws::verifying_key_from_pem)
            .transpose()
            .map_err(|e| ProviderError::invalid("qitech.public_key", format!("QI Tech's public key cannot be used: {e}.")))?;
        if scheme == AuthScheme::EncodedBody && qi_public_key.is_none() {
            return Err(ProviderError::invalid(
                "qitech.public_key",
                "In the signed-body scheme QI Tech's answers are tokens signed with its key: add QI Tech's public key (PEM) in Settings, QI Tech.",
            ));
        }
        Ok(QiTech { http: Http::new(PROVIDER, config), base_url: base_url.to_string(), client_key, signing_key, qi_public_key, scheme })
    }

    pub fn scheme(&self) -> AuthScheme {
        self.scheme
    }

    /// `POST /debt/{debt_key}/signed`: submit the opt-in signature. Never resent blindly.
    pub async fn submit_signature(&self, debt_key: &str, body: &DataSignature, operation_key: &str) -> Result<SignatureReceived> {
        let bytes = serde_json::to_vec(body).expect("wire types serialize");
        let path = format!("/debt/{}/signed", segment(debt_key));
        let resp = self.send(Method::POST, &path, Body::Json(bytes), Repeat::Never { operation_key: operation_key.into() }).await?;
        self.decode(&resp)
    }

    /// `GET /test/{api_client_key}`: the gateway's own check that the key, the
    /// signature and the scheme are right. Changes nothing.
    pub async fn test_connection(&self) -> Result<serde_json::Value> {
        let path = format!("/test/{}", segment(self.client_key.expose_secret()));
        let resp = self.send(Method::GET, &path, Body::None, Repeat::Safe).await?;
        self.decode(&resp)
    }

    /// `POST /upload`: one document as multipart form data; returns QI's reply
    /// (its `document_key` names the document in later calls).
    pub async fn upload(&self, file_name: &str, content_type: &str, bytes: &[u8], operation_key: &str) -> Result<serde_json::Value> {
        let boundary = format!("signet-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::with_capacity(bytes.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
                file_name.replace('"', "")
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let resp = self
            .send(
                Method::POST,
                "/upload",
                Body::Multipart { content_type, form: body, file: bytes.to_vec() },
                Repeat::Never { operation_key: operation_key.into() },
            )
            .await?;
        self.decode(&resp)
    }

    /// `GET /notification/events`: what happened to our debts (a desktop app cannot
    /// receive webhooks, so it polls).
    pub async fn events(&self) -> Result<serde_json::Value> {
        let resp = self.send(Method::GET, "/notification/events", Body::None, Repeat::Safe).await?;
        self.decode(&resp)
    }

    /// Sends one request, signed afresh on every attempt in the profile's scheme, and
    /// returns QI's answer with its signature checked (and, in the signed-body
    /// scheme, its body opened: the JSON QI signed).
    async fn send(&self, method: Method, path: &str, body: Body, repeat: Repeat) -> Result<Incoming> {
        let url = join(&self.base_url, path)?;
        let uri = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let resp = self
            .http
            .send(repeat, || {
                let mut headers = HeaderMap::new();
                let mut client_key = HeaderValue::from_str(self.client_key.expose_secret())
                    .map_err(|_| ProviderError::invalid("qitech.api_client_key", "The API client key contains characters HTTP cannot carry."))?;
                client_key.set_sensitive(true);
                headers.insert("API-CLIENT-KEY", client_key);
                let (content_type, sent, authorization) = match self.scheme {
                    AuthScheme::PayloadMd5 => {
                        let (content_type, bytes) = match &body {
                            Body::None => (None, None),
                            Body::Json(json) => (Some("application/json".to_string()), Some(json.clone())),
                            Body::Multipart { content_type, form, .. } => (Some(content_type.clone()), Some(form.clone())),
                        };
                        // A request without a body is signed as the empty object, as QI's
                        // own sample does for GET and DELETE.
                        let hashed = bytes.as_deref().unwrap_or(b"{}");
                        let claims = RequestClaims::for_request(hashed, method.as_str(), &uri, time::OffsetDateTime::now_utc());
                        (content_type, bytes, jws::sign(&self.signing_key, &claims))
                    }
                    AuthScheme::EncodedBody => {
                        let payload = match &body {
                            Body::None => qit::Payload::None,
                            Body::Json(json) => qit::Payload::Json(json),
                            Body::Multipart { file, .. } => qit::Payload::Multipart { file },
                        };
                        let signed = qit::sign_request(
                            &self.signing_key,
                            self.client_key.expose_secret(),
                            method.as_str(),
                            &uri,
                            payload,
                            time::OffsetDateTime::now_utc(),
                        );
                        let (content_type, bytes) = match &body {
                            Body::None => (None, None),
                            Body::Json(_) => (Some("application/json".to_string()), signed.body),
                            Body::Multipart { content_type, form, .. } => (Some(content_type.clone()), Some(form.clone())),
                        };
                        (content_type, bytes, signed.authorization)
                    }
                };
                let mut auth = HeaderValue::from_str(&authorization)
                    .map_err(|_| ProviderError::invalid("qitech.api_client_key", "The API client key contains characters HTTP cannot carry."))?;
                auth.set_sensitive(true);
                headers.insert("AUTHORIZATION", auth);
                if let Some(ct) = content_type {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_str(&ct).expect("content types are ASCII"));
                }
                Ok(Outgoing { method: method.clone(), url: url.clone(), headers, body: sent })
            })
            .await?;
        match self.scheme {
            AuthScheme::PayloadMd5 => {
                self.verify_response(&resp, method.as_str(), &uri)?;
                Ok(resp)
            }
            AuthScheme::EncodedBody => self.open_response(resp, method.as_str(), &uri),
        }
    }

    /// In the signed-body scheme: a success must carry QI's `QIT` signature over its
    /// `encoded_body`, and is replaced by the JSON inside. An error is opened the same
    /// way when it is encoded; the gateway's own errors come as plain JSON.
    pub(crate) fn open_response(&self, mut resp: Incoming, method: &str, uri: &str) -> Result<Incoming> {
        let key = self.qi_public_key.as_ref().expect("checked in new: the signed-body scheme has QI's key");
        let encoded = qit::encoded_body(&resp.body).is_some();
        if resp.status >= 300 && !encoded {
            return Ok(resp);
        }
        let authorization = resp.headers.get("authorization").and_then(|v| v.to_str().ok());
        match qit::open(key, self.client_key.expose_secret(), authorization, method, uri, &resp.body, time::OffsetDateTime::now_utc()) {
            Ok(json) => {
                if encoded {
                    resp.body = json;
                }
                Ok(resp)
            }
            Err(mismatch) => Err(ProviderError::ResponseSignature { provider: PROVIDER, reason: format!("the answer did not verify: {mismatch}") }),
        }
    }

    /// In the token scheme, with QI's public key configured, a response must carry a
    /// valid ES512 token over its own body.
    pub(crate) fn verify_response(&self, resp: &Incoming, method: &str, uri: &str) -> Result<()> {
        let Some(key) = &self.qi_public_key else { return Ok(()) };
        let fail = |reason: String| Err(ProviderError::ResponseSignature { provider: PROVIDER, reason });
        let Some(token) = resp.headers.get("authorization").and_then(|v| v.to_str().ok()) else {
            return fail("the response carries no AUTHORIZATION token".into());
        };
        let claims: RequestClaims = match jws::verify(key, token) {
            Ok(c) => c,
            Err(e) => return fail(e.to_string()),
        };
        if claims.payload_md5 != jws::md5_hex(&resp.body) {
            return fail("the body does not match the signed payload_md5".into());
        }
        if !claims.method.eq_ignore_ascii_case(method) || claims.uri != uri {
            return fail(format!("the token is for {} {}, not this request", claims.method, claims.uri));
        }
        Ok(())
    }

    pub(crate) fn decode<T: for<'de> Deserialize<'de>>(&self, resp: &Incoming) -> Result<T> {
        if resp.status < 300 {
            return resp.json(PROVIDER);
        }
        let inner =
            decode_error(&resp.body).ok_or_else(|| ProviderError::BadResponse { provider: PROVIDER, status: resp.status, reason: resp.body_excerpt() })?;
        if resp.status == 401 || resp.status == 403 {
            return Err(ProviderError::Unauthorized {
                provider: PROVIDER,
                detail: format!(
                    "{} {}: {}; sent with {}. If this account uses {}, choose it in Settings, QI Tech, Authentication scheme",
                    inner.code,
                    inner.title,
                    inner.description,
                    self.scheme.describe(),
                    self.scheme.other().describe()
                ),
                clock_skew_secs: resp.clock_skew_secs().filter(|s| s.abs() > 60),
            });
        }
        let mut message = inner.description.clone();
        if let Some(fields) = inner.extra_fields.as_object().filter(|f| !f.is_empty()) {
            let list: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect();
            message = format!("{message} ({})", list.join("; "));
        }
        Err(ProviderError::Rejected(Rejection {
            provider: PROVIDER,
            http_status: resp.status,
            code: inner.code,
            title: inner.title,
            message,
            translation: inner.translation,
        }))
    }
}

/// `{"data": "<JSON text>"}` -> the inner error; also accepts `data` as an object,
/// and the gateway's own plain `{title, description, translation, code}`.
fn decode_error(body: &[u8]) -> Option<InnerError> {
    let outer: serde_json::Value = serde_json::from_slice(body).ok()?;
    match outer.get("data") {
        Some(serde_json::Value::String(text)) => serde_json::from_str(text).ok(),
        Some(obj @ serde_json::Value::Object(_)) => serde_json::from_value(obj.clone()).ok(),
        None if outer.get("code").is_some_and(|c| c.is_string()) => serde_json::from_value(outer).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_400_decodes_twice() {
        let body = br#"{"data": "{\"title\": \"Bad Request\", \"description\": \"Invalid request body.\", \"translation\": \"Corpo da requisi\u00e7\u00e3o inv\u00e1lido.\", \"extra_fields\": {}, \"code\": \"LEG000069\"}"}"#;
        let e = decode_error(body).unwrap();
        assert_eq!((e.code.as_str(), e.title.as_str()), ("LEG000069", "Bad Request"));
        assert_eq!(e.translation.as_deref(), Some("Corpo da requisição inválido."));
        assert!(decode_error(b"not json").is_none());
        let gateway =
            br#"{"title": "QI Unauthenticated", "description": "Failed while decoding the authentication token", "translation": "Falha", "code": "GDF000014"}"#;
        assert_eq!(decode_error(gateway).unwrap().code, "GDF000014");
        assert!(decode_error(br#"{"data": 3}"#).is_none());
    }
}
