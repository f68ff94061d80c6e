//! The two cookies of sign-in: the session, and the pending second factor between the password
//! and the code. Both HttpOnly (scripts cannot read them) and SameSite=Strict (another site cannot
//! make the browser send them: together with the Origin check on writes, no CSRF).

use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use super::PublicUrl;

pub const SESSION: &str = "veta_sesion";
pub const CHALLENGE: &str = "veta_desafio";

/// The value of cookie `name` in the request, if any.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// Sets cookie `name` for `max_age_s` seconds on the current response.
pub fn set(name: &str, value: &str, max_age_s: i64, public_url: &PublicUrl) {
    let secure = if public_url.0.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}");
    if let (Some(response), Ok(header)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        response.append_header(SET_COOKIE, header);
    }
}

/// Removes cookie `name` from the browser.
pub fn clear(name: &str, public_url: &PublicUrl) {
    set(name, "", 0, public_url);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; veta_sesion=abc; b=2"),
        );
        headers.append(COOKIE, HeaderValue::from_static("veta_desafio=def"));
        assert_eq!(read(&headers, SESSION).as_deref(), Some("abc"));
        assert_eq!(read(&headers, CHALLENGE).as_deref(), Some("def"));
        assert_eq!(read(&headers, "nada"), None);
        headers.insert(COOKIE, HeaderValue::from_static("veta_sesion="));
        assert_eq!(read(&headers, SESSION), None);
    }
}
