//! A Tauri window with an empty page and nothing else: what the desk's memory is
//! measured against. The page marks itself ready the way the desk's UI does, so the
//! end-to-end driver can open it with the same code.
fn main() {
    tauri::Builder::default().run(tauri::generate_context!()).expect("the bare window could not start");
}
