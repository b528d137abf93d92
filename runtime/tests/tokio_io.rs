//! Feature `tokio-io`: the runtime's streams and their halves work with
//! Tokio's I/O traits and extension methods (no Tokio runtime anywhere).
#![cfg(feature = "tokio-io")]

mod support;

use runtime::net::{TcpListener, TcpStream};
use support::block_on;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn tcp_stream_reads_and_writes_through_tokio_traits() {
    block_on("tcp", 2, || async {
        let (mut client, mut server) = pair().await;
        client.write_all(b"hello tokio").await.unwrap();
        // Shutdown sends FIN: the server reads to the end.
        // (The inherent `shutdown(how)` shadows the extension method.)
        AsyncWriteExt::shutdown(&mut client).await.unwrap();
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"hello tokio");
        server.write_all(b"back").await.unwrap();
        let mut buf = [0; 4];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"back");
    });
}

#[test]
fn owned_and_borrowed_halves_through_tokio_traits() {
    block_on("halves", 2, || async {
        let (client, mut server) = pair().await;
        let (rd, mut wr) = client.into_split();
        let reader = runtime::spawn(async move {
            let mut lines = BufReader::new(rd).lines();
            let mut got = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                got.push(line);
            }
            got
        });
        // The server echoes through its borrowed halves.
        let echo = async {
            let (mut srd, mut swr) = server.split();
            tokio::io::copy(&mut srd, &mut swr).await.unwrap();
            swr.shutdown().await.unwrap();
        };
        let send = async {
            for i in 0..100 {
                wr.write_all(format!("line {i}\n").as_bytes())
                    .await
                    .unwrap();
            }
            wr.shutdown().await.unwrap();
        };
        futures::join!(echo, send);
        let lines = reader.await.unwrap();
        assert_eq!(lines.len(), 100);
        assert_eq!(lines[99], "line 99");
    });
}

#[cfg(unix)]
#[test]
fn unix_stream_through_tokio_traits() {
    block_on("unix", 1, || async {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut a = runtime::net::UnixStream::from_std(a).unwrap();
        let mut b = runtime::net::UnixStream::from_std(b).unwrap();
        a.write_all(b"over unix").await.unwrap();
        AsyncWriteExt::shutdown(&mut a).await.unwrap();
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "over unix");
    });
}

#[test]
fn tokio_util_codecs_frame_the_runtime_s_sockets() {
    use futures::{SinkExt, StreamExt};
    use tokio_util::codec::{Framed, LinesCodec};

    block_on("codec", 2, || async {
        let (client, server) = pair().await;
        let echo = runtime::spawn(async move {
            let mut lines = Framed::new(server, LinesCodec::new());
            while let Some(line) = lines.next().await {
                lines.send(line.unwrap().to_uppercase()).await.unwrap();
            }
        });
        let mut lines = Framed::new(client, LinesCodec::new());
        for word in ["alpha", "beta", "gamma"] {
            lines.send(word).await.unwrap();
            assert_eq!(lines.next().await.unwrap().unwrap(), word.to_uppercase());
        }
        drop(lines);
        echo.await.unwrap();
    });
}

#[test]
fn tokio_sync_and_select_work_in_runtime_tasks() {
    block_on("tokio_sync", 2, || async {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(4);
        let notify = std::sync::Arc::new(tokio::sync::Notify::new());
        let producer = {
            let notify = notify.clone();
            runtime::spawn(async move {
                for i in 0..10 {
                    tx.send(i).await.unwrap();
                }
                notify.notify_one();
            })
        };
        let mut sum = 0;
        let mut notified = false;
        loop {
            tokio::select! {
                Some(i) = rx.recv() => sum += i,
                () = notify.notified(), if !notified => notified = true,
                else => break,
            }
        }
        producer.await.unwrap();
        assert_eq!(sum, 45);
        assert!(notified);
    });
}
