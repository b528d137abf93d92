//! The WebSocket example, started as a user would: its echo server answers
//! an async-tungstenite client running on the runtime in this test (text,
//! binary, a clean close), and the example's own client mode prints the
//! echoes it gets from it.

mod support;

use async_tungstenite::tungstenite::Message;
use futures::StreamExt;
use std::process::Command;
use support::{example_path, Example, WAIT};

#[test]
fn websocket_server_echoes_text_and_binary() {
    let example = Example::start("websocket", &["127.0.0.1:0"]);
    let url = format!("ws://{}/", example.addr);
    let rt = runtime::Runtime::new().unwrap();
    let session = async {
        let tcp = runtime::net::TcpStream::connect(example.addr)
            .await
            .unwrap();
        let (mut ws, response) = async_tungstenite::client_async(url.as_str(), tcp)
            .await
            .unwrap();
        assert_eq!(response.status(), 101);
        for i in 0..10 {
            let text = format!("message {i}");
            ws.send(Message::text(text.as_str())).await.unwrap();
            let reply = ws.next().await.unwrap().unwrap();
            assert_eq!(reply.to_text().unwrap(), text);
        }
        ws.send(Message::binary(vec![0u8, 1, 2, 255]))
            .await
            .unwrap();
        let reply = ws.next().await.unwrap().unwrap();
        assert_eq!(reply.into_data().as_ref(), &[0u8, 1, 2, 255]);
        ws.close(None).await.unwrap();
        // The server completes the close handshake, then the stream ends.
        while let Some(message) = ws.next().await {
            assert!(message.unwrap().is_close());
        }
    };
    rt.block_on(async { runtime::time::timeout(WAIT, session).await })
        .expect("the WebSocket session did not finish in time");
}

#[test]
fn websocket_client_mode_prints_the_echoes() {
    let example = Example::start("websocket", &["127.0.0.1:0"]);
    let url = format!("ws://{}", example.addr);
    let mut client = Command::new(example_path("websocket"))
        .args(["--client", &url, "hello", "there"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: kill the client if it has not finished in time.
    let deadline = std::time::Instant::now() + WAIT;
    while client.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = client.kill();
            panic!("the client did not finish within {WAIT:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let output = client.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "echo: hello\necho: there\n"
    );
}
