//! Any text typed into a signer's CPF or phone fields, or an id field: the
//! validators never panic, and what they accept is already in its normal form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_core::validate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cpf) = validate::cpf("cpf", text) {
        assert_eq!(cpf.len(), 11);
        assert!(cpf.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(validate::cpf("cpf", &cpf).ok().as_deref(), Some(cpf.as_str()), "a normal CPF must validate to itself");
    }
    for (min, max) in [(3, 3), (2, 2), (1, 10)] {
        if let Ok(part) = validate::phone_part("phone", text, min, max, "999") {
            assert!((min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()));
        }
    }
    if let Ok(id) = validate::uuid("id", text) {
        assert_eq!(validate::uuid("id", &id).ok().as_deref(), Some(id.as_str()));
    }
    let _ = validate::email("email", text);
    let _ = validate::base_url("url", text);
    let _ = validate::document_url("url", text);
});
