//! `runtime::net` Unix domain sockets.
#![cfg(unix)]

mod support;

use futures::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::{UnixListener, UnixStream};
use std::io;
use support::block_on;

#[test]
fn unix_echo_round_trip() {
    let dir = std::env::temp_dir().join(format!("runtime-net-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let _ = std::fs::remove_file(&path);
    let path2 = path.clone();
    block_on("unix_echo", 2, move || async move {
        let listener = UnixListener::bind(&path2)?;
        runtime::spawn(async move {
            let (mut stream, _) = listener.accept().await?;
            let mut buf = [0; 64];
            loop {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return io::Result::Ok(());
                }
                stream.write_all(&buf[..n]).await?;
            }
        });
        let mut client = UnixStream::connect(&path2).await?;
        for i in 0..20u8 {
            client.write_all(&[i; 10]).await?;
            let mut back = [0; 10];
            client.read_exact(&mut back).await?;
            assert_eq!(back, [i; 10]);
        }
        io::Result::Ok(())
    })
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unix_connect_to_a_missing_path_errors() {
    block_on("unix_missing", 1, || async {
        let path = std::env::temp_dir().join("runtime-net-unix-no-such-socket.sock");
        let err = UnixStream::connect(&path).await.expect_err("connected");
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    });
}
