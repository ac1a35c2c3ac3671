//! Queries for operator profiles and their non-secret provider settings.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::catalog::ProviderId;
use crate::error::{CoreError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProfile {
    pub id: String,
    pub name: String,
}

impl Store {
    pub fn profiles(&self) -> Result<Vec<StoredProfile>> {
        let mut stmt = self.conn().prepare("SELECT id, name FROM profiles ORDER BY name COLLATE NOCASE")?;
        let rows = stmt.query_map([], |r| Ok(StoredProfile { id: r.get(0)?, name: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn profile(&self, id: &str) -> Result<Option<StoredProfile>> {
        Ok(self.conn().query_row("SELECT id, name FROM profiles WHERE id = ?1", [id], |r| Ok(StoredProfile { id: r.get(0)?, name: r.get(1)? })).optional()?)
    }

    pub fn insert_profile(&self, id: &str, name: &str, created_at: &str) -> Result<()> {
        self.conn()
            .execute("INSERT INTO profiles (id, name, created_at) VALUES (?1, ?2, ?3)", params![id, name, created_at])
            .map_err(|e| duplicate_name(e, name))?;
        Ok(())
    }

    pub fn rename_profile(&self, id: &str, name: &str) -> Result<()> {
        let n = self.conn().execute("UPDATE profiles SET name = ?2 WHERE id = ?1", params![id, name]).map_err(|e| duplicate_name(e, name))?;
        if n == 0 {
            return Err(CoreError::not_found(format!("profile {id}")));
        }
        Ok(())
    }

    /// Deletes the profile; its provider settings go with it (ON DELETE CASCADE).
    pub fn delete_profile(&self, id: &str) -> Result<()> {
        let n = self.conn().execute("DELETE FROM profiles WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(CoreError::not_found(format!("profile {id}")));
        }
        Ok(())
    }

    pub fn provider_settings(&self, profile_id: &str, provider: ProviderId) -> Result<BTreeMap<String, String>> {
        let mut stmt = self.conn().prepare("SELECT field, value FROM provider_settings WHERE profile_id = ?1 AND provider = ?2")?;
        let rows = stmt.query_map(params![profile_id, provider.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces a provider's settings in one transaction; empty values are removed.
    pub fn replace_provider_settings(&mut self, profile_id: &str, provider: ProviderId, values: &BTreeMap<String, String>) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM provider_settings WHERE profile_id = ?1 AND provider = ?2", params![profile_id, provider.as_str()])?;
        for (field, value) in values.iter().filter(|(_, v)| !v.is_empty()) {
            tx.execute(
                "INSERT INTO provider_settings (profile_id, provider, field, value) VALUES (?1, ?2, ?3, ?4)",
                params![profile_id, provider.as_str(), field, value],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn duplicate_name(e: rusqlite::Error, name: &str) -> CoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            CoreError::invalid("name", format!("A profile named \"{name}\" already exists; choose another name."))
        }
        other => other.into(),
    }
}
