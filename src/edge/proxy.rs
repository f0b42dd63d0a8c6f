//! The decisions of the key-safe proxy. Before `authorize` is asked: whether the request comes from another
//! site (refused). After it: which upstream request, if any, the browser request becomes (allow list, ids, a
//! query rebuilt from the operation's own parameters by the client's endpoint builders, the proxy's
//! credentials). And at the end: what the browser is answered (JSON only, the key redacted, redirects and
//! unusable statuses refused). The JS layer only reads headers, moves bodies and keeps time.

use crate::endpoints::{self, ApiRequest, Endpoint, Input, ListParams, Op, Paging, OPS};
use crate::error::Error;
use crate::edge::key_scan::{self, KeyTraces};
use crate::webhook::Found;
use crate::{encode, number, text, time};

/// The largest request body forwarded (a 100,000-character message is at most 400 KB of UTF-8).
pub const MAX_BODY_BYTES: u32 = 1024 * 1024;
/// How long the upstream request may take, its answer's body included, unless `timeoutMs` says otherwise.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// How long reading the browser's request body may take, unless `bodyTimeoutMs` says otherwise.
pub const DEFAULT_BODY_TIMEOUT_MS: u32 = 10_000;

/// The query of chats, archived chats and feed: `limit=<offset>,<count>` (or `limit=<count>`), `from`, `to`.
const LIST_COMBINED: &[&str] = &["limit", "from", "to"];
/// The query of messages: `limit`, `offset`, `from`, `to`.
const LIST_SEPARATE: &[&str] = &["limit", "offset", "from", "to"];
const NO_QUERY: &[&str] = &[];

/// The query parameters an operation takes (besides the browser client's own `site_token`, which is
/// replaced), as its entry in the endpoint table says.
fn query_of(endpoint: &Endpoint) -> &'static [&'static str] {
    match endpoint.input {
        Input::List(Paging::Combined, _) => LIST_COMBINED,
        Input::List(Paging::Separate, _) => LIST_SEPARATE,
        _ => NO_QUERY,
    }
}

/// Whether an operation carries the browser's JSON body.
fn has_body(endpoint: &Endpoint) -> bool {
    matches!(endpoint.input, Input::Message | Input::Note | Input::Webhook)
}

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
    /// Origins, besides the request's own, whose pages may use the proxy (`https://host[:port]`, lowercase).
    pub allowed_origins: Vec<String>,
    /// The upstream request's time limit.
    pub timeout_ms: u32,
    /// The time limit on reading the browser's body.
    pub body_timeout_ms: u32,
}

impl ProxyConfig {
    /// Checks the credentials, the upstream URL, the mount prefix and the allow list (which must name at least
    /// one known operation). No other origin is allowed and the time limits are the defaults.
    pub fn new(api_key: String, site_token: String, base_url: Option<&str>, prefix: Option<&str>, allow: &[String]) -> Result<Self, Error> {
        endpoints::credential("apiKey", &api_key)?;
        endpoints::credential("siteToken", &site_token)?;
        let base_url = match base_url {
            None => endpoints::DEFAULT_BASE_URL.to_owned(),
            Some(b) if b.starts_with('/') => return Err(Error::invalid("baseUrl of a proxy must be an absolute http(s) URL")),
            Some(b) => endpoints::base_url(b)?,
        };
        let prefix = match prefix {
            None => None,
            Some(p) => {
                let checked = endpoints::base_url(p).ok().filter(|_| p.starts_with('/'));
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
                Error::invalid(["allow names an unknown operation \"", &crate::error::truncate(name, 40), "\" (known: ", &text::join(&known, ", "), ")"].concat())
            })?;
            indexes.push(found);
        }
        Ok(ProxyConfig {
            api_key,
            site_token,
            base_url,
            prefix: prefix.map(|p| if p == "/" { String::new() } else { p }),
            allow: indexes,
            allowed_origins: Vec::new(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            body_timeout_ms: DEFAULT_BODY_TIMEOUT_MS,
        })
    }

    /// Adds `allowedOrigins`: each an `http(s)://host[:port]` origin, without a path.
    pub fn with_allowed_origins(mut self, origins: &[String]) -> Result<Self, Error> {
        for o in origins {
            let normal = origin(o).ok_or_else(|| {
                Error::invalid(
                    [
                        "allowedOrigins must list origins such as \"https://admin.example.com\" (scheme, host and port only), not \"",
                        &crate::error::truncate(o, 60),
                        "\"",
                    ]
                    .concat(),
                )
            })?;
            if !self.allowed_origins.contains(&normal) {
                self.allowed_origins.push(normal);
            }
        }
        Ok(self)
    }

    /// Sets `timeoutMs` and `bodyTimeoutMs` when given: integers from 1 to 2,147,483,647.
    pub fn with_timeouts(mut self, timeout_ms: Option<f64>, body_timeout_ms: Option<f64>) -> Result<Self, Error> {
        if let Some(n) = timeout_ms {
            self.timeout_ms = endpoints::timeout_ms(n)?;
        }
        if let Some(n) = body_timeout_ms {
            self.body_timeout_ms = endpoints::timeout_ms(n).map_err(|e| Error::invalid(text::replace(&e.message, "timeoutMs", "bodyTimeoutMs")))?;
        }
        Ok(self)
    }
}

