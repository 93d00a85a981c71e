//! Test helpers: start the gateway binary on a free loopback port and talk raw HTTP/1.1.
//!
//! The client is a plain `TcpStream` so that tests see exactly what went over the wire,
//! including a connection closed without any response.

#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A running gateway process, killed when dropped.
pub struct Gateway {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
}

impl Gateway {
    /// Starts the gateway with `--port 0` and the extra flags, and reads its port.
    pub fn start(extra: &[&str]) -> Self {
        Self::start_with_env(extra, &[])
    }

    /// Like [`Gateway::start`], with extra environment variables for the process.
    pub fn start_with_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_livepeer-local-gateway"))
            .args(["--port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the gateway binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the gateway prints its startup line");
        let port = line
            .trim()
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected startup line {line:?}"));
        Self { child, port }
    }

    /// Sends one request and reads the whole reply.
    pub fn request(&self, method: &str, path: &str, extra: &[(&str, &str)], body: &str) -> Reply {
        self.try_request(method, path, extra, body)
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"))
    }

    /// Like [`Gateway::request`], but an empty reply or a reset is an `Err`.
    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> io::Result<Reply> {
        let mut stream = self.send(method, path, headers, body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        if raw.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "empty reply"));
        }
        Ok(Reply::parse(&raw))
    }

    /// Writes a request and returns the open connection without reading.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> io::Result<TcpStream> {
        self.send_bytes(method, path, headers, body.as_bytes())
    }

    /// Like [`Gateway::send`], with a body of any bytes.
    ///
    /// The `Host` header names 127.0.0.1 unless `headers` holds one; the connection goes
    /// to 127.0.0.1 either way.
    pub fn send_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<TcpStream> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: 127.0.0.1:{}\r\n", self.port));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        Ok(stream)
    }

    /// Sends one request with a body of any bytes and reads the whole reply.
    pub fn request_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = self
            .send_bytes(method, path, headers, body)
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap_or_else(|err| panic!("{method} {path}: {err}"));
        assert!(!raw.is_empty(), "{method} {path}: empty reply");
        Reply::parse(&raw)
    }

    /// POSTs a `multipart/form-data` body made of `parts`.
    pub fn post_form(&self, path: &str, parts: &[Part]) -> Reply {
        self.post_form_with(path, &[], parts)
    }

    /// POSTs a `multipart/form-data` body made of `parts`, with extra headers.
    pub fn post_form_with(&self, path: &str, headers: &[(&str, &str)], parts: &[Part]) -> Reply {
        let (content_type, body) = multipart(parts);
        let mut all = vec![("Content-Type", content_type.as_str())];
        all.extend_from_slice(headers);
        self.request_bytes("POST", path, &all, &body)
    }

    /// Sets a scope's configuration and returns the answer.
    pub fn configure(&self, scope: &str, config: &str) -> Value {
        let reply = self.post(&format!("/control/{scope}/config"), config);
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()
    }

    /// POSTs a JSON body.
    pub fn post(&self, path: &str, body: &str) -> Reply {
        self.request("POST", path, &[("Content-Type", "application/json")], body)
    }

    /// GETs a path.
    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], "")
    }

    /// Appends a fault script to a scope and checks that it was accepted.
    pub fn script(&self, scope: &str, faults: &str) {
        let reply = self.post(&format!("/control/{scope}/faults"), faults);
        assert_eq!(reply.status, 200, "{}", reply.text());
    }

    /// The request log of a scope.
    pub fn log(&self, scope: &str) -> Vec<Value> {
        self.entries(&format!("/control/{scope}/log"))
    }

    /// The media log of a scope.
    pub fn media_log(&self, scope: &str) -> Vec<Value> {
        self.entries(&format!("/control/{scope}/media-log"))
    }

    /// The in-flight counters of a scope.
    pub fn stats(&self, scope: &str) -> Value {
        let reply = self.get(&format!("/control/{scope}/stats"));
        assert_eq!(reply.status, 200);
        reply.json()
    }

    fn entries(&self, path: &str) -> Vec<Value> {
        let reply = self.get(path);
        assert_eq!(reply.status, 200);
        match reply.json()["requests"].clone() {
            Value::Array(entries) => entries,
            other => panic!("{path} has no array of requests: {other}"),
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP response as read off the socket.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Headers with lowercase names, in order.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked if needed.
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Self {
        let split =
            raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_lowercase(), value.trim().to_owned()))
            .collect();
        let rest = &raw[split + 4..];
        let chunked =
            headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked { dechunk(rest) } else { rest.to_vec() };
        Self { status, headers, body }
    }

    /// The value of a header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.text()))
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return body;
        };
        let size_text = String::from_utf8_lossy(&rest[..end]);
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or(0);
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[end + 2..end + 2 + size]);
        rest = &rest[end + 2 + size + 2..];
    }
}

/// One part of a multipart form.
pub enum Part<'a> {
    /// A plain field: name and value.
    Text(&'a str, &'a str),
    /// A file field: name, file name and bytes.
    File(&'a str, &'a str, &'a [u8]),
}

/// Encodes a multipart form: (content type with boundary, body).
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "gateway-test-boundary-7d1f3a";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                let head = format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n");
                body.extend_from_slice(head.as_bytes());
                body.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file_name, bytes) => {
                let head = format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                );
                body.extend_from_slice(head.as_bytes());
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Encodes an 8-bit PNG of the given colour type; `pixels` must match it.
pub fn encode_png(width: u32, height: u32, colour: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(pixels).expect("PNG data");
    writer.finish().expect("a finished PNG");
    out
}

/// A `width`×`height` RGB PNG with a gradient, so that every picture differs.
pub fn gradient_png(width: u32, height: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..height)
        .flat_map(|y| (0..width).flat_map(move |x| [(x * 4) as u8, (y * 4) as u8, 90]))
        .collect();
    encode_png(width, height, png::ColorType::Rgb, &pixels)
}

/// The `detail` of a 422 answer as (field, type) pairs.
pub fn problems(reply: &Reply) -> Vec<(String, String)> {
    assert_eq!(reply.status, 422, "{}", reply.text());
    reply.json()["detail"]
        .as_array()
        .expect("a detail list")
        .iter()
        .map(|e| {
            let loc = e["loc"].as_array().expect("a loc list");
            let field = loc.last().map(|f| f.to_string().trim_matches('"').to_owned());
            (field.unwrap_or_default(), e["type"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// Fetches a media URL from a pipeline answer through the gateway.
pub fn fetch_media(gateway: &Gateway, url: &str) -> Reply {
    let prefix = format!("http://127.0.0.1:{}", gateway.port);
    let path = url.strip_prefix(&prefix).unwrap_or_else(|| panic!("{url} is not on this gateway"));
    gateway.get(path)
}

/// Decodes a PNG: (width, height, pixels).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(io::Cursor::new(bytes)).read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut pixels).expect("a PNG frame");
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}
