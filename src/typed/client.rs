//! [`ChatClient`]: every operation of the endpoint table as an async method, each call driven by the
//! core's call machine over a [`Transport`].

use super::body::{fingerprint, JsonBody};
use super::error::Error;
use super::models::{Chat, FeedItem, Message, Webhook, WebhookId};
use super::page::{NextPage, Page};
use super::transport::{HttpRequest, LocalFuture, Transport, TransportFailure};
use crate::call::machine::Decoded;
use crate::call::machine::{AttemptFailure, Call, Settings, Step, Success};
use crate::endpoints::{auth_query, ApiRequest, Args, ListParams, Op, DEFAULT_BASE_URL};
use crate::error::ErrorKind;
use crate::call::RateLimit;
use crate::endpoints::{self, Sender};
use crate::webhook::{Found, NewWebhook};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

/// The per-attempt timeout unless one is set (the JS client's default too).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The retries after the first attempt unless a number is set (the JS client's default too).
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Sets up a [`ChatClient`]; every setting is checked by [`ClientBuilder::build`], as the JS client checks
/// its options.
///
/// ```
/// use gosquared_chat::typed::{ChatClient, HttpRequest, HttpResponse, LocalFuture, Transport, TransportError};
/// use std::time::Duration;
/// # struct MyTransport;
/// # impl Transport for MyTransport {
/// #     fn send(&self, _: HttpRequest) -> LocalFuture<'_, Result<HttpResponse, TransportError>> { Box::pin(async { Ok(HttpResponse::default()) }) }
/// #     fn sleep(&self, _: Duration) -> LocalFuture<'_, ()> { Box::pin(async {}) }
/// # }
///
/// let client = ChatClient::builder()
///     .api_key("your-api-key")
///     .site_token("GSN-123456-A")
///     .timeout(Duration::from_secs(5))
///     .max_retries(3)
///     .header("x-trace-id", "abc")
///     .build(MyTransport)?;
/// assert!(ChatClient::builder().site_token("GSN-1").build(MyTransport).is_err(), "a key is needed without a proxy");
/// # Ok::<(), gosquared_chat::typed::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ClientBuilder {
    api_key: Option<String>,
    site_token: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    headers: Vec<(String, String)>,
}

impl ClientBuilder {
    /// The API key. Leave it out only when [`base_url`](Self::base_url) is a proxy that adds it (such as
    /// the package's `createProxy`).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The project's site token (`GSN-…`).
    pub fn site_token(mut self, site_token: impl Into<String>) -> Self {
        self.site_token = Some(site_token.into());
        self
    }

