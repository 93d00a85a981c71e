//! Generated media: the bounded in-memory store behind `/stream/`, how a pipeline hands
//! out a result (an http URL or a `data:` URL), and the pictures of text-to-image.
//!
//! The real gateway keeps results in a memory store of 12 items per request and serves
//! them under `/stream/<request-id>/<name>`. This store keeps the last
//! [`crate::app::MEDIA_CAPACITY`] items overall, each with its content type and the scope
//! whose request created it (fetches are logged there, see [`crate::media_log`]), and
//! forgets the oldest first, so a test that waits too long sees a 404 just as it would
//! there.
//! The runners behind the gateway answer `data:` URLs instead; a scope set to
//! [`MediaMode::Data`] answers those, and then nothing is stored.
//!
//! Pictures are drawn from a hash of the prompt and the seed: a diagonal gradient
//! between two colours crossed by bands of a third. The same prompt and seed give the
//! same bytes; another prompt or seed gives visibly different colours.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use base64::Engine;

use crate::digest::{fnv1a, Bits};
use crate::raster::{encode_png, mix, Rgb};
use crate::scopes::ScopeName;

/// How a scope hands out generated media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MediaMode {
    /// An absolute http URL under `/stream/` on this gateway, as the real gateway does.
    #[default]
    Url,
    /// A `data:<mime>;base64,...` URL, as the runners behind the gateway answer.
    Data,
}

impl MediaMode {
    /// Parses `"url"` or `"data"`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "url" => Some(Self::Url),
            "data" => Some(Self::Data),
            _ => None,
        }
    }

    /// The name that [`MediaMode::parse`] reads.
    pub fn name(self) -> &'static str {
        match self {
            Self::Url => "url",
            Self::Data => "data",
        }
    }
}

/// `data:<mime>;base64,<bytes>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data:{mime};base64,{encoded}")
}

/// One stored result: its bytes, the content type it is served with and its scope.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    /// The `Content-Type`, such as `image/png`.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Bytes,
    /// The scope of the request that created it.
    pub scope: ScopeName,
}

/// A file to store: its content type and bytes.
#[derive(Debug, Clone)]
pub struct Media {
    /// The `Content-Type`, such as `image/png`.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Bytes,
}

/// A bounded map from `<request-id>/<file>` to stored media.
#[derive(Debug)]
pub struct MediaStore {
    capacity: usize,
    inner: Mutex<Items>,
}

#[derive(Debug, Default)]
struct Items {
    by_key: HashMap<String, StoredMedia>,
    order: VecDeque<String>,
}

impl MediaStore {
    /// An empty store that keeps at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new(Items::default()) }
    }

    /// Stores an item, forgetting the oldest ones beyond the capacity.
    pub fn insert(&self, scope: &ScopeName, request_id: &str, file: &str, media: Media) {
        let key = format!("{request_id}/{file}");
        let item = StoredMedia {
            content_type: media.content_type,
            bytes: media.bytes,
            scope: scope.clone(),
        };
        let mut items = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if items.by_key.insert(key.clone(), item).is_none() {
            items.order.push_back(key);
        }
        while items.order.len() > self.capacity {
            if let Some(oldest) = items.order.pop_front() {
                items.by_key.remove(&oldest);
            }
        }
    }

    /// An item, or `None` when unknown or already forgotten.
    pub fn get(&self, request_id: &str, file: &str) -> Option<StoredMedia> {
        let items = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        items.by_key.get(&format!("{request_id}/{file}")).cloned()
    }
}

/// Draws the picture for `prompt` and `seed` and encodes it as an RGB PNG.
///
/// Fails only if the encoder does, for example on a zero width or height.
pub fn draw_png(prompt: &str, seed: i64, width: u32, height: u32) -> Result<Vec<u8>, String> {
    encode_png(&draw(prompt.as_bytes(), seed, width, height))
}

/// Draws the picture for `input` and `seed`: the same picture for the same arguments.
pub fn draw(input: &[u8], seed: i64, width: u32, height: u32) -> Rgb {
    let mut bits = Bits(fnv1a(input, seed));
    let start = bits.colour();
    let end = bits.colour();
    let band = bits.colour();
    let bands = 3 + bits.next() % 6;
    let slant = bits.next() % 3;

    let (w, h) = (u64::from(width), u64::from(height));
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let along = x * 1024 / w.max(2) + y * 1024 / h.max(2);
            let mut colour = mix(start, end, along / 2);
            let across = match slant {
                0 => y * bands / h,
                1 => x * bands / w,
                _ => (x * h + y * w) * bands / (2 * w * h),
            };
            if across % 2 == 1 {
                colour = mix(colour, band, 640);
            }
            pixels.extend_from_slice(&colour);
        }
    }
    Rgb { width, height, pixels }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        pixels.truncate(info.buffer_size());
        (info, pixels)
    }

    #[test]
    fn pictures_decode_at_the_requested_size() {
        for (w, h) in [(1, 1), (64, 32), (7, 300), (1024, 576)] {
            let (info, _) = decode(&draw_png("a cat", 3, w, h).unwrap());
            assert_eq!((info.width, info.height), (w, h));
        }
    }

    #[test]
    fn same_prompt_and_seed_give_the_same_bytes() {
        assert_eq!(draw_png("a cat", 7, 64, 48).unwrap(), draw_png("a cat", 7, 64, 48).unwrap());
    }

    #[test]
    fn another_prompt_or_seed_changes_the_colours() {
        let (_, base) = decode(&draw_png("a cat", 7, 64, 48).unwrap());
        for (prompt, seed) in [("a dog", 7), ("a cat", 8)] {
            let (_, other) = decode(&draw_png(prompt, seed, 64, 48).unwrap());
            let differing = base.iter().zip(&other).filter(|(a, b)| a != b).count();
            assert!(differing > base.len() / 2, "{prompt} {seed}: {differing}");
        }
    }

    #[test]
    fn data_urls_are_base64() {
        assert_eq!(data_url("audio/wav", b"hi!"), "data:audio/wav;base64,aGkh");
        assert_eq!(MediaMode::parse("data"), Some(MediaMode::Data));
        assert_eq!(MediaMode::parse("file"), None);
    }

    #[test]
    fn the_store_forgets_the_oldest_first() {
        let store = MediaStore::new(2);
        let scope = ScopeName::default_scope();
        for i in 0..3 {
            let media = Media { content_type: "image/png", bytes: Bytes::from(vec![i as u8]) };
            store.insert(&scope, "r", &format!("{i}.png"), media);
        }
        assert!(store.get("r", "0.png").is_none());
        assert_eq!(store.get("r", "2.png").unwrap().bytes, Bytes::from(vec![2]));
        assert_eq!(store.get("r", "1.png").unwrap().scope, scope);
        assert!(store.get("x", "1.png").is_none());
    }
}
