//! The reference books bundled into the binary (the files under `data/reference/`), used
//! to fill a new store; and export/import of the books the operator edits.

use crate::{Api, ApiError};
use std::path::Path;
use tsur_core::reference::{ReferenceData, ReferenceTexts};

macro_rules! bundled_file {
    ($name:literal) => {
        include_str!(concat!("../../../data/reference/", $name))
    };
}

/// The bundled reference texts.
pub fn bundled() -> ReferenceTexts {
    ReferenceTexts {
        municipalities: bundled_file!("geo/municipalities.csv").to_owned(),
        boundaries: bundled_file!("geo/boundaries.geojson").to_owned(),
        outline: bundled_file!("geo/oblast_outline.geojson").to_owned(),
        volga: bundled_file!("geo/volga.geojson").to_owned(),
        settlements: bundled_file!("geo/settlements.csv").to_owned(),
        towns: bundled_file!("geo/towns.csv").to_owned(),
        blocks: bundled_file!("catalog/blocks.csv").to_owned(),
        topics: bundled_file!("catalog/topics.csv").to_owned(),
        agencies: bundled_file!("catalog/agencies.csv").to_owned(),
        regimes: bundled_file!("catalog/regimes.csv").to_owned(),
        fast_tracks: bundled_file!("catalog/fast_tracks.csv").to_owned(),
        office_hours: bundled_file!("calendar/office_hours.csv").to_owned(),
        calendar_overrides: bundled_file!("calendar/overrides.csv").to_owned(),
        lexicon: bundled_file!("classify/lexicon.csv").to_owned(),
        analytics_weights: bundled_file!("analytics/weights.csv").to_owned(),
        roadmaps: bundled_file!("catalog/roadmaps.csv").to_owned(),
        roadmap_milestones: bundled_file!("catalog/roadmap_milestones.csv").to_owned(),
    }
}

impl Api {
    /// Writes the reference books in force to `dir` (the same layout as `data/reference/`).
    pub fn reference_export(&self, dir: &Path) -> Result<usize, ApiError> {
        let files = self.reference.texts.files();
        for (name, text) in files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| ApiError::invalid(format!("не удалось создать {}: {e}", parent.display())))?;
            }
            std::fs::write(&path, text).map_err(|e| ApiError::invalid(format!("не удалось записать {}: {e}", path.display())))?;
        }
        Ok(files.len())
    }

    /// Reads edited reference books from `dir`, checks them as a whole and, only if they
    /// agree, replaces the books in the store. Files missing from `dir` keep their current text.
    pub async fn reference_import(&mut self, dir: &Path) -> Result<usize, ApiError> {
        let mut texts = self.reference.texts.clone();
        let mut read = 0;
        for (name, _) in self.reference.texts.files() {
            let path = dir.join(name);
            if path.exists() {
                let text = std::fs::read_to_string(&path).map_err(|e| ApiError::invalid(format!("не удалось прочитать {}: {e}", path.display())))?;
                texts.set(name, text);
                read += 1;
            }
        }
        let data = ReferenceData::parse(texts).map_err(|e| ApiError::invalid(e.to_string()))?;
        let lexicon = crate::classify::lexicon(&data)?;
        crate::analytics::check_books(&data)?;
        self.store.replace_reference(&data, chrono::Utc::now()).await?;
        self.lexicon = std::sync::Arc::new(lexicon);
        self.reference = std::sync::Arc::new(data);
        self.drop_snapshot().await;
        Ok(read)
    }
}
