// Typed CommonJS usage: require() resolves the CommonJS declarations; it must type-check under --strict.
import chat = require("gosquared-chat");

const client = new chat.ChatClient({ apiKey: "key", siteToken: "GSN-123456-A" });

export async function firstChatId(): Promise<string | undefined> {
  try {
    const page: chat.Page<chat.Chat> = await client.listChats({ limit: 1 });
    return page.items[0]?.id;
  } catch (error) {
    if (error instanceof chat.RateLimitError) return undefined;
    throw error;
  }
}
