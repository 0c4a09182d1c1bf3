//! One HTTP proxy: where it listens and the credentials it wants.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;

use crate::client_config::ConfigError;
use crate::secret::Secret;

/// A plain-`http` proxy to go through: its host and port, and the `Proxy-Authorization`
/// value its URL's credentials give. `Debug` never shows the credentials.
///
/// An adapter sends an `https` request through it as a `CONNECT host:port` tunnel (then TLS
/// with the origin inside the tunnel), and an `http` request in absolute form
/// (`POST http://host/path`); both carry [`Proxy::authorization`] when it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    authorization: Option<Secret>,
    credentials: Option<(Secret, Secret)>,
}

impl Proxy {
    /// Parses `[http://][user[:password]@]host[:port][/...]`: the port defaults to 80, user
    /// and password are percent-decoded, a path is ignored. Any other scheme (`https`,
    /// `socks5`, ...) or a malformed URL is [`ConfigError::Proxy`] (whose message never
    /// repeats the URL).
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let url = url.trim();
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some(_) => return Err(ConfigError::Proxy),
            None => url,
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let parsed: http::uri::Authority = host_port.parse().map_err(|_| ConfigError::Proxy)?;
        let host = parsed.host();
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            return Err(ConfigError::Proxy);
        }
        // `Authority` leaves an out-of-range port unparsed: read it here.
        let port = match host_port.rsplit_once(':').map(|(_, port)| port) {
            Some(port) if port.contains(']') => 80, // the colons of an IPv6 address
            None | Some("") => 80,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|port| *port != 0)
                .ok_or(ConfigError::Proxy)?,
        };
        let credentials = userinfo.map(user_and_password).transpose()?;
        let authorization = credentials
            .as_ref()
            .map(|(user, password)| basic_authorization(user, password));
        Ok(Proxy {
            host: host.to_owned(),
            port,
            authorization,
            credentials,
        })
    }

    /// The proxy's host: a name, an IPv4 address, or an IPv6 address without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Proxy-Authorization` header value (`Basic <base64 of user:password>`) when the
    /// URL carried credentials.
    pub fn authorization(&self) -> Option<&Secret> {
        self.authorization.as_ref()
    }

    /// The decoded user and password of the URL, for an HTTP stack that builds
    /// `Proxy-Authorization` itself.
    pub fn credentials(&self) -> Option<(&Secret, &Secret)> {
        self.credentials
            .as_ref()
            .map(|(user, password)| (user, password))
    }
}

/// The user and password of percent-encoded `user[:password]` (a missing password is empty,
/// as curl and hyper-util send it).
fn user_and_password(userinfo: &str) -> Result<(Secret, Secret), ConfigError> {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = |part: &str| {
        percent_decode_str(part)
            .decode_utf8()
            .map(|decoded| Secret::new(decoded.into_owned()))
            .map_err(|_| ConfigError::Proxy)
    };
    Ok((decode(user)?, decode(password)?))
}

/// `Basic <base64 of user:password>`.
fn basic_authorization(user: &Secret, password: &Secret) -> Secret {
    let pair = Secret::new(format!("{}:{}", user.expose(), password.expose()));
    let mut value = String::from("Basic ");
    STANDARD.encode_string(pair.expose(), &mut value);
    Secret::new(value)
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}
