//! `GET /healthz`: is this process able to serve? 200 when the database answers, 503 when not.

use axum::{extract::State, http::StatusCode, Json};
use serde::Serialize;

use crate::store::Database;

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    database: DatabaseHealth,
}

#[derive(Debug, Serialize)]
struct DatabaseHealth {
    kind: &'static str,
    reachable: bool,
}

/// Reports health; load balancers and the Playwright suite's web server wait on it.
pub async fn healthz(State(db): State<Database>) -> (StatusCode, Json<Health>) {
    let reachable = db.is_reachable().await;
    let (code, status) = if reachable {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let kind = match db.kind() {
        app::model::DatabaseKind::Sqlite => "sqlite",
        app::model::DatabaseKind::Postgres => "postgres",
    };
    let health = Health {
        status,
        version: env!("CARGO_PKG_VERSION"),
        database: DatabaseHealth { kind, reachable },
    };
    (code, Json(health))
}
