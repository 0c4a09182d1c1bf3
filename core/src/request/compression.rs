//! Request-body compression.

use bytes::Bytes;

use super::BuildError;
use super::options::Compression;

/// zstd level used for request bodies (what Codex uses).
pub const ZSTD_LEVEL: i32 = 3;

/// Compresses `body`; returns the new body and the `Content-Encoding` value, if any.
pub(super) fn compress(
    body: Bytes,
    compression: Compression,
) -> Result<(Bytes, Option<&'static str>), BuildError> {
    match compression {
        Compression::None => Ok((body, None)),
        Compression::Zstd => zstd_compress(body).map(|body| (body, Some("zstd"))),
    }
}

#[cfg(feature = "zstd")]
fn zstd_compress(body: Bytes) -> Result<Bytes, BuildError> {
    zstd::bulk::compress(&body, ZSTD_LEVEL)
        .map(Bytes::from)
        .map_err(|error| BuildError::Compression {
            message: error.to_string(),
        })
}

#[cfg(not(feature = "zstd"))]
fn zstd_compress(_body: Bytes) -> Result<Bytes, BuildError> {
    Err(BuildError::CompressionUnavailable)
}
