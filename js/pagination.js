// Pages of a list, and the promise-like value list methods return: `await` it for the first page,
// `for await` it for every item of every page. The core decides whether a next page exists.

import { InvalidRequestError, toError } from "./errors.js";

async function loadPage(fetchPage, cursor) {
  let raw;
  try {
    raw = await fetchPage(cursor);
  } catch (error) {
    throw toError(error);
  }
  return new Page(raw, fetchPage);
}

/** One page of a list: `items`, the API's `cardinality` (total), and the `offset`/`limit` it covers. */
export class Page {
  #next;
  #fetchPage;

  constructor(raw, fetchPage) {
    this.items = raw.items;
    this.cardinality = raw.cardinality;
    this.offset = raw.offset;
    this.limit = raw.limit;
    this.#next = raw.next;
    this.#fetchPage = fetchPage;
  }

  /** Whether another page follows this one. */
  hasNextPage() {
    return this.#next !== undefined;
  }

  /** Fetches the page after this one. */
  getNextPage() {
    if (this.#next === undefined) {
      return Promise.reject(new InvalidRequestError("There is no next page; check hasNextPage() first"));
    }
    return loadPage(this.#fetchPage, this.#next);
  }

  /** Iterates this page and every page after it, one page at a time. */
  async *iterPages() {
    let page = this;
    for (;;) {
      yield page;
      if (!page.hasNextPage()) return;
      page = await page.getNextPage();
    }
  }

  /** Iterates every item of this page and of every page after it. */
  async *[Symbol.asyncIterator]() {
    for await (const page of this.iterPages()) yield* page.items;
  }
}

/** The result of a list method: a promise of the first page that is also an async iterable of all items. */
export class PagePromise {
  #first;

  constructor(fetchPage) {
    this.#first = loadPage(fetchPage, undefined);
  }

  then(onFulfilled, onRejected) {
    return this.#first.then(onFulfilled, onRejected);
  }

  catch(onRejected) {
    return this.#first.catch(onRejected);
  }

  finally(onFinally) {
    return this.#first.finally(onFinally);
  }

  /** Iterates every page, starting with the first. */
  async *iterPages() {
    yield* (await this.#first).iterPages();
  }

  async *[Symbol.asyncIterator]() {
    yield* await this.#first;
  }

  get [Symbol.toStringTag]() {
    return "PagePromise";
  }
}
