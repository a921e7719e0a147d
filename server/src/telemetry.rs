//! Logging: a `REPOSYNC_LOG` spec parsed into a tracing filter and an output format.

use std::{fmt, str::FromStr};

use tracing_subscriber::{fmt as tfmt, EnvFilter};

const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// A parsed `REPOSYNC_LOG` value: filter directives plus the output format.
#[derive(Clone)]
pub struct LogSpec {
    filter: String,
    json: bool,
}

impl LogSpec {
    /// Whether logs are JSON lines.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// The tracing filter directives.
    pub fn filter(&self) -> &str {
        &self.filter
    }
}

impl fmt::Debug for LogSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.filter, if self.json { ",json" } else { "" })
    }
}

impl FromStr for LogSpec {
    type Err = String;

    /// `json` (or `text`) anywhere in the comma-separated list picks the format; the rest are
    /// tracing filter directives. An empty filter means `info`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let mut json = false;
        let mut directives = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "json" => json = true,
                "text" => json = false,
                directive => {
                    // A bare word would silently become a target name ("verbose" = trace logs
                    // of a crate called verbose); only levels may stand alone.
                    let bare = !directive.contains(['=', '[', ':']);
                    if bare && !LEVELS.contains(&directive.to_ascii_lowercase().as_str()) {
                        return Err(format!(
                            "`{directive}` is not a level; use one of {} or `target=level`",
                            LEVELS.join(", ")
                        ));
                    }
                    directives.push(directive)
                }
            }
        }
        let filter = if directives.is_empty() {
            "info".to_string()
        } else {
            directives.join(",")
        };
        EnvFilter::builder()
            .parse(&filter)
            .map_err(|e| format!("not a log filter ({e}); try `info`, `debug` or `info,json`"))?;
        Ok(LogSpec { filter, json })
    }
}

/// Installs the global subscriber. Safe to call more than once (tests start many servers).
pub fn init(spec: &LogSpec) {
    let filter = EnvFilter::builder().parse_lossy(&spec.filter);
    let builder = tfmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if spec.json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_a_format_not_a_directive() {
        let spec: LogSpec = "debug,json".parse().unwrap();
        assert!(spec.is_json());
        assert_eq!(spec.filter(), "debug");
    }

    #[test]
    fn empty_spec_means_info_text() {
        let spec: LogSpec = "".parse().unwrap();
        assert!(!spec.is_json());
        assert_eq!(spec.filter(), "info");
    }

    #[test]
    fn module_directives_are_kept() {
        let spec: LogSpec = "reposync=debug,sqlx=warn".parse().unwrap();
        assert_eq!(spec.filter(), "reposync=debug,sqlx=warn");
    }

    #[test]
    fn malformed_filters_are_refused() {
        assert!("info=[".parse::<LogSpec>().is_err());
        assert!("verbose".parse::<LogSpec>().is_err());
    }
}
