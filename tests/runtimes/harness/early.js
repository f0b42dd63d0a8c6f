// Creates clients in the same tick as the import, before the browser entry has loaded its module: a good
// client must work once the module is there, bad options must reject the first call (the constructor cannot
// check them yet), and once loaded, bad options throw from the constructor as in every other runtime.
import { ChatClient, InvalidRequestError } from "gosquared-chat";

const settings = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const options = { apiKey: settings.apiKey, siteToken: settings.siteToken, baseUrl: settings.url };
const good = new ChatClient(options);
const bad = new ChatClient({ ...options, apikey: "typo" });

async function check() {
  const page = await good.listChats();
  const badError = await bad.getChat("x").then(() => undefined, (error) => error);
  let lateError;
  try {
    new ChatClient({ ...options, apikey: "typo" });
  } catch (error) {
    lateError = error;
  }
  return {
    goodItems: page.items.length,
    badRejects: badError instanceof InvalidRequestError,
    lateThrows: lateError instanceof InvalidRequestError,
  };
}

check().then(
  (result) => (globalThis.__early = result),
  (error) => (globalThis.__early = { error: String(error) }),
);
