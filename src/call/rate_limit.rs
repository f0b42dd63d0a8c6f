//! The API's rate-limit budget, as reported in the `X-RateLimit-*` headers of every answer.

/// The last budget the API reported; each field is present only when its header was.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: units per minute (750 on the real API).
    pub limit: Option<f64>,
    /// `X-RateLimit-Remaining`: units left now.
    pub remaining: Option<f64>,
    /// `X-RateLimit-Cost`: what the last call cost.
    pub cost: Option<f64>,
    /// `X-RateLimit-Full`: seconds until the budget is full again.
    pub full_in_seconds: Option<f64>,
}

impl RateLimit {
    /// Reads the four headers through `get`; `None` when the answer carried none of them.
    pub fn from_headers(get: impl Fn(&str) -> Option<String>) -> Option<RateLimit> {
        let num = |name: &str| get(name).and_then(|v| crate::number::parse_decimal(&v));
        let rl = RateLimit {
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
            cost: num("x-ratelimit-cost"),
            full_in_seconds: num("x-ratelimit-full"),
        };
        (rl != RateLimit::default()).then_some(rl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headers() {
        let rl = RateLimit::from_headers(|n| match n {
            "x-ratelimit-limit" => Some("750".into()),
            "x-ratelimit-remaining" => Some(" 749 ".into()),
            "x-ratelimit-cost" => Some("junk".into()),
            _ => None,
        });
        assert_eq!(rl, Some(RateLimit { limit: Some(750.0), remaining: Some(749.0), cost: None, full_in_seconds: None }));
        assert_eq!(RateLimit::from_headers(|_| None), None);
    }
}
