#[runtime::main(worker_threads = 2, threads = 4)]
async fn main() {}
