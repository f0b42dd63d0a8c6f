import { ChatClient } from "gosquared-chat/client";

interface Env {
  GOSQUARED_API_KEY: string;
  GOSQUARED_SITE_TOKEN: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const chat = new ChatClient({ apiKey: env.GOSQUARED_API_KEY, siteToken: env.GOSQUARED_SITE_TOKEN });
    const { customerId } = (await request.json()) as { customerId: string };
    const sent = await chat.sendMessage(customerId, {
      content: "Hi! Your last payment didn't go through. Can I help you update your card?",
    });
    return Response.json({ sent: sent.id });
  },
};
