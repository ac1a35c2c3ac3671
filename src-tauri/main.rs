// Keeps a console window from opening beside the desk on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    signet_desk::run();
}
