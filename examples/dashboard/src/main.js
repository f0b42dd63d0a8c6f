// The admin page: chats (open or archived), one conversation's feed, and the actions on it. It talks to the
// API only through the same-origin proxy at /api/chat, which holds the key; the page never has one.
import { ChatClient } from "./gosquared.js";

const watchIntervalMs = Number(document.querySelector('meta[name="gosquared-watch-interval"]').content);
// Requests go to /api/chat/chats/…; the proxy adds the key and the site token.
const chat = new ChatClient({ proxyUrl: "/api/chat" });

const $ = (id) => document.getElementById(id);
const state = { filter: "open", chats: [], selected: null };

function element(tag, { dataset = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function showError(error) {
  const box = $("error");
  if (!error) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  const retry = error.mayHaveSucceeded ? " It may have gone through: check the conversation before trying again." : "";
  box.textContent = `${error.name ?? "Error"}: ${error.message}${retry}`;
  box.hidden = false;
}

/** Runs one user action: clears the last error, shows a new one, and refreshes the rate-limit budget. */
async function act(action) {
  showError(null);
  document.body.classList.add("busy");
  try {
    await action();
  } catch (error) {
    showError(error);
  } finally {
    document.body.classList.remove("busy");
    showBudget();
  }
}

const when = (ms) => new Date(ms).toLocaleString("en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" });
const personName = (c) => c.person?.name ?? c.person?.email ?? c.id;

function renderChats() {
  const unread = state.chats.reduce((total, c) => total + (c.unread ?? 0), 0);
  document.title = unread > 0 ? `(${unread}) Chats · GoSquared admin` : "Chats · GoSquared admin";
  const list = $("chats");
  list.replaceChildren(...state.chats.map((c) => {
    const button = element("button", { type: "button", className: "chat", dataset: { chatId: c.id } },
      element("span", { className: "name", textContent: personName(c) }),
      c.unread ? element("span", { className: "unread", textContent: String(c.unread) }) : null,
      element("span", { className: "latest", textContent: c.latest?.message?.content ?? "" }));
    button.setAttribute("aria-current", String(state.selected?.id === c.id));
    button.addEventListener("click", () => act(() => openChat(c)));
    return element("li", {}, button);
  }));
  $("no-chats").hidden = state.chats.length > 0;
}

async function loadChats() {
  const page = state.filter === "archived" ? await chat.listArchivedChats({ limit: 50 }) : await chat.listChats({ limit: 50 });
  state.chats = page.items;
  renderChats();
}

function feedItem(item) {
  if (item.type === "event") {
    return element("li", { className: "event", textContent: `Chat ${item.event} · ${when(item.timestamp)}` });
  }
  const kind = item.private ? "note" : item.from;
  const who = item.private ? "Note" : item.from === "client" ? "Customer" : item.from === "bot" ? "Bot" : (item.agent?.first_name ?? "Agent");
  return element("li", { className: `item ${kind}`, dataset: { id: item.id } },
    element("span", { className: "meta", textContent: `${who} · ${when(item.timestamp)}` }),
    element("p", { textContent: item.content }));
}

async function openChat(c) {
  const items = [];
  for await (const item of chat.getFeed(c.id, { limit: 250 })) items.push(item);
  state.selected = { ...c };
  $("chat-title").textContent = personName(c);
  $("archive-toggle").textContent = c.archived ? "Unarchive" : "Archive";
  $("feed").replaceChildren(...items.map(feedItem));
  $("conversation").hidden = false;
  $("pick").hidden = true;
  $("feed").lastElementChild?.scrollIntoView({ block: "end" });
  renderChats();
}

async function refreshSelected() {
  await loadChats();
  const fresh = state.chats.find((c) => c.id === state.selected.id);
  if (fresh) {
    await openChat(fresh);
  } else {
    // The chat moved to the other list (archived or back): keep showing it with its new state.
    await openChat({ ...state.selected, archived: !state.selected.archived });
  }
}

function composed() {
  return $("compose").value;
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  act(async () => {
    await chat.sendMessage(state.selected.id, { content: composed() });
    $("compose").value = "";
    await refreshSelected();
  });
});

$("add-note").addEventListener("click", () => act(async () => {
  await chat.addNote(state.selected.id, { content: composed() });
  $("compose").value = "";
  await refreshSelected();
}));

$("archive-toggle").addEventListener("click", () => act(async () => {
  if (state.selected.archived) await chat.unarchiveChat(state.selected.id);
  else await chat.archiveChat(state.selected.id);
  await refreshSelected();
}));

for (const radio of document.querySelectorAll('input[name="filter"]')) {
  radio.addEventListener("change", () => act(async () => {
    state.filter = radio.value;
    await loadChats();
  }));
}

function showBudget() {
  const budget = chat.rateLimit;
  $("budget").textContent = budget ? `API budget ${budget.remaining}/${budget.limit}` : "";
}

/** A chat moved: it goes to the top of the list it is in now, with the API's fresh unread count. */
function chatMoved({ chatId, chat: fresh, archived }) {
  state.chats = state.chats.filter((c) => c.id !== chatId);
  if (archived === (state.filter === "archived")) state.chats.unshift(fresh);
  if (state.selected?.id === chatId) {
    state.selected = { ...state.selected, archived };
    $("archive-toggle").textContent = archived ? "Unarchive" : "Archive";
  }
  renderChats();
}

/** A new message or note: shown at once in the open conversation, which scrolls to it. */
function messageArrived({ chatId, message }) {
  if (state.selected?.id !== chatId) return;
  const feed = $("feed");
  if (feed.querySelector(`li[data-id="${CSS.escape(String(message.id))}"]`)) return;
  const item = feedItem({ type: "message", ...message });
  item.classList.add("live");
  feed.append(item);
  feed.scrollTop = feed.scrollHeight;
}

/**
 * The live inbox: new customer messages and chat changes arrive by polling only what changed (through the same
 * proxy). It starts before the first list is read, so that nothing written meanwhile is missed; a chat event
 * carries the whole chat, so seeing a change twice does no harm.
 */
async function live() {
  for await (const event of chat.watch({ intervalMs: watchIntervalMs })) {
    if (event.type === "chat") chatMoved(event);
    else messageArrived(event);
    showBudget();
  }
}
live().catch(showError);

act(loadChats).then(() => document.body.setAttribute("data-ready", "true"));
