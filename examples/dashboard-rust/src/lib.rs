//! A dashboard page in Rust: lists the chats through the package's key-safe proxy (`createProxy`, served by
//! `server.mjs` at /api/chat), with the typed API over gloo-net and the DOM through web-sys. The API key stays
//! on the server: the page knows only the site token and the proxy's path.

use gosquared_chat::typed::{Chat, ChatClient, Error, GlooTransport, ListParams};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

fn document() -> Result<Document, JsValue> {
    web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))
}

fn element(doc: &Document, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let el = doc.create_element(tag)?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    el.set_text_content(Some(text));
    Ok(el)
}

/// One row: who, how many unread, and the newest message.
fn row(doc: &Document, chat: &Chat) -> Result<Element, JsValue> {
    let li = doc.create_element("li")?;
    li.set_class_name("chat");
    li.set_attribute("data-chat-id", &chat.id)?;
    let person = chat.person.as_ref();
    let name = person.and_then(|p| p.name.clone()).or_else(|| person.and_then(|p| p.email.clone())).unwrap_or_else(|| chat.id.clone());
    let name = element(doc, "strong", "name", &name)?;
    li.append_child(&name)?;
    let unread = chat.unread.unwrap_or(0);
    if unread > 0 {
        let badge = element(doc, "span", "unread", &unread.to_string())?;
        li.append_child(&badge)?;
    }
    let latest = chat.latest.as_ref().and_then(|l| l.message.as_ref()).map(|m| m.content.clone()).unwrap_or_default();
    let latest = element(doc, "span", "latest", &latest)?;
    li.append_child(&latest)?;
    Ok(li)
}

/// Walks every page of the open chats into the list.
async fn load(doc: &Document, list: &Element) -> Result<usize, Error> {
    let site_token = doc
        .query_selector("meta[name=gosquared-site-token]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default();
    let client = ChatClient::builder().site_token(site_token).base_url("/api/chat").build(GlooTransport::new())?;
    let mut chats = client.list_chats(ListParams { limit: Some(2), ..Default::default() }).await?.into_stream();
    let mut count = 0;
    while let Some(chat) = chats.next().await {
        let _ = row(doc, &chat?).and_then(|li| list.append_child(&li));
        count += 1;
    }
    Ok(count)
}

/// Fills the page; called by index.html once the module is loaded.
#[wasm_bindgen]
pub async fn run() -> Result<(), JsValue> {
    let doc = document()?;
    let list = doc.get_element_by_id("chats").ok_or_else(|| JsValue::from_str("no #chats"))?;
    let status = doc.get_element_by_id("status").ok_or_else(|| JsValue::from_str("no #status"))?;
    match load(&doc, &list).await {
        Ok(count) => status.set_text_content(Some(&format!("{count} open chats"))),
        Err(e) => {
            status.set_class_name("error");
            status.set_text_content(Some(&format!("{}: {e}", e.name())));
        }
    }
    if let Some(body) = doc.body() {
        body.set_attribute("data-ready", "true")?;
    }
    Ok(())
}
