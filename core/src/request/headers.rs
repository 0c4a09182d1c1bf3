//! Header validation: every header goes through here, so an invalid name or a value with CR/LF
//! is a typed error and never reaches the wire.

use http::{HeaderMap, HeaderName, HeaderValue};

use super::BuildError;

/// Validates `name` and `value` and inserts them into `headers`, replacing earlier values of
/// the same name. The error names the header and never carries the value.
pub(crate) fn set_header(
    headers: &mut HeaderMap,
    name: &str,
    value: &str,
    sensitive: bool,
) -> Result<(), BuildError> {
    let invalid = || BuildError::InvalidHeader {
        name: name.to_owned(),
    };
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let mut header_value = HeaderValue::from_str(value).map_err(|_| invalid())?;
    header_value.set_sensitive(sensitive);
    headers.insert(header_name, header_value);
    Ok(())
}

/// Applies a list of `(name, value)` pairs in order (later pairs replace earlier ones).
pub(crate) fn set_headers<'a>(
    headers: &mut HeaderMap,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), BuildError> {
    for (name, value) in pairs {
        set_header(headers, name, value, false)?;
    }
    Ok(())
}
