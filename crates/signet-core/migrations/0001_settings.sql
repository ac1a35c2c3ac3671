-- Profiles the operator creates. The built-in Sandbox profile is not stored here.
CREATE TABLE profiles (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);

-- Non-secret per-provider settings of a profile: the base URL and plain fields.
-- Secrets are never stored here; they live only in the OS keyring.
CREATE TABLE provider_settings (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,
    field      TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (profile_id, provider, field)
);

-- Desk-wide settings (active profile, ...), one row each.
CREATE TABLE app_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