    /// Where the API is: an `http(s)://` URL (the emulator, a proxy elsewhere), or a path from the page's
    /// origin such as `/api/chat` for a same-origin proxy in a browser. Default: `https://api.gosquared.com`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// How long one attempt may take (1 ms to about 24.8 days; default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt, 0 to 10 (default 2); which failures are retried depends on the
    /// operation (a message is never sent twice after an unknown outcome).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// A header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Checks the settings and makes the client.
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidRequest`] error naming the first bad setting.
    pub fn build<T: Transport>(self, transport: T) -> Result<ChatClient<T>, Error> {
        let base_url = match &self.base_url {
            Some(b) => endpoints::base_url(b)?,
            None => DEFAULT_BASE_URL.to_owned(),
        };
        match &self.api_key {
            Some(key) => endpoints::credential("apiKey", key)?,
            None if self.base_url.is_none() => {
                return Err(crate::error::Error::invalid("apiKey is required unless baseUrl points at a proxy that adds it").into())
            }
            None => {}
        }
        let site_token = self.site_token.ok_or_else(|| crate::error::Error::invalid("siteToken is required"))?;
        endpoints::credential("siteToken", &site_token)?;
        let timeout_ms = timeout_ms(self.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
        let max_retries = endpoints::max_retries(f64::from(self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES)))?;
        let headers = check_headers(self.headers)?;
        let auth_query = auth_query(self.api_key.as_deref(), &site_token);
        let settings = Rc::new(Settings { base_url, auth_query, api_key: self.api_key, timeout_ms, max_retries, proxy_routes: false });
        let inner = Inner { settings, headers, transport, rate_limit: Cell::new(None) };
        Ok(ChatClient { inner: Rc::new(inner), call: Rc::new(CheckedOptions::default()) })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("site_token", &self.site_token)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &self.headers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

/// Settings for the calls of one [`ChatClient::with_options`] view: each `None` keeps the client's own.
///
/// ```
/// use gosquared_chat::typed::CallOptions;
/// use std::time::Duration;
///
/// let patient = CallOptions { timeout: Some(Duration::from_secs(30)), max_retries: Some(5), ..Default::default() };
/// assert!(patient.headers.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// How long one attempt may take.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Headers added to the client's (a header of the same name replaces the client's).
    pub headers: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CheckedOptions {
    timeout_ms: Option<u32>,
    max_retries: Option<u32>,
    headers: Vec<(String, String)>,
}

struct Inner<T> {
    settings: Rc<Settings>,
    headers: Vec<(String, String)>,
    transport: T,
    rate_limit: Cell<Option<RateLimit>>,
}

/// A GoSquared Live Chat client: the same operations, checks, retries, timeouts and errors as the
/// package's JS `ChatClient`, for Rust code (Cloudflare Workers in Rust, Rust web apps), over any
/// [`Transport`].
///
/// Clones share the transport and the rate-limit reading. Dropping an operation's future cancels it: the
/// transport aborts the request in flight.
///
/// ```no_run
/// # #[cfg(feature = "gloo")]
/// # async fn demo() -> Result<(), gosquared_chat::typed::Error> {
/// use gosquared_chat::typed::{ChatClient, GlooTransport, ListParams};
///
/// let client = ChatClient::builder().api_key("your-api-key").site_token("GSN-123456-A").build(GlooTransport::new())?;
/// let chats = client.list_chats(ListParams { limit: Some(20), ..Default::default() }).await?;
/// for chat in chats.items() {
///     let name = chat.person.as_ref().and_then(|p| p.name.as_deref()).unwrap_or("someone");
///     println!("{name}: {} unread", chat.unread.unwrap_or(0));
/// }
/// client.send_message("email:ada@example.com", "Thanks, sorted!").await?;
/// # Ok(()) }
/// ```
pub struct ChatClient<T> {
    inner: Rc<Inner<T>>,
    call: Rc<CheckedOptions>,
}

impl<T> Clone for ChatClient<T> {
    fn clone(&self) -> Self {
        ChatClient { inner: self.inner.clone(), call: self.call.clone() }
    }
}

impl<T> fmt::Debug for ChatClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("ChatClient")
            .field("base_url", &s.base_url)
            .field("api_key", &s.api_key.as_ref().map(|_| "[redacted]"))
            .field("timeout_ms", &self.call.timeout_ms.unwrap_or(s.timeout_ms))
            .field("max_retries", &self.call.max_retries.unwrap_or(s.max_retries))
            .finish_non_exhaustive()
    }
}

/// A new message: its text, and who it is sent as (the API's default is an agent).
///
/// ```
/// use gosquared_chat::typed::{NewMessage, Sender};
///
/// let reply = NewMessage::from("On it!");
/// let as_bot = NewMessage::new("Beep").sent_as(Sender::Bot);
/// assert_eq!((reply.sender, as_bot.sender), (None, Some(Sender::Bot)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// The text: not blank, at most 100,000 characters.
    pub content: String,
    /// Who it is sent as.
    pub sender: Option<Sender>,
}

impl NewMessage {
    /// A message with `content`, sent as the API's default (an agent).
    pub fn new(content: impl Into<String>) -> Self {
        NewMessage { content: content.into(), sender: None }
    }

    /// Sends it as `sender`.
    #[must_use]
    pub fn sent_as(mut self, sender: Sender) -> Self {
        self.sender = Some(sender);
        self
    }
}

