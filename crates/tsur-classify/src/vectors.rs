//! Pretrained Russian word vectors: what a region's thousand labelled appeals cannot teach.
//!
//! A model trained on a few hundred texts per block knows only the words of those texts;
//! «подтопление» in a new appeal means nothing to it if its history said «затопило». Word
//! vectors learned on a large Russian corpus put such words near each other, so the
//! weighted mean vector of a text's words is a dense feature group that carries meaning
//! across wordings (`linear.rs` adds it to the hashed groups).
//!
//! The vectors are navec's (the `natasha` project, MIT licence): 250,000 words of Russian
//! news, 300 dimensions, product-quantised. Their archive is a plain tar of three files:
//!
//! - `meta.json`: JSON with an id and `"protocol": 1`;
//! - `vocab.bin`: gzip of `u32 n`, then `n` little-endian `u32` corpus counts, then the `n`
//!   words in UTF-8 joined by `\n` (sorted; `<unk>` and `<pad>` last);
//! - `pq.bin`: four `u32` (vectors, dimensions, sub-vectors `Q`, centroids `K`), then one
//!   byte code per word and sub-vector (`n × Q`), then the codebook, `Q × K` centroids of
//!   `dimensions / Q` little-endian `f32` each. A word's vector is the concatenation of the
//!   centroids its codes name.
//!
//! [`Vectors`] keeps that form (100 bytes a word instead of 1,200), decodes a word only
//! when a text uses it, and can be pruned to the most frequent words plus those of a
//! training set ([`Vectors::pruned`]) so that a model carries the table it needs.
//!
//! Words are looked up as the normaliser leaves them (lowercase, `ё` folded into `е`);
//! the table's words are folded the same way when it is read (of two words that fold into
//! one, the more frequent keeps its vector), and words our tokeniser never produces
//! (`a-gps`, `<unk>`, anything with a digit) are dropped.
//!
//! Each word weighs `a / (a + p(w))`, `p(w)` its share of the corpus and `a = 10⁻³`
//! (the smooth inverse frequency of Arora, Liang & Ma 2017): a class-blind idf computed on
//! a billion words instead of on the training texts, so a frequent word («прошу», «дом»)
//! counts little and the weight needs nothing from the region's history.

use crate::error::ClassifyError;
use crate::normalize::{clean_text, has_digit, words};
use std::collections::HashMap;
use std::io::Read;

/// The `a` of the smooth inverse frequency weight `a / (a + p(w))`.
const SIF_A: f64 = 1e-3;

/// A table of product-quantised word vectors. Immutable once built; `Send + Sync`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectors {
    dim: usize,
    parts: usize,
    centroids: usize,
    /// Sum of the corpus counts of the whole vocabulary the table came from.
    total: u64,
    /// The words, most frequent first (ties by word).
    words: Vec<Box<str>>,
    /// Each word's corpus count.
    counts: Vec<u32>,
    /// Each word's weight in a text's mean, from its count.
    weights: Vec<f32>,
    /// `codes[word * parts + part]`: the centroid of each sub-vector.
    codes: Vec<u8>,
    /// `codebook[(part * centroids + centroid) * sub + i]`, `sub = dim / parts`.
    codebook: Vec<f32>,
    index: HashMap<Box<str>, u32>,
}

/// The regular files of a tar archive, by name (without a directory).
fn tar_files(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    if bytes.len() < 512 {
        return Err("это не архив tar (файл короче одного заголовка)".to_owned());
    }
    // A tar archive is whole 512-byte blocks.
    if !bytes.len().is_multiple_of(512) {
        return Err("архив tar обрывается".to_owned());
    }
    let not_tar = |e: std::io::Error| format!("это не архив tar ({e})");
    let mut archive = tar::Archive::new(bytes);
    let mut files = Vec::new();
    for entry in archive.entries().map_err(not_tar)? {
        let mut entry = entry.map_err(not_tar)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(not_tar)?.into_owned();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|_| "архив tar обрывается".to_owned())?;
        if data.len() as u64 != entry.size() {
            return Err("архив tar обрывается".to_owned());
        }
        files.push((name, data));
    }
    Ok(files)
}

