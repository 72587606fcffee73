/** `readMultipart`: uploads read into memory within bounds, refusals as coded 400/413/415 errors. */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isVerdict } from '@sluice/plugin-sdk';
import { readMultipart, type MultipartLimits } from '@sluice/plugin-sdk/node';

const LIMITS: MultipartLimits = { maxBytes: 64 * 1024, maxFileBytes: 16 * 1024, maxFiles: 4, maxFields: 8, maxFieldBytes: 1024 };

/** A form encoded as the fetch API (and so the openai SDK) encodes it. */
async function encode(form: FormData): Promise<{ bytes: Uint8Array; contentType: string }> {
  const req = new Request('http://form.test/', { method: 'POST', body: form });
  return { bytes: new Uint8Array(await req.arrayBuffer()), contentType: req.headers.get('content-type') ?? '' };
}

/** The bytes as a body that arrives `size` bytes at a time, recording whether it was read to its end. */
function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> & { ended: boolean } {
  const body = {
    ended: false,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      body.ended = true;
    },
  };
  return body;
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isVerdict(e)) throw new Error(`expected a verdict, got ${String(e)}`);
  return { status: e.status, code: e.code, message: e.message };
}

function png(size: number): Blob {
  return new Blob([new Uint8Array(size).fill(7)], { type: 'image/png' });
}

