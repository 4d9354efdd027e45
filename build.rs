// `sqlx::migrate!` embeds the migrations when the crate compiles, and cargo does not know
// they are inputs: without this, a new migration file is not picked up until some Rust
// source changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