fn u32_at(bytes: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().expect("4 bytes"))
}

impl Vectors {
    /// Reads navec's tar archive (its bytes; `file` names it in errors).
    pub fn from_navec_tar(file: &str, bytes: &[u8]) -> Result<Vectors, ClassifyError> {
        let fail = |message: String| ClassifyError::Vectors { file: file.to_owned(), message };
        let files = tar_files(bytes).map_err(fail)?;
        let get = |name: &str| files.iter().find(|f| f.0 == name).map(|f| f.1.as_slice()).ok_or_else(|| fail(format!("в архиве нет файла {name}")));
        let meta: serde_json::Value = serde_json::from_slice(get("meta.json")?).map_err(|e| fail(format!("meta.json не читается: {e}")))?;
        if let Some(protocol) = meta.get("protocol").filter(|p| p.as_u64() != Some(1)) {
            return Err(fail(format!("протокол {protocol} не поддерживается (ожидается 1)")));
        }
        let mut vocab = Vec::new();
        flate2::read::GzDecoder::new(get("vocab.bin")?).read_to_end(&mut vocab).map_err(|e| fail(format!("vocab.bin не распаковывается: {e}")))?;
        if vocab.len() < 4 {
            return Err(fail("vocab.bin пуст".to_owned()));
        }
        let n = u32_at(&vocab, 0) as usize;
        let text_at = n.checked_mul(4).ok_or_else(|| fail("неверное число слов".to_owned()))?.saturating_add(4);
        if text_at > vocab.len() {
            return Err(fail("vocab.bin обрывается".to_owned()));
        }
        let counts: Vec<u32> = (0..n).map(|i| u32_at(&vocab, 1 + i)).collect();
        let text = std::str::from_utf8(&vocab[text_at..]).map_err(|_| fail("слова vocab.bin не в UTF-8".to_owned()))?;
        let vocab_words: Vec<&str> = text.split('\n').collect();
        if vocab_words.len() != n {
            return Err(fail(format!("в vocab.bin {n} частот, а слов {}", vocab_words.len())));
        }
        let pq = get("pq.bin")?;
        if pq.len() < 16 {
            return Err(fail("pq.bin обрывается".to_owned()));
        }
        let (vectors, dim, parts, centroids) = (u32_at(pq, 0) as usize, u32_at(pq, 1) as usize, u32_at(pq, 2) as usize, u32_at(pq, 3) as usize);
        if vectors != n || parts == 0 || dim == 0 || !dim.is_multiple_of(parts) || !(1..=256).contains(&centroids) {
            return Err(fail(format!("неверный заголовок pq.bin: {vectors} векторов, {dim} измерений, {parts} частей, {centroids} центроидов при {n} словах")));
        }
        let codes_end = 16 + n * parts;
        if pq.len() != codes_end + parts * centroids * (dim / parts) * 4 {
            return Err(fail("длина pq.bin не совпадает с заголовком".to_owned()));
        }
        let codebook: Vec<f32> = pq[codes_end..].chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
        if codebook.iter().any(|v| !v.is_finite()) || pq[16..codes_end].iter().any(|&c| c as usize >= centroids) {
            return Err(fail("pq.bin повреждён".to_owned()));
        }
        let total: u64 = counts.iter().map(|&c| c as u64).sum();
        // Fold the words as the normaliser does; drop what the tokeniser never yields.
        let mut entries: Vec<(Box<str>, u32, usize)> = Vec::with_capacity(n);
        for (i, (w, &count)) in vocab_words.iter().zip(&counts).enumerate() {
            let folded = clean_text(w);
            let single = words(&folded).next() == Some(folded.as_str());
            if single && !has_digit(&folded) {
                entries.push((folded.into_boxed_str(), count, i));
            }
        }
        let codes_of = |i: usize| &pq[16 + i * parts..16 + (i + 1) * parts];
        let mut table = Vectors::empty(dim, parts, centroids, total, codebook);
        for (word, count, i) in sort_and_dedup(entries) {
            table.push(word, count, codes_of(i));
        }
        Ok(table)
    }

