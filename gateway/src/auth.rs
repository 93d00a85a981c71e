//! Bearer-token checks on pipeline requests.
//!
//! Only whether an `Authorization` header was sent ever leaves this module; the token
//! itself is compared and forgotten.

use axum::http::header::{HeaderMap, AUTHORIZATION};

/// Whether the request carries an `Authorization` header at all.
pub fn has_authorization(headers: &HeaderMap) -> bool {
    headers.contains_key(AUTHORIZATION)
}

/// Whether the request carries `Authorization: Bearer <expected>`.
///
/// The scheme is matched without regard to case, as RFC 9110 asks. A header that is not
/// valid text, uses another scheme or holds another token gives `false`.
pub fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && same_secret(token.trim(), expected)
}

/// Compares two secrets in time that depends only on their lengths.
fn same_secret(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    if given.len() != expected.len() {
        return false;
    }
    given.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn right_token_matches() {
        assert!(bearer_matches(&with_auth("Bearer s3cret"), "s3cret"));
        assert!(bearer_matches(&with_auth("bearer s3cret"), "s3cret"));
    }

    #[test]
    fn wrong_or_missing_token_does_not_match() {
        assert!(!bearer_matches(&with_auth("Bearer nope"), "s3cret"));
        assert!(!bearer_matches(&with_auth("Basic s3cret"), "s3cret"));
        assert!(!bearer_matches(&with_auth("s3cret"), "s3cret"));
        assert!(!bearer_matches(&HeaderMap::new(), "s3cret"));
        assert!(!has_authorization(&HeaderMap::new()));
        assert!(has_authorization(&with_auth("Bearer x")));
    }
}
