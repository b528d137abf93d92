#[runtime::main(crate = runtime)]
async fn main() {}

#[runtime::main(crate = "not a path")]
async fn not_main() {}