describe('readMultipart', () => {
  it('reads text fields and file parts, repeated names in order', async () => {
    const form = new FormData();
    form.append('prompt', 'a red cat');
    form.append('n', '2');
    form.append('image[]', png(10), 'a.png');
    form.append('image[]', png(20), 'b.png');
    form.append('mask', new Blob(['mask-bytes'], { type: 'image/png' }), 'mask.png');
    form.append('tag', 'one');
    form.append('tag', 'two');
    const { bytes, contentType } = await encode(form);
    const body = chunked(bytes, 7); // boundaries split across reads
    const out = await readMultipart(body, contentType, LIMITS);
    expect(out.fields).toEqual({ prompt: 'a red cat', n: '2', tag: ['one', 'two'] });
    expect(out.files.map((f) => [f.field, f.filename, f.contentType, f.data.byteLength])).toEqual([
      ['image[]', 'a.png', 'image/png', 10],
      ['image[]', 'b.png', 'image/png', 20],
      ['mask', 'mask.png', 'image/png', 10],
    ]);
    expect(Buffer.from(out.files[2]!.data).toString()).toBe('mask-bytes');
    expect(body.ended).toBe(true);
  });

  it('refuses a body that is not multipart with 415, after reading it', async () => {
    const body = chunked(new TextEncoder().encode('{"prompt":"x"}'), 4);
    const e = await refusal(readMultipart(body, 'application/json', LIMITS));
    expect(e).toMatchObject({ status: 415, code: 'MULTIPART_UNSUPPORTED_CONTENT_TYPE' });
    expect(e.message).toBe('Invalid Content-Type header (application/json), expected multipart/form-data.');
    expect(body.ended).toBe(true);
    expect((await refusal(readMultipart(chunked(new Uint8Array(0), 1), undefined, LIMITS))).status).toBe(415);
  });

  it('refuses a multipart header without a boundary, and a truncated body, with 400', async () => {
    const noBoundary = await refusal(readMultipart(chunked(new Uint8Array(3), 1), 'multipart/form-data', LIMITS));
    expect(noBoundary).toMatchObject({ status: 400, code: 'MULTIPART_MALFORMED' });
    const form = new FormData();
    form.append('image', png(100), 'a.png');
    const { bytes, contentType } = await encode(form);
    const cut = await refusal(readMultipart(chunked(bytes.subarray(0, bytes.length - 60), 16), contentType, LIMITS));
    expect(cut).toMatchObject({ status: 400, code: 'MULTIPART_MALFORMED' });
    expect(cut.message).toMatch(/^Malformed multipart\/form-data body: /);
  });

  it('refuses an oversized file part, an oversized body and an oversized field with 413', async () => {
    const bigFile = new FormData();
    bigFile.append('image', png(LIMITS.maxFileBytes + 1), 'big.png');
    let enc = await encode(bigFile);
    expect(await refusal(readMultipart(chunked(enc.bytes, 1000), enc.contentType, LIMITS))).toMatchObject({
      status: 413,
      code: 'MULTIPART_FILE_TOO_LARGE',
      message: "File 'image' is larger than the limit of 16384 bytes.",
    });

    const bigBody = new FormData();
    for (let i = 0; i < 4; i++) bigBody.append('image[]', png(LIMITS.maxFileBytes), `${i}.png`);
    enc = await encode(bigBody);
    const small = { ...LIMITS, maxBytes: 40 * 1024 };
    const body = chunked(enc.bytes, 1000);
    expect(await refusal(readMultipart(body, enc.contentType, small))).toMatchObject({ status: 413, code: 'MULTIPART_BODY_TOO_LARGE' });
    expect(body.ended).toBe(true); // the rest was within the drain bound: read, so the client gets the answer

    const exact = new FormData();
    exact.append('image', png(LIMITS.maxFileBytes), 'exact.png');
    exact.append('prompt', 'x'.repeat(1024));
    enc = await encode(exact);
    const fits = await readMultipart(chunked(enc.bytes, 1000), enc.contentType, LIMITS);
    expect([fits.files[0]!.data.byteLength, (fits.fields.prompt as string).length]).toEqual([LIMITS.maxFileBytes, 1024]);

    const bigField = new FormData();
    bigField.append('prompt', 'x'.repeat(1025));
    enc = await encode(bigField);
    expect(await refusal(readMultipart(chunked(enc.bytes, 1000), enc.contentType, LIMITS))).toMatchObject({ status: 413, code: 'MULTIPART_FIELD_TOO_LARGE' });
  });

  it('refuses too many files and too many fields with 413', async () => {
    const files = new FormData();
    for (let i = 0; i < 5; i++) files.append('image[]', png(1), `${i}.png`);
    let enc = await encode(files);
    expect(await refusal(readMultipart(chunked(enc.bytes, 100), enc.contentType, LIMITS))).toMatchObject({ status: 413, code: 'MULTIPART_TOO_MANY_FILES' });
    const fields = new FormData();
    for (let i = 0; i < 9; i++) fields.append(`f${i}`, 'v');
    enc = await encode(fields);
    expect(await refusal(readMultipart(chunked(enc.bytes, 100), enc.contentType, LIMITS))).toMatchObject({ status: 413, code: 'MULTIPART_TOO_MANY_FIELDS' });
  });

  it('destroys a refused body that stalls instead of waiting for it', async () => {
    const body = new PassThrough();
    body.write('--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n');
    body.write(Buffer.alloc(LIMITS.maxFileBytes + 10)); // over maxFileBytes, then the client goes quiet
    const started = Date.now();
    const e = await refusal(readMultipart(body, 'multipart/form-data; boundary=x', { ...LIMITS, drainMs: 100 }));
    expect(e.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(body.destroyed).toBe(true);
  });
});

describe('readMultipart on a real request', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** A server answering with readMultipart's verdict (or the parsed sizes), like a gateway route. */
  async function serve(limits: MultipartLimits): Promise<{ url: string; requests: IncomingMessage[] }> {
    const requests: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      requests.push(req);
      readMultipart(req, req.headers['content-type'], limits).then(
        (form) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ files: form.files.map((f) => f.data.byteLength) }));
        },
        (e: unknown) => {
          const status = isVerdict(e) ? e.status : 500;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: e instanceof Error ? e.message : String(e) } }));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
  }

  it('answers an oversized upload with 413 that the client receives', async () => {
    const { url, requests } = await serve({ ...LIMITS, maxBytes: 32 * 1024, maxFileBytes: 1024 * 1024 });
    const form = new FormData();
    form.append('image', png(48 * 1024), 'big.png');
    const res = await fetch(url, { method: 'POST', body: form });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Request body is larger than the limit of 32768 bytes.');
    expect(requests[0]!.readableEnded || requests[0]!.destroyed).toBe(true);

    const ok = new FormData();
    ok.append('image', png(1000), 'small.png');
    const good = await fetch(url, { method: 'POST', body: ok });
    expect(await good.json()).toEqual({ files: [1000] });
  });

  it('cuts off an upload far over the limit instead of reading it all', async () => {
    const { url, requests } = await serve({ ...LIMITS, maxBytes: 16 * 1024, maxFileBytes: 1024 * 1024, drainBytes: 16 * 1024 });
    const started = Date.now();
    const sent = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode });
      });
      req.on('error', (e) => resolve({ error: e.message }));
      req.write('--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      const pump = (): void => {
        // 64 MiB, far more than the server agrees to drop; stop once the server has hung up.
        while (written < 1024 && !req.destroyed) {
          written += 1;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    // Either the 413 arrived before the connection was cut, or the connection was cut: never a hang.
    if (sent.status !== undefined) expect(sent.status).toBe(413);
    else expect(sent.error).toBeDefined();
    expect(requests[0]!.destroyed).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000); // not after reading 64 MiB or waiting out a timeout
  });
});
