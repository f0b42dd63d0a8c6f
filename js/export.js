// The stream side of an export. The core runs the export and hands over NDJSON text; this module encodes it
// into the stream, keeps the core waiting while the reader is behind, and stops the core on cancel.

import { toError } from "./errors.js";
import { sleep } from "./driver.js";
import { shapes } from "./shapes.js";

/** Bytes queued in the stream before the writers are held back. */
const HIGH_WATER_MARK = 64 * 1024;

/**
 * A byte stream fed by `start(sink)`, which must return a promise that settles once it has stopped.
 * `sink.write(text)` returns the bytes written, or a promise of them while the reader is behind; `sink.signal` fires on cancel;
 * `sink.request(operation, target, input, opts, cursor)` is the client's call; `sink.sleep(ms, signal)` waits.
 */
export function exportStream(start, request) {
  const cancelled = new AbortController();
  const encoder = new TextEncoder();
  let held = [];
  const release = () => {
    const waiting = held;
    held = [];
    for (const resume of waiting) resume();
  };
  let stopped;
  return new ReadableStream(
    {
      start(controller) {
        const sink = {
          signal: cancelled.signal,
          request,
          sleep,
          shapes,
          write(text) {
            if (cancelled.signal.aborted) return 0;
            const bytes = encoder.encode(text);
            controller.enqueue(bytes);
            if (controller.desiredSize > 0) return bytes.byteLength;
            return new Promise((resolve) => held.push(() => resolve(bytes.byteLength)));
          },
        };
        let running;
        try {
          running = start(sink);
        } catch (error) {
          throw toError(error);
        }
        stopped = running.then(
          () => {
            if (!cancelled.signal.aborted) controller.close();
          },
          (error) => {
            if (!cancelled.signal.aborted) controller.error(toError(error));
          },
        );
      },
      pull() {
        release();
      },
      cancel(reason) {
        cancelled.abort(reason);
        release();
        return stopped;
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}
