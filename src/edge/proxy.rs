//! The routing decision of the key-safe proxy: which upstream request, if any, an incoming browser request
//! becomes. The browser's `api_key` and `site_token` are dropped and the proxy's own credentials added.

use crate::endpoints::{self, OPS};
use crate::error::Error;
use crate::webhook::Found;
use crate::{encode, text, validate};

/// Query parameters the browser may not set: the proxy sends its own.
const CREDENTIAL_PARAMS: &[&str] = &["api_key", "site_token"];

/// A checked proxy configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ProxyConfig {
    /// The real API key, added to every forwarded request.
    pub api_key: String,
    /// The project's site token, added to every forwarded request.
    pub site_token: String,
    /// The upstream API, an absolute URL without a trailing slash.
    pub base_url: String,
    /// Where the proxy is mounted (`/api/chat`); `None` finds the route at the first `/chat/v1/` or `/account/v1/`.
    pub prefix: Option<String>,
    /// The indexes in the endpoint table ([`OPS`]) of the allowed operations.
    pub allow: Vec<usize>,
}

impl ProxyConfig {
    /// Checks the credentials, the upstream URL, the mount prefix and the allow list (which must name at least
    /// one known operation).
    pub fn new(api_key: String, site_token: String, base_url: Option<&str>, prefix: Option<&str>, allow: &[String]) -> Result<Self, Error> {
        validate::credential("apiKey", &api_key)?;
        validate::credential("siteToken", &site_token)?;
        let base_url = match base_url {
            None => endpoints::DEFAULT_BASE_URL.to_owned(),
            Some(b) if b.starts_with('/') => return Err(Error::invalid("baseUrl of a proxy must be an absolute http(s) URL")),
            Some(b) => validate::base_url(b)?,
        };
        let prefix = match prefix {
            None => None,
            Some(p) => {
                let checked = validate::base_url(p).ok().filter(|_| p.starts_with('/'));
                Some(checked.ok_or_else(|| Error::invalid("prefix must be a path such as \"/api/chat\", without ? or #"))?)
            }
        };
        if allow.is_empty() {
            return Err(Error::invalid("allow must list at least one operation, such as \"listChats\""));
        }
        let mut indexes = Vec::with_capacity(allow.len());
        for name in allow {
            let found = OPS.iter().position(|op| op.endpoint().name == name).ok_or_else(|| {
                let known: Vec<&str> = OPS.iter().map(|op| op.endpoint().name).collect();
                let (shown, known) = (crate::error::truncate(name, 40), text::join(&known, ", "));
                Error::invalid(["allow names an unknown operation \"", &shown, "\" (known: ", &known, ")"].concat())
            })?;
            indexes.push(found);
        }
        Ok(ProxyConfig { api_key, site_token, base_url, prefix: prefix.map(|p| if p == "/" { String::new() } else { p }), allow: indexes })
    }
}

/// What the proxy does with one incoming request.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Send it on: the upstream method and full URL (credentials included), and the operation's name.
    Forward { method: &'static str, url: String, operation: &'static str },
    /// Answer the browser at once: HTTP status, a stable code and a message.
    Refuse { status: u16, code: &'static str, message: String },
}

fn refuse(status: u16, code: &'static str, message: impl Into<String>) -> Decision {
    Decision::Refuse { status, code, message: message.into() }
}

/// The route part of `path`: after the mount prefix, or from the first API segment when no prefix is set.
fn route_path<'a>(path: &'a str, prefix: Option<&str>) -> Option<&'a str> {
    match prefix {
        Some(p) => path.strip_prefix(p).filter(|rest| rest.starts_with('/')),
        None => ["/chat/v1/", "/account/v1/"].iter().filter_map(|root| text::find(path, root)).min().and_then(|at| path.get(at..)),
    }
}

/// Matches `path` against `pattern`; on a match, returns the decoded id (empty when the pattern has none).
fn match_pattern(pattern: &str, path: &str) -> Option<Result<String, ()>> {
    let (want, got): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    if want.len() != got.len() {
        return None;
    }
    let mut id = Ok(String::new());
    for (w, g) in want.iter().zip(got.iter()) {
        if *w == "{id}" {
            if g.is_empty() {
                return None;
            }
            id = encode::decode(g).ok_or(());
        } else if w != g {
            return None;
        }
    }
    Some(id)
}