/// An `http(s)://host[:port]` origin in the form browsers send it (lowercase, no default port); `None` for
/// anything else, `null` included.
pub fn origin(value: &str) -> Option<String> {
    let lower = value.trim().to_ascii_lowercase();
    let (scheme, rest, default_port) = match (lower.strip_prefix("https://"), lower.strip_prefix("http://")) {
        (Some(rest), _) => ("https", rest, "443"),
        (_, Some(rest)) => ("http", rest, "80"),
        _ => return None,
    };
    if rest.is_empty() || rest.chars().any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\' | '%') || c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !rest.ends_with(']') => (host, Some(port)),
        _ => (rest, None),
    };
    if host.is_empty() || host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return None;
    }
    // The scheme's own port is left out, as browsers send it.
    match port.filter(|p| *p != default_port) {
        None => Some([scheme, "://", host].concat()),
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535) => {
            Some([scheme, "://", host, ":", p].concat())
        }
        Some(_) => None,
    }
}

/// One incoming browser request, as much of it as the decision needs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Incoming<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The URL's path, still percent-encoded.
    pub path: &'a str,
    /// The URL's raw query, with or without the leading `?`.
    pub query: &'a str,
    /// The origin of the request's own URL (what a same-origin page sends as `Origin`).
    pub own_origin: &'a str,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub fetch_site: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The `Content-Length` header.
    pub content_length: Option<&'a str>,
}

/// What the proxy does with one incoming request.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Send it on: the upstream method and full URL (credentials included), the operation's name, and whether
    /// the browser's body goes with it.
    Forward { method: &'static str, url: String, operation: &'static str, body: bool },
    /// Answer the browser at once: HTTP status, a stable code and a message; `before_authorize` when the answer
    /// is given without asking `authorize` (a cross-site request).
    Refuse { status: u16, code: &'static str, message: String, before_authorize: bool },
}

fn refuse(status: u16, code: &'static str, message: impl Into<String>) -> Decision {
    Decision::Refuse { status, code, message: message.into(), before_authorize: false }
}

/// A request another site's page made: an `Origin` that is neither the request's own nor listed, or a
/// `Sec-Fetch-Site` other than `same-origin` (`none`, a typed URL or a bookmark, is accepted on reads), unless
/// the `Origin` is listed in `allowedOrigins`. A request with neither header comes from no browser (a browser
/// sends `Origin` on every write) and is not a cross-site request.
fn cross_site(config: &ProxyConfig, req: &Incoming) -> Option<Decision> {
    let read = matches!(req.method, "GET" | "HEAD");
    let sent = req.origin.map(origin);
    let listed = sent.as_ref().is_some_and(|o| o.as_ref().is_some_and(|o| config.allowed_origins.contains(o)));
    let own = origin(req.own_origin);
    let origin_ok = match &sent {
        None => true,
        Some(o) => listed || (o.is_some() && *o == own),
    };
    let site = req.fetch_site.map(|s| s.trim().to_ascii_lowercase());
    let site_ok = match site.as_deref() {
        None | Some("same-origin") => true,
        Some("none") => read,
        Some(_) => listed,
    };
    if origin_ok && site_ok {
        return None;
    }
    Some(Decision::Refuse {
        status: 403,
        code: "proxy_cross_site",
        message: "This request comes from another site's page; the chat proxy serves only its own origin".into(),
        before_authorize: true,
    })
}

/// The API roots of the endpoint table's paths.
const CHAT_ROOT: &str = "/chat/v1";
const ACCOUNT_ROOT: &str = "/account/v1";

/// The route part of `path`, as an API path: after the mount prefix, or from the first API segment when no
/// prefix is set. Under a prefix the API root may be left out (`/api/chat/chats` for `/chat/v1/chats`,
/// `/api/chat/webhooks` for `/account/v1/webhooks`), which is what a client made with `proxyUrl` sends.
fn route_path(path: &str, prefix: Option<&str>) -> Option<String> {
    match prefix {
        Some(p) => {
            let rest = path.strip_prefix(p).filter(|rest| rest.starts_with('/'))?;
            let full = [CHAT_ROOT, ACCOUNT_ROOT].iter().any(|root| rest.strip_prefix(root).is_some_and(|r| r.starts_with('/')));
            Some(if full {
                rest.to_owned()
            } else if rest == "/webhooks" || rest.starts_with("/webhooks/") {
                [ACCOUNT_ROOT, rest].concat()
            } else {
                [CHAT_ROOT, rest].concat()
            })
        }
        None => ["/chat/v1/", "/account/v1/"].iter().filter_map(|root| text::find(path, root)).min().and_then(|at| path.get(at..)).map(str::to_owned),
    }
}

