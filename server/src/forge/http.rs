//! The HTTP behaviour every forge client shares: per-request timeouts, bounded retries with
//! backoff for 5xx and transport errors, rate-limit handling, and status codes mapped to
//! [`ForgeError`]s.
//!
//! Rate limits: a 429, or a 403 with `x-ratelimit-remaining: 0`, or either with `Retry-After`,
//! means "wait until the reset". If the reset is within [`Policy::max_rate_wait`] the request
//! waits and tries again; otherwise it fails with [`ForgeError::RateLimited`], so the caller can
//! tell the user when to come back instead of hammering the forge.

use std::time::{Duration, SystemTime};

use reqwest::{header::HeaderMap, StatusCode};

use super::ForgeError;

/// How patient a client is.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// How long one request may take.
    pub timeout: Duration,
    /// How many times a failed request is retried (5xx, transport errors).
    pub retries: u32,
    /// The first retry's delay; it doubles each time.
    pub backoff: Duration,
    /// The longest wait for a rate-limit reset before giving up with `RateLimited`.
    pub max_rate_wait: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_rate_wait: Duration::from_secs(60),
        }
    }
}

/// A successful (2xx or 304) answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    /// How many HTTP requests it took, retries included.
    pub attempts: u32,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `raw` escaped for use as one URL path segment (an owner, a repository, a user name).
pub fn path_segment(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A reqwest client with the shared policy.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    policy: Policy,
}

impl HttpClient {
    pub fn new(policy: Policy) -> Self {
        let client = reqwest::Client::builder()
            .user_agent(concat!("reposync/", env!("CARGO_PKG_VERSION")))
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .build()
            .expect("a client with rustls and default settings builds");
        HttpClient { client, policy }
    }

