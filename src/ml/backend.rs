//! Which compute device burn runs on: a hardware wgpu adapter when there is one, burn's CPU
//! backend (flex) otherwise. A software adapter (Mesa's lavapipe, "llvmpipe") is listed and can be
//! chosen explicitly, but is never the default: its first kernels compile for tens of seconds.

use std::fmt;
use std::sync::OnceLock;

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuSetup;

/// One wgpu adapter as the probe saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    pub name: String,
    /// Vulkan, Metal, Dx12...
    pub backend: String,
    /// DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu, Other.
    pub device_type: String,
    pub driver: String,
    /// A CPU implementation of the GPU API (lavapipe, WARP, SwiftShader).
    pub software: bool,
}

impl fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {}", self.name, self.backend, self.device_type)?;
        if self.software {
            write!(f, ", software")?;
        }
        if !self.driver.is_empty() {
            write!(f, ", driver {}", self.driver)?;
        }
        write!(f, ")")
    }
}

/// The device burn will use unless the user picks another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComputeChoice {
    Wgpu(AdapterSummary),
    /// burn's CPU backend, and why no wgpu adapter was chosen.
    Cpu {
        why: String,
    },
}

/// What the start-up probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComputeProbe {
    pub adapters: Vec<AdapterSummary>,
    /// Set when asking wgpu for adapters failed outright.
    pub error: Option<String>,
    pub choice: ComputeChoice,
}

impl ComputeProbe {
    /// Builds the probe's verdict from the adapters found (the policy, apart from the hardware).
    pub fn from_adapters(adapters: Vec<AdapterSummary>, error: Option<String>) -> Self {
        let choice = choose(&adapters, error.as_deref());
        Self { adapters, error, choice }
    }

    /// A software adapter the user may opt into, if any.
    pub fn software_adapter(&self) -> Option<&AdapterSummary> {
        self.adapters.iter().find(|a| a.software)
    }

    /// One line for the status bar.
    pub fn status_text(&self) -> String {
        match &self.choice {
            ComputeChoice::Wgpu(a) => format!("compute: wgpu · {} ({})", a.name, a.backend),
            ComputeChoice::Cpu { .. } => match self.software_adapter() {
                Some(a) => format!("compute: CPU · software wgpu available: {}", a.name),
                None => "compute: CPU".to_owned(),
            },
        }
    }
}

/// The policy: the first discrete GPU, else integrated, else virtual; software adapters and
/// "other" devices are never the default.
pub fn choose(adapters: &[AdapterSummary], error: Option<&str>) -> ComputeChoice {
    let rank = |a: &AdapterSummary| match a.device_type.as_str() {
        _ if a.software => None,
        "DiscreteGpu" => Some(0),
        "IntegratedGpu" => Some(1),
        "VirtualGpu" => Some(2),
        _ => None,
    };
    if let Some(best) = adapters.iter().filter(|a| rank(a).is_some()).min_by_key(|a| rank(a)) {
        return ComputeChoice::Wgpu(best.clone());
    }
    let why = if let Some(err) = error {
        format!("asking wgpu for adapters failed: {err}")
    } else if let Some(soft) = adapters.iter().find(|a| a.software) {
        format!("only a software adapter was found ({}); it can be chosen in Jobs", soft.name)
    } else if adapters.is_empty() {
        "no Vulkan, Metal or DirectX 12 adapter was found (on Linux a Vulkan driver such as \
         mesa-vulkan-drivers provides one)"
            .to_owned()
    } else {
        "no GPU adapter was found among the adapters listed".to_owned()
    };
    ComputeChoice::Cpu { why }
}

/// Which burn backend a job runs on.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
pub enum Backend {
    /// burn's CPU backend (flex).
    #[default]
    Cpu,
    /// burn on wgpu: the window's own device in the app, the default adapter elsewhere.
    Wgpu,
}

impl Backend {
    /// The probe's default: wgpu where a hardware adapter exists, the CPU otherwise.
    pub fn default_for(probe: &ComputeProbe) -> Self {
        match probe.choice {
            ComputeChoice::Wgpu(_) => Backend::Wgpu,
            ComputeChoice::Cpu { .. } => Backend::Cpu,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Backend::Cpu => "CPU (burn flex)",
            Backend::Wgpu => "wgpu",
        }
    }
}

/// burn's wgpu device, made once per process: egui's device when the window shares it first
/// ([`share_wgpu`]), otherwise wgpu's default adapter.
static WGPU: OnceLock<Result<Device, String>> = OnceLock::new();

/// Makes an existing wgpu device (the window's) burn's wgpu device. Only the first call counts;
/// returns false when burn's wgpu device was already made.
pub fn share_wgpu(setup: WgpuSetup) -> bool {
    let mut shared = false;
    WGPU.get_or_init(|| {
        shared = true;
        guarded(|| Device::wgpu_options().setup(setup).init())
    });
    shared
}

