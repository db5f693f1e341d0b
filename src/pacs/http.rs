//! The HTTP side of DICOMweb: one `ureq` agent per PACS (connection reuse, timeouts, rustls),
//! Basic authentication, and every failure turned into one [`PacsError`] line.

use std::time::Duration;

use base64::Engine as _;

use super::{PacsError, PacsResult};

/// Largest single answer accepted (one instance, or one search result): 2 GiB.
pub(crate) const MAX_BODY_BYTES: u64 = 2 << 30;

/// A PACS's HTTP endpoint.
#[derive(Clone)]
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    auth: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the credentials.
        f.debug_struct("HttpClient")
            .field("auth", &self.auth.as_ref().map(|_| "…"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An answer: status, content type and body.
pub(crate) struct Answer {
    pub content_type: String,
    pub body: Vec<u8>,
}

impl HttpClient {
    /// A client with `timeout` for connecting and for each read (a stalled PACS fails).
    pub fn new(user: Option<&str>, password: Option<&str>, timeout: Duration) -> HttpClient {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_send_body(Some(timeout))
            .http_status_as_error(false)
            .max_idle_connections_per_host(16)
            .build()
            .into();
        let auth = user.map(|u| {
            let raw = format!("{u}:{}", password.unwrap_or_default());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            )
        });
        HttpClient {
            agent,
            auth,
            timeout,
        }
    }

    fn error(&self, url: &str, e: ureq::Error) -> PacsError {
        let peer = url.to_owned();
        match e {
            ureq::Error::Timeout(_) => PacsError::Timeout {
                peer,
                seconds: self.timeout.as_secs().max(1),
            },
            ureq::Error::ConnectionFailed => PacsError::Network {
                peer,
                message: "connection refused or failed".to_owned(),
            },
            ureq::Error::HostNotFound => PacsError::Network {
                peer,
                message: "host not found".to_owned(),
            },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                PacsError::Network {
                    peer,
                    message: "connection refused".to_owned(),
                }
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                PacsError::Timeout {
                    peer,
                    seconds: self.timeout.as_secs().max(1),
                }
            }
            ureq::Error::BodyExceedsLimit(n) => PacsError::Malformed {
                peer,
                message: format!("answer larger than {n} bytes"),
            },
            other => PacsError::Network {
                peer,
                message: other.to_string(),
            },
        }
    }

    fn check_status(url: &str, status: u16) -> PacsResult<()> {
        if (200..300).contains(&status) {
            return Ok(());
        }
        let reason = match status {
            401 => Some("wrong user or password"),
            403 => Some("this user may not do that"),
            404 => Some("not found on the PACS"),
            _ => None,
        };
        Err(PacsError::Http {
            peer: url.to_owned(),
            status,
            reason: reason.map(str::to_owned),
        })
    }

    /// GET `url` with `accept` and query parameters (percent-encoded); the whole body (up to
    /// [`MAX_BODY_BYTES`]).
    pub fn get(&self, url: &str, accept: &str, query: &[(&str, &str)]) -> PacsResult<Answer> {
        let mut req = self
            .agent
            .get(url)
            .header("Accept", accept)
            .query_pairs(query.iter().copied());
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req.call().map_err(|e| self.error(url, e))?;
        Self::check_status(url, resp.status().as_u16())?;
        let content_type = content_type(resp.headers());
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| self.error(url, e))?;
        Ok(Answer { content_type, body })
    }

    /// POST `body` with `content_type` to `url`; the answer.
    pub fn post(&self, url: &str, content_type_value: &str, body: &[u8]) -> PacsResult<Answer> {
        let mut req = self
            .agent
            .post(url)
            .header("Content-Type", content_type_value)
            .header("Accept", "application/dicom+json");
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req.send(body).map_err(|e| self.error(url, e))?;
        let status = resp.status().as_u16();
        let content_type = content_type(resp.headers());
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .unwrap_or_default();
        Self::check_status(url, status)?;
        Ok(Answer { content_type, body })
    }
}

fn content_type(headers: &ureq::http::HeaderMap) -> String {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
