//! The hyper example answers a real HTTP request, sent by hyper's own
//! client over `runtime::net` and by a plain blocking socket.

#[path = "../hyper_rt.rs"]
#[allow(dead_code)]
mod hyper_rt;

use http_body_util::{BodyExt, Empty};
use hyper_rt::HyperIo;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn hyper_answers_a_real_request() {
    let rt = runtime::Builder::new().worker_threads(2).build().unwrap();
    let handle = rt.handle().clone();
    let addr = rt
        .block_on(async {
            let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            drop(runtime::spawn(hyper_rt::serve(handle, listener)));
            std::io::Result::Ok(addr)
        })
        .unwrap();

    // A plain socket, keep-alive: two requests on one connection.
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for _ in 0..2 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0; 512];
        while !got.ends_with(b"Hello, world!") {
            let n = s.read(&mut buf).expect("no answer in time");
            assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }

    // hyper's client, on this runtime too; bounded as a whole.
    let client = async {
        let stream = runtime::net::TcpStream::connect(addr).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo(stream))
            .await
            .map_err(std::io::Error::other)?;
        drop(runtime::spawn(conn));
        let req = hyper::Request::get("/")
            .header("host", "test")
            .body(Empty::<bytes::Bytes>::new())
            .unwrap();
        let res = runtime::time::timeout(Duration::from_secs(10), sender.send_request(req))
            .await
            .expect("no answer in time")
            .map_err(std::io::Error::other)?;
        assert_eq!(res.status(), 200);
        let body = res
            .into_body()
            .collect()
            .await
            .map_err(std::io::Error::other)?;
        std::io::Result::Ok(body.to_bytes())
    };
    let body = rt
        .block_on(async { runtime::time::timeout(Duration::from_secs(20), client).await })
        .expect("hyper's client got no answer in time")
        .unwrap();
    assert_eq!(&body[..], b"Hello, world!");
}