    /// GETs `url` with `headers`, retrying and waiting as the policy allows.
    pub async fn get(&self, url: &str, headers: HeaderMap) -> Result<Reply, ForgeError> {
        let mut attempts = 0;
        let mut delay = self.policy.backoff;
        let mut waited_for_rate_limit = false;
        loop {
            attempts += 1;
            match self
                .attempt(url, self.client.get(url).headers(headers.clone()))
                .await
            {
                Attempt::Done(result) => {
                    return result.map(|reply| Reply { attempts, ..reply });
                }
                Attempt::Retryable(error) if attempts <= self.policy.retries => {
                    tracing::debug!(%error, attempts, "forge request failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Attempt::Retryable(error) => return Err(error),
                Attempt::RateLimited(until) => {
                    // Resets are whole seconds and clocks drift: a second of margin avoids waking early.
                    let wait = until.duration_since(SystemTime::now()).unwrap_or_default()
                        + Duration::from_secs(1);
                    if waited_for_rate_limit || wait > self.policy.max_rate_wait {
                        return Err(ForgeError::RateLimited { until });
                    }
                    tracing::info!(
                        wait_ms = wait.as_millis() as u64,
                        "forge rate limit reached; waiting for the reset"
                    );
                    waited_for_rate_limit = true;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// POSTs `body` as JSON once: a POST creates something, so it is never retried.
    pub async fn post_json(
        &self,
        url: &str,
        headers: HeaderMap,
        body: &serde_json::Value,
    ) -> Result<Reply, ForgeError> {
        match self
            .attempt(url, self.client.post(url).headers(headers).json(body))
            .await
        {
            Attempt::Done(result) => result,
            Attempt::Retryable(error) => Err(error),
            Attempt::RateLimited(until) => Err(ForgeError::RateLimited { until }),
        }
    }

    /// One request to `url`, classified.
    async fn attempt(&self, url: &str, request: reqwest::RequestBuilder) -> Attempt {
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Attempt::Retryable(ForgeError::Transport(describe(&error))),
        };
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(until) = rate_limited_until(status, &headers) {
            return Attempt::RateLimited(until);
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Attempt::Retryable(ForgeError::Transport(describe(&error))),
        };
        let failure = match status {
            s if s.is_success() || s == StatusCode::NOT_MODIFIED => {
                return Attempt::Done(Ok(Reply {
                    status,
                    headers,
                    body,
                    attempts: 1,
                }));
            }
            s if s.is_server_error() => {
                return Attempt::Retryable(ForgeError::Server {
                    status: s.as_u16(),
                    message: message_of(&body),
                });
            }
            StatusCode::UNAUTHORIZED => ForgeError::Unauthorized,
            StatusCode::FORBIDDEN => ForgeError::Forbidden(message_of(&body)),
            StatusCode::NOT_FOUND => ForgeError::NotFound(path_of(url)),
            s => ForgeError::Server {
                status: s.as_u16(),
                message: message_of(&body),
            },
        };
        Attempt::Done(Err(failure))
    }
}

/// How one request ended.
enum Attempt {
    /// A final answer: success, or an error that retrying cannot fix.
    Done(Result<Reply, ForgeError>),
    /// A 5xx or transport failure: worth another try.
    Retryable(ForgeError),
    /// Rate limited until then.
    RateLimited(SystemTime),
}

/// When a rate-limited response says the limit resets; `None` if it is not rate limited.
pub fn rate_limited_until(status: StatusCode, headers: &HeaderMap) -> Option<SystemTime> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    let retry_after = headers.get("retry-after").map(|v| {
        // Seconds, or an HTTP date we do not parse: then a minute, the forges' advice.
        v.to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(60)
    });
    let exhausted =
        number("x-ratelimit-remaining").or_else(|| number("ratelimit-remaining")) == Some(0);
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && (exhausted || retry_after.is_some()));
    if !limited {
        return None;
    }
    let now = SystemTime::now();
    if let Some(seconds) = retry_after {
        return Some(later(now, seconds));
    }
    match number("x-ratelimit-reset").or_else(|| number("ratelimit-reset")) {
        Some(epoch) => Some(later(SystemTime::UNIX_EPOCH, epoch).max(now)),
        None => Some(now + Duration::from_secs(60)),
    }
}

/// `from` plus `seconds`, capped a year ahead: a forge's absurd reset must not overflow.
fn later(from: SystemTime, seconds: u64) -> SystemTime {
    const YEAR: u64 = 365 * 24 * 3600;
    let cap = SystemTime::now() + Duration::from_secs(YEAR);
    from.checked_add(Duration::from_secs(seconds))
        .map_or(cap, |t| t.min(cap))
}

/// A forge's error body, shortened: `{"message": …}` where there is one.
fn message_of(body: &[u8]) -> String {
    let text = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The path of a URL, without its query (which may carry a token).
fn path_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default()
}

/// A transport error without the URL (which may carry a token).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the response body broke off"
    } else {
        "request failed"
    };
    let url = error
        .url()
        .map(|u| format!(" ({}{})", u.host_str().unwrap_or(""), u.path()))
        .unwrap_or_default();
    format!("{kind}{url}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn exhausted_github_limit_waits_for_the_reset() {
        let reset = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 120;
        let until = rate_limited_until(
            StatusCode::FORBIDDEN,
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset.to_string()),
            ]),
        )
        .unwrap();
        assert_eq!(
            until
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            reset
        );
    }

    #[test]
    fn absurd_resets_do_not_overflow() {
        let max = u64::MAX.to_string();
        for headers in [
            headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &max)]),
            headers(&[("retry-after", &max)]),
        ] {
            let until = rate_limited_until(StatusCode::TOO_MANY_REQUESTS, &headers).unwrap();
            assert!(until > SystemTime::now());
        }
    }

    #[test]
    fn a_plain_403_is_not_a_rate_limit() {
        assert!(rate_limited_until(
            StatusCode::FORBIDDEN,
            &headers(&[("x-ratelimit-remaining", "12")])
        )
        .is_none());
        assert!(
            rate_limited_until(StatusCode::OK, &headers(&[("x-ratelimit-remaining", "0")]))
                .is_none()
        );
    }

    #[test]
    fn retry_after_wins_and_429_alone_means_a_minute() {
        let until = rate_limited_until(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "5")]),
        )
        .unwrap();
        let wait = until.duration_since(SystemTime::now()).unwrap();
        assert!(wait <= Duration::from_secs(5) && wait > Duration::from_secs(3));
        let until = rate_limited_until(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new()).unwrap();
        assert!(until.duration_since(SystemTime::now()).unwrap() > Duration::from_secs(50));
    }

    proptest::proptest! {
        /// Any rate-limit header values are read without panicking.
        #[test]
        fn any_rate_limit_headers_are_safe(
            remaining in "[0-9]{0,21}|\\PC{0,12}",
            reset in "[0-9]{0,21}|\\PC{0,24}",
            retry in "[0-9]{0,21}|\\PC{0,12}",
            code in 100u16..600,
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in [("x-ratelimit-remaining", &remaining), ("x-ratelimit-reset", &reset), ("retry-after", &retry)] {
                if let Ok(value) = value.parse() {
                    map.insert(name, value);
                }
            }
            let _ = rate_limited_until(StatusCode::from_u16(code).unwrap(), &map);
        }
    }

    #[test]
    fn error_messages_are_short_and_never_carry_queries() {
        assert_eq!(
            message_of(br#"{"message":"Bad credentials"}"#),
            "Bad credentials"
        );
        assert!(message_of(&[b'x'; 1000]).chars().count() <= 201);
        assert_eq!(
            path_of("https://h.test/user/repos?access_token=secret"),
            "/user/repos"
        );
    }
}
