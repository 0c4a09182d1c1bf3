//! The `response.create` message.

use crate::request::BuildError;
use crate::wire::ResponsesApiRequest;

/// The `response.create` message for `request`: its `CreateResponse` members after
/// `"type":"response.create"`, without `stream` (implicit on the transport). A request with
/// `background: true` is refused: the transport does not support it.
pub fn create_message(request: &ResponsesApiRequest) -> Result<String, BuildError> {
    if request.background == Some(true) {
        return Err(BuildError::BackgroundOverWebSocket);
    }
    let body = if request.stream.is_some() {
        let mut request = request.clone();
        request.stream = None;
        crate::request::encode_body(&request)?
    } else {
        crate::request::encode_body(request)?
    };
    // `body` is a JSON object: `{` then its members.
    let members = body.strip_prefix(b"{").unwrap_or(&body[..]);
    let mut message = String::with_capacity(body.len() + 28);
    message.push_str(r#"{"type":"response.create""#);
    if members != b"}" {
        message.push(',');
    }
    message.push_str(std::str::from_utf8(members).map_err(|_| BuildError::Body {
        message: "the encoded request is not UTF-8".into(),
    })?);
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_first_no_stream_and_no_background() {
        let mut request = ResponsesApiRequest::new("gpt-5");
        request.stream = Some(true);
        let message = create_message(&request).unwrap();
        assert_eq!(
            message,
            r#"{"type":"response.create","model":"gpt-5","input":[]}"#
        );
        request.background = Some(true);
        assert_eq!(
            create_message(&request),
            Err(BuildError::BackgroundOverWebSocket)
        );
    }
}
