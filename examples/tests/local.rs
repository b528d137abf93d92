//! The local-tasks example, run as a user would: it serves its three
//! clients on one thread, counts in its shared `Rc<RefCell<..>>` state, and
//! exits 0.

mod support;

use std::process::Command;

#[test]
fn local_example_serves_its_clients_and_exits_0() {
    let out = Command::new(support::example_path("local"))
        .output()
        .expect("failed to run the example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    for n in 1..=3 {
        assert!(
            stdout.contains(&format!("client got: HELLO {n}")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("served 3 connections, 3 lines;"),
        "{stdout}"
    );
}
