// client:do_request of msys.http.client, on Node's own http/https client:
// one request, its whole response read, no redirect followed. It ends at
// the client's timeout (client:set_timeout, seconds) and, through the
// SuspensionRunner, at the call's deadline, whichever is first.

import * as http from 'node:http';
import * as https from 'node:https';
import { encodeHttpAnswer } from './result-encoding.js';
import { dataStats } from './stats.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Buffer[];
  body: Buffer;
  /** Seconds (client:set_timeout); absent: only the call's deadline. */
  timeout?: number;
}

/** Most bytes of a response body kept (more is an error: a policy reads small answers). */
export const HTTP_MAX_BODY = 16 * 1024 * 1024;

/** The encoded response (result-encoding.ts), or the error message. */
export async function performHttpRequest(request: HttpRequest, signal: AbortSignal): Promise<Buffer | string> {
  dataStats.httpRequests++;
  try {
    return await send(request, signal);
  } catch (err) {
    dataStats.httpErrors++;
    return (err as Error).message || String(err);
  }
}

function send(request: HttpRequest, signal: AbortSignal): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.reject(new Error(`invalid URL '${request.url}'`));
  }
  const headers: Record<string, string | string[]> = {};
  for (const raw of request.headers) {
    const line = raw.toString('latin1');
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    headers[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Buffer>((resolve, reject) => {
    const req = client.request(url, { method: request.method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > HTTP_MAX_BODY) req.destroy(new Error(`response body over ${HTTP_MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve(encodeHttpAnswer({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headerLines: lines, body: Buffer.concat(chunks) }));
      });
    });
    if (request.timeout !== undefined) {
      req.setTimeout(request.timeout * 1000, () => req.destroy(new Error(`timed out after ${request.timeout} s`)));
    }
    req.on('error', (err) => reject(new Error(describe(err, url))));
    if (request.body.length > 0 && request.method !== 'GET' && request.method !== 'HEAD') req.end(request.body);
    else req.end();
  });
}

function describe(err: Error, url: URL): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ABORT_ERR') return 'the call reached its deadline';
  return code && !err.message.includes(code) ? `${code}: ${err.message} (${url.host})` : `${err.message} (${url.host})`;
}
