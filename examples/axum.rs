//! An axum application on this runtime: an axum `Router` (JSON, path
//! parameters, a POST body) served by `runtime::hyper::serve` through
//! hyper-util's `TowerToHyperService`. axum's own `axum::serve` needs a
//! Tokio runtime; everything else in axum runs as it is.
//!
//! * `GET /` says hello;
//! * `GET /users/{id}` answers `{"id":ID,"name":"user ID"}`;
//! * `POST /users` with a JSON body `{"name":"..."}` answers 201 and the
//!   user with an id.
//!
//! Run: `cargo run -p examples --example axum [ADDR]` (default
//! `127.0.0.1:8080`), then
//! `curl http://127.0.0.1:8080/users/7` or
//! `curl -d '{"name":"ada"}' -H 'content-type: application/json' http://127.0.0.1:8080/users`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Serialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

/// Ids for created users.
#[derive(Default)]
struct Ids(AtomicU64);

async fn hello() -> &'static str {
    "Hello from axum\n"
}

async fn get_user(Path(id): Path<u64>) -> Json<User> {
    Json(User {
        id,
        name: format!("user {id}"),
    })
}

async fn create_user(
    State(ids): State<Arc<Ids>>,
    Json(new): Json<NewUser>,
) -> (StatusCode, Json<User>) {
    // Relaxed: a counter, ordered with nothing else.
    let id = 1000 + ids.0.fetch_add(1, Ordering::Relaxed);
    (StatusCode::CREATED, Json(User { id, name: new.name }))
}

fn app() -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/users/{id}", get(get_user))
        .route("/users", post(create_user))
        .with_state(Arc::new(Ids::default()))
}

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|err| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{arg:?} is not an address like 127.0.0.1:8080: {err}"),
            )
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let listener = runtime::net::TcpListener::bind(addr).await?;
    println!("axum listening on http://{}", listener.local_addr()?);
    runtime::hyper::serve(listener, TowerToHyperService::new(app())).await
}