/// Whether `path` is under the proxy's mount (its prefix), or holds an API route when no prefix is set: what
/// a middleware hands on to the next handler when it is not.
pub fn serves(config: &ProxyConfig, path: &str) -> bool {
    route_path(path, config.prefix.as_deref()).is_some()
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

/// Whether a decoded id may be forwarded: a valid id that, decoded, holds no `/` or `\` and is no dot
/// segment, so that it stays one segment whatever decodes the upstream path again.
fn usable_id(endpoint: &Endpoint, id: &str) -> bool {
    !text::contains(endpoint.path, "{id}") || (endpoints::chat_id(id).is_ok() && !id.contains(['/', '\\']) && id != "." && id != "..")
}

/// Whether a `Content-Type` names JSON: `application/json`, parameters such as `charset` allowed.
fn is_json_request_type(value: &str) -> bool {
    value.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether an upstream `Content-Type` names JSON: `application/json` or an `application/…+json` type.
fn is_json_answer_type(value: &str) -> bool {
    let media = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// Decides what to do with a browser request. The checks run in this order: cross-site (answered before
/// `authorize`), route, id, method, allow list, content type, declared body size, query.
pub fn decide(config: &ProxyConfig, req: &Incoming) -> Decision {
    if let Some(refusal) = cross_site(config, req) {
        return refusal;
    }
    let Some(route) = route_path(req.path, config.prefix.as_deref()) else {
        return refuse(404, "proxy_unknown_route", "This path is not a GoSquared API route served by this proxy");
    };
    let mut path_matched = false;
    let mut bad_id = false;
    for (index, op) in OPS.iter().enumerate() {
        let endpoint = op.endpoint();
        let Some(id) = match_pattern(endpoint.path, &route) else { continue };
        path_matched = true;
        let id = match id {
            Ok(id) if usable_id(endpoint, &id) => id,
            _ => {
                bad_id = true;
                continue;
            }
        };
        if endpoint.method != req.method {
            continue;
        }
        if !config.allow.contains(&index) {
            return refuse(403, "proxy_operation_not_allowed", [endpoint.name, " is not allowed by this proxy"].concat());
        }
        return forward(config, *op, &id, req);
    }
    if bad_id {
        return refuse(400, "proxy_bad_id", "The id in the path is not valid percent-encoding or not a usable id");
    }
    if path_matched {
        return refuse(405, "proxy_method_not_allowed", [&crate::error::truncate(req.method, 20), " is not a method of this route"].concat());
    }
    refuse(404, "proxy_unknown_route", "This path is not a GoSquared API route served by this proxy")
}

/// The checks of an allowed operation's request, then the upstream request built from the endpoint table and
/// the parsed query, as the client builds it, with the proxy's credentials.
fn forward(config: &ProxyConfig, op: Op, id: &str, req: &Incoming) -> Decision {
    let endpoint = op.endpoint();
    let body = has_body(endpoint);
    if req.method != "GET" {
        let json = req.content_type.map(is_json_request_type);
        // A write with a body must say it is JSON: an HTML form can send only urlencoded, multipart or plain
        // text. A write without a body (archive, unarchive, delete) may leave the header out, as the client does.
        let ok = if body { json == Some(true) } else { json != Some(false) };
        if !ok {
            return refuse(415, "proxy_bad_content_type", "A write to the chat proxy must be sent with Content-Type: application/json");
        }
    }
    if body {
        let declared = req.content_length.map(str::trim).filter(|n| !n.is_empty() && n.len() <= 20 && n.bytes().all(|b| b.is_ascii_digit()));
        if declared.is_some_and(|n| n.len() > 10 || n.parse::<u64>().is_ok_and(|n| n > u64::from(MAX_BODY_BYTES))) {
            return body_too_large();
        }
    }
    let paging = match endpoint.input {
        Input::List(paging, _) => Some(paging),
        _ => None,
    };
    let params = match list_params(endpoint, paging, req.query) {
        Ok(p) => p,
        Err(message) => return refuse(400, "proxy_bad_query", ["The query is not one this proxy forwards: ", &message].concat()),
    };
    let request = ApiRequest::forwarded(op, id, &params);
    Decision::Forward { method: request.method, url: request.url(&config.base_url, Some(&config.api_key), &config.site_token), operation: endpoint.name, body }
}

/// The refusal of a body over [`MAX_BODY_BYTES`].
pub fn body_too_large() -> Decision {
    refuse(413, "proxy_body_too_large", ["The request body is larger than ", &number::digits(u64::from(MAX_BODY_BYTES)), " bytes"].concat())
}

/// An integer query value: digits only, at most 16 of them.
fn integer(name: &str, value: &str) -> Result<f64, String> {
    if value.is_empty() || value.len() > 16 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err([name, " must be an integer"].concat());
    }
    Ok(value.bytes().fold(0f64, |acc, b| acc * 10.0 + f64::from(b - b'0')))
}

/// A `from` or `to` value: epoch milliseconds, or an ISO 8601 date or date-time.
fn time_param(name: &str, value: &str) -> Result<i64, String> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return endpoints::epoch_ms(name, integer(name, value)?).map_err(|e| e.message);
    }
    time::parse_iso(value)
        .filter(|ms| *ms >= 0 && (*ms as f64) <= time::MAX_EPOCH_MS)
        .ok_or_else(|| [name, " must be an ISO 8601 date-time or epoch milliseconds"].concat())
}

