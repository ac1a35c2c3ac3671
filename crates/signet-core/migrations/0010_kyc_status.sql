-- DollarPe's KYC status of each customer, as the desk last saw it (the KYC screen,
-- or the desk following the customers it sent documents for), so that Today lists
-- the updates not yet verified and the operator is told when one is settled.
CREATE TABLE kyc_status (
    profile_id  TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    -- VERIFIED or REJECTED: DollarPe has decided (KycConfiguration::settled).
    settled     INTEGER NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (profile_id, customer_id)
);
