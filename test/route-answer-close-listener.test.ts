/**
 * A route's client-leaving listener is off the response before its last byte: a 'close' listener
 * still attached when a response finishes kept every object of the call alive through the next
 * scavenges (twice the chat path's GC time per /v1/messages call in the benchmark).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { clientGone, writeRouteAnswer, writeRouteError } from '../kernel/server/route-answer.js';

class FakeResponse extends EventEmitter {
  writableFinished = false;
  headersSent = false;
  closeListenersAtEnd: number | undefined;
  written: string[] = [];
  writeHead(): this {
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Uint8Array): boolean {
    this.written.push(String(chunk));
    return true;
  }
  setHeader(): void {}
  end(body?: string): void {
    this.closeListenersAtEnd = this.listenerCount('close');
    if (body !== undefined) this.written.push(body);
    this.writableFinished = true;
    this.emit('close');
  }
  destroy(): void {
    this.emit('close');
  }
}

const log = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined } as never;
const scopeOf = (res: FakeResponse) => {
  const { gone, release } = clientGone(res as never);
  return { requestId: 'req-1', scrub: (t: string) => t, log, gone, release };
};

describe('a route answer and the client-leaving listener', () => {
  it('a whole answer is written with no close listener left on the response', () => {
    const res = new FakeResponse();
    const scope = scopeOf(res);
    expect(res.listenerCount('close')).toBe(1);
    writeRouteAnswer(res as never, scope, { result: { body: { ok: true } }, admission: undefined });
    expect(res.closeListenersAtEnd).toBe(0);
    expect(scope.gone.aborted).toBe(false);
  });

  it('a stream ends with no close listener left, and an error answer too', async () => {
    const res = new FakeResponse();
    const scope = scopeOf(res);
    async function* chunks() {
      yield new TextEncoder().encode('data: 1\n\n');
    }
    await writeRouteAnswer(res as never, scope, { result: { stream: chunks(), contentType: 'text/event-stream' }, admission: undefined });
    expect(res.closeListenersAtEnd).toBe(0);

    const failed = new FakeResponse();
    const failedScope = scopeOf(failed);
    writeRouteError(failed as never, failedScope, new Error('boom'));
    expect(failed.listenerCount('close')).toBe(0);
  });

  it('a client that leaves before the answer still aborts the call', () => {
    const res = new FakeResponse();
    const { gone } = clientGone(res as never);
    res.emit('close');
    expect(gone.aborted).toBe(true);
  });
});
