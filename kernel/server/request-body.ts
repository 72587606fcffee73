/**
 * Reading a JSON request body straight off node's request, for the two fast paths (LLM call
 * routes and plugin routes) that answer before fastify sees a request. Same bounds and errors as
 * fastify's content-type parser (build-server.ts) and its error mapping (`fromFastify`).
 */
import type { IncomingMessage } from 'node:http';
import { KernelErrors } from '../errors.js';
import { parseJsonBody, type JsonLimits } from './json-body.js';

/** A JSON body (or none) of a stated length, not chunked: what API clients send. Other shapes go to fastify. */
export function takesJsonBody(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return false;
  const length = h['content-length'];
  if (length === undefined || !isDigits(length)) return false;
  const type = h['content-type'];
  return type === undefined ? length === '0' : type.startsWith('application/json') && (type.length === 16 || type.charCodeAt(16) === 59); // ';'
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** What `readJsonBody` resolves to when the client went away before the body was complete. */
export const CLIENT_GONE = Symbol('client gone');

/** The body parsed as JSON (undefined when empty), refused with 413 past `limit`. */
export function readJsonBody(req: IncomingMessage, limit: number, json: JsonLimits): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(KernelErrors.REQUEST_TOO_LARGE({ limit }));
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let received = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        done();
        reject(KernelErrors.REQUEST_TOO_LARGE({ limit }));
        return;
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => {
      done();
      if (received !== declared) {
        reject(KernelErrors.REQUEST_MALFORMED_JSON({ detail: 'The Content-Length header does not match the body.' }));
        return;
      }
      try {
        resolve(parseJsonBody(more ? Buffer.concat(more, received).toString('utf8') : first ? first.toString('utf8') : '', json));
      } catch (err) {
        reject(err);
      }
    };
    const onGone = () => {
      done();
      resolve(CLIENT_GONE);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}
