//! WAV files: writing 16-bit PCM, and reading the duration of an uploaded one.

/// Encodes mono 16-bit PCM samples as a canonical 44-byte-header WAV file.
pub fn encode_pcm16_mono(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

/// The duration in seconds of a RIFF/WAVE file, or `None` when the bytes are not one.
///
/// Reads the `fmt ` chunk's byte rate and the `data` chunk's length, skipping other
/// chunks; a `data` length past the end of the file counts only the bytes present.
pub fn duration_seconds(bytes: &[u8]) -> Option<f64> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut at = 12;
    let mut byte_rate = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let body = at + 8;
        if id == b"fmt " && body + 12 <= bytes.len() {
            byte_rate = Some(u32::from_le_bytes(bytes[body + 8..body + 12].try_into().ok()?));
        }
        if id == b"data" {
            let present = size.min(bytes.len() - body);
            let rate = byte_rate.filter(|rate| *rate > 0)?;
            return Some(present as f64 / f64::from(rate));
        }
        at = body.checked_add(size)?.checked_add(size % 2)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_canonical_layout() {
        let wav = encode_pcm16_mono(&[0, 1, -1, i16::MAX], 16_000);
        assert_eq!(wav.len(), 44 + 8);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(wav[4..8].try_into().unwrap()), 44);
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16_000);
        assert_eq!(u16::from_le_bytes(wav[34..36].try_into().unwrap()), 16);
        assert_eq!(i16::from_le_bytes(wav[50..52].try_into().unwrap()), i16::MAX);
    }

    #[test]
    fn durations_are_read_back() {
        let wav = encode_pcm16_mono(&vec![0; 8_000], 16_000);
        assert_eq!(duration_seconds(&wav), Some(0.5));
        assert_eq!(duration_seconds(b"ID3 not a wav"), None);
        assert_eq!(duration_seconds(&wav[..30]), None);
    }
}
