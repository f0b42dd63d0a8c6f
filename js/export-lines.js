// Reading an export back: NDJSON text, in whatever pieces it arrives, as typed line objects.

import { InvalidRequestError } from "./errors.js";

const KINDS = new Set(["chat", "item", "error", "summary", "checkpoint"]);

/** Yields the text of `source` piece by piece: a string, a ReadableStream or an async iterable of text or bytes. */
async function* pieces(source) {
  if (typeof source === "string") {
    yield source;
    return;
  }
  const decoder = new TextDecoder();
  const iterable = typeof source?.[Symbol.asyncIterator] === "function" ? source : streamIterator(source);
  for await (const piece of iterable) yield typeof piece === "string" ? piece : decoder.decode(piece, { stream: true });
  yield decoder.decode();
}

/** A ReadableStream as an async iterable (not every runtime makes streams iterable). */
async function* streamIterator(stream) {
  if (typeof stream?.getReader !== "function") {
    throw new InvalidRequestError("readExportLines needs a ReadableStream, an async iterable of text or bytes, or a string");
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function parseLine(text, number) {
  let line;
  try {
    line = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`line ${number} of the export is not JSON`);
  }
  if (line === null || typeof line !== "object" || !KINDS.has(line.type)) {
    throw new InvalidRequestError(`line ${number} of the export is not a chat, item, error, checkpoint or summary line`);
  }
  return line;
}

/** Reads an export back as typed records, one per NDJSON line (empty lines are skipped). */
export async function* readExportLines(source) {
  let pending = "";
  let number = 0;
  for await (const piece of pieces(source)) {
    pending += piece;
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      number += 1;
      if (text.trim() !== "") yield parseLine(text, number);
    }
  }
  if (pending.trim() !== "") yield parseLine(pending, number + 1);
}
