//! Classification of appeals' texts into blocks (and topics): the lexicon of the
//! reference books works from the first day; a model trained on the region's own labelled
//! history, saved in the store, takes over the block when there is one.

use crate::{Api, ApiError};
use serde::Serialize;
use std::path::Path;
use tsur_classify::{cross_validate_with_vectors, parse_labeled, CrossValidation, LabelMap, Lexicon, LinearModel, TrainConfig, Vectors};
use tsur_core::reference::ReferenceData;

/// The lexicon of the reference books, checked against their topics.
pub(crate) fn lexicon(data: &ReferenceData) -> Result<Lexicon, ApiError> {
    Lexicon::parse("classify/lexicon.csv", &data.texts.lexicon, &data.topics).map_err(|e| ApiError::invalid(e.to_string()))
}

/// The classifier in force: the store's trained model for the block (when there is one)
/// and the lexicon for the topic within that block.
pub(crate) struct Classifier {
    model: Option<LinearModel>,
    lexicon: std::sync::Arc<Lexicon>,
    reference: std::sync::Arc<ReferenceData>,
}

/// What the classifier says of a text.
pub(crate) struct Verdict {
    block: Option<tsur_core::BlockId>,
    /// The lexicon's topic, only when it belongs to the block chosen.
    topic: Option<tsur_core::TopicId>,
    confidence: f32,
    /// `trained` or `lexicon`.
    model: &'static str,
}

impl Classifier {
    /// Block (the trained model's when there is one, else the lexicon's), topic (the
    /// lexicon's, within that block) and confidence of a text.
    pub(crate) fn verdict(&self, text: &str) -> Verdict {
        let lex = self.lexicon.predict(text);
        match &self.model {
            Some(m) => {
                let p = m.predict(text);
                let topic = lex.topic.filter(|t| self.reference.topics.iter().any(|x| &x.id == t && x.block_id.as_str() == p.label));
                Verdict { block: Some(tsur_core::BlockId(p.label)), topic, confidence: p.confidence, model: "trained" }
            }
            None => Verdict { block: lex.block, topic: lex.topic, confidence: lex.confidence, model: "lexicon" },
        }
    }

    /// Block, topic and confidence of a text; `None` when nothing in it points to a topic
    /// of the chosen block (the appeal then waits for a person in the review queue).
    pub(crate) fn classify(&self, text: &str) -> Option<(tsur_core::BlockId, tsur_core::TopicId, f32)> {
        let v = self.verdict(text);
        Some((v.block?, v.topic?, v.confidence))
    }
}

impl Api {
    /// The classifier in force.
    pub(crate) async fn classifier(&self) -> Result<Classifier, ApiError> {
        let model = match self.store().classifier().await? {
            Some((id, _, bytes)) => Some(LinearModel::from_bytes(&bytes).map_err(|e| ApiError::internal(format!("модель классификатора №{id}: {e}")))?),
            None => None,
        };
        Ok(Classifier { model, lexicon: self.lexicon.clone(), reference: self.reference.clone() })
    }
}

/// One classified text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictRow {
    /// The row's id (the id column, or the line number).
    pub id: String,
    /// The block.
    pub block: Option<String>,
    /// The topic (from the lexicon).
    pub topic: Option<String>,
    /// Confidence of the block, 0–1.
    pub confidence: f32,
    /// `trained` (the store's model) or `lexicon`.
    pub model: String,
}

/// A trained model's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSummary {
    /// Its number in the store.
    pub model_id: i64,
    /// Labelled texts used.
    pub texts: u64,
    /// Rows dropped by the label map (mapped to no block).
    pub dropped: u64,
    /// The classes learned, with their counts.
    pub classes: Vec<(String, u64)>,
    /// The source's labels the model was trained on, with their counts, when it keeps them
    /// (`keep_labels`); empty when it was trained on the blocks.
    pub labels: Vec<(String, u64)>,
}

/// Labelled texts: each text, its label as written and its block.
struct Labelled {
    texts: Vec<String>,
    labels: Vec<String>,
    blocks: Vec<String>,
    /// Rows dropped by the label map.
    dropped: u64,
}

impl Labelled {
    /// What a model learns: the source's labels (answering in blocks through the map) when
    /// `keep_labels`, else the blocks.
    fn learned(&self, keep_labels: bool) -> &[String] {
        if keep_labels {
            &self.labels
        } else {
            &self.blocks
        }
    }
}

fn counts(classes: &[String], of: &[String]) -> Vec<(String, u64)> {
    classes.iter().map(|c| (c.clone(), of.iter().filter(|l| *l == c).count() as u64)).collect()
}

