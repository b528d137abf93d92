#[runtime::main(start_paused = 1)]
async fn main() {}