impl From<&str> for NewMessage {
    fn from(content: &str) -> Self {
        NewMessage::new(content)
    }
}

impl From<String> for NewMessage {
    fn from(content: String) -> Self {
        NewMessage::new(content)
    }
}

/// What the machine concluded about one call, with the parsed body it concluded it from.
struct Answer {
    call: Call,
    status: u16,
    body: JsonBody,
    success: Success,
    first_key: Option<String>,
}

impl ChatClient<()> {
    /// Starts setting up a client.
    ///
    /// ```
    /// let builder = gosquared_chat::typed::ChatClient::builder().api_key("k").site_token("GSN-1");
    /// # let _ = builder;
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl<T: Transport + 'static> ChatClient<T> {
    /// A view of this client whose calls use `options` (a longer timeout, no retries, extra headers); it
    /// shares the transport and the rate-limit reading.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{CallOptions, ChatClient, Error, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let once = client.with_options(CallOptions { max_retries: Some(0), ..Default::default() })?;
    /// once.archive_chat("email:ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidRequest`] error for a bad option.
    pub fn with_options(&self, options: CallOptions) -> Result<ChatClient<T>, Error> {
        let checked = CheckedOptions {
            timeout_ms: options.timeout.map(timeout_ms).transpose()?,
            max_retries: options.max_retries.map(|n| endpoints::max_retries(f64::from(n))).transpose()?,
            headers: check_headers(options.headers)?,
        };
        Ok(ChatClient { inner: self.inner.clone(), call: Rc::new(checked) })
    }

