const { ChatClient } = require("gosquared-chat");

const chat = new ChatClient({
  apiKey: process.env.GOSQUARED_API_KEY,
  siteToken: process.env.GOSQUARED_SITE_TOKEN,
});

chat.listChats({ limit: 10 }).then((page) => {
  console.log(`${page.cardinality} open chats, newest: ${page.items[0]?.id}`);
});
