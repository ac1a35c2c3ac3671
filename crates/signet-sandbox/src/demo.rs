//! The ids the sandbox seeds (with `seed_demo_data`), so the desk, the CLI and tests
//! can name them. Values are fixed so scripts and screenshots stay stable.

// myKaarma KPay: departments of the demo dealer.
pub const DEPARTMENT_SERVICE: &str = "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01";
pub const DEPARTMENT_SERVICE_NAME: &str = "Service";
pub const DEPARTMENT_PARTS: &str = "3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e02";
pub const DEPARTMENT_PARTS_NAME: &str = "Parts";
pub const DEPARTMENTS: [(&str, &str); 2] = [(DEPARTMENT_SERVICE, DEPARTMENT_SERVICE_NAME), (DEPARTMENT_PARTS, DEPARTMENT_PARTS_NAME)];

/// Brake service for a customer with a mobile number and an email address.
pub const INVOICE_BRAKES: &str = "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e01";
/// A customer with no mobile number: a text cannot be sent (`textSent: FAILURE`).
pub const INVOICE_NO_MOBILE: &str = "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e02";
/// A customer with no email address: an email cannot be sent (`emailSent: FAILURE`).
pub const INVOICE_NO_EMAIL: &str = "9d4e2f10-7a3b-4c5d-8e6f-0a1b2c3d4e03";

// DollarPe: customers of the demo organisation, and one of another organisation.
/// KYC not submitted yet.
pub const CUSTOMER_NEW: &str = "4e6f1b20-a73c-11ec-b909-0242ac120002";
/// Another customer with KYC not submitted yet.
pub const CUSTOMER_SECOND: &str = "4e6f1b20-a73c-11ec-b909-0242ac120003";
/// Already VERIFIED with passport `DOCUMENT_IN_USE` (one of its 3 updates used).
pub const CUSTOMER_VERIFIED: &str = "4e6f1b20-a73c-11ec-b909-0242ac120004";
/// Exists, but belongs to another organisation: "Customer not found or access denied".
pub const CUSTOMER_OTHER_ORG: &str = "4e6f1b20-a73c-11ec-b909-0242ac120099";
/// The passport number registered to `CUSTOMER_VERIFIED` ("KYC already in use" for others).
pub const DOCUMENT_IN_USE: &str = "P7654321";
/// A document number starting with this is REJECTED instead of VERIFIED.
pub const REJECT_PREFIX: &str = "REJ";

// QI Tech: debts (credit operations) awaiting an opt-in signature.
pub const DEBT_OPEN: &str = "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c01";
pub const DEBT_OPEN_2: &str = "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c02";
/// Already signed: signing again gives 409, and its event is listed.
pub const DEBT_SIGNED: &str = "b1d2c3e4-0001-4a5b-8c6d-7e8f9a0b1c03";
/// The CPF of the excerpt's example (check digits valid).
pub const VALID_CPF: &str = "61766976204";

// Signzy: a contract with two signers, the first of whom has signed.
pub const CONTRACT_HALF_SIGNED: &str = "5e1a9c3b-2d4f-4e6a-8b0c-1d2e3f4a5b01";
pub const CONTRACT_SIGNER_SIGNED: &str = "5e1a9c3b-2d4f-4e6a-8b0c-1d2e3f4a5b11";
pub const CONTRACT_SIGNER_PENDING: &str = "5e1a9c3b-2d4f-4e6a-8b0c-1d2e3f4a5b12";

// Leegality: the one published workflow (its `profileId`).
pub const LEEGALITY_WORKFLOW: &str = "SBXWF01";
