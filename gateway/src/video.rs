//! Encoding generated frames into a short WebM (VP8) file with the `ffmpeg` program.
//!
//! Frames are piped to ffmpeg as raw RGB; ffmpeg writes to a temporary file rather than
//! a pipe so that it can go back and fill in the duration and cues, without which
//! browsers report an infinite duration. The program is run directly with arguments,
//! never through a shell, is killed if the request is dropped, and must finish within
//! [`ENCODE_TIMEOUT`].

use std::io::ErrorKind;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::random;
use crate::raster::Rgb;

/// How long ffmpeg may take for one video.
pub const ENCODE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a video could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoError {
    /// No `ffmpeg` program on the `PATH`.
    FfmpegMissing,
    /// ffmpeg ran but failed, timed out or wrote nothing; the text says what happened.
    Failed(String),
}

impl VideoError {
    /// A message for people, naming ffmpeg and what to do.
    pub fn message(&self) -> String {
        match self {
            Self::FfmpegMissing => "image-to-video needs the ffmpeg program on the PATH of the \
                                    gateway (Debian: apt-get install ffmpeg)"
                .to_owned(),
            Self::Failed(why) => format!("ffmpeg could not encode the video: {why}"),
        }
    }
}

/// Encodes same-sized frames as VP8 in WebM at `fps` frames per second.
///
/// Fails with [`VideoError::FfmpegMissing`] when ffmpeg is not installed, and with
/// [`VideoError::Failed`] when it fails, takes too long or the frames are empty or of
/// mixed sizes.
pub async fn encode_webm(frames: &[Rgb], fps: u32) -> Result<Vec<u8>, VideoError> {
    let Some(first) = frames.first() else {
        return Err(VideoError::Failed("no frames".to_owned()));
    };
    let (width, height) = (first.width, first.height);
    if frames.iter().any(|frame| (frame.width, frame.height) != (width, height)) {
        return Err(VideoError::Failed("frames of different sizes".to_owned()));
    }
    let raw: Vec<u8> = frames.iter().flat_map(|frame| frame.pixels.iter().copied()).collect();

    let output = TempFile::new("webm");
    let mut child = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"])
        .args(["-s", &format!("{width}x{height}"), "-framerate", &fps.to_string()])
        .args(["-i", "pipe:0", "-an", "-c:v", "libvpx", "-b:v", "300k"])
        .args(["-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p"])
        .args(["-f", "webm", "-y"])
        .arg(&output.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| match err.kind() {
            ErrorKind::NotFound => VideoError::FfmpegMissing,
            _ => VideoError::Failed(format!("cannot start ffmpeg: {err}")),
        })?;

    let Some(mut stdin) = child.stdin.take() else {
        return Err(VideoError::Failed("ffmpeg has no standard input".to_owned()));
    };
    let feed = async move {
        let written = stdin.write_all(&raw).await;
        drop(stdin);
        written
    };
    let run = async { tokio::join!(feed, child.wait_with_output()) };
    let (fed, finished) = tokio::time::timeout(ENCODE_TIMEOUT, run)
        .await
        .map_err(|_| VideoError::Failed("timed out".to_owned()))?;

    let finished = finished.map_err(|err| VideoError::Failed(err.to_string()))?;
    if !finished.status.success() {
        let stderr = String::from_utf8_lossy(&finished.stderr);
        let why = stderr.lines().last().unwrap_or("no message").trim().to_owned();
        return Err(VideoError::Failed(format!("{}: {why}", finished.status)));
    }
    fed.map_err(|err| VideoError::Failed(format!("cannot feed frames: {err}")))?;

    let bytes = tokio::fs::read(&output.0)
        .await
        .map_err(|err| VideoError::Failed(format!("cannot read its output: {err}")))?;
    if bytes.is_empty() {
        return Err(VideoError::Failed("it wrote an empty file".to_owned()));
    }
    Ok(bytes)
}

/// A file name in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(extension: &str) -> Self {
        let name = format!("livepeer-local-gateway-{}.{extension}", random::request_id());
        Self(std::env::temp_dir().join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
