import { init, ChatClient } from "gosquared-chat/init";

await init(); // fetches gosquared_chat_bg.wasm next to the module; or init(url), or initSync(wasmModule)
const chat = new ChatClient({ baseUrl: "/api/chat", siteToken: "GSN-123456-A" });
const page = await chat.listChats();
document.querySelector("#chats").textContent = `${page.cardinality} open chats`;