/// Decides what to do with a browser request: `method`, the URL's `path` (still percent-encoded) and its raw
/// `query` (with or without the leading `?`).
pub fn decide(config: &ProxyConfig, method: &str, path: &str, query: &str) -> Decision {
    let Some(route) = route_path(path, config.prefix.as_deref()) else {
        return refuse(404, "proxy_unknown_route", "This path is not a GoSquared API route served by this proxy");
    };
    let mut path_matched = false;
    let mut bad_id = false;
    for (index, op) in OPS.iter().enumerate() {
        let endpoint = op.endpoint();
        let Some(id) = match_pattern(endpoint.path, route) else { continue };
        path_matched = true;
        let id = match id {
            Ok(id) if !text::contains(endpoint.path, "{id}") || validate::chat_id(&id).is_ok() => id,
            _ => {
                bad_id = true;
                continue;
            }
        };
        if endpoint.method != method {
            continue;
        }
        if !config.allow.contains(&index) {
            return refuse(403, "proxy_operation_not_allowed", [endpoint.name, " is not allowed by this proxy"].concat());
        }
        return Decision::Forward { method: endpoint.method, url: upstream_url(config, &endpoint.path_for(&id), query), operation: endpoint.name };
    }
    if bad_id {
        return refuse(400, "proxy_bad_id", "The id in the path is not valid percent-encoding or not a usable id");
    }
    if path_matched {
        return refuse(405, "proxy_method_not_allowed", [method, " is not a method of this route"].concat());
    }
    refuse(404, "proxy_unknown_route", "This path is not a GoSquared API route served by this proxy")
}

/// The upstream URL: the operation's path, the proxy's credentials, then the browser's query without any
/// credential parameter (names compared after decoding, so `api%5Fkey` is dropped too).
fn upstream_url(config: &ProxyConfig, path: &str, query: &str) -> String {
    let mut url = [&config.base_url, path, "?", &endpoints::auth_query(Some(&config.api_key), &config.site_token)].concat();
    for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let name = pair.split_once('=').map_or(pair, |(n, _)| n);
        let decoded = encode::decode(&name.replace('+', " ")).unwrap_or_else(|| name.to_owned());
        if CREDENTIAL_PARAMS.iter().any(|c| c.eq_ignore_ascii_case(decoded.trim())) {
            continue;
        }
        url.push('&');
        url.push_str(pair);
    }
    url
}

