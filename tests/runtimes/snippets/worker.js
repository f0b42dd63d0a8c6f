import { ChatClient } from "gosquared-chat/client";

export default {
  async fetch(request, env) {
    const chat = new ChatClient({ apiKey: env.GOSQUARED_API_KEY, siteToken: env.GOSQUARED_SITE_TOKEN });
    const { customerId } = await request.json();
    const sent = await chat.sendMessage(customerId, {
      content: "Hi! Your last payment didn't go through. Can I help you update your card?",
    });
    return Response.json({ sent: sent.id });
  },
};
