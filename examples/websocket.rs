//! WebSockets on this runtime with async-tungstenite, straight over
//! `runtime::net::TcpStream` (its `futures-io` traits are all
//! async-tungstenite needs): an echo server, and a client.
//!
//! The server fails closed: the handshake gets 10 s, a connection silent
//! for 60 s is closed, and accept errors (out of file descriptors) pause
//! accepting instead of ending the server.
//!
//! Run the server: `cargo run -p examples --example websocket [ADDR]`
//! (default `127.0.0.1:9001`); then the client, in another terminal:
//! `cargo run -p examples --example websocket -- --client ws://127.0.0.1:9001 hello there`
//! (sends each word and prints each echo).

use async_tungstenite::tungstenite::{Error as WsError, Message};
use futures::StreamExt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Echoes text and binary messages until the client closes, goes silent
/// for `IDLE_TIMEOUT`, or breaks the protocol.
async fn echo(tcp: runtime::net::TcpStream) -> Result<(), WsError> {
    let handshake = async_tungstenite::accept_async(tcp);
    let mut ws = runtime::time::timeout(HANDSHAKE_TIMEOUT, handshake)
        .await
        .map_err(|_| WsError::Io(io::ErrorKind::TimedOut.into()))??;
    loop {
        let message = match runtime::time::timeout(IDLE_TIMEOUT, ws.next()).await {
            Ok(Some(message)) => message?,
            Ok(None) => return Ok(()),
            Err(_idle) => return ws.close(None).await,
        };
        // Pings are answered and closes completed by tungstenite itself.
        if message.is_text() || message.is_binary() {
            ws.send(message).await?;
        }
    }
}

async fn server(addr: SocketAddr) -> io::Result<()> {
    let listener = runtime::net::TcpListener::bind(addr).await?;
    println!(
        "websocket echo listening on ws://{}",
        listener.local_addr()?
    );
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => drop(runtime::spawn(async move {
                // One connection's error ends only that connection.
                let _ = echo(tcp).await;
            })),
            Err(err) => {
                eprintln!("accept failed ({err}); retrying in 100 ms");
                runtime::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Sends each word to the server at `url` and prints each echo.
async fn client(url: &str, words: &[String]) -> Result<(), WsError> {
    let host = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| WsError::Io(io::Error::new(io::ErrorKind::InvalidInput, "not ws://")))?;
    let tcp = runtime::net::TcpStream::connect(host).await?;
    let (mut ws, _response) = async_tungstenite::client_async(url, tcp).await?;
    for word in words {
        ws.send(Message::text(word.as_str())).await?;
        match ws.next().await {
            Some(reply) => println!("echo: {}", reply?.to_text()?),
            None => return Err(WsError::ConnectionClosed),
        }
    }
    ws.close(None).await?;
    // Until the server's close frame.
    while ws.next().await.is_some() {}
    Ok(())
}

#[runtime::main]
async fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--client") {
        let url = args.get(1).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "usage: --client ws://ADDR WORDS...",
            )
        })?;
        return client(url, &args[2..]).await.map_err(io::Error::other);
    }
    let addr: SocketAddr = match args.first() {
        Some(arg) => arg.parse().map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{arg:?} is not an address like 127.0.0.1:9001: {err}"),
            )
        })?,
        None => SocketAddr::from(([127, 0, 0, 1], 9001)),
    };
    server(addr).await
}