/// Labelled texts with their blocks: the label column mapped through `map` (a CSV
/// `label,block`) when given, else taken as block ids.
fn labelled(api: &Api, file: &Path, text_col: &str, label_col: &str, map: Option<&Path>) -> Result<Labelled, ApiError> {
    let name = file.display().to_string();
    let text = tsur_import::source::read_text(file).map_err(|e| ApiError::invalid(e.to_string()))?;
    let rows = parse_labeled(&name, &text, text_col, label_col).map_err(|e| ApiError::invalid(e.to_string()))?;
    let blocks: Vec<tsur_core::BlockId> = api.reference().blocks.iter().map(|b| b.id.clone()).collect();
    let mapped: Vec<(String, String, String)> = match map {
        Some(m) => {
            let mname = m.display().to_string();
            let mtext = tsur_import::source::read_text(m).map_err(|e| ApiError::invalid(e.to_string()))?;
            let map = LabelMap::parse(&mname, &mtext, Some(&blocks)).map_err(|e| ApiError::invalid(e.to_string()))?;
            map.apply(&name, &rows).map_err(|e| ApiError::invalid(e.to_string()))?.into_iter().map(|m| (m.text, m.label, m.block.0)).collect()
        }
        None => {
            for r in &rows {
                if !blocks.iter().any(|b| b.as_str() == r.label) {
                    return Err(ApiError::invalid(format!("{name}: строка {}: метка «{}» — не блок; укажите --map МЕТКИ_В_БЛОКИ.csv", r.line, r.label)));
                }
            }
            rows.iter().map(|r| (r.text.clone(), r.label.clone(), r.label.clone())).collect()
        }
    };
    let dropped = (rows.len() - mapped.len()) as u64;
    let mut out = Labelled { texts: Vec::new(), labels: Vec::new(), blocks: Vec::new(), dropped };
    for (text, label, block) in mapped {
        out.texts.push(text);
        out.labels.push(label);
        out.blocks.push(block);
    }
    Ok(out)
}

/// Reads navec's word vectors (`scripts/fetch-vectors.sh`); errors name the file.
fn read_vectors(path: &Path) -> Result<Vectors, ApiError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ApiError::invalid(format!("{name}: файл векторов слов не читается: {e}")))?;
    Vectors::from_navec_tar(&name, &bytes).map_err(|e| ApiError::invalid(e.to_string()))
}

impl Api {
    /// Cross-validates the trainable model on a labelled file: per-class precision,
    /// recall and F1, and macro-F1 over blocks. With `keep_labels` the model learns the
    /// source's labels and answers in blocks through the map (docs/classification.md).
    /// With `vectors` (navec's tar) the model has the word vectors' dense group.
    #[allow(clippy::too_many_arguments)]
    pub fn classify_eval(
        &self,
        file: &Path,
        text_col: &str,
        label_col: &str,
        map: Option<&Path>,
        keep_labels: bool,
        folds: usize,
        vectors: Option<&Path>,
    ) -> Result<CrossValidation, ApiError> {
        let data = labelled(self, file, text_col, label_col, map)?;
        let vectors = vectors.map(read_vectors).transpose()?;
        cross_validate_with_vectors(&data.texts, data.learned(keep_labels), &data.blocks, folds, &TrainConfig::DEFAULT, None, vectors.as_ref())
            .map_err(|e| ApiError::invalid(e.to_string()))
    }

    /// Trains the model on a labelled file and saves it in the store (it is then in force).
    /// With `keep_labels` the model learns the source's labels and keeps their blocks; with
    /// `vectors` (navec's tar) it has the word vectors' dense group and carries their
    /// pruned table (docs/classification.md: it helps with a few hundred texts, not with a
    /// thousand, and halves the prediction throughput).
    #[allow(clippy::too_many_arguments)]
    pub async fn classify_train(
        &self,
        file: &Path,
        text_col: &str,
        label_col: &str,
        map: Option<&Path>,
        keep_labels: bool,
        vectors: Option<&Path>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<TrainSummary, ApiError> {
        let data = labelled(self, file, text_col, label_col, map)?;
        if data.texts.is_empty() {
            return Err(ApiError::invalid("labeled: нет ни одного размеченного текста"));
        }
        let vectors = vectors.map(read_vectors).transpose()?;
        let model = LinearModel::train_with_vectors(&data.texts, data.learned(keep_labels), &data.blocks, &TrainConfig::DEFAULT, None, vectors.as_ref())
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        let classes = counts(model.classes(), &data.blocks);
        let labels = if keep_labels { counts(model.labels(), &data.labels) } else { Vec::new() };
        let model_id = self.store().save_classifier(&file.display().to_string(), data.texts.len() as u64, model.classes(), &model.to_bytes(), now).await?;
        Ok(TrainSummary { model_id, texts: data.texts.len() as u64, dropped: data.dropped, classes, labels })
    }

    /// Classifies the texts of a CSV file: the block from the trained model when the store
    /// has one (else from the lexicon), the topic from the lexicon.
    pub async fn classify_predict(&self, file: &Path, text_col: &str, id_col: Option<&str>) -> Result<Vec<PredictRow>, ApiError> {
        let classifier = self.classifier().await?;
        let name = file.display().to_string();
        let text = tsur_import::source::read_text(file).map_err(|e| ApiError::invalid(e.to_string()))?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| ApiError::invalid(format!("{name}: заголовок: {e}")))?.clone();
        let col = |c: &str| header.iter().position(|h| h.trim() == c);
        let text_i = col(text_col).ok_or_else(|| ApiError::invalid(format!("text_col: в {name} нет колонки «{text_col}»")))?;
        let id_i = match id_col {
            Some(c) => Some(col(c).ok_or_else(|| ApiError::invalid(format!("id_col: в {name} нет колонки «{c}»")))?),
            None => None,
        };
        let mut out = Vec::new();
        for (n, record) in reader.records().enumerate() {
            let record = record.map_err(|e| ApiError::invalid(format!("{name}: {e}")))?;
            let text = record.get(text_i).unwrap_or("");
            let id = id_i.and_then(|i| record.get(i)).map_or_else(|| (n + 2).to_string(), str::to_owned);
            let v = classifier.verdict(text);
            out.push(PredictRow { id, block: v.block.map(|b| b.0), topic: v.topic.map(|t| t.0), confidence: v.confidence, model: v.model.into() });
        }
        Ok(out)
    }
}

