/**
 * A request refused for its size never becomes a call (policy-size-limits refuses it in preAuth,
 * before the body is read), so no spend event tells of it: this preAuth tap, which runs before
 * policy-size-limits' (same stage, ties by plugin id), reads the same Content-Length against the
 * same `max_request_size_mb` and alerts with the refusal's message. It never refuses anything.
 */
import type { AuthInput } from '@sluice/plugin-sdk';
import type { AlertDispatch } from './alert-dispatch.js';
import { pyFloat } from './slack-messages.js';

const BYTES_PER_MB = 1024 * 1024;

export function requestSizeWatch(maxMb: number, alerts: AlertDispatch, dedupeMs: number, onError: (err: Error) => void): (input: AuthInput) => Promise<undefined> {
  const shownMax = Number.isInteger(maxMb) ? String(maxMb) : pyFloat(maxMb);
  return async (input) => {
    const header = input.headers['content-length'];
    if (typeof header !== 'string') return undefined;
    const sizeMb = Number(header) / BYTES_PER_MB;
    if (!(sizeMb > maxMb)) return undefined;
    // Off the request path: the refusal must not wait for the marker's round trip.
    void alerts
      .send({
        type: 'llm_exceptions',
        level: 'Medium',
        message: `Request size is too large. Request size is ${pyFloat(sizeMb)} MB. Max size is ${shownMax} MB`,
        // One subject for all: a client choosing paths must not mint markers (or alerts) at will.
        subject: 'size:request',
        windowMs: dedupeMs,
      })
      .catch(onError);
    return undefined;
  };
}
