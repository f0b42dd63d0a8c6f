import { ChatClient } from "gosquared-chat";

const chat = new ChatClient({
  apiKey: Deno.env.get("GOSQUARED_API_KEY"),
  siteToken: Deno.env.get("GOSQUARED_SITE_TOKEN"),
});

const page = await chat.listChats({ limit: 10 });
console.log(`${page.cardinality} open chats, newest: ${page.items[0]?.id}`);
