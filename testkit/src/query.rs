//! Query strings of request targets: `name=value` pairs, percent-decoded.

/// The `(name, value)` pairs of the query of `target` (the part after the first `?`), in order.
///
/// Pairs are separated by `&`; a pair without `=` has an empty value; empty pairs are skipped.
/// Names and values are percent-decoded (`+` is a space, as in HTML forms; an invalid escape is
/// kept verbatim; invalid UTF-8 becomes U+FFFD).
pub(crate) fn query_pairs(target: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let query = target.split_once('?').map_or("", |(_, query)| query);
    // A fragment never reaches a server, but a hand-written target may carry one.
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
}

/// Decodes `%XX` escapes and `+` (a space).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            b'%' => match (
                bytes.get(index + 1).and_then(|&b| hex_value(b)),
                bytes.get(index + 2).and_then(|&b| hex_value(b)),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    index += 3;
                }
                _ => {
                    out.push(b'%');
                    index += 1;
                }
            },
            other => {
                out.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(target: &str) -> Vec<(String, String)> {
        query_pairs(target).collect()
    }

    #[test]
    fn splits_and_decodes_pairs() {
        assert_eq!(
            pairs("/v1/x?a=1&b=two%20words&c=x+y&flag&&d="),
            [
                ("a".to_string(), "1".to_string()),
                ("b".into(), "two words".into()),
                ("c".into(), "x y".into()),
                ("flag".into(), String::new()),
                ("d".into(), String::new()),
            ]
        );
        assert!(pairs("/v1/x").is_empty());
        assert!(pairs("/v1/x?").is_empty());
    }

    #[test]
    fn decodes_names_and_keeps_invalid_escapes() {
        assert_eq!(
            pairs("/x?include%5B%5D=a%2Cb&q=100%&r=%zz&s=%C3%A9"),
            [
                ("include[]".to_string(), "a,b".to_string()),
                ("q".into(), "100%".into()),
                ("r".into(), "%zz".into()),
                ("s".into(), "é".into()),
            ]
        );
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn ignores_a_fragment() {
        assert_eq!(pairs("/x?a=1#b=2"), [("a".to_string(), "1".to_string())]);
    }
}
