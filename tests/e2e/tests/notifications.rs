//! Desktop notifications, as the session's notification service would receive them:
//! `dbus-monitor` on the suite's private session bus records every
//! org.freedesktop.Notifications.Notify call the desk makes.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use signet_e2e::*;

/// Records the Notify calls made on the session bus, until dropped.
struct NotifyMonitor {
    child: Child,
    log: std::path::PathBuf,
}

impl NotifyMonitor {
    fn start() -> NotifyMonitor {
        let log = std::env::temp_dir().join(format!("signet-notify-{}.log", std::process::id()));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("dbus-monitor")
            .args(["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"])
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (Debian's dbus-bin) must be installed: scripts/setup.sh installs it");
        // Its match rule is in place once it has printed its own connection.
        std::thread::sleep(Duration::from_millis(500));
        NotifyMonitor { child, log }
    }

    /// Everything recorded so far.
    fn seen(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits up to `within` for a Notify call whose text contains `what`.
    fn wait_for(&self, what: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.seen().contains(what) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }
}

impl Drop for NotifyMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Another application's window, holding the keyboard focus until dropped.
struct OtherWindow(Child);

impl OtherWindow {
    fn focused() -> OtherWindow {
        let child = Command::new("xmessage")
            .args(["-geometry", "+0+0", "another application"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xmessage (Debian's x11-utils) must be installed: scripts/setup.sh installs it");
        let focused = Command::new("timeout")
            .args(["10", "xdotool", "search", "--sync", "--onlyvisible", "--class", "xmessage", "windowfocus", "--sync"])
            .status()
            .expect("xdotool must be installed: scripts/setup.sh installs it");
        assert!(focused.success(), "the other window did not take the focus");
        OtherWindow(child)
    }
}

impl Drop for OtherWindow {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_come_while_the_operator_looks_elsewhere_and_the_setting_turns_them_off() {
    let env = Env::from_vars();
    let monitor = NotifyMonitor::start();
    let csv = std::env::temp_dir().join(format!("signet-notify-{}.csv", std::process::id()));
    let mut rows = String::from("department,invoice,options\n");
    for i in 0..3 {
        rows.push_str(&format!("3b0f6a52-1c4e-4d8a-9b7e-5f2a6c8d1e01,7c1d0000-0000-4000-8000-0000000001{i:02},email\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let driver = Driver::start(&[("SIGNET_TEST_PICK_FILE", csv.to_str().unwrap())]);
    let c = driver.open_desk(&env).await;
    let sandbox = use_sandbox(&c).await;
    click(&c, "[data-testid='nav-settings']").await;
    wait_for(&c, "[data-testid='notifications']:not([disabled])").await;
    if !find(&c, "[data-testid='notifications']").await.is_selected().await.unwrap() {
        click(&c, "[data-testid='notifications']").await;
    }
    // The desk learns how many operations already need attention on its first tick.
    tokio::time::sleep(Duration::from_secs(6)).await;
    // A payment request whose answer is lost: its outcome is unknown.
    let send_lost = |invoice: &'static str| {
        let c = c.clone();
        async move {
            click(&c, "[data-testid='nav-payments']").await;
            click(&c, "[data-testid='mode-one']").await;
            wait_for(&c, "[data-testid='department'] option").await;
            type_into(&c, "[data-testid='invoice']", invoice).await;
            click(&c, "[data-testid='send']:not([disabled])").await;
            wait_for(&c, "[data-testid='send-error']").await;
        }
    };
    set_sandbox_faults(&sandbox, r#"{"drop_after_rate": 1.0}"#);
    // The operator is looking at the desk: the status bar tells them, nothing pops up.
    send_lost("7c1d0000-0000-4000-8000-0000000000a0").await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert!(!monitor.seen().contains("member=Notify"), "notified while the desk had the focus:\n{}", monitor.seen());

    // Notifications are for when the operator looks elsewhere: another application
    // takes the keyboard focus (WebDriver still drives the desk's page).
    let _elsewhere = OtherWindow::focused();
    send_lost("7c1d0000-0000-4000-8000-0000000000a1").await;
    assert!(monitor.wait_for("needs attention", Duration::from_secs(15)), "no notification reached the session bus; it saw:\n{}", monitor.seen());
    let body = monitor.seen();
    assert!(body.contains("string \"signet-desk\"") && body.contains("in Activity before sending"), "the notification does not say who and what:\n{body}");
    set_sandbox_faults(&sandbox, "{}");

    // A bulk run ends while the operator is elsewhere.
    click(&c, "[data-testid='nav-payments']").await;
    click(&c, "[data-testid='mode-bulk']").await;
    click(&c, "[data-testid='bulk-choose']").await;
    click(&c, "[data-testid='bulk-send']").await;
    wait_for(&c, "[data-testid='bulk-progress'][data-finished='true']").await;
    assert!(monitor.wait_for("Bulk run finished", Duration::from_secs(10)), "no notification of the run's end:\n{}", monitor.seen());
    assert!(monitor.seen().contains("3 sent, 0 failed, 0 to check"), "{}", monitor.seen());
    set_sandbox_faults(&sandbox, r#"{"drop_after_rate": 1.0}"#);

    // Turned off in Settings: the next one is not sent.
    click(&c, "[data-testid='nav-settings']").await;
    click(&c, "[data-testid='notifications']:not([disabled])").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = monitor.seen().matches("member=Notify").count();
    send_lost("7c1d0000-0000-4000-8000-0000000000a2").await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(monitor.seen().matches("member=Notify").count(), before, "a notification was sent with notifications turned off");
    set_sandbox_faults(&sandbox, "{}");

    // The setting is kept: back on for the tests after this one.
    click(&c, "[data-testid='nav-settings']").await;
    assert!(!find(&c, "[data-testid='notifications']:not([disabled])").await.is_selected().await.unwrap());
    click(&c, "[data-testid='notifications']").await;
    c.close().await.unwrap();
}
