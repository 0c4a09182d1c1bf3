//! Classification of providers by name and base URL (Azure, first-party OpenAI).

/// Substrings of a lowercased base URL that mark an Azure OpenAI deployment or gateway.
const AZURE_MARKERS: [&str; 6] = [
    "openai.azure.",
    "cognitiveservices.azure.",
    "aoai.azure.",
    "azure-api.",
    "azurefd.",
    "windows.net/openai",
];

/// Azure detection as Codex does it: the name `azure` in any case, or a known marker anywhere
/// in the lowercased base URL.
pub(super) fn is_azure(name: &str, base_url: &str) -> bool {
    if name.eq_ignore_ascii_case("azure") {
        return true;
    }
    let base = base_url.to_ascii_lowercase();
    AZURE_MARKERS.iter().any(|marker| base.contains(marker))
}

/// First-party OpenAI: `https://api.openai.com/...`, or the Codex backend under
/// `https://chatgpt.com/backend-api/codex` (also on `chat.openai.com`).
pub(super) fn is_first_party_openai(base_url: &str) -> bool {
    let Ok(uri) = base_url.parse::<http::Uri>() else {
        return false;
    };
    if uri.scheme_str() != Some("https") {
        return false;
    }
    let Some(authority) = uri.authority() else {
        return false;
    };
    if authority.as_str().contains('@') || authority.port().is_some() {
        return false;
    }
    let host = authority.host().to_ascii_lowercase();
    let path = uri.path().trim_end_matches('/');
    match host.as_str() {
        "api.openai.com" => true,
        "chatgpt.com" | "chat.openai.com" => {
            path == "/backend-api/codex" || path.starts_with("/backend-api/codex/")
        }
        _ => false,
    }
}
