// Misuse the declarations must reject: every line marked `// error TSxxxx` has to fail with that code,
// and no other line may fail.
import { ChatClient, GoSquaredError, Page, createProxy, type Chat, type Message } from "gosquared-chat";
import { ChatClient as ManualClient, initSync } from "gosquared-chat/init";
import * as onlyClient from "gosquared-chat/client";
import * as onlyEdge from "gosquared-chat/edge";

const client = new ChatClient({ apiKey: "k", siteToken: "GSN-1-A" });

new ChatClient(); // error TS2554
new ChatClient({ apiKey: "k" }); // error TS2345
new ChatClient({ apikey: "k", siteToken: "GSN-1-A" }); // error TS2561
new ChatClient({ siteToken: "GSN-1-A", timeoutMs: "10s" }); // error TS2322
new ManualClient({ siteToken: 42 }); // error TS2322
initSync(); // error TS2554

export async function misuse(): Promise<void> {
  client.getChat(42); // error TS2345
  client.listChats({ limit: "10" }); // error TS2322
  client.listChats({ limt: 10 }); // error TS2561
  client.listMessages("a", {}, { signal: "stop" }); // error TS2322
  client.sendMessage("a", { content: 5 }); // error TS2322
  client.sendMessage("a", { content: "x", from: "admin" }); // error TS2322
  client.addNote("a", {}); // error TS2345
  client.archiveChat(); // error TS2554
  client.deleteChat("a"); // error TS2339
  client.createWebhook({ url: "https://x.test", trigger: "on_message" }); // error TS2322
  createProxy({ apiKey: "k", siteToken: "t", allow: ["dropDatabase"], authorize: () => true }); // error TS2322
  createProxy({ apiKey: "k", siteToken: "t", allow: ["listChats"], authorize: () => true, allowedOrigins: "https://a.example" }); // error TS2322

  const chat = await client.getChat("a");
  const id: number = chat.id; // error TS2322
  const page: Page<Chat> = await client.listChats();
  page.items[0].person.name; // error TS2532
  const unknownField: string = chat.whatever; // error TS2322
  const limit = client.rateLimit.limit; // error TS18048
  const sent: Message = await client.archiveChat("a"); // error TS2739
  for await (const item of client.getFeed("a")) {
    const text: string = item.content; // error TS2322
    void text;
  }
  new Page(); // error TS2673
  client.rateLimit = undefined; // error TS2540

  try {
    await client.getChat("a");
  } catch (error) {
    if (error instanceof GoSquaredError) {
      const code: number = error.code; // error TS2322
    }
  }
  client.exportChats({ concurency: 2 }); // error TS2561
  client.watch({ interval: 1000 }); // error TS2561
  client.watch({ since: true }); // error TS2322
  for await (const event of client.watch()) {
    const content: string = event.message.content; // error TS2339
    void content;
  }
  const lines: string = client.exportChats(); // error TS2322
  void [id, unknownField, limit, sent, lines];

  const small = new onlyClient.ChatClient({ apiKey: "k", siteToken: "GSN-1-A" });
  small.exportChats(); // error TS2339
  small.getChat(42); // error TS2345
  onlyClient.createProxy; // error TS2339
  new onlyEdge.ChatClient({ apiKey: "k", siteToken: "GSN-1-A" }); // error TS2339
  onlyEdge.personSignature("secret"); // error TS2554
}
