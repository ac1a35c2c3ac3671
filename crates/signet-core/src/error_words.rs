//! The words of the errors (and the keyring's state) the desk can show in the
//! operator's language. Each has a
//! stable id and an English template with `{name}` placeholders; Rust fills it for
//! the English `message` and sends the id and the values along (`ErrorBody.id`,
//! `.params`), so the window can say the same thing in Portuguese. The list is
//! written to `ui/src/lib/bindings/errorWords.ts` by this module's test, and the
//! window's test checks that each id has Portuguese with the same placeholders.

/// One error's id and English template.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub id: &'static str,
    pub english: &'static str,
}

impl Words {
    /// The English text with each `{name}` replaced by its value, in one pass, so a
    /// value that itself holds `{...}` (typed by the operator) is shown as typed.
    pub fn fill(&self, params: &[(&'static str, String)]) -> String {
        let mut text = String::with_capacity(self.english.len());
        let mut rest = self.english;
        while let Some(open) = rest.find('{') {
            text.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| params.iter().find(|(name, _)| *name == &after[..close]).map(|(_, v)| (close, v)));
            match value {
                Some((close, v)) => {
                    text.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    text.push('{');
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        text
    }
}

macro_rules! error_words {
    ($($name:ident = $id:literal: $english:literal;)*) => {
        $(pub const $name: Words = Words { id: $id, english: $english };)*
        /// Every error the desk can translate.
        pub const ALL: &[Words] = &[$($name),*];
    };
}

error_words! {
    REQUIRED = "required": "Fill in the {what}.";
    EMAIL = "email": "\"{value}\" is not an email address; it looks like name@example.com.";
    CPF_DIGITS = "cpf.digits": "A CPF has 11 digits, for example 123.456.789-09.";
    CPF_REPEATED = "cpf.repeated": "A CPF cannot be one digit repeated; check the number.";
    CPF_CHECK = "cpf.check": "This CPF's check digits do not match; check the number for a typo.";
    PHONE_EXACT = "phone.exact": "Use exactly {count} digits and nothing else, for example {example}.";
    PHONE_RANGE = "phone.range": "Use {min} to {max} digits and nothing else, for example {example}.";
    UUID = "uuid": "\"{value}\" is not a UUID; it looks like 3f2b8c1e-6d4a-4b7e-9c0d-1a2b3c4d5e6f.";
    DOCUMENT_URL_HTTP = "document_url.http": "Use an https:// link: the provider fetches the document over the internet.";
    DOCUMENT_URL = "document_url": "\"{value}\" is not a link; give the document's https:// address.";
    BASE_URL_EMPTY = "base_url.empty": "Enter the provider's base URL, for example https://api.provider.com.";
    BASE_URL_PARSE = "base_url.parse": "\"{value}\" is not a URL ({reason}); write it in full, starting with https://.";
    BASE_URL_HOST = "base_url.host": "The URL has no host name; write it as https://host/path.";
    BASE_URL_HTTP = "base_url.http": "Use https: plain http is allowed only for this machine (localhost, 127.0.0.1, ::1), not for {host}.";
    BASE_URL_SCHEME = "base_url.scheme": "\"{scheme}\" URLs are not supported; use https://.";
    BASE_URL_CREDENTIALS = "base_url.credentials": "Remove the user name and password from the URL; credentials belong in their own fields.";
    BASE_URL_QUERY = "base_url.query": "Remove the ?query or #fragment: a base URL is a scheme, a host and an optional path.";
    PROFILE_NAME_EMPTY = "profile_name.empty": "Give the profile a name, for example \"Production\".";
    PROFILE_NAME_LONG = "profile_name.long": "Keep the name to {max} characters or fewer.";
    PROFILE_NAME_CONTROL = "profile_name.control": "The name cannot contain line breaks or control characters.";
    SECRET_EMPTY = "secret.empty": "The value is empty; paste the credential, or use Delete to remove it.";
    SECRET_LINES = "secret.lines": "The value spans several lines; paste it as a single line.";
    SECRET_LONG = "secret.long": "The value is longer than 4096 characters; check that you pasted the right thing.";
    KEY_NOT_PEM = "key.not_pem": "Paste the key in PEM form, starting with -----BEGIN PRIVATE KEY-----.";
    KEY_PUBLIC = "key.public_given": "This is a public key; the private key (BEGIN PRIVATE KEY) goes here.";
    KEY_NOT_P521 = "key.not_p521": "This is not a P-521 (ES512) private key in PEM form. Create one with: openssl ecparam -name secp521r1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt";
    KEY_PRIVATE = "key.private_given": "This is a private key; only QI Tech's public key (BEGIN PUBLIC KEY) goes here.";
    KEY_NOT_PUBLIC = "key.not_public": "This is not a P-521 public key in PEM form (-----BEGIN PUBLIC KEY-----).";
    POSTGRES_PARSE = "postgres_url.parse": "\"{value}\" is not an address ({reason}); write it as {example}.";
    POSTGRES_SCHEME = "postgres_url.scheme": "The team store's address starts with postgresql://, e.g. {example}.";
    POSTGRES_HOST = "postgres_url.host": "The address has no host name; write it as {example}.";
    POSTGRES_CREDENTIALS = "postgres_url.credentials": "Remove the user and password from the address: the database role and its password have fields of their own.";
    POSTGRES_DATABASE = "postgres_url.database": "Name the database after the host, e.g. {example}.";
    POSTGRES_QUERY = "postgres_url.query": "Leave out ?options: TLS is always on, except on this computer.";
    PEM_PARSE = "certificate.parse": "This is not a PEM certificate ({reason}); paste the -----BEGIN CERTIFICATE----- block.";
    PEM_EMPTY = "certificate.empty": "Paste the certificate itself: the -----BEGIN CERTIFICATE----- block.";
    KEYRING_AVAILABLE = "keyring.available": "The OS keyring is unlocked; secrets are stored there.";
    KEYRING_LOCKED = "keyring.locked": "The OS keyring is locked. Unlock your login keyring (log in again, or open \"Passwords and Keys\" and unlock \"Login\"), then try again.";
    KEYRING_UNAVAILABLE = "keyring.unavailable": "The OS keyring cannot be reached: {reason}. Signet keeps secrets only there; on Linux start a Secret Service (GNOME Keyring or KWallet) in your desktop session, then try again.";
    KEYRING_FAILED = "keyring.failed": "The OS keyring refused the request: {reason}";
    LOCATION_NUMBERS = "location.numbers": "Enter latitude and longitude as decimal numbers, e.g. -23.5614 and -46.6559.";
    LOCATION_BOUNDS = "location.bounds": "Latitude runs from -90 to 90 and longitude from -180 to 180, e.g. -23.5614 and -46.6559.";
    CONTRACT_FIRST = "optin.contract_first": "Load the contract first (PDF or text).";
    CHANNELS = "payment.channels": "Choose how the customer hears of it: by text, by email, or both.";
    INVOICE_EMPTY = "payment.invoice_empty": "Enter the invoice GUID.";
    INVOICE = "payment.invoice": "\"{value}\" is not an invoice GUID; one looks like 9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01.";
    DEPARTMENT_LINE = "departments.line": "Line {line}: write the name, then the department UUID.";
    DEPARTMENT_UUID = "departments.uuid": "Line {line}: \"{value}\" is not a department UUID.";
    DEPARTMENT_NAME = "departments.name": "Line {line}: give the department a name before its UUID.";
    DEPARTMENT_TWICE = "departments.twice": "Line {line}: this department is already listed.";
    LABEL_LONG = "signature.label_long": "Keep the label to {max} characters or fewer.";
    LABEL_CONTROL = "signature.label_control": "The label cannot contain line breaks or control characters.";
    SPI_EMPTY = "signature.spi_empty": "Enter the spiRequestUUID from myKaarma.";
    SPI = "signature.spi": "\"{value}\" is not a spiRequestUUID; one looks like 5a1c3e2b-8d7f-4e6a-9b0c-1d2e3f4a5b6c.";
    CSV_NOT_CSV = "bulk.not_csv": "The file is not CSV: {reason}";
    CSV_HEADER = "bulk.header": "The first line must name the columns: department, invoice, options.";
    CSV_UNREADABLE = "bulk.unreadable": "The file could not be read: {reason}";
    CSV_TOO_MANY = "bulk.too_many": "The file has more than {max} rows; split it.";
    CSV_EMPTY = "bulk.empty": "The file has no rows below its header.";
    CSV_REPEATED = "bulk.repeated": "this invoice is also on line {line}; keep one of them.";
    CSV_OPTION = "bulk.option": "\"{value}\" is not an option; use text, email, esign, attach or without_kpay.";
    CONCURRENCY = "bulk.concurrency": "Send 1 to {max} rows at a time (not {value}).";
    KYC_TYPE = "kyc.type": "DollarPe does not take \"{value}\" for this customer; choose one of: {offered}.";
    KYC_BACK = "kyc.back": "A {document} needs its back as well: add the back image.";
    KYC_FILL = "kyc.fill": "Fill in {what}.";
    KYC_PATTERN = "kyc.pattern": "{what} is not in the form DollarPe expects ({pattern}).";
    LANGUAGE = "settings.language": "\"{value}\" is not a language of the desk; choose {choices}.";
    UPDATE_HTTPS = "settings.update_https": "Use https: updates are fetched over https only, also from this machine.";
    SETTING_IS_SECRET = "settings.is_secret": "{what} is a secret: save it with Set secret, which stores it in the OS keyring.";
    SETTING_CHOICES = "settings.choices": "Choose one of: {choices}.";
    SANDBOX_NAME = "settings.sandbox_name": "\"Sandbox\" is the built-in profile's name; choose another.";
    INVITEE_CONTACT = "leegality.invitee_contact": "Give {name}'s email address or 10-digit mobile number (or both).";
    FILE_EMPTY = "file.empty": "{name}: the file is empty (0 bytes). Choose the scan or photo itself.";
    FILE_TOO_BIG = "file.too_big": "{name}: the file is {size} MB; the limit is {max} MB. Save it at a lower resolution or as JPG.";
    FILE_OTHER_KIND = "file.other_kind": "{name}: this is a {kind} file, whatever its name says. DollarPe takes JPG, PNG or PDF documents.";
    FILE_UNKNOWN_KIND = "file.unknown_kind": "{name}: this is not a JPG, PNG or PDF file, whatever its name says. Export the document as one of those.";
    IMAGE_TOO_SMALL = "file.image_too_small": "{name}: the image is {width}×{height} pixels, too small to read; it needs at least {min_width}×{min_height}. Photograph or scan it again closer.";
    FILE_REFUSED = "file.refused": "{name}: {reason}";
    FILE_UNSAFE = "file.unsafe": "{name} could not be read safely: {reason}. Nothing was sent; ask the customer for another copy.";
    DOCUMENT_MB = "settings.document_mb": "Give the largest document size in MB, from 1 to 50.";
    LINK_MINUTES = "settings.link_minutes": "Give the link lifetime in minutes, from 5 to 10080 (a week).";
    BUCKET_NEEDED = "settings.bucket_needed": "Set the documents bucket in Settings, DollarPe: KYC documents are uploaded there for DollarPe to fetch.";
    CONTRACT_TOO_BIG = "contract.too_big": "{name} is {size} MB; a contract file must be under {max} MB.";
    CONTRACT_LARGER = "contract.larger": "{name} is larger than {max} MB.";
    CONTRACT_NOT_TEXT = "contract.not_text": "{name} is neither a PDF nor UTF-8 text; save it as PDF or as UTF-8 text and load it again.";
    CONTRACT_SCAN = "contract.scan": "{name} has no text that can be extracted (it looks like a scan or an image). Load the original PDF the contract was made as, or its text.";
    CONTRACT_NO_TEXT = "contract.no_text": "{name} holds almost no text; nothing would be signed.";
    CONTRACT_BAD_PDF = "contract.bad_pdf": "{name} cannot be read as a PDF ({reason}). Save it again from the program that made it.";
    CONTRACT_NOT_PDF = "signzy.not_pdf": "The contract file is not a PDF.";
    DOCUMENT_NOT_PDF = "leegality.not_pdf": "The document is not a PDF.";
    ADD_SIGNER = "signzy.add_signer": "Add at least one signer.";
    LEEGALITY_WORKFLOW = "leegality.workflow": "Set the Leegality workflow (profileId) in Settings, Leegality.";
    LEEGALITY_TOO_BIG = "leegality.too_big": "The PDF is {size} MB; Leegality takes at most 15 MB.";
    ADD_INVITEE = "leegality.add_invitee": "Add at least one invitee.";
    IMPORT_EXPIRED = "bulk.import_expired": "Choose the file again: this import has expired.";
    NOT_TEAM = "team.not_team": "This profile is not in team mode: set its team store in Settings.";
}

/// Writes `ui/src/lib/bindings/<name>.ts`: `export const <name>` mapping each key
/// to Rust's English, for the window's tests to hold its translations against.
#[cfg(test)]
pub(crate) fn write_for_the_window(name: &str, what: &str, words: impl Iterator<Item = (String, String)>) {
    let dir = std::env::var("TS_RS_EXPORT_DIR").expect("set in .cargo/config.toml");
    let mut out = format!("// Generated by signet-core's tests; do not edit.\n// {what}\nexport const {name}: Record<string, string> = {{\n");
    for (key, english) in words {
        out.push_str(&format!("  {}: {},\n", serde_json::to_string(&key).unwrap(), serde_json::to_string(&english).unwrap()));
    }
    out.push_str("};\n");
    let path = std::path::Path::new(&dir).join(format!("{name}.ts"));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(out.as_str()) {
        std::fs::write(&path, out).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_templates_fill() {
        let ids: BTreeSet<_> = ALL.iter().map(|w| w.id).collect();
        assert_eq!(ids.len(), ALL.len(), "an error id is used twice");
        assert_eq!(PHONE_EXACT.fill(&[("count", "3".into()), ("example", "055".into())]), "Use exactly 3 digits and nothing else, for example 055.");
        // A value is shown as typed, even one that looks like a placeholder.
        assert_eq!(
            BASE_URL_PARSE.fill(&[("value", "{reason}".into()), ("reason", "no scheme".into())]),
            "\"{reason}\" is not a URL (no scheme); write it in full, starting with https://."
        );
    }

    /// Every placeholder of every template is one the code fills: a name misspelt at
    /// a call site would leave `{name}` in the English, so the names are listed here.
    #[test]
    fn placeholders_are_the_ones_filled() {
        let known = [
            "what",
            "value",
            "count",
            "example",
            "min",
            "max",
            "reason",
            "host",
            "scheme",
            "line",
            "offered",
            "document",
            "pattern",
            "choices",
            "name",
            "size",
            "kind",
            "width",
            "height",
            "min_width",
            "min_height",
        ];
        for w in ALL {
            let mut rest = w.english;
            while let Some(open) = rest.find('{') {
                let close = rest[open..].find('}').map(|c| open + c).unwrap_or(rest.len());
                let name = &rest[open + 1..close];
                assert!(known.contains(&name), "{}: unknown placeholder {{{name}}}", w.id);
                rest = &rest[close.min(rest.len())..];
            }
        }
    }

    /// Writes the list for the window (like ts-rs does for the IPC types; CI checks
    /// the committed file is current).
    #[test]
    fn export_for_the_window() {
        write_for_the_window(
            "errorWords",
            "Each error the window can translate: id -> English template.",
            ALL.iter().map(|w| (w.id.to_string(), w.english.to_string())),
        );
    }
}
