//! The bundled contrasting configs (`assets/synth-presets.json`): the Audition panel's presets,
//! the synth benchmark's inputs and the cases of the synth's tests.

use super::config::MusicConfig;

/// One of the bundled configs.
pub struct Preset {
    pub name: String,
    pub note: String,
    pub config: MusicConfig,
}

/// The presets in `assets/synth-presets.json`, in file order.
pub fn all() -> &'static [Preset] {
    static PRESETS: std::sync::OnceLock<Vec<Preset>> = std::sync::OnceLock::new();
    PRESETS.get_or_init(|| {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../../assets/synth-presets.json")).unwrap_or_default();
        json["presets"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|p| {
                        Some(Preset {
                            name: p["name"].as_str()?.to_owned(),
                            note: p["note"].as_str().unwrap_or_default().to_owned(),
                            config: MusicConfig::from_json(p["config"].as_object()?).config,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The preset of this name.
pub fn named(name: &str) -> Option<&'static Preset> {
    all().iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seven_presets_read_without_errors() {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../../assets/synth-presets.json")).unwrap();
        let listed = json["presets"].as_array().unwrap();
        assert_eq!(super::all().len(), listed.len());
        assert_eq!(listed.len(), 7);
        for p in listed {
            // A preset names the fields it sets; the others take their defaults.
            let parsed = super::MusicConfig::from_json(p["config"].as_object().unwrap());
            let errors: Vec<_> = parsed.errors().collect();
            assert!(errors.is_empty(), "{}: {errors:?}", p["name"]);
        }
        assert_eq!(super::named("Dense electronic").unwrap().name, "Dense electronic");
    }
}
