//! What signing costs per request: DollarPe's HMAC over the sorted body (both
//! serialization styles) and QI Tech's ES512 token, signed and verified.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use signet_providers::canonical::{to_sorted_json, JsonStyle};
use signet_providers::{dollarpe_sign, jws};

fn kyc_body() -> serde_json::Value {
    serde_json::json!({
        "customer_id": "4e6f1b20-a73c-11ec-b909-0242ac120002",
        "full_address": "Av. Paulista 1000, São Paulo",
        "document_type": "NATIONAL_ID",
        "document_front_image_url": "https://bucket.s3.sa-east-1.amazonaws.com/kyc/1b9e.jpg?X-Amz-Signature=abc",
        "document_back_image_url": "https://bucket.s3.sa-east-1.amazonaws.com/kyc/77c0.jpg?X-Amz-Signature=def",
        "document_details": { "document_number": "123456123456", "additional_data": { "issuing_country": "BR", "expiry": { "year": 2030, "month": 1 } } }
    })
}

fn dollarpe(c: &mut Criterion) {
    let body = kyc_body();
    for (name, style) in [("python", JsonStyle::Python), ("compact", JsonStyle::Compact)] {
        c.bench_function(&format!("dollarpe: sort + sign a KYC body ({name})"), |b| {
            b.iter(|| {
                let text = to_sorted_json(black_box(&body), style);
                dollarpe_sign::signature("key-123", "secret-456", 1_700_000_000, &text)
            })
        });
    }
}

fn qitech(c: &mut Criterion) {
    let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../signet-core/tests/fixtures/p521-private.pem")).unwrap();
    let key = jws::signing_key_from_pem(&pem).unwrap();
    let verifying = key.verifying_key();
    let body =
        serde_json::to_vec(&serde_json::json!({ "type": "data_signature", "signatures": [{ "signed_object": { "raw_text": "x".repeat(20_000) } }] })).unwrap();
    let now = time::OffsetDateTime::now_utc();
    c.bench_function("qitech: ES512 token for a 20 kB body (md5 + sign)", |b| {
        b.iter(|| jws::sign(&key, &jws::RequestClaims::for_request(black_box(&body), "POST", "/debt/k/signed", now)))
    });
    let token = jws::sign(&key, &jws::RequestClaims::for_request(&body, "POST", "/debt/k/signed", now));
    c.bench_function("qitech: verify an ES512 token", |b| b.iter(|| jws::verify::<serde_json::Value>(&verifying, black_box(&token)).unwrap()));

    // The curve alone, to set beside `openssl speed ecdsap521` (run next by `make bench`)
    // and the pure-Rust p521 crate the tokens were signed with before.
    let message = [7u8; 64];
    c.bench_function("p-521: ES512 token of 64 bytes, AWS-LC (ours)", |b| b.iter(|| jws::sign_payload(&key, black_box(&message))));
    use p521::ecdsa::signature::Signer;
    use p521::pkcs8::DecodePrivateKey;
    let pure = p521::ecdsa::SigningKey::from_bytes(&p521::SecretKey::from_pkcs8_pem(&pem).unwrap().to_bytes()).unwrap();
    c.bench_function("p-521: sign 64 bytes, p521 crate (before)", |b| {
        b.iter(|| {
            let sig: p521::ecdsa::Signature = pure.sign(black_box(&message));
            sig
        })
    });
}

criterion_group!(benches, dollarpe, qitech);
criterion_main!(benches);
