//! What sound output the machine offers, probed through cpal without opening a stream.

use cpal::traits::{DeviceTrait, HostTrait};

/// The default output device and the format it plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputConfig {
    pub device: String,
    pub channels: u16,
    pub sample_rate: u32,
    pub sample_format: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioProbe {
    /// The cpal host (ALSA, CoreAudio, WASAPI...).
    pub host: String,
    /// Names of the output devices the host lists.
    pub outputs: Vec<String>,
    /// The usable default output, or why there is none.
    pub output: Result<OutputConfig, String>,
}

impl AudioProbe {
    /// One line for the status bar.
    pub fn status_text(&self) -> String {
        match &self.output {
            Ok(c) => {
                format!("audio: {} ({} ch, {} Hz, {})", c.device, c.channels, c.sample_rate, c.sample_format)
            }
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
    let output = match host.default_output_device() {
        None => Err(format!("the {host_name} host has no default output device")),
        Some(device) => {
            let name = device_name(&device);
            match device.default_output_config() {
                Ok(config) => Ok(OutputConfig {
                    device: name,
                    channels: config.channels(),
                    sample_rate: config.sample_rate(),
                    sample_format: config.sample_format().to_string(),
                }),
                Err(err) => Err(format!("the default output device \"{name}\" cannot play: {err}")),
            }
        }
    };
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
            output: Ok(OutputConfig {
                device: "default".into(),
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