    fn empty(dim: usize, parts: usize, centroids: usize, total: u64, codebook: Vec<f32>) -> Vectors {
        Vectors { dim, parts, centroids, total, words: Vec::new(), counts: Vec::new(), weights: Vec::new(), codes: Vec::new(), codebook, index: HashMap::new() }
    }

    fn push(&mut self, word: Box<str>, count: u32, codes: &[u8]) {
        let p = count as f64 / self.total.max(1) as f64;
        self.index.insert(word.clone(), self.words.len() as u32);
        self.words.push(word);
        self.counts.push(count);
        self.weights.push((SIF_A / (SIF_A + p)) as f32);
        self.codes.extend_from_slice(codes);
    }

    /// The table with only its `keep` most frequent words and the words of `also` (those of
    /// a training set: the texts a model learned from are covered whatever their words'
    /// rank), in the same order.
    pub fn pruned<'a>(&self, keep: usize, also: impl IntoIterator<Item = &'a str>) -> Vectors {
        let mut wanted = vec![false; self.words.len()];
        wanted[..keep.min(self.words.len())].fill(true);
        for w in also {
            if let Some(&i) = self.index.get(w) {
                wanted[i as usize] = true;
            }
        }
        let mut table = Vectors::empty(self.dim, self.parts, self.centroids, self.total, self.codebook.clone());
        for (i, _) in wanted.iter().enumerate().filter(|w| *w.1) {
            table.push(self.words[i].clone(), self.counts[i], &self.codes[i * self.parts..(i + 1) * self.parts]);
        }
        table
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the table has no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Dimensions of a vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The decoded vector of a word (lowercase, `ё` folded), if the table has it.
    pub fn vector(&self, word: &str) -> Option<Vec<f32>> {
        let i = self.index_of(word)?;
        let mut v = vec![0.0; self.dim];
        self.add_scaled(i, 1.0, &mut v);
        Some(v)
    }

    pub(crate) fn index_of(&self, word: &str) -> Option<u32> {
        self.index.get(word).copied()
    }

    /// Adds the word's weight times its vector to `acc`, times `times`.
    #[inline]
    pub(crate) fn add_weighted(&self, i: u32, times: f32, acc: &mut [f32]) {
        self.add_scaled(i, times * self.weights[i as usize], acc);
    }

    #[inline]
    fn add_scaled(&self, i: u32, a: f32, acc: &mut [f32]) {
        let sub = self.dim / self.parts;
        let codes = &self.codes[i as usize * self.parts..(i as usize + 1) * self.parts];
        for ((part, &code), out) in codes.iter().enumerate().zip(acc.chunks_exact_mut(sub)) {
            let at = (part * self.centroids + code as usize) * sub;
            for (o, c) in out.iter_mut().zip(&self.codebook[at..at + sub]) {
                *o += a * c;
            }
        }
    }

    /// The weighted mean vector of a cleaned text's words (numbers left out), scaled to unit
    /// length, into `out` (`dim` long); `false` (and zeros) when no word is in the table.
    pub fn text_vector(&self, clean: &str, out: &mut [f32]) -> bool {
        out.fill(0.0);
        let mut found = false;
        for w in words(clean) {
            if has_digit(w) {
                continue;
            }
            if let Some(i) = self.index_of(w) {
                self.add_weighted(i, 1.0, out);
                found = true;
            }
        }
        found && normalize(out)
    }

    /// Appends the table: dimensions, sub-vectors, centroids (`u32` each), the corpus total
    /// (`u64`), the codebook (`f32`s), the word count, then each word as length + UTF-8,
    /// its count and its codes.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        for v in [self.dim, self.parts, self.centroids] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        out.extend_from_slice(&self.total.to_le_bytes());
        for v in &self.codebook {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.words.len() as u32).to_le_bytes());
        for (i, w) in self.words.iter().enumerate() {
            out.extend_from_slice(&(w.len() as u32).to_le_bytes());
            out.extend_from_slice(w.as_bytes());
            out.extend_from_slice(&self.counts[i].to_le_bytes());
            out.extend_from_slice(&self.codes[i * self.parts..(i + 1) * self.parts]);
        }
    }

    /// Reads what [`Self::write`] wrote, checking it.
    pub(crate) fn read(r: &mut crate::linear::Reader<'_>) -> Result<Vectors, ClassifyError> {
        let bad = |m: &str| ClassifyError::Model(format!("векторы слов: {m}"));
        let (dim, parts, centroids) = (r.u32()? as usize, r.u32()? as usize, r.u32()? as usize);
        if !(1..=4096).contains(&dim) || parts == 0 || !dim.is_multiple_of(parts) || !(1..=256).contains(&centroids) {
            return Err(bad("неверные размеры"));
        }
        let total = u64::from_le_bytes(r.take(8)?.try_into().expect("8 bytes"));
        let codebook = (0..parts * centroids * (dim / parts)).map(|_| r.f32()).collect::<Result<Vec<_>, _>>()?;
        let n = r.u32()? as usize;
        if n > r.remaining() {
            return Err(bad("неверное число слов"));
        }
        let mut table = Vectors::empty(dim, parts, centroids, total, codebook);
        for _ in 0..n {
            let word = r.str()?.into_boxed_str();
            let count = r.u32()?;
            let codes = r.take(parts)?;
            if codes.iter().any(|&c| c as usize >= centroids) || table.index.contains_key(&word) {
                return Err(bad("неверная запись слова"));
            }
            table.push(word, count, codes);
        }
        Ok(table)
    }
}

