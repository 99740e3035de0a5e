//! Opening the window: its size, icon and title, and the wgpu device it draws with, made so that
//! burn's jobs can share it.

use std::path::PathBuf;

use anyhow::Context as _;

use super::{AppConfig, BenchtopApp};

/// The window's wgpu set-up: egui's defaults, except that the device is asked for everything the
/// adapter offers (burn's kernels need more than egui's default device enables: with it, cubecl
/// fails to compile its kernels), so that burn can share it.
pub fn wgpu_configuration() -> eframe::egui_wgpu::WgpuConfiguration {
    use eframe::egui_wgpu::{WgpuConfiguration, WgpuSetup, WgpuSetupCreateNew};
    let mut create = WgpuSetupCreateNew::without_display_handle();
    create.device_descriptor = std::sync::Arc::new(|adapter| wgpu::DeviceDescriptor {
        label: Some("benchtop window and burn device"),
        required_features: adapter.features().difference(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS),
        required_limits: adapter.limits(),
        ..Default::default()
    });
    WgpuConfiguration { wgpu_setup: WgpuSetup::CreateNew(create), ..Default::default() }
}

/// Opens the window (on `data` instead of the table used last, if given) and runs it until it is
/// closed.
pub fn run(data: Option<PathBuf>) -> anyhow::Result<()> {
    crate::doctor::display_status().map_err(anyhow::Error::msg).context("cannot open the benchtop window")?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("benchtop")
        .with_app_id(crate::APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([720.0, 480.0]);
    match eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(err) => tracing::warn!("the window icon could not be decoded: {err}"),
    }
    let options =
        eframe::NativeOptions { viewport, wgpu_options: wgpu_configuration(), ..Default::default() };
    eframe::run_native(
        crate::APP_ID,
        options,
        Box::new(|cc| {
            let config = AppConfig { initial_data: data, ..Default::default() };
            Ok(Box::new(BenchtopApp::new(cc, config)))
        }),
    )
    .map_err(|err| {
        let text = err.to_string();
        if text.contains("WGPU") || text.contains("wgpu") {
            anyhow::anyhow!(
                "{text} (the window draws with wgpu and needs a Vulkan, Metal, DirectX 12 or OpenGL \
                 driver; on Debian, mesa-vulkan-drivers provides a software one)"
            )
        } else {
            anyhow::anyhow!("{text}")
        }
    })
    .context("cannot open the benchtop window")
}