/// Below this confidence a classification waits for a person.
pub const REVIEW_THRESHOLD: f32 = 0.6;

/// An appeal in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewItem {
    /// The appeal.
    pub appeal_id: String,
    /// Channel.
    pub channel: String,
    /// The channel's id.
    pub external_id: String,
    /// Municipality.
    pub municipality: String,
    /// Received, RFC 3339 in Europe/Astrakhan.
    pub received_at: String,
    /// The classifier's block, if any.
    pub block: Option<String>,
    /// The classifier's topic, if any.
    pub topic: Option<String>,
    /// Its confidence.
    pub confidence: Option<f32>,
    /// The beginning of the text.
    pub text: String,
}

impl Api {
    /// Appeals waiting for a person to check their block and topic.
    pub async fn review_list(&self, limit: i64, scope: &tsur_core::Scope) -> Result<Vec<ReviewItem>, ApiError> {
        Ok(self
            .store()
            .review_queue(REVIEW_THRESHOLD, limit, scope)
            .await?
            .into_iter()
            .map(|r| ReviewItem {
                appeal_id: r.appeal_id.to_string(),
                channel: r.channel,
                external_id: r.external_id,
                municipality: r.municipality_id,
                received_at: r.received_at.with_timezone(&tsur_core::time::ZONE).to_rfc3339(),
                block: r.block_id,
                topic: r.topic_id,
                confidence: r.confidence,
                text: r.text.chars().take(300).collect(),
            })
            .collect())
    }

    /// A person sets an appeal's topic (and so its block): a classification event with no
    /// confidence, which takes the appeal out of the review queue and teaches the next
    /// training (`classify_train_from_store`).
    pub async fn review_set(
        &self,
        appeal: &str,
        topic: &str,
        actor: &str,
        scope: &tsur_core::Scope,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ApiError> {
        let id = uuid::Uuid::parse_str(appeal).map_err(|_| ApiError::invalid(format!("appeal: «{appeal}» — не идентификатор обращения")))?;
        let id = tsur_core::AppealId(id);
        let t =
            self.reference().topics.iter().find(|t| t.id.as_str() == topic).ok_or_else(|| ApiError::invalid(format!("topic: неизвестная тема «{topic}»")))?;
        let state = self.store().state(id, scope).await?.ok_or_else(|| ApiError::invalid(format!("appeal: обращение {appeal} не найдено")))?;
        let event = tsur_core::Event {
            id: tsur_core::EventId(uuid::Uuid::now_v7()),
            appeal_id: id,
            at: now.max(state.last_event_at + chrono::Duration::milliseconds(1)),
            actor: actor.to_owned(),
            node: "local".into(),
            kind: tsur_core::EventKind::Classified { block: t.block_id.clone(), topic: t.id.clone(), confidence: None },
        };
        self.store().append_events(&[event]).await.map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(())
    }

    /// Trains the model on the appeals people classified (corrections from the review
    /// queue and other decisions) and saves it.
    pub async fn classify_train_from_store(&self, now: chrono::DateTime<chrono::Utc>) -> Result<TrainSummary, ApiError> {
        let rows = self.store().person_classified().await?;
        let classes: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        if classes.len() < 2 {
            return Err(ApiError::invalid(format!(
                "для обучения нужны обращения, классифицированные людьми, хотя бы двух блоков (сейчас {} обращ., блоков {})",
                rows.len(),
                classes.len()
            )));
        }
        let texts: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let labels: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        let model = LinearModel::train(&texts, &labels, &TrainConfig::DEFAULT, None).map_err(|e| ApiError::invalid(e.to_string()))?;
        let classes: Vec<(String, u64)> = model.classes().iter().map(|c| (c.clone(), labels.iter().filter(|l| **l == c).count() as u64)).collect();
        let model_id = self.store().save_classifier("решения людей в базе", texts.len() as u64, model.classes(), &model.to_bytes(), now).await?;
        Ok(TrainSummary { model_id, texts: texts.len() as u64, dropped: 0, classes, labels: Vec::new() })
    }
}
