//! WebKitGTK settings chosen for the desk. They are environment variables that
//! WebKit reads when its processes start, so they are set before the first window
//! exists (the web process inherits them). A value already set by the operator or
//! a packager is kept: `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` gives GPU painting back.

/// Skia paints the page's tiles on the CPU; compositing stays accelerated, so
/// `requestAnimationFrame` and repaints keep their timing (turning compositing off
/// saved more memory but stopped both on an idle window under Xvfb). The desk's
/// pages are forms and lists, where GPU painting buys nothing: measured after start,
/// 285 MiB PSS against 331 MiB with GPU painting (docs/BENCHMARKS.md).
const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Sets the desk's WebKit settings unless already set. Call first thing in `run`,
/// before any thread that could read the environment is started.
pub fn apply() {
    if cfg!(target_os = "linux") && std::env::var_os(CPU_PAINTING).is_none() {
        std::env::set_var(CPU_PAINTING, "1");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn cpu_painting_is_chosen_unless_someone_chose_already() {
        std::env::remove_var(CPU_PAINTING);
        apply();
        assert_eq!(std::env::var(CPU_PAINTING).as_deref(), Ok("1"));
        std::env::set_var(CPU_PAINTING, "0");
        apply();
        assert_eq!(std::env::var(CPU_PAINTING).as_deref(), Ok("0"), "an operator's choice is kept");
        std::env::remove_var(CPU_PAINTING);
    }
}
