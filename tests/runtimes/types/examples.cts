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

// The smaller entries resolve their CommonJS declarations too.
import small = require("gosquared-chat/client");
import edge = require("gosquared-chat/edge");

export async function sendAndSign(secret: string): Promise<string> {
  const sent: small.Message = await new small.ChatClient({ apiKey: "key", siteToken: "GSN-123456-A" }).sendMessage("a", { content: "hi" });
  return edge.personSignature(secret, sent.id);
}