    /// The rate-limit budget the last answer reported, if any did.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, Transport};
    /// # fn demo(client: ChatClient<impl Transport + 'static>) {
    /// if let Some(remaining) = client.rate_limit().and_then(|r| r.remaining) {
    ///     println!("{remaining} requests left this minute");
    /// }
    /// # }
    /// ```
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.rate_limit.get()
    }

    /// The transport the client sends with.
    pub fn transport(&self) -> &T {
        &self.inner.transport
    }

    /// Lists the chats that are not archived, newest activity first, one page at a time.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, ListParams, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let page = client.list_chats(ListParams { limit: Some(25), ..Default::default() }).await?;
    /// println!("{} of {:?} chats", page.items().len(), page.cardinality());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// An [`Error`]: bad parameters ([`ErrorKind::InvalidRequest`], before sending), or what the API or the
    /// transport answered once retries were spent.
    pub async fn list_chats(&self, params: ListParams) -> Result<Page<Chat>, Error> {
        self.list_page(Op::ListChats, String::new(), check_list(params)?, None).await
    }

    /// Lists the archived chats, one page at a time.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, ListParams, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let archived = client.list_archived_chats(ListParams::default()).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`list_chats`](Self::list_chats).
    pub async fn list_archived_chats(&self, params: ListParams) -> Result<Page<Chat>, Error> {
        self.list_page(Op::ListArchivedChats, String::new(), check_list(params)?, None).await
    }

    /// Reads one chat.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, ErrorKind, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// match client.get_chat("email:ada@example.com").await {
    ///     Ok(chat) => println!("archived: {}", chat.archived),
    ///     Err(e) if e.kind() == ErrorKind::NotFound => println!("no chat with Ada yet"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for an unknown chat, and as [`list_chats`](Self::list_chats).
    pub async fn get_chat(&self, chat_id: &str) -> Result<Chat, Error> {
        endpoints::chat_id(chat_id)?;
        let answer = self.execute(Op::GetChat, chat_id, &Args::None, None).await?;
        value(answer, "a chat")
    }

    /// Reads a chat's feed (messages, notes and events, oldest first), one page at a time.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, FeedItem, ListParams, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let feed = client.get_feed("email:ada@example.com", ListParams { limit: Some(250), ..Default::default() }).await?;
    /// let notes = feed.items().iter().filter(|item| matches!(item, FeedItem::Message(m) if m.is_note())).count();
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_chat`](Self::get_chat).
    pub async fn get_feed(&self, chat_id: &str, params: ListParams) -> Result<Page<FeedItem>, Error> {
        endpoints::chat_id(chat_id)?;
        self.list_page(Op::GetFeed, chat_id.to_owned(), check_list(params)?, None).await
    }

    /// Lists a chat's messages (no notes, no events), oldest first, one page at a time.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, ListParams, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let mut messages = client.list_messages("email:ada@example.com", ListParams::default()).await?.into_stream();
    /// while let Some(message) = messages.next().await {
    ///     let message = message?;
    ///     println!("{}: {}", message.from, message.content);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_chat`](Self::get_chat).
    pub async fn list_messages(&self, chat_id: &str, params: ListParams) -> Result<Page<Message>, Error> {
        endpoints::chat_id(chat_id)?;
        self.list_page(Op::ListMessages, chat_id.to_owned(), check_list(params)?, None).await
    }

    /// Sends a message in a chat. It is never sent twice: after an unknown outcome (a timeout, a 5xx) the
    /// call fails with [`Error::may_have_succeeded`] set instead of retrying; only a 429 is retried.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, NewMessage, Sender, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let sent = client.send_message("email:ada@example.com", "Your card was declined; can we help?").await?;
    /// client.send_message("email:ada@example.com", NewMessage::new("Automated check done").sent_as(Sender::Bot)).await?;
    /// println!("sent {}", sent.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_chat`](Self::get_chat); a blank or oversized text is refused before sending.
    pub async fn send_message(&self, chat_id: &str, message: impl Into<NewMessage>) -> Result<Message, Error> {
        let message = message.into();
        endpoints::chat_id(chat_id)?;
        endpoints::content(&message.content)?;
        let answer = self.execute(Op::SendMessage, chat_id, &Args::Content(message.content, message.sender), None).await?;
        value(answer, "a message")
    }

    /// Adds a private note to a chat (seen by the team only). Like a message, never sent twice.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let note = client.add_note("email:ada@example.com", "Refund approved by finance").await?;
    /// assert!(note.is_note());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`send_message`](Self::send_message).
    pub async fn add_note(&self, chat_id: &str, content: &str) -> Result<Message, Error> {
        endpoints::chat_id(chat_id)?;
        endpoints::content(content)?;
        let answer = self.execute(Op::AddNote, chat_id, &Args::Content(content.to_owned(), None), None).await?;
        value(answer, "a note")
    }

    /// Archives a chat (archiving an archived chat changes nothing, so it is retried like a read).
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// client.archive_chat("email:ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_chat`](Self::get_chat).
    pub async fn archive_chat(&self, chat_id: &str) -> Result<(), Error> {
        endpoints::chat_id(chat_id)?;
        self.execute(Op::ArchiveChat, chat_id, &Args::None, None).await.map(drop)
    }

    /// Moves an archived chat back to the open chats.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// client.unarchive_chat("email:ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`get_chat`](Self::get_chat).
    pub async fn unarchive_chat(&self, chat_id: &str) -> Result<(), Error> {
        endpoints::chat_id(chat_id)?;
        self.execute(Op::UnarchiveChat, chat_id, &Args::None, None).await.map(drop)
    }

    /// Lists the account's webhooks (Account API).
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// for hook in client.list_webhooks().await? {
    ///     println!("{} → {}", hook.trigger, hook.url);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`list_chats`](Self::list_chats).
    pub async fn list_webhooks(&self) -> Result<Vec<Webhook>, Error> {
        let answer = self.execute(Op::ListWebhooks, "", &Args::None, None).await?;
        value(answer, "a list of webhooks")
    }

    /// Registers a webhook. Not retried after an unknown outcome: a repeat would register it twice.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, NewWebhook, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let spec = NewWebhook::new("https://example.com/gosquared/webhook?secret=long-random-value".into(), Some("chat".into()), None, None, None)?;
    /// let hook = client.create_webhook(&spec).await?;
    /// println!("registered webhook {}", hook.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`send_message`](Self::send_message).
    pub async fn create_webhook(&self, webhook: &NewWebhook) -> Result<Webhook, Error> {
        let answer = self.execute(Op::CreateWebhook, "", &Args::Webhook(webhook.clone()), None).await?;
        value(answer, "a webhook")
    }

    /// Deletes a webhook by its id.
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// for hook in client.list_webhooks().await? {
    ///     client.delete_webhook(&hook.id).await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] for an unknown id, and as [`get_chat`](Self::get_chat).
    pub async fn delete_webhook(&self, webhook_id: impl Into<WebhookId>) -> Result<(), Error> {
        let found = match webhook_id.into() {
            WebhookId::Number(n) => Found::Number(n as f64),
            WebhookId::Text(t) => Found::Text(t),
        };
        let id = crate::webhook::webhook_id(&found)?;
        self.execute(Op::DeleteWebhook, &id, &Args::None, None).await.map(drop)
    }

    /// One page of a list operation; `previous_first` is the fingerprint of the page before.
    async fn list_page<I: DeserializeOwned + 'static>(&self, op: Op, id: String, params: ListParams, previous_first: Option<String>) -> Result<Page<I>, Error> {
        let answer = self.execute(op, &id, &Args::List(params.clone()), previous_first).await?;
        let Answer { call, status, body, success, first_key } = answer;
        let Success::Page(outcome) = success else {
            return Err(call.fail(format_error(status, "a list", "not a page")).into());
        };
        let items = if !outcome.keep_items {
            Vec::new()
        } else {
            match (outcome.bare, body.into_value()) {
                (true, Value::Array(items)) => items,
                (false, Value::Object(mut o)) => match o.remove("list") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        };
        let next = outcome.next.map(|(offset, limit)| {
            let key = first_key.or_else(|| fingerprint(&items));
            let params = ListParams { offset: Some(offset), limit: Some(limit), ..params.clone() };
            let client = self.clone();
            let next: NextPage<I> = Rc::new(move || -> LocalFuture<'static, Result<Page<I>, Error>> {
                let (client, id, params, key) = (client.clone(), id.clone(), params.clone(), key.clone());
                Box::pin(async move { client.list_page(op, id, params, key).await })
            });
            next
        });
        let items = items
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<Vec<I>, _>>()
            .map_err(|e| Error::from(call.fail(format_error(status, "a list item", e))))?;
        Ok(Page { items, cardinality: outcome.cardinality.map(|c| c as u64), offset: outcome.offset, limit: outcome.limit, next })
    }

    /// Runs one operation to its end through the call machine: sends, feeds each answer or failure to the
    /// machine, and waits when it says to retry.
    async fn execute(&self, op: Op, id: &str, args: &Args, previous_first: Option<String>) -> Result<Answer, Error> {
        let inner = &self.inner;
        let request = ApiRequest::new(op, id, args)?;
        let headers = self.headers(request.body.is_some());
        let mut call = Call::new(inner.settings.clone(), request, self.call.timeout_ms, self.call.max_retries);
        let url = call.url();
        let timeout = Duration::from_millis(u64::from(call.timeout_ms()));
        loop {
            let http = HttpRequest { method: call.request().method, url: url.clone(), headers: headers.clone(), body: call.request().body.clone(), timeout };
            let random = inner.transport.random();
            let delay = match inner.transport.send(http).await {
                Ok(answer) => {
                    let body = JsonBody::parse(&answer.body);
                    let mut first_key = None;
                    let list = || {
                        let (facts, key) = body.list_facts(previous_first.as_deref());
                        first_key = key;
                        facts
                    };
                    let header = |name: &str| answer.header(name).map(str::to_owned);
                    let step = call.on_answer(f64::from(answer.status), header, &body, list, inner.transport.now_ms(), random);
                    if let Some(rl) = call.rate_limit() {
                        inner.rate_limit.set(Some(rl));
                    }
                    match step {
                        Step::Done(success) => return Ok(Answer { call, status: answer.status, body, success, first_key }),
                        Step::Retry(ms) => ms,
                        // Only a call made checkable (exactly-once sends, not used by this client yet) asks
                        // for a count; the error it carries is the plain call's outcome.
                        Step::Failed(e) | Step::Check { error: e, .. } => return Err(e.into()),
                    }
                }
                Err(failure) => {
                    let how = match failure.failure {
                        TransportFailure::Send => AttemptFailure::RequestFailed,
                        TransportFailure::Read => AttemptFailure::ReadFailed,
                        TransportFailure::TimedOut => AttemptFailure::TimedOut,
                    };
                    match call.on_failure(how, failure.causes, random) {
                        Step::Retry(ms) => ms,
                        Step::Failed(e) | Step::Check { error: e, .. } => return Err(e.into()),
                        Step::Done(_) => return Err(call.fail(crate::error::Error::new(ErrorKind::Connection, "the attempt ended without an answer")).into()),
                    }
                }
            };
            inner.transport.sleep(Duration::from_secs_f64(delay.max(0.0) / 1000.0)).await;
        }
    }

    /// The request's headers: the client's, this view's own (replacing the client's of the same name),
    /// `accept`, and `content-type` with a body.
    fn headers(&self, with_body: bool) -> Vec<(String, String)> {
        let own = &self.call.headers;
        let mut headers: Vec<(String, String)> = self.inner.headers.iter().filter(|(name, _)| !own.iter().any(|(n, _)| n == name)).cloned().collect();
        headers.extend(own.iter().cloned());
        headers.retain(|(name, _)| name != "accept" && !(with_body && name == "content-type"));
        headers.push(("accept".into(), "application/json".into()));
        if with_body {
            headers.push(("content-type".into(), "application/json".into()));
        }
        headers
    }
}

