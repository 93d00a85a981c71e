//! Generated media: the bounded in-memory store behind `/stream/`, and the pictures.
//!
//! The real gateway keeps results in a memory store of 12 items per request and serves
//! them under `/stream/<request-id>/<name>`. This store keeps the last
//! [`crate::app::MEDIA_CAPACITY`] items overall and forgets the oldest first, so a test
//! that waits too long sees a 404 just as it would there.
//!
//! Pictures are drawn from a hash of the prompt and the seed: a diagonal gradient
//! between two colours crossed by bands of a third. The same prompt and seed give the
//! same bytes; another prompt or seed gives visibly different colours.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;

/// A bounded map from `<request-id>/<file>` to PNG bytes.
#[derive(Debug)]
pub struct MediaStore {
    capacity: usize,
    inner: Mutex<Items>,
}

#[derive(Debug, Default)]
struct Items {
    by_key: HashMap<String, Bytes>,
    order: VecDeque<String>,
}

impl MediaStore {
    /// An empty store that keeps at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new(Items::default()) }
    }

    /// Stores an item, forgetting the oldest ones beyond the capacity.
    pub fn insert(&self, request_id: &str, file: &str, bytes: Bytes) {
        let key = format!("{request_id}/{file}");
        let mut items = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if items.by_key.insert(key.clone(), bytes).is_none() {
            items.order.push_back(key);
        }
        while items.order.len() > self.capacity {
            if let Some(oldest) = items.order.pop_front() {
                items.by_key.remove(&oldest);
            }
        }
    }

    /// The bytes of an item, or `None` when unknown or already forgotten.
    pub fn get(&self, request_id: &str, file: &str) -> Option<Bytes> {
        let items = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        items.by_key.get(&format!("{request_id}/{file}")).cloned()
    }
}

/// Draws the picture for `prompt` and `seed` and encodes it as an RGB PNG.
///
/// Fails only if the encoder does, for example on a zero width or height.
pub fn draw_png(prompt: &str, seed: i64, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let pixels = draw(prompt, seed, width, height);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|err| err.to_string())?;
    writer.write_image_data(&pixels).map_err(|err| err.to_string())?;
    writer.finish().map_err(|err| err.to_string())?;
    Ok(out)
}

/// The RGB pixels of the picture, row by row.
fn draw(prompt: &str, seed: i64, width: u32, height: u32) -> Vec<u8> {
    let mut bits = Bits(fnv1a(prompt.as_bytes(), seed));
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
    pixels
}

/// Blends `a` towards `b` by `t` out of 1024.
fn mix(a: [u8; 3], b: [u8; 3], t: u64) -> [u8; 3] {
    let t = t.min(1024);
    let channel = |i: usize| ((u64::from(a[i]) * (1024 - t) + u64::from(b[i]) * t) / 1024) as u8;
    [channel(0), channel(1), channel(2)]
}

/// FNV-1a over the prompt bytes and the seed: fixed across runs and platforms.
fn fnv1a(prompt: &[u8], seed: i64) -> u64 {
    prompt.iter().chain(&seed.to_le_bytes()).fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A splitmix64 stream of values derived from the hash.
struct Bits(u64);

impl Bits {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn colour(&mut self) -> [u8; 3] {
        let [r, g, b, ..] = self.next().to_le_bytes();
        [r, g, b]
    }
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
    fn the_store_forgets_the_oldest_first() {
        let store = MediaStore::new(2);
        for i in 0..3 {
            store.insert("r", &format!("{i}.png"), Bytes::from(vec![i as u8]));
        }
        assert!(store.get("r", "0.png").is_none());
        assert_eq!(store.get("r", "2.png").unwrap(), Bytes::from(vec![2]));
        assert!(store.get("r", "1.png").is_some());
        assert!(store.get("x", "1.png").is_none());
    }
}
