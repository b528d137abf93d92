//! The axum example, started as a user would, answers real HTTP requests
//! on one keep-alive connection: a path parameter, a JSON POST body, a
//! rejected body, and an unknown route.

mod support;

use support::{request, Example};

#[test]
fn axum_router_serves_json_path_params_and_post_bodies() {
    let example = Example::start("axum", &["127.0.0.1:0"]);
    let mut s = example.connect();

    let (head, body) = request(&mut s, "GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "Hello from axum\n");

    let (head, body) = request(&mut s, "GET /users/42 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    let user: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(user, serde_json::json!({"id": 42, "name": "user 42"}));

    let json = r#"{"name":"ada"}"#;
    let post = format!(
        "POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{json}",
        json.len()
    );
    let (head, body) = request(&mut s, &post);
    assert!(head.starts_with("HTTP/1.1 201 Created\r\n"), "{head}");
    let user: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(user["name"], "ada");
    assert!(user["id"].as_u64().unwrap() >= 1000);

    // Not JSON: axum's extractor rejects it.
    let bad = "POST /users HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
               Content-Length: 3\r\n\r\nnah";
    let (head, _) = request(&mut s, bad);
    assert!(head.starts_with("HTTP/1.1 400 "), "{head}");

    let (head, _) = request(&mut s, "GET /nope HTTP/1.1\r\nHost: test\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 404 "), "{head}");
}
