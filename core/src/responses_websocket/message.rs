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
    let mut message = if request.stream.is_some() {
        let mut request = request.clone();
        request.stream = None;
        crate::request::encode_string(&request)?
    } else {
        crate::request::encode_string(request)?
    };
    // `message` is a JSON object, `{` then its members: the type goes in front of them (the
    // members move up in place; the encoder's output is UTF-8 already, nothing to validate).
    if message.starts_with('{') {
        let head = if message == "{}" {
            r#"{"type":"response.create""#
        } else {
            r#"{"type":"response.create","#
        };
        message.replace_range(..1, head);
    }
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
