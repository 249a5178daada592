//! The D-Bus session bus, where there is none.
//!
//! GTK and WebKit look for the user's session bus at start: `DBUS_SESSION_BUS_ADDRESS`, else
//! `$XDG_RUNTIME_DIR/bus` (a desktop session has one or the other). Where neither exists — a
//! wall's player box running the kiosk on a bare X server, a test machine — GLib launches a
//! private bus daemon for the display (`dbus-launch --autolaunch`), which nothing else uses.
//! Measured under Xvfb: that took 25–50 ms at every start, and 3.0 s at one start in two
//! (the window's first frame then came at 4.5 s instead of 1.5 s; docs/benchmarks.md). The
//! window needs nothing from such a bus: the password of the central database lives in the
//! Secret Service, which a private bus does not have either (the sync then connects without
//! a password, as on any headless machine). So where there is no session bus, the app says
//! so instead of starting one. A session bus the user has is left as it is.

use std::ffi::OsStr;
use std::path::Path;

/// The address that tells GLib and libdbus there is no session bus to reach (an unknown
/// transport: their clients fail at once and go on without it).
pub const NO_BUS: &str = "disabled:";

/// Whether the user has a session bus: an address in `DBUS_SESSION_BUS_ADDRESS`, or the
/// socket `bus` in `XDG_RUNTIME_DIR`.
pub fn has_session_bus(address: Option<&OsStr>, runtime_dir: Option<&OsStr>) -> bool {
    address.is_some_and(|a| !a.is_empty()) || runtime_dir.is_some_and(|dir| !dir.is_empty() && Path::new(dir).join("bus").exists())
}

/// Sets `DBUS_SESSION_BUS_ADDRESS` to [`NO_BUS`] where the user has no session bus.
///
/// # Safety
/// Changes the process's environment: call it before any other thread starts.
pub unsafe fn configure() {
    if !has_session_bus(std::env::var_os("DBUS_SESSION_BUS_ADDRESS").as_deref(), std::env::var_os("XDG_RUNTIME_DIR").as_deref()) {
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", NO_BUS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_bus_is_an_address_or_the_runtime_dirs_socket() {
        let with_socket = tempfile::tempdir().unwrap();
        std::fs::write(with_socket.path().join("bus"), b"").unwrap();
        let without = tempfile::tempdir().unwrap();
        let (with_socket, without) = (with_socket.path().as_os_str(), without.path().as_os_str());
        // (DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, a session bus)
        let cases: &[(Option<&str>, Option<&OsStr>, bool)] = &[
            (Some("unix:path=/run/user/1000/bus"), None, true),
            (Some("unix:path=/run/user/1000/bus"), Some(without), true),
            (None, Some(with_socket), true),
            (Some(""), Some(with_socket), true),
            (None, Some(without), false),
            (Some(""), Some(without), false),
            (None, Some(OsStr::new("")), false),
            (None, Some(OsStr::new("/nonexistent/run")), false),
            (None, None, false),
        ];
        for (address, runtime_dir, expected) in cases {
            assert_eq!(has_session_bus(address.map(OsStr::new), *runtime_dir), *expected, "{address:?} {runtime_dir:?}");
        }
    }
}
