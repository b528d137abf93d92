//! The hello service of `hyper.rs`. hyper's runtime adapters (executor,
//! timer, I/O) and the server loop used to live here; they ship in the
//! crate now, as `runtime::hyper::{Executor, Timer, Io, serve}` (cargo
//! feature `hyper`), so all that is left is the application.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;

/// `Hello, world!` for every request.
pub async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}
