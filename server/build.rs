//! `sqlx::migrate!` embeds the migrations when `server` compiles: a new migration file must make
//! it compile again (sqlx's documented build script), or the tests and the server run without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
