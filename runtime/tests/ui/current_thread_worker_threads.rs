// `worker_threads` has no meaning on the current-thread flavor: an error
// pointing at the argument.
#[runtime::main(flavor = "current_thread", worker_threads = 4)]
async fn main() {}
