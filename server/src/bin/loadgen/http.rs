//! The HTTP client of the load generators: server functions called as a browser calls them.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::{Method, Request, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::Result;
use super::purchase::PASSWORD;

// HTTP

/// An answer, read whole.
pub struct Answer {
    pub body: String,
    pub set_cookies: Vec<String>,
}

#[derive(Clone)]
pub struct Http {
    pub client: Client<HttpConnector, Full<Bytes>>,
    pub base_url: String,
    /// The longest request so far, answered or not, in µs (shared by the clones).
    slowest_us: Arc<AtomicU64>,
}

impl Http {
    pub fn new(base_url: &str) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Self {
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(90))
                .build(connector),
            base_url: base_url.to_owned(),
            slowest_us: Arc::default(),
        }
    }

    /// The longest request so far, answered or not.
    pub fn slowest(&self) -> Duration {
        Duration::from_micros(self.slowest_us.load(Ordering::Relaxed))
    }

    fn took(&self, started: Instant) {
        let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.slowest_us.fetch_max(us, Ordering::Relaxed);
    }

    /// Sends one request; any status but 2xx is an error that shows the request and the answer.
    pub async fn send(
        &self,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answer> {
        let url = format!("{}{path}", self.base_url);
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(&url)
            .header(header::CONTENT_TYPE, content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body.clone())))
            .map_err(|error| format!("petición inválida a {url}: {error}"))?;
        let started = Instant::now();
        let response = self.client.request(request).await;
        self.took(started);
        let response = response.map_err(|error| format!("POST {url}: sin respuesta ({error})"))?;
        let status = response.status().as_u16();
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|error| format!("POST {url}: cuerpo ilegible ({error})"))?
            .to_bytes();
        let answer = Answer {
            body: String::from_utf8_lossy(&bytes).into_owned(),
            set_cookies,
        };
        if (200..300).contains(&status) {
            Ok(answer)
        } else {
            Err(format!(
                "POST {path} → {status}\n  petición: {}\n  respuesta: {}",
                shorten(&redact(&body), 600),
                shorten(&answer.body, 1200)
            ))
        }
    }

    /// `GET path`: the status and the body, whatever the status (`/healthz` answers 503 with a
    /// report); an error only when no answer came.
    pub async fn get(&self, path: &str) -> Result<(u16, String)> {
        let url = format!("{}{path}", self.base_url);
        let request = Request::builder()
            .method(Method::GET)
            .uri(&url)
            .body(Full::new(Bytes::new()))
            .map_err(|error| format!("petición inválida a {url}: {error}"))?;
        let started = Instant::now();
        let response = self.client.request(request).await;
        self.took(started);
        let response = response.map_err(|error| format!("GET {url}: sin respuesta ({error})"))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|error| format!("GET {url}: cuerpo ilegible ({error})"))?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// A server function called as the browser does: a form body and the session cookie.
    pub async fn form(
        &self,
        endpoint: &str,
        fields: &[(&str, &str)],
        cookie: &str,
    ) -> Result<Answer> {
        let headers: &[(&str, &str)] = if cookie.is_empty() {
            &[]
        } else {
            &[("cookie", cookie)]
        };
        self.send(
            &format!("/api/{endpoint}"),
            "application/x-www-form-urlencoded",
            headers,
            form_body(fields),
        )
        .await
    }
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            body.push('&');
        }
        encode_into(&mut body, name);
        body.push('=');
        encode_into(&mut body, value);
    }
    body
}

/// Percent-encodes a form name or value (`[` and `]` too, as browsers do).
pub fn encode_into(out: &mut String, value: &str) {
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// The password never reaches the output.
pub fn redact(body: &str) -> String {
    body.replace(PASSWORD, "***")
}

pub fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

/// `name=value` of every `Set-Cookie` that sets a value.
pub fn cookies_of(answer: &Answer) -> Vec<(String, String)> {
    answer
        .set_cookies
        .iter()
        .filter_map(|set| {
            let pair = set.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            (!value.is_empty()).then(|| (name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

pub fn json_of(answer: &Answer, what: &str) -> Result<Value> {
    serde_json::from_str(&answer.body)
        .map_err(|error| format!("{what}: la respuesta no es JSON ({error}): {}", answer.body))
}