/// Reads the browser's query: only the operation's own parameters, each once, each checked. The browser
/// client's `site_token` is accepted and dropped (the proxy sends its own); `api_key` is refused.
fn list_params(endpoint: &Endpoint, paging: Option<Paging>, query: &str) -> Result<ListParams, String> {
    let own = query_of(endpoint);
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.contains(';') {
        return Err("\";\" is not a separator here".into());
    }
    let takes = || if own.is_empty() { [endpoint.name, " takes no query parameters"].concat() } else { [endpoint.name, " takes only ", &text::join(own, ", ")].concat() };
    let mut seen: Vec<&str> = Vec::new();
    let mut p = ListParams::default();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let Some((name, raw)) = pair.split_once('=') else {
            return Err("every parameter needs a value (name=value)".into());
        };
        if seen.contains(&name) {
            return Err("a parameter is repeated".into());
        }
        seen.push(name);
        match name {
            "site_token" => continue,
            "api_key" => return Err("the browser must not send an API key; the proxy adds its own".into()),
            _ if !own.contains(&name) => return Err(takes()),
            _ => {}
        }
        let value = encode::decode(raw).ok_or_else(|| [name, " is not valid percent-encoding"].concat())?;
        match name {
            "limit" if paging == Some(Paging::Combined) => {
                let (offset, count) = match value.split_once(',') {
                    Some((offset, count)) => (Some(offset), count),
                    None => (None, value.as_str()),
                };
                p.limit = Some(endpoints::limit(integer("limit", count)?).map_err(|e| e.message)?);
                if let Some(offset) = offset {
                    p.offset = Some(endpoints::offset(integer("offset", offset)?).map_err(|e| e.message)?);
                }
            }
            "limit" => p.limit = Some(endpoints::limit(integer("limit", &value)?).map_err(|e| e.message)?),
            "offset" => p.offset = Some(endpoints::offset(integer("offset", &value)?).map_err(|e| e.message)?),
            "from" => p.from = Some(time_param("from", &value)?),
            "to" => p.to = Some(time_param("to", &value)?),
            _ => return Err(takes()),
        }
    }
    p.check().map_err(|e| e.message)
}

/// What the browser is answered for an upstream answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body; `None` for 204 and 205.
    pub body: Option<String>,
    /// Upstream headers passed back (each free of the key).
    pub headers: Vec<(String, String)>,
}

/// A `{ code, message }` JSON body.
pub fn refusal_body(code: &str, message: &str) -> String {
    let mut body = String::from("{\"code\":");
    encode::json_string(&mut body, code);
    body.push_str(",\"message\":");
    encode::json_string(&mut body, message);
    body.push('}');
    body
}

fn answer_refusal(status: u16, code: &str, message: &str) -> Answer {
    Answer { status, body: Some(refusal_body(code, message)), headers: Vec::new() }
}

