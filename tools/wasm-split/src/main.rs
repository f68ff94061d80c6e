//! `veta-wasm-split INPUT_WASM PKG_DIR OUTPUT_NAME MAIN_OUT`
//!
//! The splitting step of cargo-leptos (`src/wasm_split_tools/mod.rs`), as a command: reads the
//! linked `INPUT_WASM` (built with `-C link-args=--emit-relocs`), writes the main module to
//! `MAIN_OUT` (for wasm-bindgen) and, into `PKG_DIR`, one `.wasm` per lazy function or shared chunk,
//! the loader `__wasm_split.______________________.js` and `__wasm_split_manifest.json`: the names
//! that Leptos' `HydrationScripts` reads to preload the chunks of the page being rendered.

use std::path::Path;
use std::process::ExitCode;

/// The loader's name; `HydrationScripts` asks for exactly this one when files are not hashed.
const LINK_NAME: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, pkg_dir, output_name, main_out] = args.as_slice() else {
        eprintln!("uso: veta-wasm-split INPUT_WASM PKG_DIR OUTPUT_NAME MAIN_OUT");
        return ExitCode::from(2);
    };
    match split(input, Path::new(pkg_dir), output_name, Path::new(main_out)) {
        Ok(chunks) => {
            for chunk in chunks {
                println!("{chunk}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:?}");
            ExitCode::FAILURE
        }
    }
}

fn split(
    input: &str,
    pkg_dir: &Path,
    output_name: &str,
    main_out: &Path,
) -> eyre::Result<Vec<String>> {
    let input_wasm = std::fs::read(input)?;
    // The loader imports `initSync` from the bundle's JS, which sits beside it.
    let main_module = format!("./{output_name}.js");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input_wasm);
        opts.output_dir = pkg_dir;
        opts.main_out_path = main_out;
        opts.main_module = &main_module;
        opts.link_name = LINK_NAME;
        opts
    })?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)?;
    std::fs::write(pkg_dir.join(MANIFEST), manifest)?;
    Ok(split
        .split_modules
        .iter()
        .map(|path| path.display().to_string())
        .collect())
}
