//! Providers: base URL, query parameters, default headers, retry and idle settings.
