// Only the two flavors exist.
#[runtime::test(flavor = "single_thread")]
async fn t() {}

fn main() {}
