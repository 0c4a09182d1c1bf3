//! URL joining and query-parameter encoding.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::ProviderError;

/// Everything but RFC 3986 unreserved characters is percent-encoded in query names and values.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Ordered query parameters (raw, unencoded). Setting a name again replaces its value in
/// place, so the encoded order is deterministic: the order of first insertion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// No parameters.
    pub fn new() -> Self {
        QueryParams(Vec::new())
    }

    /// Sets `name` to `value`, replacing an earlier value of the same name in place.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.0.iter_mut().find(|(existing, _)| *existing == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    /// Appends `name=value` even when `name` is already set (repeated parameters such as
    /// `include[]`).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Builder form of [`QueryParams::set`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The percent-encoded `name=value&...` form (no leading `?`).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.append_to(&mut out);
        out
    }

    fn append_to(&self, out: &mut String) {
        for (name, value) in &self.0 {
            if !out.is_empty() {
                out.push('&');
            }
            out.extend(utf8_percent_encode(name, QUERY_COMPONENT));
            out.push('=');
            out.extend(utf8_percent_encode(value, QUERY_COMPONENT));
        }
    }
}

/// Checks that `base_url` is an absolute `http`/`https` URL with a host and no fragment.
pub(super) fn validate_base_url(base_url: &str) -> Result<(), ProviderError> {
    let invalid = |reason| ProviderError::InvalidBaseUrl { reason };
    if base_url.contains('#') {
        return Err(invalid("a base URL must not have a fragment"));
    }
    let uri: http::Uri = base_url
        .parse()
        .map_err(|_| invalid("not a valid absolute URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        Some(_) => return Err(invalid("the scheme must be http or https")),
        None => return Err(invalid("the URL must be absolute (scheme and host)")),
    }
    match uri.authority() {
        Some(authority) if !authority.host().is_empty() => Ok(()),
        _ => Err(invalid("the URL has no host")),
    }
}

/// Joins `base` and `path` with exactly one slash, then appends the base URL's own query and
/// each parameter set, with `?` before the first parameter and `&` between the rest.
pub(super) fn join(base: &str, path: &str, queries: &[&QueryParams]) -> String {
    let (base_path, base_query) = match base.split_once('?') {
        Some((path_part, query)) => (path_part, Some(query)),
        None => (base, None),
    };
    let base_path = base_path.trim_end_matches('/');
    let path = path.trim_start_matches('/');
    let mut url = String::with_capacity(base.len() + path.len() + 1);
    url.push_str(base_path);
    if !path.is_empty() {
        url.push('/');
        url.push_str(path);
    }
    let mut query = String::new();
    if let Some(existing) = base_query.filter(|existing| !existing.is_empty()) {
        query.push_str(existing);
    }
    for params in queries {
        params.append_to(&mut query);
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query);
    }
    url
}
