// A Worker that wrongly loads the Node entry: it answers with the error the package throws on import.
export default {
  async fetch() {
    try {
      await import("gosquared-chat/node");
      return new Response("the Node entry loaded inside workerd");
    } catch (error) {
      return new Response(String(error?.message ?? error));
    }
  },
};
