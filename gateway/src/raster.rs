//! RGB pictures in memory: decoding uploaded PNGs, encoding results, resampling.
//!
//! Every image pipeline reads its upload through [`decode_png`], which accepts any PNG
//! colour type and bit depth and always yields 8-bit RGB (alpha is dropped). Only PNG is
//! read here; the real gateway's runners accept any format that Pillow opens.

use std::io::Cursor;

/// The largest number of pixels an upload may decode to (64 megapixels).
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// An 8-bit RGB picture, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb {
    /// Width in pixels, at least 1.
    pub width: u32,
    /// Height in pixels, at least 1.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
}

impl Rgb {
    /// A picture of one colour.
    pub fn filled(width: u32, height: u32, colour: [u8; 3]) -> Self {
        let count = width as usize * height as usize;
        Self { width, height, pixels: colour.repeat(count) }
    }

    /// The colour at `(x, y)`; coordinates past the edge are clamped to it.
    pub fn at(&self, x: u32, y: u32) -> [u8; 3] {
        let x = x.min(self.width.saturating_sub(1)) as usize;
        let y = y.min(self.height.saturating_sub(1)) as usize;
        let i = (y * self.width as usize + x) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// A nearest-neighbour copy at another size (each side at least 1).
    pub fn resized(&self, width: u32, height: u32) -> Self {
        let (width, height) = (width.max(1), height.max(1));
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
        for y in 0..height {
            let sy = (u64::from(y) * u64::from(self.height) / u64::from(height)) as u32;
            for x in 0..width {
                let sx = (u64::from(x) * u64::from(self.width) / u64::from(width)) as u32;
                pixels.extend_from_slice(&self.at(sx, sy));
            }
        }
        Self { width, height, pixels }
    }

    /// The mean colour of the picture.
    pub fn mean(&self) -> [u8; 3] {
        let mut sums = [0u64; 3];
        for pixel in self.pixels.chunks_exact(3) {
            for (sum, value) in sums.iter_mut().zip(pixel) {
                *sum += u64::from(*value);
            }
        }
        let count = (self.pixels.len() as u64 / 3).max(1);
        sums.map(|sum| (sum / count) as u8)
    }
}

/// Whether the bytes start with the PNG signature.
pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// Decodes a PNG of any colour type and bit depth into 8-bit RGB.
///
/// Fails with a message for people on bytes that are not a PNG, a damaged PNG, or one
/// larger than [`MAX_PIXELS`].
pub fn decode_png(bytes: &[u8]) -> Result<Rgb, String> {
    if !is_png(bytes) {
        return Err("not a PNG file".to_owned());
    }
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|err| format!("unreadable PNG: {err}"))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("the PNG is {width}x{height}, more than 64 megapixels"));
    }
    let size = reader.output_buffer_size().ok_or("the PNG is too large to decode")?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(|err| format!("unreadable PNG: {err}"))?;
    buffer.truncate(frame.buffer_size());

    let (colour, _) = reader.output_color_type();
    let pixels = match colour {
        png::ColorType::Rgb => buffer,
        png::ColorType::Rgba => buffer.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => {
            buffer.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect()
        }
        png::ColorType::Indexed => return Err("unreadable PNG: palette was not expanded".into()),
    };
    if pixels.len() != width as usize * height as usize * 3 {
        return Err("unreadable PNG: unexpected row layout".to_owned());
    }
    Ok(Rgb { width, height, pixels })
}

/// Encodes a picture as an 8-bit RGB PNG.
///
/// Fails only if the encoder does, for example on a zero width or height.
pub fn encode_png(picture: &Rgb) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, picture.width, picture.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|err| err.to_string())?;
    writer.write_image_data(&picture.pixels).map_err(|err| err.to_string())?;
    writer.finish().map_err(|err| err.to_string())?;
    Ok(out)
}

/// Blends `a` towards `b` by `t` out of 1024.
pub fn mix(a: [u8; 3], b: [u8; 3], t: u64) -> [u8; 3] {
    let t = t.min(1024);
    let channel = |i: usize| ((u64::from(a[i]) * (1024 - t) + u64::from(b[i]) * t) / 1024) as u8;
    [channel(0), channel(1), channel(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(colour: png::ColorType, depth: png::BitDepth, data: &[u8], w: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w, 1);
        encoder.set_color(colour);
        encoder.set_depth(depth);
        if colour == png::ColorType::Indexed {
            encoder.set_palette(vec![255, 0, 0, 0, 0, 255]);
        }
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn every_colour_type_decodes_to_rgb() {
        use png::{BitDepth as D, ColorType as C};
        let cases: [(C, D, &[u8], [u8; 3]); 6] = [
            (C::Rgb, D::Eight, &[1, 2, 3, 4, 5, 6], [1, 2, 3]),
            (C::Rgba, D::Eight, &[9, 8, 7, 0, 6, 5, 4, 255], [9, 8, 7]),
            (C::Grayscale, D::Eight, &[40, 50], [40, 40, 40]),
            (C::GrayscaleAlpha, D::Eight, &[70, 1, 80, 2], [70, 70, 70]),
            (C::Indexed, D::Eight, &[1, 0], [0, 0, 255]),
            (C::Rgb, D::Sixteen, &[255, 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0], [255, 0, 128]),
        ];
        for (colour, depth, data, first) in cases {
            let picture = decode_png(&encode(colour, depth, data, 2)).unwrap();
            assert_eq!((picture.width, picture.height), (2, 1), "{colour:?}");
            assert_eq!(picture.at(0, 0), first, "{colour:?} {depth:?}");
        }
    }

    #[test]
    fn other_bytes_are_refused() {
        assert!(decode_png(b"GIF89a").is_err());
        assert!(decode_png(b"\x89PNG\r\n\x1a\nbroken").is_err());
    }

    #[test]
    fn round_trip_and_resize() {
        let mut picture = Rgb::filled(3, 2, [10, 20, 30]);
        picture.pixels[0] = 200;
        let decoded = decode_png(&encode_png(&picture).unwrap()).unwrap();
        assert_eq!(decoded, picture);
        let big = picture.resized(6, 4);
        assert_eq!((big.width, big.height), (6, 4));
        assert_eq!(big.at(1, 1), [200, 20, 30]);
        assert_eq!(big.at(2, 0), [10, 20, 30]);
    }
}
