import { ChatClient } from "gosquared-chat";

export const runtime = "edge";

export async function GET() {
  const chat = new ChatClient({
    apiKey: process.env.GOSQUARED_API_KEY,
    siteToken: process.env.GOSQUARED_SITE_TOKEN,
  });
  const page = await chat.listChats({ limit: 10 });
  return Response.json({ open: page.cardinality });
}