/// The decoded result of an answer the machine judged a value.
fn value<D: DeserializeOwned>(answer: Answer, what: &str) -> Result<D, Error> {
    let Answer { call, status, body, success, .. } = answer;
    let Success::Value(decoded) = success else {
        return Err(call.fail(format_error(status, what, "a page where one value was expected")).into());
    };
    let value = match (decoded, body.into_value()) {
        (Decoded::Empty, _) => Value::Object(Map::new()),
        (Decoded::Body | Decoded::BareList, value) => value,
        (Decoded::ChatInside, Value::Object(mut o)) => o.remove("chat").unwrap_or(Value::Null),
        (Decoded::ListEnvelope, Value::Object(mut o)) => o.remove("list").unwrap_or(Value::Null),
        (_, value) => value,
    };
    serde_json::from_value(value).map_err(|e| call.fail(format_error(status, what, e)).into())
}

/// A 2xx answer whose JSON does not fit the model.
fn format_error(status: u16, what: &str, detail: impl fmt::Display) -> crate::error::Error {
    let message = format!("The API sent {what} that does not fit the model: {} (HTTP {status})", crate::error::truncate(&detail.to_string(), 200));
    crate::error::Error { status: Some(status), ..crate::error::Error::new(ErrorKind::ResponseFormat, message) }
}

fn timeout_ms(timeout: Duration) -> Result<u32, Error> {
    Ok(endpoints::timeout_ms(timeout.as_millis() as f64)?)
}

fn check_headers(headers: Vec<(String, String)>) -> Result<Vec<(String, String)>, Error> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        endpoints::header_name(&name)?;
        endpoints::header_value(&value)?;
        let name = name.to_ascii_lowercase();
        out.retain(|(n, _)| *n != name);
        out.push((name, value));
    }
    Ok(out)
}

/// Checks list parameters as the JS client does: limit 1 to 250, offset and times whole and in range,
/// `from` not after `to`.
fn check_list(params: ListParams) -> Result<ListParams, Error> {
    if let Some(limit) = params.limit {
        endpoints::limit(f64::from(limit))?;
    }
    if let Some(offset) = params.offset {
        endpoints::offset(offset as f64)?;
    }
    for (name, time) in [("from", params.from), ("to", params.to)] {
        if let Some(ms) = time {
            endpoints::epoch_ms(name, ms as f64)?;
        }
    }
    Ok(params.check()?)
}
