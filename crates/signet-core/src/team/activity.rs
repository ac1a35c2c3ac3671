//! Activity across the team: every operation the desks of the branches this desk's
//! role may see (its own, or all for a supervisor; PostgreSQL's row-level security
//! decides), newest first, filtered by desk, operator, branch, status and text.

use serde::{Deserialize, Serialize};
use tokio_postgres::types::ToSql;
use ts_rs::TS;

use super::{db_error, Team};
use crate::error::Result;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct TeamQuery {
    pub branch: Option<String>,
    pub desk: Option<String>,
    pub operator: Option<String>,
    pub status: Option<String>,
    pub text: Option<String>,
    #[ts(type = "number")]
    pub offset: u32,
    #[ts(type = "number")]
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamOperation {
    pub desk_name: String,
    pub operator: String,
    pub branch: String,
    pub key: String,
    pub area: String,
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamPage {
    pub items: Vec<TeamOperation>,
    /// Another page follows (counting every match of a million rows is not worth its time).
    pub more: bool,
}

impl Team {
    pub async fn operations(&self, q: &TeamQuery) -> Result<TeamPage> {
        let (client, _) = self.connected().await?;
        let limit = q.limit.clamp(1, 200) as i64;
        let offset = q.offset as i64;
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let text = given(&q.text);
        let columns = "desk_name, operator, branch, key, area, kind, subject, status,
                    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
                    to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
        let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let sql = match text.filter(|t| uuid::Uuid::parse_str(t).is_err()) {
            // Text anywhere: through signet.search_operations, which applies the
            // branch rule itself so that the trigram index can be used (see the schema).
            Some(text) => {
                let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
                params.push(Box::new(pattern));
                for v in [&q.branch, &q.desk, &q.operator, &q.status] {
                    params.push(Box::new(given(v)));
                }
                params.push(Box::new((limit + 1) as i32));
                params.push(Box::new(offset as i32));
                format!("SELECT {columns} FROM signet.search_operations($1, $2, $3, $4, $5, $6, $7)")
            }
            // Filters only, or a whole identifier (invoice, customer, debt, operation
            // key): row-level security applies, and only the filters in use reach the
            // query, so the planner can use the index that fits them.
            None => {
                let mut clauses = Vec::new();
                for (column, value) in [("branch", &q.branch), ("desk_name", &q.desk), ("operator", &q.operator), ("status", &q.status)] {
                    if let Some(v) = given(value) {
                        params.push(Box::new(v));
                        clauses.push(format!("{column} = ${}", params.len()));
                    }
                }
                if let Some(id) = given(&q.text) {
                    params.push(Box::new(id));
                    clauses.push(format!("(subject = ${0} OR key = ${0})", params.len()));
                }
                let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
                format!("SELECT {columns} FROM signet.operations {filter} ORDER BY created_at DESC, key LIMIT {} OFFSET {offset}", limit + 1)
            }
        };
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
        let rows = client.query(&sql, &refs).await.map_err(|e| db_error("the team's activity could not be read", e))?;
        let more = rows.len() as i64 > limit;
        let items = rows
            .iter()
            .take(limit as usize)
            .map(|r| TeamOperation {
                desk_name: r.get(0),
                operator: r.get(1),
                branch: r.get(2),
                key: r.get(3),
                area: r.get(4),
                kind: r.get(5),
                subject: r.get(6),
                status: r.get(7),
                created_at: r.get(8),
                updated_at: r.get(9),
            })
            .collect();
        Ok(TeamPage { items, more })
    }

    /// The desks, operators and branches this desk may see, for the filters.
    pub async fn directory(&self) -> Result<TeamDirectory> {
        let (client, _) = self.connected().await?;
        let rows = client
            .query("SELECT name, operator, branch FROM signet.desks ORDER BY branch, name", &[])
            .await
            .map_err(|e| db_error("the team's desks could not be read", e))?;
        let mut d = TeamDirectory::default();
        for r in rows {
            let (desk, operator, branch): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            for (list, v) in [(&mut d.desks, desk), (&mut d.operators, operator), (&mut d.branches, branch)] {
                if !list.contains(&v) {
                    list.push(v);
                }
            }
        }
        Ok(d)
    }
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TeamDirectory {
    pub desks: Vec<String>,
    pub operators: Vec<String>,
    pub branches: Vec<String>,
}
