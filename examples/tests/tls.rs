//! The TLS example, started as a user would: a rustls client that trusts
//! the certificate the example generated gets the HTTPS response; one that
//! trusts nothing fails the handshake.

mod support;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{Read, Write};
use std::sync::Arc;
use support::Example;

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

fn start() -> (Example, std::path::PathBuf) {
    let cert = std::env::temp_dir().join(format!(
        "runtime-tls-test-{}-{:?}.pem",
        std::process::id(),
        std::thread::current().id()
    ));
    let example = Example::start("tls", &["127.0.0.1:0", cert.to_str().unwrap()]);
    (example, cert)
}

#[test]
fn tls_answers_a_rustls_client_that_trusts_its_certificate() {
    let (example, cert_path) = start();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&cert_path).unwrap())
        .unwrap();
    std::fs::remove_file(&cert_path).unwrap();
    let mut config = Arc::unwrap_or_clone(client_config(roots));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, example.connect());
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let mut buf = [0; 1024];
    while !response.ends_with(b"Hello over TLS\n") {
        let n = tls.read(&mut buf).expect("no answer in time");
        assert!(
            n > 0,
            "closed early: {:?}",
            String::from_utf8_lossy(&response)
        );
        response.extend_from_slice(&buf[..n]);
    }
    let response = String::from_utf8(response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
}

#[test]
fn tls_handshake_fails_for_a_client_that_does_not_trust_it() {
    let (example, cert_path) = start();
    let _ = std::fs::remove_file(&cert_path);
    let name = ServerName::try_from("localhost").unwrap();
    let conn =
        rustls::ClientConnection::new(client_config(rustls::RootCertStore::empty()), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, example.connect());
    let err = tls
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .and_then(|()| tls.flush())
        .and_then(|()| tls.read(&mut [0; 16]).map(drop))
        .expect_err("the handshake succeeded with an untrusted certificate");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
}