fn guarded(
    init: impl FnOnce() -> Result<Device, burn::tensor::wgpu::WgpuInitError>,
) -> Result<Device, String> {
    // A panic inside wgpu leaves nothing of ours half-updated: the result is all that is kept.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(init)) {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(err)) => Err(err.to_string()),
        Err(payload) => Err(panic_text(payload)),
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "wgpu panicked".to_owned())
}

/// The burn device for a backend. wgpu without an adapter is an error that says so.
pub fn device(backend: Backend) -> anyhow::Result<Device> {
    match backend {
        Backend::Cpu => Ok(Device::flex()),
        Backend::Wgpu => WGPU
            .get_or_init(|| guarded(|| Device::wgpu_options().init()))
            .clone()
            .map_err(|err| anyhow::anyhow!("burn could not start on wgpu: {err} (use the CPU backend)")),
    }
}

/// For tests that compare wgpu with the CPU: burn's wgpu device, or `None` (said on stderr) on a
/// machine without an adapter, after checking that the error says so.
#[cfg(test)]
pub fn wgpu_or_skip() -> Option<Device> {
    match device(Backend::Wgpu) {
        Ok(device) => Some(device),
        Err(err) => {
            assert!(err.to_string().contains("burn could not start on wgpu"), "{err:#}");
            eprintln!("no wgpu adapter here: {err:#}");
            None
        }
    }
}

/// Asks wgpu which adapters this machine has, on the backends burn can run on. Never panics.
pub fn probe_compute() -> ComputeProbe {
    let found = std::panic::catch_unwind(|| {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::PRIMARY,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        pollster::block_on(instance.enumerate_adapters(wgpu::Backends::PRIMARY))
            .into_iter()
            .map(|adapter| summarize(&adapter.get_info()))
            .collect::<Vec<_>>()
    });
    match found {
        Ok(adapters) => ComputeProbe::from_adapters(adapters, None),
        Err(payload) => ComputeProbe::from_adapters(Vec::new(), Some(panic_text(payload))),
    }
}

pub fn summarize(info: &wgpu::AdapterInfo) -> AdapterSummary {
    AdapterSummary {
        name: info.name.clone(),
        backend: format!("{:?}", info.backend),
        device_type: format!("{:?}", info.device_type),
        driver: [info.driver.as_str(), info.driver_info.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        software: info.device_type == wgpu::DeviceType::Cpu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(name: &str, device_type: &str) -> AdapterSummary {
        AdapterSummary {
            name: name.into(),
            backend: "Vulkan".into(),
            device_type: device_type.into(),
            driver: String::new(),
            software: device_type == "Cpu",
        }
    }

    #[test]
    fn a_discrete_gpu_beats_an_integrated_one_and_software_is_never_default() {
        let adapters = vec![
            adapter("llvmpipe (LLVM 15.0.6, 256 bits)", "Cpu"),
            adapter("Intel UHD 770", "IntegratedGpu"),
            adapter("NVIDIA H100", "DiscreteGpu"),
        ];
        assert_eq!(choose(&adapters, None), ComputeChoice::Wgpu(adapters[2].clone()));
        assert_eq!(choose(&adapters[..2], None), ComputeChoice::Wgpu(adapters[1].clone()));
        let probe = ComputeProbe::from_adapters(adapters[..1].to_vec(), None);
        assert!(matches!(probe.choice, ComputeChoice::Cpu { ref why } if why.contains("llvmpipe")));
        assert_eq!(
            probe.status_text(),
            "compute: CPU · software wgpu available: llvmpipe (LLVM 15.0.6, 256 bits)"
        );
    }

    #[test]
    fn no_adapter_says_why() {
        let probe = ComputeProbe::from_adapters(Vec::new(), None);
        assert_eq!(probe.status_text(), "compute: CPU");
        assert!(matches!(probe.choice, ComputeChoice::Cpu { ref why } if why.contains("Vulkan")));
        let failed = ComputeProbe::from_adapters(Vec::new(), Some("driver crashed".into()));
        assert!(matches!(failed.choice, ComputeChoice::Cpu { ref why } if why.contains("driver crashed")));
    }

    #[test]
    fn the_probe_runs_without_panicking_on_any_machine() {
        let probe = probe_compute();
        // Whatever this machine has, only the backends burn can run on are listed.
        for a in &probe.adapters {
            assert!(!a.name.is_empty());
            assert!(["Vulkan", "Metal", "Dx12", "BrowserWebGpu"].contains(&a.backend.as_str()), "{a}");
        }
    }
}
