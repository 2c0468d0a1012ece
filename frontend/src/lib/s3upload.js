// Multipart upload straight to S3 with presigned part URLs (STORAGE_BACKEND=s3).
// Same shape as the bits of tus.Upload the upload page uses: start(), abort(),
// onProgress / onSuccess / onError. Parts already sent in this page are not
// sent again after a pause; after a closed tab every part is sent again (S3
// simply replaces a part uploaded twice).
import { gql } from "./graphql.js";

const PRESIGN = `mutation($id: ID!, $parts: [Int!]!) {
  presignVideoUploadParts(videoId: $id, partNumbers: $parts) { partNumber url }
}`;
const COMPLETE = `mutation($id: ID!) { completeVideoUpload(videoId: $id) { id status } }`;
const ABORT = `mutation($id: ID!) { abortVideoUpload(videoId: $id) }`;
const BATCH = 100;

export class S3Upload {
  constructor(file, { videoId, partSize, onProgress, onSuccess, onError }) {
    Object.assign(this, { file, videoId, partSize, onProgress, onSuccess, onError });
    this.count = Math.max(1, Math.ceil(file.size / partSize));
    this.done = new Map(); // part number → bytes
    this.xhr = null;
    this.running = false;
  }

  sent(extra = 0) {
    let total = extra;
    for (const bytes of this.done.values()) total += bytes;
    return total;
  }

  async start() {
    if (this.running) return;
    this.running = true;
    try {
      const missing = [];
      for (let n = 1; n <= this.count; n += 1) if (!this.done.has(n)) missing.push(n);
      for (let i = 0; i < missing.length && this.running; i += BATCH) {
        const batch = missing.slice(i, i + BATCH);
        const data = await gql(PRESIGN, { id: this.videoId, parts: batch });
        for (const part of data.presignVideoUploadParts) {
          if (!this.running) return;
          await this.put(part.partNumber, part.url);
        }
      }
      if (!this.running) return;
      await gql(COMPLETE, { id: this.videoId });
      this.running = false;
      this.onSuccess();
    } catch (err) {
      if (!this.running) return; // paused
      this.running = false;
      this.onError(err);
    }
  }

  put(number, url) {
    const start = (number - 1) * this.partSize;
    const blob = this.file.slice(start, Math.min(start + this.partSize, this.file.size));
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open("PUT", url);
      xhr.upload.onprogress = (e) => this.onProgress(this.sent(e.loaded), this.file.size);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          this.done.set(number, blob.size);
          this.onProgress(this.sent(), this.file.size);
          resolve();
        } else {
          reject(Object.assign(new Error(`The storage refused part ${number} (HTTP ${xhr.status}).`), { status: xhr.status }));
        }
      };
      xhr.onerror = () => reject(new Error("The connection to the storage was lost."));
      xhr.onabort = () => resolve();
      xhr.send(blob);
    });
  }

  async abort(terminate = false) {
    this.running = false;
    if (this.xhr) this.xhr.abort();
    if (terminate) await gql(ABORT, { id: this.videoId });
  }

  findPreviousUploads() { return Promise.resolve([]); }
}