/// Turns an upstream answer into the browser's: a redirect (3xx, or status 0 for an opaque redirect) or a
/// status outside 200 to 599 is a 502 that names no URL; 401 and 403 get a generic body; any other body must
/// be JSON (else 502) and is passed back with every string carrying the key replaced. Passed-back headers
/// that carry the key are dropped.
pub fn answer(config: &ProxyConfig, status: f64, content_type: Option<&str>, body: &str, headers: &[(String, String)]) -> Answer {
    if status == 0.0 || (300.0..400.0).contains(&status) {
        return answer_refusal(502, "proxy_upstream_redirect", "The GoSquared API answered with a redirect, which the proxy does not follow");
    }
    if !(200.0..=599.0).contains(&status) || status.fract() != 0.0 {
        return answer_refusal(502, "proxy_upstream_bad_status", "The GoSquared API answered with a status the proxy cannot pass on");
    }
    let status = status as u16;
    let traces = KeyTraces::new(&config.api_key);
    let kept: Vec<(String, String)> =
        headers.iter().filter(|(_, value)| !traces.found_in(value) && endpoints::header_value(value).is_ok()).cloned().collect();
    if status == 401 || status == 403 {
        return Answer { status, body: Some(refusal_body("proxy_upstream_auth", "The GoSquared API refused the proxy's credentials")), headers: kept };
    }
    if status == 204 || status == 205 {
        return Answer { status, body: None, headers: kept };
    }
    if body.trim().is_empty() {
        return Answer { status, body: Some(String::new()), headers: kept };
    }
    let json = content_type.is_some_and(is_json_answer_type).then(|| key_scan::redact_json(body, &traces)).flatten();
    match json {
        Some(body) => Answer { status, body: Some(body), headers: kept },
        None => answer_refusal(502, "proxy_upstream_not_json", "The GoSquared API answered with something other than JSON"),
    }
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

    const KEY: &str = "sk+real/key-0123";

    fn config(allow: &[&str], prefix: Option<&str>) -> ProxyConfig {
        let allow: Vec<String> = allow.iter().map(|s| (*s).to_owned()).collect();
        ProxyConfig::new(KEY.into(), "GSN-1-A".into(), Some("https://api.gosquared.com/"), prefix, &allow).unwrap_or_else(|e| ProxyConfig {
            api_key: e.message,
            site_token: String::new(),
            base_url: String::new(),
            prefix: None,
            allow: vec![],
            allowed_origins: vec![],
            timeout_ms: 0,
            body_timeout_ms: 0,
        })
    }

    /// A request as the key-less client sends it from the dashboard's own page: no cross-site headers, and
    /// `Content-Type: application/json` on writes that carry a body.
    fn request<'a>(method: &'a str, path: &'a str, query: &'a str) -> Incoming<'a> {
        let content_type = (method == "POST" && (path.ends_with("/messages") || path.ends_with("/notes") || path.ends_with("/webhooks"))).then_some("application/json");
        Incoming { method, path, query, own_origin: "https://dash.example", content_type, ..Incoming::default() }
    }

    fn forwarded(d: Decision) -> (String, String) {
        match d {
            Decision::Forward { method, url, .. } => (method.to_owned(), url),
            Decision::Refuse { status, message, .. } => (status.to_string(), message),
        }
    }

    fn code(d: &Decision) -> (u16, &'static str) {
        match d {
            Decision::Forward { .. } => (200, "forward"),
            Decision::Refuse { status, code, .. } => (*status, code),
        }
    }

    const CREDENTIALS: &str = "api_key=sk%2Breal%2Fkey-0123&site_token=GSN-1-A";

    #[test]
    fn allowed_routes_are_forwarded_with_the_real_credentials() {
        let c = config(&["listChats", "getFeed", "sendMessage"], Some("/api/chat"));
        assert_eq!(
            forwarded(decide(&c, &request("GET", "/api/chat/chat/v1/chats", "?site_token=GSN-browser&limit=0,10"))),
            ("GET".into(), format!("https://api.gosquared.com/chat/v1/chats?{CREDENTIALS}&limit=0,10"))
        );
        assert_eq!(
            forwarded(decide(&c, &request("GET", "/api/chat/chat/v1/chats/email%3Aada%40example.com/feed", "limit=0,250"))).1,
            format!("https://api.gosquared.com/chat/v1/chats/email%3Aada%40example.com/feed?{CREDENTIALS}&limit=0,250")
        );
        assert_eq!(forwarded(decide(&c, &request("POST", "/api/chat/chat/v1/chats/x/messages", ""))).0, "POST");
    }

    // Changed by the security review (query smuggling): the browser's credentials used to be dropped by name
    // and every other pair forwarded; now `api_key` in any spelling is refused (a spelling other than the
    // exact name is an unknown parameter), and only the client's own exact `site_token` is accepted and dropped.
    #[test]
    fn under_a_prefix_the_api_root_may_be_left_out() {
        let c = config(&["listChats", "getFeed", "sendMessage", "listWebhooks", "deleteWebhook"], Some("/api/chat"));
        let url = |method, path| forwarded(decide(&c, &request(method, path, "limit=0,10")));
        assert_eq!(url("GET", "/api/chat/chats"), ("GET".into(), format!("https://api.gosquared.com/chat/v1/chats?{CREDENTIALS}&limit=0,10")));
        assert_eq!(url("GET", "/api/chat/chats/a%40b/feed").1, format!("https://api.gosquared.com/chat/v1/chats/a%40b/feed?{CREDENTIALS}&limit=0,10"));
        assert_eq!(forwarded(decide(&c, &request("POST", "/api/chat/chats/p/messages", ""))).1, format!("https://api.gosquared.com/chat/v1/chats/p/messages?{CREDENTIALS}"));
        assert_eq!(forwarded(decide(&c, &request("GET", "/api/chat/webhooks", ""))).1, format!("https://api.gosquared.com/account/v1/webhooks?{CREDENTIALS}"));
        assert_eq!(forwarded(decide(&c, &request("DELETE", "/api/chat/webhooks/7", ""))).1, format!("https://api.gosquared.com/account/v1/webhooks/7?{CREDENTIALS}"));
        // The full API path is still served, and nothing else is.
        assert_eq!(url("GET", "/api/chat/chat/v1/chats").1, format!("https://api.gosquared.com/chat/v1/chats?{CREDENTIALS}&limit=0,10"));
        for path in ["/api/chat/people/v1/people", "/api/chat/chat/v1", "/api/chat/v1/chats", "/api/chat/chat/v1/chat/v1/chats", "/api/chat/account/v1/chats", "/api/chats"] {
            assert_eq!(code(&decide(&c, &request("GET", path, ""))), (404, "proxy_unknown_route"), "{path}");
        }
        assert_eq!(code(&decide(&c, &request("GET", "/api/chat/archivedChats", ""))), (403, "proxy_operation_not_allowed"));
        assert_eq!(code(&decide(&c, &request("GET", "/api/chat/chats/..%2Fx", ""))), (400, "proxy_bad_id"));
    }

    #[test]
    fn a_middleware_serves_only_its_mount() {
        let mounted = config(&["listChats"], Some("/api/chat"));
        assert!(serves(&mounted, "/api/chat/chats") && serves(&mounted, "/api/chat/anything"));
        assert!(!serves(&mounted, "/") && !serves(&mounted, "/api/chatter") && !serves(&mounted, "/api/chat") && !serves(&mounted, "/index.html"));
        let unmounted = config(&["listChats"], None);
        assert!(serves(&unmounted, "/x/chat/v1/chats") && serves(&unmounted, "/account/v1/webhooks"));
        assert!(!serves(&unmounted, "/chats") && !serves(&unmounted, "/index.html"));
    }

    #[test]
    fn the_browsers_credentials_are_refused_in_every_spelling() {
        let c = config(&["listChats"], None);
        for query in ["api_key=stolen", "API_KEY=x", "api%5Fkey=y", "api%5fkey=z", "Site_Token=t", "+api_key=w", "site_token%00=t", "site.token=t", "site+token=t", "site_token[]=t"] {
            assert_eq!(code(&decide(&c, &request("GET", "/chat/v1/chats", &format!("{query}&limit=5")))), (400, "proxy_bad_query"), "{query}");
        }
        let (_, url) = forwarded(decide(&c, &request("GET", "/chat/v1/chats", "site_token=GSN-browser&limit=5")));
        assert_eq!(url, format!("https://api.gosquared.com/chat/v1/chats?{CREDENTIALS}&limit=0,5"));
    }

    #[test]
    fn the_query_is_rebuilt_from_the_operations_own_parameters() {
        let c = config(&["listChats", "getFeed", "listMessages", "getChat", "sendMessage", "archiveChat"], None);
        let url = |path: &str, query: &str| forwarded(decide(&c, &request("GET", path, query))).1;
        assert_eq!(
            url("/chat/v1/chats", "limit=20,5&from=2023-11-14T22%3A13%3A20.000Z&to=1800000000000"),
            format!("https://api.gosquared.com/chat/v1/chats?{CREDENTIALS}&limit=20,5&from=2023-11-14T22%3A13%3A20.000Z&to=2027-01-15T08%3A00%3A00.000Z")
        );
        assert_eq!(url("/chat/v1/chats", "limit=7"), format!("https://api.gosquared.com/chat/v1/chats?{CREDENTIALS}&limit=0,7"));
        assert_eq!(
            url("/chat/v1/chats/p/messages", "limit=5&offset=10&from=2023-11-14T22:13:20Z&to=1800000000000"),
            format!("https://api.gosquared.com/chat/v1/chats/p/messages?{CREDENTIALS}&limit=5&offset=10&from=1700000000000&to=1800000000000")
        );
        assert_eq!(url("/chat/v1/chats/p/feed", "site_token=x&&limit=0,250&"), format!("https://api.gosquared.com/chat/v1/chats/p/feed?{CREDENTIALS}&limit=0,250"));
        assert_eq!(url("/chat/v1/chats/p", ""), format!("https://api.gosquared.com/chat/v1/chats/p?{CREDENTIALS}"));
    }

    #[test]
    fn a_query_outside_the_operations_parameters_is_refused() {
        let c = config(&["listChats", "getFeed", "listMessages", "getChat", "sendMessage", "archiveChat"], None);
        let refused = |method: &str, path: &str, query: &str| code(&decide(&c, &request(method, path, query))) == (400, "proxy_bad_query");
        for query in [
            "limit=5;site_token=x", ";site_token=x", "limit=5&limit=6", "_method=DELETE", "callback=x", "offset=5", "limit=0", "limit=251",
            "limit=-1", "limit=1e2", "limit=+5", "limit= 5", "limit=5,", "limit=,5", "limit=a,5", "limit=1,2,3", "limit", "from=yesterday",
            "from=1700000000000.5", "from=-5", "from=1969-12-31T00:00:00Z", "to=99999999999999999", "from=2024-01-02&to=2024-01-01",
            "limit=%zz", "from=2024-13-01", "limit=5%00", "sort=asc",
        ] {
            assert!(refused("GET", "/chat/v1/chats", query), "{query}");
        }
        for query in ["limit=0,5", "offset=-1", "offset=1.5", "limit=251", "limit=5&offset=5&offset=6"] {
            assert!(refused("GET", "/chat/v1/chats/p/messages", query), "{query}");
        }
        for query in ["limit=5", "from=0", "x=1"] {
            assert!(refused("GET", "/chat/v1/chats/p", query), "{query}");
            assert!(refused("POST", "/chat/v1/chats/p/messages", query), "{query}");
            assert!(refused("POST", "/chat/v1/chats/p/archive", query), "{query}");
        }
    }

    #[test]
    fn ids_are_decoded_checked_and_encoded_again() {
        let c = config(&["getChat", "getFeed"], Some("/api/chat"));
        assert_eq!(forwarded(decide(&c, &request("GET", "/api/chat/chat/v1/chats/a@b", ""))).1, format!("https://api.gosquared.com/chat/v1/chats/a%40b?{CREDENTIALS}"));
        for bad in [
            "/api/chat/chat/v1/chats/%2e%2e",
            "/api/chat/chat/v1/chats/%2E",
            "/api/chat/chat/v1/chats/%2e.",
            "/api/chat/chat/v1/chats/%zz",
            "/api/chat/chat/v1/chats/a%0Ab",
            "/api/chat/chat/v1/chats/..%2F..%2Faccount%2Fv1%2Fwebhooks",
            "/api/chat/chat/v1/chats/a%2Fb/feed",
            "/api/chat/chat/v1/chats/a%5Cb",
            "/api/chat/chat/v1/chats/%2e%2e%2F/feed",
        ] {
            assert_eq!(code(&decide(&c, &request("GET", bad, ""))), (400, "proxy_bad_id"), "{bad}");
        }
        // Encoded once more, the same id is a literal percent sign: one harmless segment, encoded again.
        assert_eq!(
            forwarded(decide(&c, &request("GET", "/api/chat/chat/v1/chats/..%252F..%252Faccount/feed", ""))).1,
            format!("https://api.gosquared.com/chat/v1/chats/..%252F..%252Faccount/feed?{CREDENTIALS}")
        );
    }

    #[test]
    fn everything_outside_the_allow_list_is_refused() {
        let c = config(&["listChats", "getFeed"], Some("/api/chat"));
        let status = |m: &str, p: &str| code(&decide(&c, &request(m, p, ""))).0;
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
        assert_eq!(status("GET", "/api/chat//chat/v1/chats"), 404);
        assert_eq!(status("GET", "/api/chat/chat//v1/chats"), 404);
        assert_eq!(status("GET", "/api/chat/chat/v1/chats"), 200);
    }

    #[test]
    fn every_operation_is_reachable_and_matches_the_client() {
        let names: Vec<&str> = OPS.iter().map(|op| op.endpoint().name).collect();
        let c = config(&names, None);
        for op in OPS {
            let endpoint = op.endpoint();
            let request = ApiRequest::forwarded(op, "id-1", &ListParams::default());
            let path = endpoint.path.replace("{id}", "id-1");
            assert_eq!(request.path, path, "{}", endpoint.name);
            let incoming = Incoming { content_type: Some("application/json"), ..self::request(request.method, &path, "") };
            let operation = match decide(&c, &incoming) {
                Decision::Forward { operation, .. } => Some(operation),
                Decision::Refuse { .. } => None,
            };
            assert_eq!(operation, Some(endpoint.name));
            // The table's query names are what the client's own builders send for a full window.
            let full = ListParams { limit: Some(5), offset: Some(1), from: Some(0), to: Some(1) };
            let mut sent: Vec<&str> = ApiRequest::forwarded(op, "id-1", &full).query.iter().map(|(name, _)| *name).collect();
            let mut listed: Vec<&str> = query_of(endpoint).to_vec();
            sent.sort_unstable();
            listed.sort_unstable();
            assert_eq!(sent, listed, "{}", endpoint.name);
        }
    }

    #[test]
    fn cross_site_requests_are_refused_before_authorize() {
        let c = config(&["listChats", "sendMessage", "archiveChat"], None)
            .with_allowed_origins(&["https://Admin.Example:443".into(), "http://localhost:5173".into()])
            .unwrap_or_else(|_| config(&[], None));
        let send = |origin: Option<&'static str>, site: Option<&'static str>| {
            code(&decide(&c, &Incoming { origin, fetch_site: site, ..request("POST", "/chat/v1/chats/x/messages", "") }))
        };
        let read = |origin: Option<&'static str>, site: Option<&'static str>| code(&decide(&c, &Incoming { origin, fetch_site: site, ..request("GET", "/chat/v1/chats", "") }));
        let refused = (403, "proxy_cross_site");
        // The review's reproduction: a form on another site posting text/plain.
        let form = Incoming {
            origin: Some("https://evil.example"),
            fetch_site: Some("cross-site"),
            content_type: Some("text/plain"),
            ..request("POST", "/chat/v1/chats/x/messages", "")
        };
        assert!(matches!(decide(&c, &form), Decision::Refuse { status: 403, code: "proxy_cross_site", before_authorize: true, .. }));
        assert_eq!(send(Some("https://evil.example"), None), refused);
        assert_eq!(send(None, Some("cross-site")), refused);
        assert_eq!(send(None, Some("same-site")), refused);
        assert_eq!(send(Some("https://dash.example"), Some("same-site")), refused);
        assert_eq!(send(Some("null"), Some("same-origin")), refused);
        assert_eq!(send(Some("https://dash.example.evil"), Some("same-origin")), refused);
        assert_eq!(send(Some("http://dash.example"), None), refused);
        assert_eq!(send(None, Some("none")), refused, "none is for typed URLs, which are reads");
        assert_eq!(read(Some("https://evil.example"), Some("cross-site")), refused);
        assert_eq!(read(None, Some("cross-site")), refused);
        // Same origin, a typed URL, an allowed origin, or no browser at all.
        assert_eq!(send(Some("https://dash.example"), Some("same-origin")), (200, "forward"));
        assert_eq!(send(Some("https://DASH.example:443"), None), (200, "forward"));
        assert_eq!(send(None, Some("same-origin")), (200, "forward"));
        assert_eq!(send(Some("https://admin.example"), Some("same-site")), (200, "forward"));
        assert_eq!(send(Some("http://localhost:5173"), Some("cross-site")), (200, "forward"));
        assert_eq!(send(None, None), (200, "forward"), "no Origin and no Sec-Fetch-Site: not a browser");
        assert_eq!(read(None, Some("none")), (200, "forward"));
        assert_eq!(read(None, None), (200, "forward"));
        // The check comes first, whatever the route.
        let elsewhere = Incoming { origin: Some("https://evil.example"), ..request("GET", "/nowhere", "") };
        assert_eq!(code(&decide(&c, &elsewhere)), refused);
    }

    #[test]
    fn writes_must_be_json() {
        let c = config(&["sendMessage", "archiveChat", "deleteWebhook", "listChats"], None);
        let with = |method: &'static str, path: &'static str, content_type: Option<&'static str>| {
            code(&decide(&c, &Incoming { content_type, ..request(method, path, "") }))
        };
        let refused = (415, "proxy_bad_content_type");
        for bad in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x"), Some("application/jsonx"), Some("")] {
            assert_eq!(with("POST", "/chat/v1/chats/x/messages", bad), refused, "{bad:?}");
        }
        for good in ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"] {
            assert_eq!(with("POST", "/chat/v1/chats/x/messages", Some(good)), (200, "forward"), "{good}");
        }
        assert_eq!(with("POST", "/chat/v1/chats/x/archive", None), (200, "forward"), "the client sends no body and no type");
        assert_eq!(with("POST", "/chat/v1/chats/x/archive", Some("application/json")), (200, "forward"));
        assert_eq!(with("POST", "/chat/v1/chats/x/archive", Some("text/plain")), refused);
        assert_eq!(with("DELETE", "/account/v1/webhooks/1", Some("text/plain")), refused);
        assert_eq!(with("DELETE", "/account/v1/webhooks/1", None), (200, "forward"));
        assert_eq!(with("GET", "/chat/v1/chats", Some("text/plain")), (200, "forward"), "reads carry no body");
        let sized = |length: &'static str| code(&decide(&c, &Incoming { content_length: Some(length), ..request("POST", "/chat/v1/chats/x/messages", "") }));
        assert_eq!(sized("1048577"), (413, "proxy_body_too_large"));
        assert_eq!(sized("99999999999999999999"), (413, "proxy_body_too_large"));
        assert_eq!(sized("1048576"), (200, "forward"));
        assert_eq!(sized("12"), (200, "forward"));
    }

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        assert_eq!(origin("https://Admin.Example.com:443").as_deref(), Some("https://admin.example.com"));
        assert_eq!(origin("http://localhost:80").as_deref(), Some("http://localhost"));
        assert_eq!(origin("http://localhost:5173").as_deref(), Some("http://localhost:5173"));
        assert_eq!(origin("http://[::1]:8080").as_deref(), Some("http://[::1]:8080"));
        assert_eq!(origin("http://[::1]").as_deref(), Some("http://[::1]"));
        for bad in ["null", "", "*", "https://", "https://a.example/", "https://a.example/x", "ftp://a.example", "https://u@a.example", "https://a.example:99999", "https://a.example:", "a.example", "https://a b"] {
            assert_eq!(origin(bad), None, "{bad}");
        }
        let base = config(&["listChats"], None);
        assert!(base.clone().with_allowed_origins(&["https://a.example/".into()]).is_err());
        assert!(base.clone().with_allowed_origins(&["*".into()]).is_err());
        assert!(base.clone().with_allowed_origins(&["https://a.example".into(), "https://A.example".into()]).is_ok_and(|c| c.allowed_origins == ["https://a.example"]));
        assert!(base.clone().with_timeouts(Some(0.0), None).is_err());
        assert!(base.clone().with_timeouts(None, Some(1.5)).err().is_some_and(|e| e.message.starts_with("bodyTimeoutMs")));
        assert!(base.with_timeouts(Some(500.0), Some(2000.0)).is_ok_and(|c| (c.timeout_ms, c.body_timeout_ms) == (500, 2000)));
    }

    #[test]
    fn answers_are_json_only_and_never_carry_the_key() {
        let c = config(&["listChats"], None);
        let json = Some("application/json; charset=utf-8");
        let no_headers: &[(String, String)] = &[];
        let refused = |a: &Answer| a.body.as_deref().and_then(|b| b.split('"').nth(3)).map(str::to_owned).unwrap_or_default();
        for status in [0.0, 301.0, 302.0, 304.0, 307.0, 308.0] {
            let a = answer(&c, status, json, "{\"location\":\"x\"}", no_headers);
            assert_eq!((a.status, refused(&a).as_str()), (502, "proxy_upstream_redirect"), "{status}");
        }
        for status in [101.0, 199.0, 600.0, 999.0, -1.0, 200.5, f64::NAN] {
            let a = answer(&c, status, json, "{}", no_headers);
            assert_eq!((a.status, refused(&a).as_str()), (502, "proxy_upstream_bad_status"), "{status}");
        }
        for (content_type, body) in [(Some("text/html"), "<h1>key sk+real/key-0123</h1>"), (None, "{}"), (json, "<html>"), (json, "{\"a\":")] {
            let a = answer(&c, 200.0, content_type, body, no_headers);
            assert_eq!((a.status, refused(&a).as_str()), (502, "proxy_upstream_not_json"), "{body}");
        }
        for status in [401.0, 403.0] {
            let a = answer(&c, status, json, &format!("{{\"message\":\"bad key {KEY}\"}}"), no_headers);
            assert_eq!((a.status, refused(&a).as_str()), (status as u16, "proxy_upstream_auth"));
        }
        let echoed = format!("{{\"message\":\"bad key \\u0073k+real/key\",\"url\":\"{}\",\"cut\":\"{}\"}}", encode::component(KEY).to_lowercase(), KEY.get(..10).unwrap_or_default());
        let a = answer(&c, 400.0, Some("application/problem+json"), &echoed, no_headers);
        assert_eq!(a.body.as_deref(), Some("{\"message\":\"[redacted]\",\"url\":\"[redacted]\",\"cut\":\"[redacted]\"}"));
        let headers = vec![("retry-after".to_owned(), "3".to_owned()), ("x-ratelimit-limit".to_owned(), format!("1 {KEY}"))];
        let a = answer(&c, 429.0, json, "{\"code\":4002}", &headers);
        assert_eq!((a.status, a.body.as_deref(), a.headers), (429, Some("{\"code\":4002}"), vec![("retry-after".to_owned(), "3".to_owned())]));
        assert_eq!(answer(&c, 204.0, None, "", no_headers).body, None);
        assert_eq!(answer(&c, 200.0, None, " ", no_headers).body.as_deref(), Some(""));
    }

    #[test]
    fn configurations_are_checked() {
        let ok = |allow: &[&str]| ProxyConfig::new("k".into(), "t".into(), None, None, &allow.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert!(ok(&["listChats"]).is_ok_and(|c| c.base_url == "https://api.gosquared.com" && c.timeout_ms == 10_000 && c.body_timeout_ms == 10_000));
        assert!(ok(&[]).is_err());
        assert!(ok(&["listchats"]).err().is_some_and(|e| e.message.contains("unknown operation \"listchats\"")));
        assert!(ProxyConfig::new("k".into(), "t".into(), Some("/api"), None, &["listChats".into()]).is_err());
        assert!(ProxyConfig::new("k".into(), "t".into(), None, Some("api"), &["listChats".into()]).is_err());
        assert!(ProxyConfig::new("".into(), "t".into(), None, None, &["listChats".into()]).is_err());
    }
}
