//! What sound output the machine offers, probed through cpal without opening a stream.

use cpal::traits::{DeviceTrait, HostTrait};

/// An output device and the format it plays (the probe's default device, or the one a stream
/// plays on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    pub name: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// The samples the device takes ("f32", "i16", ...).
    pub sample_format: String,
}

impl std::fmt::Display for DeviceInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} ch, {} Hz, {})", self.name, self.channels, self.sample_rate, self.sample_format)
    }
}

/// The host's default output device, its default format, and that described; or why it cannot
/// play.
pub(crate) fn default_output(
    host: &cpal::Host,
) -> Result<(cpal::Device, cpal::SupportedStreamConfig, DeviceInfo), String> {
    let device = host
        .default_output_device()
        .ok_or_else(|| format!("the {} host has no default output device", host.id().name()))?;
    let name = device_name(&device);
    let config = device
        .default_output_config()
        .map_err(|err| format!("the default output device \"{name}\" cannot play: {err}"))?;
    let info = DeviceInfo {
        name,
        sample_rate: config.sample_rate(),
        channels: config.channels(),
        sample_format: config.sample_format().to_string(),
    };
    Ok((device, config, info))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioProbe {
    /// The cpal host (ALSA, CoreAudio, WASAPI...).
    pub host: String,
    /// Names of the output devices the host lists.
    pub outputs: Vec<String>,
    /// The usable default output, or why there is none.
    pub output: Result<DeviceInfo, String>,
}

impl AudioProbe {
    /// One line for the status bar.
    pub fn status_text(&self) -> String {
        match &self.output {
            Ok(c) => format!("audio: {c}"),
            Err(_) => "audio: no audio output".to_owned(),
        }
    }
}

/// Asks the default host for its default output device and that device's default format.
pub fn probe_audio() -> AudioProbe {
    let host = cpal::default_host();
    let host_name = host.id().name().to_owned();
    let outputs = match host.output_devices() {
        Ok(devices) => devices.map(|d| device_name(&d)).collect(),
        Err(err) => {
            tracing::debug!("listing {host_name} output devices failed: {err}");
            Vec::new()
        }
    };
    let output = default_output(&host).map(|(_, _, info)| info);
    AudioProbe { host: host_name, outputs, output }
}

pub(crate) fn device_name(device: &cpal::Device) -> String {
    device.description().map(|d| d.name().to_owned()).unwrap_or_else(|err| format!("unnamed device ({err})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_names_the_device_or_says_there_is_none() {
        let ok = AudioProbe {
            host: "ALSA".into(),
            outputs: vec!["default".into()],
            output: Ok(DeviceInfo {
                name: "default".into(),
                channels: 2,
                sample_rate: 48_000,
                sample_format: "f32".into(),
            }),
        };
        assert_eq!(ok.status_text(), "audio: default (2 ch, 48000 Hz, f32)");
        let none = AudioProbe { output: Err("unavailable".into()), ..ok };
        assert_eq!(none.status_text(), "audio: no audio output");
    }

    #[test]
    fn the_probe_never_panics_and_names_its_host() {
        let probe = probe_audio();
        assert!(!probe.host.is_empty());
        if let Err(why) = &probe.output {
            assert!(!why.is_empty());
        }
    }
}
