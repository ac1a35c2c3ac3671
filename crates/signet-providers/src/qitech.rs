//! QI Tech (QI SCD): opt-in contract signatures, document upload and event polling.
//! Each request carries `API-CLIENT-KEY` and an `AUTHORIZATION` ES512 token binding
//! the body's MD5, the time, the method and the path (see `jws`). Errors arrive as
//! `{"data": "<JSON text>"}`, decoded twice into title, description, translation, code.

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::endpoint::{join, segment};
use crate::error::{ProviderError, Rejection, Result};
use crate::http::{Http, HttpConfig, Incoming, Outgoing, Repeat};
use crate::jws::{self, RequestClaims};

pub const PROVIDER: &str = "QI Tech";

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
            signatures: vec![Signature {
                signed_object: SignedObject { raw_text },
                authenticity,
                signer,
                authentication_type: "opt-in".into(),
            }],
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
    signing_key: p521::ecdsa::SigningKey,
    qi_public_key: Option<p521::ecdsa::VerifyingKey>,
}

impl QiTech {
    pub fn new(
        base_url: &str,
        client_key: SecretString,
        private_key_pem: &SecretString,
        qi_public_key_pem: Option<&str>,
        config: HttpConfig,
    ) -> Result<Self> {
        let signing_key = jws::signing_key_from_pem(private_key_pem.expose_secret())
            .map_err(|e| ProviderError::invalid("qitech.private_key", format!("The QI Tech private key cannot be used: {e}.")))?;
        let qi_public_key = qi_public_key_pem
            .map(jws::verifying_key_from_pem)
            .transpose()
            .map_err(|e| ProviderError::invalid("qitech.public_key", format!("QI Tech's public key cannot be used: {e}.")))?;
        Ok(QiTech { http: Http::new(PROVIDER, config), base_url: base_url.to_string(), client_key, signing_key, qi_public_key })
    }

    /// `POST /debt/{debt_key}/signed`: submit the opt-in signature. Never resent blindly.
    pub async fn submit_signature(&self, debt_key: &str, body: &DataSignature, operation_key: &str) -> Result<SignatureReceived> {
        let bytes = serde_json::to_vec(body).expect("wire types serialize");
        let path = format!("/debt/{}/signed", segment(debt_key));
        let resp = self
            .send(Method::POST, &path, Some(("application/json".into(), bytes)), Repeat::Never { operation_key: operation_key.into() })
            .await?;
        self.decode(&resp)
    }

    /// `POST /upload`: one document as multipart form data; returns QI's reply
    /// (its `document_key` names the document in later calls).
    pub async fn upload(&self, file_name: &str, content_type: &str, bytes: &[u8], operation_key: &str) -> Result<serde_json::Value> {
        let boundary = format!("signet-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::with_capacity(bytes.len() + 256);
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n", file_name.replace('"', "")).as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        let resp = self.send(Method::POST, "/upload", Some((ct, body)), Repeat::Never { operation_key: operation_key.into() }).await?;
        self.decode(&resp)
    }

    /// `GET /notification/events`: what happened to our debts (a desktop app cannot
    /// receive webhooks, so it polls).
    pub async fn events(&self) -> Result<serde_json::Value> {
        let resp = self.send(Method::GET, "/notification/events", None, Repeat::Safe).await?;
        self.decode(&resp)
    }

    async fn send(&self, method: Method, path: &str, body: Option<(String, Vec<u8>)>, repeat: Repeat) -> Result<Incoming> {
        let url = join(&self.base_url, path)?;
        let uri = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let resp = self
            .http
            .send(repeat, || {
                let payload = body.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default();
                let claims = RequestClaims::for_request(payload, method.as_str(), &uri, time::OffsetDateTime::now_utc());
                let token = jws::sign(&self.signing_key, &claims);
                let mut headers = HeaderMap::new();
                let mut client_key = HeaderValue::from_str(self.client_key.expose_secret()).map_err(|_| {
                    ProviderError::invalid("qitech.api_client_key", "The API client key contains characters HTTP cannot carry.")
                })?;
                client_key.set_sensitive(true);
                let mut auth = HeaderValue::from_str(&token).expect("a JWS is ASCII");
                auth.set_sensitive(true);
                headers.insert("API-CLIENT-KEY", client_key);
                headers.insert("AUTHORIZATION", auth);
                if let Some((ct, _)) = &body {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_str(ct).expect("content types are ASCII"));
                }
                Ok(Outgoing { method: method.clone(), url: url.clone(), headers, body: body.as_ref().map(|(_, b)| b.clone()) })
            })
            .await?;
        self.verify_response(&resp, method.as_str(), &uri)?;
        Ok(resp)
    }

    /// With QI's public key configured, a response must carry a valid ES512 token
    /// over its own body.
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
        let inner = decode_error(&resp.body).ok_or_else(|| ProviderError::BadResponse {
            provider: PROVIDER,
            status: resp.status,
            reason: resp.body_excerpt(),
        })?;
        if resp.status == 401 || resp.status == 403 {
            return Err(ProviderError::Unauthorized {
                provider: PROVIDER,
                detail: format!("{} {}: {}", inner.code, inner.title, inner.description),
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

/// `{"data": "<JSON text>"}` -> the inner error; also accepts `data` as an object.
fn decode_error(body: &[u8]) -> Option<InnerError> {
    let outer: serde_json::Value = serde_json::from_slice(body).ok()?;
    match outer.get("data")? {
        serde_json::Value::String(text) => serde_json::from_str(text).ok(),
        obj @ serde_json::Value::Object(_) => serde_json::from_value(obj.clone()).ok(),
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
        assert!(decode_error(br#"{"data": 3}"#).is_none());
    }
}
