//! Reports read from the read pool (`DATABASE_READ_URL`, a standby when there is one): the
//! auditor's verification and listings, *Historial de compras*. A standby replays the primary a
//! little behind, so every report says how recent its data is: "Datos a las HH:MM:SS".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A report and the moment its data is as of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsOf<T> {
    /// `HH:MM:SS`, Bogotá: the last transaction the standby had replayed when the report began
    /// (now, on the primary), so the data is at least that recent.
    pub data_as_of: String,
    pub report: T,
}

/// "Datos a las HH:MM:SS."
#[component]
pub fn DataAsOf(data_as_of: String) -> impl IntoView {
    view! { <p class="ayuda" data-testid="datos-a-las">{format!("Datos a las {data_as_of}.")}</p> }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::future::Future;

    use sqlx::PgExecutor;

    use super::AsOf;
    use crate::error::AppError;

    /// Reads how recent `executor`'s data is, then awaits `report` (a future does nothing until
    /// awaited, so the time read first is a lower bound of the report's data).
    pub async fn read_as_of<'e, T>(
        executor: impl PgExecutor<'e>,
        report: impl Future<Output = Result<T, AppError>>,
    ) -> Result<AsOf<T>, AppError> {
        let data_as_of = data_as_of(executor).await?;
        Ok(AsOf {
            data_as_of,
            report: report.await?,
        })
    }

    /// `HH:MM:SS` in Bogotá of the last transaction a standby replayed, or of now on a primary.
    async fn data_as_of<'e>(executor: impl PgExecutor<'e>) -> Result<String, sqlx::Error> {
        let (at,): (time::OffsetDateTime,) = sqlx::query_as(
            "SELECT CASE WHEN pg_is_in_recovery()
                         THEN coalesce(pg_last_xact_replay_timestamp(), now()) ELSE now() END",
        )
        .fetch_one(executor)
        .await?;
        let at = at.to_offset(domain::fecha::BOGOTA);
        Ok(format!(
            "{:02}:{:02}:{:02}",
            at.hour(),
            at.minute(),
            at.second()
        ))
    }
}
