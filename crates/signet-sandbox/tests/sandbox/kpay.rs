use reqwest::Method;
use serde_json::json;
use signet_sandbox::demo;

use crate::common::*;

#[tokio::test]
async fn payment_request_then_signature_capture() {
    let sb = start().await;
    let path = payment_request_path(demo::DEPARTMENT_SERVICE);
    let resp = kpay(&sb, Method::POST, &path).json(&payment_body(demo::INVOICE_BRAKES, true, true, true)).send().await.unwrap();
    let (status, v) = json_of(resp).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["textSent"].as_str(), v["emailSent"].as_str()), (Some("SUCCESS"), Some("SUCCESS")));
    assert_eq!(v["errors"], json!([]));
    assert_eq!(v["warnings"], json!([]));
    let link = v["paymentLink"].as_str().unwrap();
    assert!(link.starts_with(&format!("{}/pay/", sb.base_url())), "{link}");
    assert_eq!(v["invoiceLink"], json!(format!("{}/invoice/{}", sb.base_url(), demo::INVOICE_BRAKES)));
    let page = client().get(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("412.50"));

    // The spi of the invoice, found through the sandbox-only listing.
    let url = format!("{}/_sandbox/kpay/signature-requests?invoiceGuid={}", sb.base_url(), demo::INVOICE_BRAKES);
    let (_, list) = json_of(client().get(url).send().await.unwrap()).await;
    let spi = list[0]["spiRequestUUID"].as_str().unwrap().to_string();
    let spi_path = format!("/payment/kpayment/v1/esign/spiRequests/{spi}");
    let (status, req) = json_of(kpay(&sb, Method::GET, &spi_path).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(req["isSigned"], json!(false));
    assert_eq!(req["signatureCaptureUrl"], json!(format!("{}/sign/{spi}", sb.base_url())));
    assert_eq!(req["renewCount"], json!(0));
    for field in ["spiRequestUUID", "signedDocumentUrl", "documents", "signers"] {
        assert!(req.get(field).is_some(), "{field} missing from {req}");
    }

    let capture = format!("{spi_path}/process/capture");
    let signed = json!({ "signedDocumentUrl": "https://docs.example.com/signed/ro-10482.pdf" });
    let (status, v) = json_of(kpay(&sb, Method::PUT, &capture).json(&signed).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({ "error": null, "warnings": [], "requestUUID": spi, "status": "SUCCESS" }));
    let (_, req) = json_of(kpay(&sb, Method::GET, &spi_path).send().await.unwrap()).await;
    assert_eq!(req["isSigned"], json!(true));
    assert_eq!(req["signedDocumentUrl"], signed["signedDocumentUrl"]);

    // Capturing again is a 200 FAILURE with a string code.
    let (status, v) = json_of(kpay(&sb, Method::PUT, &capture).json(&signed).send().await.unwrap()).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("FAILURE")));
    assert_eq!(v["error"]["errorCode"], json!("SIGNATURE_ALREADY_CAPTURED"));
    let unknown = format!("/payment/kpayment/v1/esign/spiRequests/{}/process/capture", uuid::Uuid::new_v4());
    let (status, v) = json_of(kpay(&sb, Method::PUT, &unknown).json(&signed).send().await.unwrap()).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("FAILURE")));
    assert_eq!(v["error"]["errorCode"], json!("SPI_REQUEST_NOT_FOUND"));
}

#[tokio::test]
async fn a_customer_without_mobile_gets_no_text() {
    let sb = start().await;
    let path = payment_request_path(demo::DEPARTMENT_PARTS);
    let resp = kpay(&sb, Method::POST, &path).json(&payment_body(demo::INVOICE_NO_MOBILE, true, true, false)).send().await.unwrap();
    let (status, v) = json_of(resp).await;
    assert_eq!(status, 200);
    assert_eq!((v["textSent"].as_str(), v["emailSent"].as_str()), (Some("FAILURE"), Some("SUCCESS")));
    assert_eq!(v["warnings"][0]["warningCode"], json!(4001));
    // A channel not asked for is FAILURE too (nothing was sent), without a warning.
    let fresh = uuid::Uuid::new_v4().to_string();
    let (_, v) = json_of(kpay(&sb, Method::POST, &path).json(&payment_body(&fresh, false, true, false)).send().await.unwrap()).await;
    assert_eq!((v["textSent"].as_str(), v["emailSent"].as_str()), (Some("FAILURE"), Some("SUCCESS")));
    assert_eq!(v["warnings"], json!([]));
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_401_in_the_errors_shape() {
    let sb = start().await;
    let url = format!("{}{}", sb.base_url(), payment_request_path(demo::DEPARTMENT_SERVICE));
    let body = payment_body(demo::INVOICE_BRAKES, true, false, false);
    for req in [client().post(&url).basic_auth("signet-sandbox", Some("wrong")), client().post(&url)] {
        let (status, v) = json_of(req.json(&body).send().await.unwrap()).await;
        assert_eq!(status, 401);
        assert_eq!(v["errors"][0]["errorCode"], json!(401));
        assert_eq!(v["errors"][0]["errorTitle"], json!("Unauthorized"));
        assert_eq!(v["warnings"], json!([]));
    }
    assert!(payment_requests_of(&sb, demo::INVOICE_BRAKES).await.is_empty());
}

#[tokio::test]
async fn bad_department_invoice_or_document_url_is_400() {
    let sb = start().await;
    let body = payment_body(demo::INVOICE_BRAKES, true, false, false);
    let unknown_department = uuid::Uuid::new_v4().to_string();
    for department in ["not-a-uuid", unknown_department.as_str()] {
        let (status, v) = json_of(kpay(&sb, Method::POST, &payment_request_path(department)).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["errors"][0]["errorCode"], json!(400));
    }
    let path = payment_request_path(demo::DEPARTMENT_SERVICE);
    for body in [json!({ "invoiceGuid": "INV-1" }), json!({ "sendAsText": true }), json!({ "invoiceGuid": demo::INVOICE_BRAKES, "sendAsText": "yes" })] {
        let (status, v) = json_of(kpay(&sb, Method::POST, &path).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 400, "{body} -> {v}");
        assert!(v["errors"][0]["errorMessage"].is_string());
    }
    let spi = uuid::Uuid::new_v4();
    let capture = format!("/payment/kpayment/v1/esign/spiRequests/{spi}/process/capture");
    for url in ["http://docs.example.com/a.pdf", "ftp://x/y.pdf", "not a url", ""] {
        let (status, v) = json_of(kpay(&sb, Method::PUT, &capture).json(&json!({ "signedDocumentUrl": url })).send().await.unwrap()).await;
        assert_eq!(status, 400, "{url}: {v}");
        assert_eq!(v["errors"][0]["errorCode"], json!(400));
    }
    let (status, _) = json_of(kpay(&sb, Method::GET, &format!("/payment/kpayment/v1/esign/spiRequests/{spi}")).send().await.unwrap()).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_repeated_post_is_another_payment_request() {
    let sb = start().await;
    let path = payment_request_path(demo::DEPARTMENT_SERVICE);
    let invoice = uuid::Uuid::new_v4().to_string();
    for _ in 0..2 {
        let resp = kpay(&sb, Method::POST, &path).json(&payment_body(&invoice, false, true, false)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    }
    let made = payment_requests_of(&sb, &invoice).await;
    assert_eq!(made.len(), 2);
    assert_ne!(made[0]["id"], made[1]["id"]);
    let posts = sb.journal().into_iter().filter(|e| e.method == "POST" && e.path == path && e.body.contains(&invoice)).count();
    assert_eq!(posts, 2);
}
