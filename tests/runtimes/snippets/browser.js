import { ChatClient } from "gosquared-chat";

// No key in the browser: /api/chat is your server's route that adds api_key and forwards to GoSquared.
const chat = new ChatClient({ baseUrl: "/api/chat", siteToken: "GSN-123456-A" });

const list = document.querySelector("#chats");
for await (const c of chat.listChats({ limit: 50 })) {
  list.append(Object.assign(document.createElement("li"), { textContent: c.person?.name ?? c.id }));
}
