fn main() {
    // The window's permissions live beside the app's sources (src-tauri/capabilities).
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"))
        .expect("tauri-build");
}
