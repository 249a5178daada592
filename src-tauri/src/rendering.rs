//! How WebKit draws the window on a machine without a GPU.
//!
//! WebKitGTK paints the page with Skia on OpenGL by default. Where OpenGL has no GPU under it
//! (no DRM render node: a virtual machine, a thin client, a wall's player box without
//! drivers) that OpenGL is Mesa's software rasteriser, and Skia drawing through it is slower
//! and larger than Skia drawing on the CPU directly: the whole app took 726–760 MiB with CPU
//! painting against 786–819 MiB, at the same CPU time (docs/benchmarks.md). The map's WebGL keeps OpenGL
//! either way.
//!
//! Nor does WebKit hand its frames to the window as DMA-BUF buffers there: with its DMA-BUF
//! renderer, every frame in which anything changed was composited on the software rasteriser
//! in the web process's compositing thread, 42–43 ms a frame in the end-to-end driver's window
//! against 9 ms when the web process paints the page itself, and the web processes took
//! 352–356 MiB against 288–290 MiB (three pairs, docs/benchmarks.md). Without it the map's first
//! frame is no later since the map's frames before its load are spaced out
//! (`ui/src/map/loading-frames.ts`): 1.49–1.74 s against 1.77–1.84 s. A variable the user has
//! set is left as it is.

use std::ffi::OsStr;
use std::path::Path;

/// WebKit's variables for a machine without a GPU.
pub const SOFTWARE: &[(&str, &str)] = &[("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1"), ("WEBKIT_DISABLE_DMABUF_RENDERER", "1")];

/// Whether OpenGL can draw on a GPU: a DRM render node (`renderD128`, …) in `dri`, and Mesa
/// not told to rasterise in software (`LIBGL_ALWAYS_SOFTWARE`).
pub fn has_gpu(dri: &Path, always_software: Option<&OsStr>) -> bool {
    let forced = always_software.is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let node = std::fs::read_dir(dri).map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD"))).unwrap_or(false);
    node && !forced
}

/// The variables to set before WebKit starts: [`SOFTWARE`] without a GPU, minus those already
/// set (`is_set`).
pub fn settings(gpu: bool, is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    if gpu {
        return Vec::new();
    }
    SOFTWARE.iter().copied().filter(|(name, _)| !is_set(name)).collect()
}

/// Sets WebKit's variables for this machine.
///
/// # Safety
/// Changes the process's environment: call it before any other thread starts.
pub unsafe fn configure() {
    let gpu = has_gpu(Path::new("/dev/dri"), std::env::var_os("LIBGL_ALWAYS_SOFTWARE").as_deref());
    for (name, value) in settings(gpu, |name| std::env::var_os(name).is_some()) {
        std::env::set_var(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dri(nodes: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for node in nodes {
            std::fs::write(dir.path().join(node), b"").unwrap();
        }
        dir
    }

    #[test]
    fn a_gpu_is_a_render_node_that_mesa_may_use() {
        // (files in /dev/dri, LIBGL_ALWAYS_SOFTWARE, GPU)
        let cases: &[(&[&str], Option<&str>, bool)] = &[
            (&["card0", "renderD128"], None, true),
            (&["renderD129"], Some("0"), true),
            (&["renderD128"], Some("false"), true),
            (&["renderD128"], Some(""), true),
            (&["renderD128"], Some("1"), false),
            (&["renderD128"], Some("true"), false),
            (&["card0"], None, false),
            (&[], None, false),
        ];
        for (nodes, software, expected) in cases {
            let dir = dri(nodes);
            assert_eq!(has_gpu(dir.path(), software.map(OsStr::new)), *expected, "{nodes:?} {software:?}");
        }
        assert!(!has_gpu(Path::new("/nonexistent/dri"), None), "no /dev/dri at all");
    }

    #[test]
    fn without_a_gpu_webkit_paints_on_the_cpu_unless_the_user_said_otherwise() {
        let cpu = ("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1");
        let no_dmabuf = ("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        assert_eq!(settings(true, |_| false), vec![]);
        assert_eq!(settings(false, |_| false), vec![cpu, no_dmabuf]);
        assert_eq!(settings(false, |name| name == "WEBKIT_SKIA_ENABLE_CPU_RENDERING"), vec![no_dmabuf]);
        assert_eq!(settings(false, |name| name == "WEBKIT_DISABLE_DMABUF_RENDERER"), vec![cpu]);
        assert_eq!(settings(false, |_| true), vec![]);
    }
}
