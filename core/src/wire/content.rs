//! Content parts of message items (`input_text`, `output_text`, ...) and of reasoning items.

use serde_json::Value;
use serde_json::value::RawValue;

use super::Extra;
use super::lossless::wire_struct;
use super::tagged::open_tagged_deserialize;
use super::tagged::raw_eq;

/// One part of a message's `content` array.
///
/// Unknown part types are kept as raw JSON in [`ContentPart::Other`], member by member (see
/// [`ResponseItem`](super::ResponseItem)): compact JSON re-serialises byte for byte.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ContentPart {
    /// `input_text`: text sent to the model.
    InputText(InputText),
    /// `input_image`: an image by URL (including `data:` URLs) or file id.
    InputImage(InputImage),
    /// `input_file`: a file by id, URL or inline data.
    InputFile(InputFile),
    /// `output_text`: text produced by the model.
    OutputText(OutputText),
    /// `refusal`: the model declined to answer.
    Refusal(Refusal),
    /// A part type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(ContentPart {
    "input_text" => InputText(InputText),
    "input_image" => InputImage(InputImage),
    "input_file" => InputFile(InputFile),
    "output_text" => OutputText(OutputText),
    "refusal" => Refusal(Refusal),
});

impl ContentPart {
    /// An `input_text` part.
    pub fn input_text(text: impl Into<String>) -> Self {
        Self::InputText(InputText::new(text))
    }

    /// An `output_text` part without annotations.
    pub fn output_text(text: impl Into<String>) -> Self {
        Self::OutputText(OutputText::new(text))
    }

    /// The text of an `input_text`, `output_text` or `refusal` part.
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::InputText(part) => Some(&part.text),
            Self::OutputText(part) => Some(&part.text),
            Self::Refusal(part) => Some(&part.refusal),
            _ => None,
        }
    }
}

raw_eq!(ContentPart {
    InputText,
    InputImage,
    InputFile,
    OutputText,
    Refusal
});

wire_struct! {
    /// `input_text` content.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct InputText {
        /// The text.
        pub text: String,
    }
}

wire_struct! {
    /// `input_image` content.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct InputImage {
        /// Image URL or `data:` URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub image_url: Option<String>,
        /// Uploaded file id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub file_id: Option<String>,
        /// `low`, `high` or `auto`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub detail: Option<String>,
    }
}

wire_struct! {
    /// `input_file` content.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct InputFile {
        /// Uploaded file id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub file_id: Option<String>,
        /// Inline file content (base64 data URL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub file_data: Option<String>,
        /// URL of the file.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub file_url: Option<String>,
        /// File name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub filename: Option<String>,
    }
}

wire_struct! {
    /// `output_text` content.
    #[derive(Debug, Clone, PartialEq)]
    pub struct OutputText {
        /// The text.
        pub text: String,
        /// Citations and other annotations, kept as JSON (omitted when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub annotations: Option<Vec<Value>>,
        /// Token log probabilities, kept as JSON (omitted when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub logprobs: Option<Vec<Value>>,
    }
}

wire_struct! {
    /// `refusal` content.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Refusal {
        /// The refusal text.
        pub refusal: String,
    }
}

/// One entry of a reasoning item's `summary` array.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReasoningSummaryPart {
    /// `summary_text`.
    SummaryText(ReasoningText),
    /// A part type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(ReasoningSummaryPart {
    "summary_text" => SummaryText(ReasoningText),
});

/// One entry of a reasoning item's `content` array.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReasoningContentPart {
    /// `reasoning_text`: raw chain-of-thought text (open-weight models).
    ReasoningText(ReasoningText),
    /// `text`.
    Text(ReasoningText),
    /// A part type this crate does not know, kept verbatim.
    Other(Box<RawValue>),
}

open_tagged_deserialize!(ReasoningContentPart {
    "reasoning_text" => ReasoningText(ReasoningText),
    "text" => Text(ReasoningText),
});

wire_struct! {
    /// The `{text}` body shared by the reasoning part types.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ReasoningText {
        /// The text.
        pub text: String,
    }
}

raw_eq!(ReasoningSummaryPart { SummaryText });
raw_eq!(ReasoningContentPart {
    ReasoningText,
    Text
});

impl InputText {
    /// An `input_text` part.
    pub fn new(text: impl Into<String>) -> InputText {
        InputText {
            text: text.into(),
            extra: Extra::new(),
        }
    }
}

impl InputImage {
    /// An `input_image` part showing the image at `image_url` (or a `data:` URL).
    pub fn from_url(image_url: impl Into<String>) -> InputImage {
        InputImage {
            image_url: Some(image_url.into()),
            ..InputImage::default()
        }
    }
}

impl OutputText {
    /// An `output_text` part without annotations or log probabilities.
    pub fn new(text: impl Into<String>) -> OutputText {
        OutputText {
            text: text.into(),
            annotations: None,
            logprobs: None,
            extra: Extra::new(),
        }
    }
}

impl Refusal {
    /// A `refusal` part.
    pub fn new(refusal: impl Into<String>) -> Refusal {
        Refusal {
            refusal: refusal.into(),
            extra: Extra::new(),
        }
    }
}

impl ReasoningText {
    /// A `summary_text`, `reasoning_text` or `text` body.
    pub fn new(text: impl Into<String>) -> ReasoningText {
        ReasoningText {
            text: text.into(),
            extra: Extra::new(),
        }
    }
}
