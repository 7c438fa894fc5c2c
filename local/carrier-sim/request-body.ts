import type { IncomingMessage } from "node:http";

/** What a simulated carrier accepts in one request; a real carrier API refuses more too. */
const MAX_BODY_BYTES = 64 * 1024;

/** The request body as UTF-8, refused (and the socket closed) past MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