/// Scales `v` to unit length; `false` when it is zero.
pub(crate) fn normalize(v: &mut [f32]) -> bool {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
        true
    } else {
        v.fill(0.0);
        false
    }
}

/// Most frequent first (ties by word); of entries with the same word, the most frequent.
fn sort_and_dedup(mut entries: Vec<(Box<str>, u32, usize)>) -> Vec<(Box<str>, u32, usize)> {
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)).then(a.2.cmp(&b.2)));
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.0.clone()));
    entries
}

/// Builds navec's tar archive from words, counts and vectors (`dim` divisible by `parts`;
/// each sub-vector is its own centroid, so the vectors are exact): for tests, which need no
/// download.
#[doc(hidden)]
pub fn navec_tar_for_tests(entries: &[(&str, u32, Vec<f32>)], parts: usize) -> Vec<u8> {
    let dim = entries[0].2.len();
    let sub = dim / parts;
    let centroids = entries.len();
    assert!(centroids <= 256 && dim.is_multiple_of(parts));
    let mut vocab = Vec::new();
    vocab.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        vocab.extend_from_slice(&e.1.to_le_bytes());
    }
    vocab.extend_from_slice(entries.iter().map(|e| e.0).collect::<Vec<_>>().join("\n").as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &vocab).expect("in memory");
    let vocab = gz.finish().expect("in memory");
    let mut pq = Vec::new();
    for v in [entries.len(), dim, parts, centroids] {
        pq.extend_from_slice(&(v as u32).to_le_bytes());
    }
    for i in 0..entries.len() {
        pq.extend(std::iter::repeat_n(i as u8, parts));
    }
    for part in 0..parts {
        for e in entries {
            for v in &e.2[part * sub..(part + 1) * sub] {
                pq.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in [("meta.json", &b"{\"id\": \"test\", \"protocol\": 1}"[..]), ("vocab.bin", &vocab), ("pq.bin", &pq)] {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, data).expect("in memory");
    }
    tar.into_inner().expect("in memory")
}
