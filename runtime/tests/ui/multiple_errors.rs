// Every problem is reported at once, and the function is still expanded:
// the error in its body is reported too.
#[runtime::main(worker_threads = 0, flavor = "current_thread", worker_threads)]
fn main() {
    let _number: u32 = "not a number";
}
