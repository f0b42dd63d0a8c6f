import { ChatClient } from "gosquared-chat";

const chat = new ChatClient({
  apiKey: process.env.GOSQUARED_API_KEY,
  siteToken: process.env.GOSQUARED_SITE_TOKEN,
});

const page = await chat.listChats({ limit: 10 });
console.log(`${page.cardinality} open chats, newest: ${page.items[0]?.id}`);
