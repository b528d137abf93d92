//! `runtime::net::UdpSocket` on 127.0.0.1.

mod support;

use runtime::net::UdpSocket;
use std::io;
use std::sync::Arc;
use support::block_on;

#[test]
fn udp_round_trip() {
    block_on("udp_round_trip", 2, || async {
        let server = UdpSocket::bind("127.0.0.1:0").await?;
        let server_addr = server.local_addr()?;
        let echo = runtime::spawn(async move {
            let mut buf = [0; 64];
            for _ in 0..10 {
                let (n, from) = server.recv_from(&mut buf).await?;
                server.send_to(&buf[..n], from).await?;
            }
            io::Result::Ok(())
        });
        let client = UdpSocket::bind("127.0.0.1:0").await?;
        client.connect(server_addr).await?;
        assert_eq!(client.peer_addr()?, server_addr);
        let mut buf = [0; 64];
        for i in 0..10u8 {
            let msg = [i; 8];
            assert_eq!(client.send(&msg).await?, 8);
            let n = client.recv(&mut buf).await?;
            assert_eq!(&buf[..n], &msg);
        }
        echo.await.unwrap()?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn several_receivers_share_a_socket() {
    block_on("udp_receivers", 2, || async {
        let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
        let addr = socket.local_addr()?;
        // Four tasks wait on the same socket at once; each datagram goes to
        // one of them, and none is lost.
        let receivers: Vec<_> = (0..4)
            .map(|_| {
                let socket = socket.clone();
                runtime::spawn(async move {
                    let mut buf = [0; 8];
                    let (n, _) = socket.recv_from(&mut buf).await?;
                    io::Result::Ok(buf[..n].to_vec())
                })
            })
            .collect();
        let sender = UdpSocket::bind("127.0.0.1:0").await?;
        for i in 0..4u8 {
            sender.send_to(&[i], addr).await?;
        }
        let mut got = Vec::new();
        for r in receivers {
            got.extend(r.await.unwrap()?);
        }
        got.sort();
        assert_eq!(got, [0, 1, 2, 3]);
        io::Result::Ok(())
    })
    .unwrap();
}
