//! Text normalisation: from a raw appeal (often HTML pasted from a web form) to clean
//! lowercase words and their Russian stems.
//!
//! The steps, in order: HTML tags are dropped (each becomes a space, so `<p>a</p><p>b</p>`
//! stays two words), character entities are decoded (`&nbsp;`, `&laquo;`, `&#171;`,
//! `&#xAB;`), letters are lowercased, `ё` becomes `е` (people write both), a combining
//! breve after `и` is folded into `й`, and invisible characters (soft hyphen, zero-width
//! spaces) are removed. Words are maximal runs of letters and digits of any script; all
//! other characters separate words. Stems come from the Snowball Russian stemmer.

use rust_stemmers::{Algorithm, Stemmer};
use std::borrow::Cow;
use std::fmt;

/// Cleans a raw text: strips HTML tags, decodes entities, lowercases, folds `ё` into `е`.
///
/// The result keeps the punctuation and spacing of the text (tags become spaces); use
/// [`words`] to split it.
pub fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    clean_text_into(raw, &mut out);
    out
}

/// [`clean_text`] into a buffer (cleared first), so that a caller classifying many texts
/// allocates nothing per text.
pub(crate) fn clean_text_into(raw: &str, out: &mut String) {
    out.clear();
    out.reserve(raw.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let b = bytes[i];
        if b == b'<' {
            if let Some(end) = tag_end(raw, i) {
                out.push(' ');
                i = end;
                continue;
            }
        } else if b == b'&' {
            if let Some((decoded, end)) = entity(raw, i) {
                push_folded(out, decoded);
                i = end;
                continue;
            }
        }
        if b.is_ascii() {
            // Most of a text: no decoding needed.
            out.push(b.to_ascii_lowercase() as char);
            i += 1;
            continue;
        }
        let c = raw[i..].chars().next().expect("i is on a char boundary");
        push_folded(out, c);
        i += c.len_utf8();
    }
}

/// Splits a cleaned text into words: maximal runs of letters and digits.
pub fn words(clean: &str) -> impl Iterator<Item = &str> {
    clean.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty())
}

/// `char::is_alphanumeric`, answered without the Unicode tables for ASCII and the Russian
/// alphabet (almost every character of an appeal; the tables cost a sixth of a prediction).
#[inline]
fn is_word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' => true,
        c if c.is_ascii() => false,
        c => c.is_alphanumeric(),
    }
}

/// Whether a word contains a digit (a house number, a phone, a date): such words carry no
/// topic and are left out of the features.
pub fn has_digit(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
}

/// If a `<` at `start` opens a tag (`<p`, `</p`, `<!--`, `<br/>`), the index just past its `>`.
fn tag_end(raw: &str, start: usize) -> Option<usize> {
    let rest = &raw[start + 1..];
    let first = rest.chars().next()?;
    if rest.starts_with("!--") {
        return Some(rest.find("-->").map_or(raw.len(), |p| start + 1 + p + 3));
    }
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!' || first == '?') {
        return None;
    }
    // A tag never spans a long stretch of text; a stray `<` followed by a letter is text.
    let close = rest.find('>')?;
    if close > 2000 {
        return None;
    }
    Some(start + 1 + close + 1)
}

/// Decodes a character entity at `start` (which holds `&`): the character and the index past `;`.
fn entity(raw: &str, start: usize) -> Option<(char, usize)> {
    let rest = &raw[start + 1..];
    let semi = rest.as_bytes().iter().take(12).position(|&b| b == b';')?;
    let name = &rest[..semi];
    let c = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(code)?
    } else {
        match name {
            "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "laquo" => '«',
            "raquo" => '»',
            "bdquo" => '„',
            "ldquo" => '“',
            "rdquo" => '”',
            "lsquo" => '‘',
            "rsquo" => '’',
            "mdash" => '—',
            "ndash" => '–',
            "hellip" => '…',
            "shy" => '\u{ad}',
            "numero" => '№',
            "deg" => '°',
            "times" => '×',
            "middot" => '·',
            "bull" => '•',
            _ => return None,
        }
    };
    Some((c, start + 1 + semi + 1))
}

/// Appends `c` lowercased, with `ё` folded into `е` and invisible characters dropped.
fn push_folded(out: &mut String, c: char) {
    match c {
        'ё' | 'Ё' => out.push('е'),
        // Soft hyphen, zero-width space / joiners, BOM, combining diaeresis (е + ¨ = ё → е).
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{308}' => {}
        // и + combining breve is й written in two code points.
        '\u{306}' => {
            if out.ends_with('и') {
                out.pop();
                out.push('й');
            }
        }
        '\u{a0}' => out.push(' '),
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        // The Russian capitals lowercase by a fixed offset (the general tables are slow).
        'А'..='Я' => out.push(char::from_u32(c as u32 + 0x20).expect("а..я")),
        'а'..='я' => out.push(c),
        c => out.extend(c.to_lowercase()),
    }
}

/// The Russian Snowball stemmer with the cleaning above in front of it.
pub struct Normalizer {
    stemmer: Stemmer,
}

impl Normalizer {
    /// A normaliser for Russian.
    pub fn russian() -> Normalizer {
        Normalizer { stemmer: Stemmer::create(Algorithm::Russian) }
    }

    /// The stem of one cleaned word (Latin words and numbers come back unchanged).
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        if word.bytes().all(|b| b.is_ascii()) {
            return Cow::Borrowed(word);
        }
        self.stemmer.stem(word)
    }

    /// The stems of every word of a raw text, in order (numbers included).
    pub fn stems(&self, raw: &str) -> Vec<String> {
        let clean = clean_text(raw);
        words(&clean).map(|w| self.stem(w).into_owned()).collect()
    }
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::russian()
    }
}

impl Clone for Normalizer {
    fn clone(&self) -> Self {
        Normalizer::russian()
    }
}

impl fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Normalizer(russian)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_word_test_agrees_with_the_unicode_tables_on_every_char() {
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn the_fast_russian_lowercase_agrees_with_the_unicode_tables() {
        for c in ('А'..='Я').chain('а'..='я') {
            let mut fast = String::new();
            push_folded(&mut fast, c);
            assert_eq!(fast, c.to_lowercase().collect::<String>(), "{c:?}");
        }
    }
}
