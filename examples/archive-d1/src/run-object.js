// One R2 object per run: the run's raw NDJSON, exactly as the export wrote it, for the auditors. It is
// uploaded in parts of a fixed size (R2 wants every part but the last to be the same size, at least 5 MiB),
// so the Worker holds at most one part in memory however long the run is. A run shorter than a part is
// stored with one `put`.

/** R2's smallest part (every part of a multipart upload but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export class RunObject {
  /** `count()` is called once per R2 request, for the run's subrequest budget. */
  constructor(bucket, key, { partSize = MIN_PART_SIZE, metadata = {}, count = () => {} } = {}) {
    this.bucket = bucket;
    this.key = key;
    this.metadata = metadata;
    this.count = count;
    this.part = new Uint8Array(partSize);
    this.filled = 0;
    this.bytes = 0;
    this.upload = null;
    this.parts = [];
    this.encoder = new TextEncoder();
  }

  /** Appends text; uploads each part as soon as it is full. */
  async write(text) {
    let bytes = this.encoder.encode(text);
    this.bytes += bytes.byteLength;
    while (bytes.byteLength > 0) {
      const room = this.part.byteLength - this.filled;
      const take = Math.min(room, bytes.byteLength);
      this.part.set(bytes.subarray(0, take), this.filled);
      this.filled += take;
      bytes = bytes.subarray(take);
      if (this.filled === this.part.byteLength) await this.#flushPart();
    }
  }

  async #flushPart() {
    if (this.upload === null) {
      this.count();
      this.upload = await this.bucket.createMultipartUpload(this.key, this.#options());
    }
    this.count();
    // A copy: the buffer is reused for the next part while R2 may still hold on to this one.
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.part.slice(0, this.filled)));
    this.filled = 0;
  }

  #options() {
    return { httpMetadata: { contentType: "application/x-ndjson" }, customMetadata: this.metadata };
  }

  /** Stores what was written: the last part and the completion, or one `put` for a short run. */
  async close() {
    if (this.upload === null) {
      this.count();
      await this.bucket.put(this.key, this.part.subarray(0, this.filled), this.#options());
      return;
    }
    if (this.filled > 0) await this.#flushPart();
    this.count();
    await this.upload.complete(this.parts);
  }

  /** Gives up an unfinished upload (its parts are dropped by R2). */
  async abort() {
    if (this.upload !== null) await this.upload.abort().catch(() => {});
  }
}
