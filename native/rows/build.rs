//! macOS links a cdylib with every symbol resolved, but the Node-API functions (src/node_api.rs)
//! are the node binary's, found when it loads the module: let the linker leave them to load time.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        println!("cargo:rustc-cdylib-link-arg=-undefined");
        println!("cargo:rustc-cdylib-link-arg=dynamic_lookup");
    }
}
