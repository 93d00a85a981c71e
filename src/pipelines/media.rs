//! Media results: the images, videos and audio a gateway returns as URLs, with a seed
//! and an NSFW flag for generated images and videos.

use crate::error::JobError;
use crate::value::{self, Read, Value};

/// One generated media item, as the gateway's `Media` schema describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Media {
    /// Where the media can be fetched: an http(s) URL on the gateway or a `data:` URL.
    pub url: String,
    /// The seed that produced it.
    pub seed: u64,
    /// Whether the gateway's safety check flagged it.
    pub nsfw: bool,
}

/// The result of an image pipeline: the gateway's `ImageResponse`.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageOutput {
    /// The generated images, in the order the gateway listed them.
    pub images: Vec<Media>,
}

impl ImageOutput {
    /// Checks what the schema cannot: at least one image, each with a usable URL.
    pub fn check(&self) -> Result<(), JobError> {
        check_media("images", &self.images)
    }
}

/// The result of image-to-video: the gateway's `VideoResponse`, whose `images` list holds
/// the videos.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoOutput {
    /// The generated videos.
    pub videos: Vec<Media>,
}

impl VideoOutput {
    /// Checks what the schema cannot: at least one video, each with a usable URL.
    pub fn check(&self) -> Result<(), JobError> {
        check_media("images", &self.videos)
    }
}

/// A URL to fetch media from: the gateway's `MediaURL`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MediaUrl {
    /// Where the media can be fetched.
    pub url: String,
}

/// The result of text-to-speech: the gateway's `AudioResponse`.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioOutput {
    /// The generated speech.
    pub audio: MediaUrl,
}

impl AudioOutput {
    /// Checks that the audio URL is usable.
    pub fn check(&self) -> Result<(), JobError> {
        if !is_fetchable(&self.audio.url) {
            return Err(JobError::invalid_response("audio.url", "not an http(s) or data: URL"));
        }
        Ok(())
    }
}

fn check_media(field: &str, items: &[Media]) -> Result<(), JobError> {
    if items.is_empty() {
        return Err(JobError::invalid_response(field, "the list is empty"));
    }
    for (index, media) in items.iter().enumerate() {
        if !is_fetchable(&media.url) {
            let at = format!("{field}[{index}].url");
            return Err(JobError::invalid_response(&at, "not an http(s) or data: URL"));
        }
    }
    Ok(())
}

/// True for the URL schemes results may use: `http:`, `https:` and `data:`, or a path on
/// the gateway (`/stream/...`). A URL holding whitespace or control characters is refused,
/// and so is a path that a browser would read as another host: URL parsers drop tabs and
/// newlines and take `\` for `/`, so `/\host` and `/<tab>/host` mean `//host`.
pub fn is_fetchable(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let absolute = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("data:");
    (absolute && !has_blanks(url)) || is_plain_path(url)
}

/// True for a path on the page's own server (`/livepeer`), and not for anything a URL
/// parser would read as another host: `//host`, `/\host`, or either with tabs, newlines
/// or other blanks and control characters in it, which URL parsers drop.
pub fn is_plain_path(url: &str) -> bool {
    url.starts_with('/')
        && !matches!(url.as_bytes().get(1), Some(b'/' | b'\\'))
        && !has_blanks(url)
}

fn has_blanks(url: &str) -> bool {
    url.bytes().any(|byte| byte <= b' ' || byte == 0x7f)
}

impl Read for Media {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(Media {
            url: fields.req("url"),
            seed: fields.req("seed"),
            nsfw: fields.req("nsfw"),
        })
    }
}

impl Read for ImageOutput {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(ImageOutput { images: fields.req("images") })
    }
}

/// The gateway answers an image-to-video job under `images`.
impl Read for VideoOutput {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(VideoOutput { videos: fields.req("images") })
    }
}

impl Read for MediaUrl {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(MediaUrl { url: fields.req("url") })
    }
}

impl Read for AudioOutput {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(AudioOutput { audio: fields.req("audio") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(urls: &[&str]) -> ImageOutput {
        let images =
            urls.iter().map(|url| Media { url: url.to_string(), seed: 0, nsfw: false }).collect();
        ImageOutput { images }
    }

    #[test]
    fn usable_urls_pass() {
        let urls =
            ["http://a/x.png", "HTTPS://a/x", "data:image/png;base64,AA", "/stream/1/a.png"];
        assert!(output(&urls).check().is_ok());
    }

    #[test]
    fn empty_lists_and_odd_urls_are_refused_with_their_path() {
        assert_eq!(output(&[]).check().unwrap_err().field.as_deref(), Some("images"));
        let odd = ["javascript:alert(1)", "file:///etc/passwd", "//evil/x", "", "ftp://x"];
        let disguised = ["/\\evil/x", "/\t/evil/x", "/\n/evil/x", "http://a/ b", " /x"];
        for bad in odd.into_iter().chain(disguised) {
            let error = output(&["http://a/ok.png", bad]).check().unwrap_err();
            assert_eq!(error.field.as_deref(), Some("images[1].url"), "{bad}");
        }
    }
}
