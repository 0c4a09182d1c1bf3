//! Request building: one function per endpoint producing `http::Request<Bytes>`.