/// Reads an allow list entry.
pub fn operation_name(found: &Found) -> Result<String, Error> {
    match found {
        Found::Text(t) => Ok(t.clone()),
        _ => Err(Error::invalid("allow must be an array of operation names (strings)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allow: &[&str], prefix: Option<&str>) -> ProxyConfig {
        let allow: Vec<String> = allow.iter().map(|s| (*s).to_owned()).collect();
        ProxyConfig::new("sk+real/key".into(), "GSN-1-A".into(), Some("https://api.gosquared.com/"), prefix, &allow)
            .unwrap_or_else(|e| ProxyConfig { api_key: e.message, site_token: String::new(), base_url: String::new(), prefix: None, allow: vec![] })
    }

    fn forwarded(d: Decision) -> (String, String) {
        match d {
            Decision::Forward { method, url, .. } => (method.to_owned(), url),
            Decision::Refuse { status, message, .. } => (status.to_string(), message),
        }
    }

    #[test]
    fn allowed_routes_are_forwarded_with_the_real_credentials() {
        let c = config(&["listChats", "getFeed", "sendMessage"], Some("/api/chat"));
        assert_eq!(
            forwarded(decide(&c, "GET", "/api/chat/chat/v1/chats", "?site_token=GSN-browser&limit=0,10")),
            ("GET".into(), "https://api.gosquared.com/chat/v1/chats?api_key=sk%2Breal%2Fkey&site_token=GSN-1-A&limit=0,10".into())
        );
        assert_eq!(
            forwarded(decide(&c, "GET", "/api/chat/chat/v1/chats/email%3Aada%40example.com/feed", "limit=0,250")).1,
            "https://api.gosquared.com/chat/v1/chats/email%3Aada%40example.com/feed?api_key=sk%2Breal%2Fkey&site_token=GSN-1-A&limit=0,250"
        );
        assert_eq!(forwarded(decide(&c, "POST", "/api/chat/chat/v1/chats/x/messages", "")).0, "POST");
    }

    #[test]
    fn the_browsers_credentials_are_stripped_in_every_spelling() {
        let c = config(&["listChats"], None);
        let (_, url) = forwarded(decide(&c, "GET", "/chat/v1/chats", "api_key=stolen&API_KEY=x&api%5Fkey=y&api%5fkey=z&Site_Token=t&+api_key=w&limit=5"));
        assert_eq!(url, "https://api.gosquared.com/chat/v1/chats?api_key=sk%2Breal%2Fkey&site_token=GSN-1-A&limit=5");
    }

    #[test]
    fn ids_are_decoded_checked_and_encoded_again() {
        let c = config(&["getChat"], Some("/api/chat"));
        assert_eq!(
            forwarded(decide(&c, "GET", "/api/chat/chat/v1/chats/a@b", "")).1,
            "https://api.gosquared.com/chat/v1/chats/a%40b?api_key=sk%2Breal%2Fkey&site_token=GSN-1-A"
        );
        for bad in ["/api/chat/chat/v1/chats/%2e%2e", "/api/chat/chat/v1/chats/%2E", "/api/chat/chat/v1/chats/%zz", "/api/chat/chat/v1/chats/a%0Ab"] {
            assert!(matches!(decide(&c, "GET", bad, ""), Decision::Refuse { status: 400, .. }), "{bad}");
        }
    }

    #[test]
    fn everything_outside_the_allow_list_is_refused() {
        let c = config(&["listChats", "getFeed"], Some("/api/chat"));
        let status = |m: &str, p: &str| match decide(&c, m, p, "") {
            Decision::Refuse { status, .. } => status,
            Decision::Forward { .. } => 200,
        };
        assert_eq!(status("POST", "/api/chat/chat/v1/chats/x/messages"), 403);
        assert_eq!(status("POST", "/api/chat/chat/v1/chats/x/archive"), 403);
        assert_eq!(status("GET", "/api/chat/account/v1/webhooks"), 403);
        assert_eq!(status("DELETE", "/api/chat/chat/v1/chats"), 405);
        assert_eq!(status("PUT", "/api/chat/chat/v1/chats/x/feed"), 405);
        assert_eq!(status("GET", "/api/chat/chat/v1/chats/x/unknown"), 404);
        assert_eq!(status("GET", "/api/chat/people/v1/people"), 404);
        assert_eq!(status("GET", "/elsewhere/chat/v1/chats"), 404);
        assert_eq!(status("GET", "/api/chatter/chat/v1/chats"), 404);
        assert_eq!(status("GET", "/api/chat/chat/v1/chats/"), 404);
        assert_eq!(status("GET", "/api/chat/chat/v1/chats"), 200);
    }

    #[test]
    fn every_operation_is_reachable_and_matches_the_client() {
        let names: Vec<&str> = OPS.iter().map(|op| op.endpoint().name).collect();
        let c = config(&names, None);
        for op in OPS.iter().map(|op| op.endpoint()) {
            let request = op;
            let path = op.path.replace("{id}", "id-1");
            assert_eq!(request.path_for("id-1"), path, "{}", op.name);
            let operation = match decide(&c, request.method, &path, "") {
                Decision::Forward { operation, .. } => Some(operation),
                Decision::Refuse { .. } => None,
            };
            assert_eq!(operation, Some(op.name));
        }
    }

    #[test]
    fn configurations_are_checked() {
        let ok = |allow: &[&str]| ProxyConfig::new("k".into(), "t".into(), None, None, &allow.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert!(ok(&["listChats"]).is_ok_and(|c| c.base_url == "https://api.gosquared.com"));
        assert!(ok(&[]).is_err());
        assert!(ok(&["listchats"]).err().is_some_and(|e| e.message.contains("unknown operation \"listchats\"")));
        assert!(ProxyConfig::new("k".into(), "t".into(), Some("/api"), None, &["listChats".into()]).is_err());
        assert!(ProxyConfig::new("k".into(), "t".into(), None, Some("api"), &["listChats".into()]).is_err());
        assert!(ProxyConfig::new("".into(), "t".into(), None, None, &["listChats".into()]).is_err());
    }
}
