//! HTTPS on this runtime: rustls (through futures-rustls, ring provider)
//! over `runtime::net::TcpStream`, hyper on top through
//! `runtime::hyper::{Io, Timer}`. A self-signed certificate for
//! `localhost` / `127.0.0.1` is generated at start (rcgen) and written, as
//! PEM, where clients can find it.
//!
//! The server fails closed: a TLS handshake gets 10 s, a request head 30 s
//! (hyper's header-read timeout, measured by the runtime's timer), and an
//! accept error (out of file descriptors) pauses accepting instead of
//! ending the server.
//!
//! Run: `cargo run -p examples --example tls [ADDR [CERT_PATH]]` (default
//! `127.0.0.1:8443`, and `runtime-tls-example.pem` in the temporary
//! directory), then `curl --cacert CERT_PATH https://localhost:8443/`.

use futures_rustls::rustls::{self, pki_types::PrivateKeyDer};
use futures_rustls::TlsAcceptor;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from("Hello over TLS\n"))))
}

/// A rustls server configuration with a fresh self-signed certificate,
/// which is written (PEM) to `cert_path`.
fn tls_config(cert_path: &std::path::Path) -> io::Result<rustls::ServerConfig> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    std::fs::write(cert_path, certified.cert.pem())?;
    let key = PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// One connection: the TLS handshake (bounded), then HTTP/1.1.
async fn connection(acceptor: TlsAcceptor, tcp: runtime::net::TcpStream) {
    let tls = match runtime::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        // A failed or too slow handshake only ends this connection.
        _ => return,
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(runtime::hyper::Timer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let io = runtime::hyper::Io::new(tls);
    let _ = http
        .serve_connection(io, hyper::service::service_fn(hello))
        .await;
}

#[runtime::main]
async fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = match args.next() {
        Some(arg) => arg.parse().map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{arg:?} is not an address like 127.0.0.1:8443: {err}"),
            )
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 8443)),
    };
    let cert_path = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("runtime-tls-example.pem"));
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(&cert_path)?));
    let listener = runtime::net::TcpListener::bind(addr).await?;
    println!("certificate written to {}", cert_path.display());
    println!("tls listening on https://{}", listener.local_addr()?);
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => drop(runtime::spawn(connection(acceptor.clone(), tcp))),
            Err(err) => {
                // Out of descriptors, or the like: pause, do not spin.
                eprintln!("accept failed ({err}); retrying in 100 ms");
                runtime::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
