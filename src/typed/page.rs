//! One page of a list, the way to the next, and streams over every page or every item.

use super::error::Error;
use super::transport::LocalFuture;
use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Fetches the page after the one it belongs to.
pub(crate) type NextPage<T> = Rc<dyn Fn() -> LocalFuture<'static, Result<Page<T>, Error>>>;

/// One page of a list: its items, the total the API reported, and the way to the next page.
///
/// The list ends on a short or empty page, once `cardinality` items were seen, or when the API sends the
/// same page again (a server that ignores the offset), so walking it always stops.
///
/// ```no_run
/// # use gosquared_chat::typed::{ChatClient, Error, ListParams, Transport};
/// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
/// let mut page = client.list_chats(ListParams { limit: Some(50), ..Default::default() }).await?;
/// loop {
///     for chat in page.items() {
///         println!("{}", chat.id);
///     }
///     match page.next_page().await? {
///         Some(next) => page = next,
///         None => break,
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) cardinality: Option<u64>,
    pub(crate) offset: u64,
    pub(crate) limit: u32,
    pub(crate) next: Option<NextPage<T>>,
}

impl<T> Page<T> {
    /// The page's items.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The page's items, taken out.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The total number of items the API reported for the whole list, when it did.
    pub fn cardinality(&self) -> Option<u64> {
        self.cardinality
    }

    /// The offset this page was asked for.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The page size asked for (or the number of items, when none was).
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Whether there is a page after this one.
    pub fn has_next_page(&self) -> bool {
        self.next.is_some()
    }

    /// Fetches the next page, or returns `None` at the end of the list. Each call sends a request.
    ///
    /// # Errors
    /// The same as the call that fetched this page.
    pub async fn next_page(&self) -> Result<Option<Page<T>>, Error> {
        match &self.next {
            Some(next) => next().await.map(Some),
            None => Ok(None),
        }
    }

    /// Every page from this one on, as a stream (also usable without `futures`: see [`Pages::next`]).
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, ListParams, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let mut pages = client.list_chats(ListParams::default()).await?.pages();
    /// while let Some(page) = pages.next().await {
    ///     println!("{} chats", page?.items().len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> Pages<T> {
        Pages { state: PagesState::Ready(self) }
    }

    /// Every item from this page on, fetching pages as needed, as a stream (see [`Items::next`]).
    ///
    /// ```no_run
    /// # use gosquared_chat::typed::{ChatClient, Error, ListParams, Transport};
    /// # async fn demo(client: ChatClient<impl Transport + 'static>) -> Result<(), Error> {
    /// let mut feed = client.get_feed("email:ada@example.com", ListParams::default()).await?.into_stream();
    /// while let Some(item) = feed.next().await {
    ///     println!("{:?}", item?.id());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> Items<T> {
        let next = self.next;
        Items { current: self.items.into_iter(), next, pending: None }
    }
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("items", &self.items)
            .field("cardinality", &self.cardinality)
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("has_next_page", &self.next.is_some())
            .finish()
    }
}

enum PagesState<T> {
    Ready(Page<T>),
    Fetching(LocalFuture<'static, Result<Page<T>, Error>>),
    Done,
}

/// A stream of pages, from [`Page::pages`]. It ends after the last page, or after the first error.
pub struct Pages<T> {
    state: PagesState<T>,
}

impl<T> Pages<T> {
    /// The next page, or `None` at the end (the same as `StreamExt::next`).
    pub async fn next(&mut self) -> Option<Result<Page<T>, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Unpin for Pages<T> {}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let page = match std::mem::replace(&mut self.state, PagesState::Done) {
            PagesState::Done => return Poll::Ready(None),
            PagesState::Ready(page) => page,
            PagesState::Fetching(mut pending) => match pending.as_mut().poll(cx) {
                Poll::Pending => {
                    self.state = PagesState::Fetching(pending);
                    return Poll::Pending;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Ok(page)) => page,
            },
        };
        if let Some(next) = &page.next {
            self.state = PagesState::Fetching(next());
        }
        Poll::Ready(Some(Ok(page)))
    }
}

/// A stream of items across pages, from [`Page::into_stream`]. It ends after the last item, or after the
/// first error.
pub struct Items<T> {
    current: std::vec::IntoIter<T>,
    next: Option<NextPage<T>>,
    pending: Option<LocalFuture<'static, Result<Page<T>, Error>>>,
}

impl<T> Items<T> {
    /// The next item, or `None` at the end (the same as `StreamExt::next`).
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if self.pending.is_none() {
                match self.next.take() {
                    Some(next) => self.pending = Some(next()),
                    None => return Poll::Ready(None),
                }
            }
            let Some(pending) = self.pending.as_mut() else { return Poll::Ready(None) };
            match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    self.pending = None;
                    match result {
                        Ok(page) => {
                            self.next = page.next;
                            self.current = page.items.into_iter();
                        }
                        Err(e) => return Poll::Ready(Some(Err(e))),
                    }
                }
            }
        }
    }
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            PagesState::Ready(_) => "ready",
            PagesState::Fetching(_) => "fetching",
            PagesState::Done => "done",
        };
        f.debug_struct("Pages").field("state", &state).finish()
    }
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").field("buffered", &self.current.len()).field("fetching", &self.pending.is_some()).finish()
    }
}
