//! The installation's Ed25519 key: made once, kept in the OS keyring, its public
//! half recorded in the database so a swapped or lost key is noticed.

use base64::Engine as _;
pub use ed25519_dalek::SigningKey;
use ed25519_dalek::{Signature, Signer as _, Verifier as _, VerifyingKey};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{CoreError, Result};
use crate::secrets::{SecretRef, SecretStore};
use crate::store::Store;

/// Keyring account `installation/evidence-signing-key`.
const KEY_NAME: &str = "evidence-signing-key";
const PUBLIC_KEY_SETTING: &str = "evidence_public_key";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The installation's signing key, made (and recorded) on first use.
pub fn installation_key(secrets: &dyn SecretStore, store: &Store) -> Result<SigningKey> {
    let at = SecretRef::installation(KEY_NAME);
    let recorded = store.app_setting(PUBLIC_KEY_SETTING)?;
    match (secrets.get(&at)?, recorded) {
        (Some(seed), recorded) => {
            let key = decode_seed(seed.expose_secret())?;
            let public = public_key(&key.verifying_key());
            match recorded {
                Some(r) if r != public => Err(CoreError::Conflict(format!(
                    "The evidence signing key in the OS keyring (public key {public}) is not the one this installation's ledger is signed with ({r}). Restore the original keyring entry installation/{KEY_NAME}."
                ))),
                Some(_) => Ok(key),
                None => {
                    store.set_app_setting(PUBLIC_KEY_SETTING, &public)?;
                    Ok(key)
                }
            }
        }
        (None, Some(r)) => Err(CoreError::Conflict(format!(
            "The evidence signing key is missing from the OS keyring, though this installation made one (public key {r}). Restore the keyring entry installation/{KEY_NAME}; until then no new evidence can be signed."
        ))),
        (None, None) => {
            let seed: [u8; 32] = rand::random();
            let key = SigningKey::from_bytes(&seed);
            secrets.set(&at, &SecretString::from(B64.encode(seed)))?;
            store.set_app_setting(PUBLIC_KEY_SETTING, &public_key(&key.verifying_key()))?;
            tracing::info!("made the installation's evidence signing key");
            Ok(key)
        }
    }
}

/// The public key this installation recorded, if it has made one.
pub fn recorded_public_key(store: &Store) -> Result<Option<String>> {
    store.app_setting(PUBLIC_KEY_SETTING)
}

/// Records whose evidence a database holds (a ledger rebuilt from the archive).
pub fn record_public_key(store: &Store, public_key: &str) -> Result<()> {
    store.set_app_setting(PUBLIC_KEY_SETTING, public_key)
}

fn decode_seed(text: &str) -> Result<SigningKey> {
    let bytes = B64.decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
    bytes
        .map(|seed| SigningKey::from_bytes(&seed))
        .ok_or_else(|| CoreError::Conflict(format!("The keyring entry installation/{KEY_NAME} is not an Ed25519 key.")))
}

pub fn public_key(key: &VerifyingKey) -> String {
    B64.encode(key.as_bytes())
}

pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    B64.encode(key.sign(message).to_bytes())
}

/// Whether `signature` (base64) is `public_key`'s (base64) over `message`.
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> bool {
    let key = B64.decode(public_key).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let sig = B64.decode(signature).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()).map(|b| Signature::from_bytes(&b));
    matches!((key, sig), (Some(k), Some(s)) if k.verify(message, &s).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::memory::MemorySecrets;

    #[test]
    fn the_key_is_made_once_kept_in_the_keyring_and_a_lost_one_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let secrets = MemorySecrets::default();
        let first = installation_key(&secrets, &store).unwrap();
        let again = installation_key(&secrets, &store).unwrap();
        assert_eq!(first.to_bytes(), again.to_bytes());
        let signature = sign(&first, b"hello");
        let public = recorded_public_key(&store).unwrap().unwrap();
        assert!(verify(&public, b"hello", &signature));
        assert!(!verify(&public, b"hullo", &signature));

        secrets.delete(&SecretRef::installation(KEY_NAME)).unwrap();
        let lost = installation_key(&secrets, &store).unwrap_err();
        assert!(lost.to_string().contains("missing from the OS keyring"), "{lost}");
    }
}
