//! Base URLs and the paths appended to them.

use crate::error::{ProviderError, Result};

/// `base` (which may carry a path prefix) followed by `path` (starting with '/').
pub fn join(base: &str, path: &str) -> Result<url::Url> {
    let full = format!("{}{}", base.trim_end_matches('/'), path);
    url::Url::parse(&full).map_err(|e| ProviderError::invalid("base_url", format!("\"{full}\" is not a valid URL ({e})")))
}

/// One path segment from user input (ids), percent-encoded so it cannot add segments.
pub fn segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>().replace('+', "%20")
}
