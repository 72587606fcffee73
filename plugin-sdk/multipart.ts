/**
 * `multipart/form-data` uploads (images, audio, files), read into memory within bounds: a route
 * with `body: 'stream'` hands its body here and gets the text fields and the file parts, or a
 * coded 400/413/415 error. No temp files: every limit is checked as the bytes arrive, so memory
 * never holds more than `maxBytes` of one request.
 */
import busboy from 'busboy';
import { definePluginErrors } from './errors.js';
import type { ProviderFile } from './provider.js';

export interface MultipartLimits {
  /** Largest body, bytes, every part and boundary counted. */
  maxBytes: number;
  /** Largest file part, bytes. */
  maxFileBytes: number;
  /** Most file parts. */
  maxFiles: number;
  /** Most text fields. */
  maxFields: number;
  /** Largest text field value, bytes (default 1 MiB: a long prompt fits). */
  maxFieldBytes?: number;
  /**
   * After a refusal, how many more bytes of the body are read and dropped so the client, still
   * sending, receives the error instead of a reset connection (default `maxBytes`); past it, or
   * after `drainMs` (default 5000), the body is destroyed.
   */
  drainBytes?: number;
  drainMs?: number;
}

export interface MultipartForm {
  /** Text fields; a name sent more than once (`image[]`) gives its values in order. */
  fields: Record<string, string | string[]>;
  /** File parts in the order received. */
  files: ProviderFile[];
}

export const MultipartErrors = definePluginErrors('MULTIPART', {
  UNSUPPORTED_CONTENT_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Invalid Content-Type header ({contentType}), expected multipart/form-data.',
  },
  MALFORMED: { status: 400, type: 'invalid_request_error', message: 'Malformed multipart/form-data body: {reason}' },
  BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', message: 'Request body is larger than the limit of {limit} bytes.' },
  FILE_TOO_LARGE: { status: 413, type: 'invalid_request_error', message: "File '{field}' is larger than the limit of {limit} bytes." },
  FIELD_TOO_LARGE: { status: 413, type: 'invalid_request_error', message: "Field '{field}' is larger than the limit of {limit} bytes." },
  TOO_MANY_FILES: { status: 413, type: 'invalid_request_error', message: 'Too many files: at most {limit} are accepted.' },
  TOO_MANY_FIELDS: { status: 413, type: 'invalid_request_error', message: 'Too many form fields: at most {limit} are accepted.' },
  TOO_MANY_PARTS: { status: 413, type: 'invalid_request_error', message: 'Too many form parts: at most {limit} are accepted.' },
});

const DEFAULT_FIELD_BYTES = 1024 * 1024;
const DEFAULT_DRAIN_MS = 5000;

/** Whether a Content-Type header announces a multipart form (with its boundary). */
export function isMultipartContentType(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && /^\s*multipart\/form-data\s*(;|$)/i.test(contentType);
}

/**
 * Reads a `multipart/form-data` body. Throws `MultipartErrors` (status 400, 413 or 415). The body
 * is read to its end on success; on a refusal it is drained within bounds, then destroyed.
 */
export async function readMultipart(
  body: AsyncIterable<Uint8Array>,
  contentType: string | undefined,
  limits: MultipartLimits,
): Promise<MultipartForm> {
  const iterator = body[Symbol.asyncIterator]();
  if (!isMultipartContentType(contentType)) {
    await discardRest(body, iterator, limits);
    throw MultipartErrors.UNSUPPORTED_CONTENT_TYPE({ contentType: (contentType ?? '').slice(0, 100) || 'none' });
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: {
        // busboy flags a part that reaches its limit; one byte more lets a part of exactly the limit through.
        fileSize: limits.maxFileBytes + 1,
        files: limits.maxFiles,
        fields: limits.maxFields,
        fieldSize: (limits.maxFieldBytes ?? DEFAULT_FIELD_BYTES) + 1,
        parts: limits.maxFiles + limits.maxFields,
      },
    });
  } catch (e) {
    // busboy refuses a header without a boundary synchronously.
    await discardRest(body, iterator, limits);
    throw MultipartErrors.MALFORMED({ reason: e instanceof Error ? e.message : 'bad Content-Type' });
  }
  const form = new FormCollector(parser, limits);
  try {
    let total = 0;
    for (;;) {
      const next = await Promise.race([iterator.next(), form.failure]);
      if (next.done) break;
      const chunk = next.value;
      total += chunk.byteLength;
      if (total > limits.maxBytes) throw MultipartErrors.BODY_TOO_LARGE({ limit: limits.maxBytes });
      // Backpressure: wait for busboy to take the chunk before reading the next.
      if (!parser.write(chunk)) await Promise.race([onceDrained(parser), form.failure]);
    }
    parser.end();
    return await Promise.race([form.done, form.failure]);
  } catch (e) {
    parser.destroy();
    await discardRest(body, iterator, limits);
    throw e;
  }
}

/** Gathers busboy's events into one result, or the first refusal. */
class FormCollector {
  readonly fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  readonly files: ProviderFile[] = [];
  /** Rejects with the first refusal; never resolves. */
  readonly failure: Promise<never>;
  /** Resolves when busboy has parsed the whole body and every file part is read. */
  readonly done: Promise<MultipartForm>;
  private fail!: (e: unknown) => void;
  private pendingFiles = 0;

  constructor(parser: busboy.Busboy, limits: MultipartLimits) {
    this.failure = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    // A refusal nobody awaits any more (the race already settled) must not become an unhandled rejection.
    this.failure.catch(() => undefined);
    let finished!: () => void;
    const closed = new Promise<void>((resolve) => {
      finished = resolve;
    });
    let parserClosed = false;
    const settleIfDone = (): void => {
      if (parserClosed && this.pendingFiles === 0) finished();
    };
    this.done = closed.then(() => ({ fields: { ...this.fields }, files: this.files }));

    parser.on('field', (name, value, info) => {
      if (info.nameTruncated || info.valueTruncated) {
        this.fail(MultipartErrors.FIELD_TOO_LARGE({ field: name.slice(0, 100), limit: limits.maxFieldBytes ?? DEFAULT_FIELD_BYTES }));
        return;
      }
      const previous = this.fields[name];
      if (previous === undefined) this.fields[name] = value;
      else if (Array.isArray(previous)) previous.push(value);
      else this.fields[name] = [previous, value];
    });
    parser.on('file', (name, stream, info) => {
      this.pendingFiles += 1;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        this.fail(MultipartErrors.FILE_TOO_LARGE({ field: name.slice(0, 100), limit: limits.maxFileBytes }));
        stream.resume();
      });
      stream.on('error', (e: unknown) => this.fail(malformed(e)));
      stream.on('end', () => {
        if (stream.truncated !== true) {
          const data = Buffer.concat(chunks);
          this.files.push({
            field: name,
            filename: info.filename ?? '',
            contentType: info.mimeType,
            data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
          });
        }
        this.pendingFiles -= 1;
        settleIfDone();
      });
    });
    parser.on('filesLimit', () => this.fail(MultipartErrors.TOO_MANY_FILES({ limit: limits.maxFiles })));
    parser.on('fieldsLimit', () => this.fail(MultipartErrors.TOO_MANY_FIELDS({ limit: limits.maxFields })));
    parser.on('partsLimit', () => this.fail(MultipartErrors.TOO_MANY_PARTS({ limit: limits.maxFiles + limits.maxFields })));
    parser.on('error', (e: unknown) => this.fail(malformed(e)));
    parser.on('close', () => {
      parserClosed = true;
      settleIfDone();
    });
  }
}

function malformed(e: unknown): Error {
  const reason = e instanceof Error ? e.message : 'unreadable body';
  return MultipartErrors.MALFORMED({ reason: reason.slice(0, 200) });
}

function onceDrained(parser: busboy.Busboy): Promise<void> {
  return new Promise((resolve) => parser.once('drain', resolve));
}

/**
 * Reads and drops what is left of a refused body, bounded in bytes and time, so that a client
 * still uploading receives the error answer rather than a reset connection; past the bounds the
 * body is destroyed.
 */
async function discardRest(body: AsyncIterable<Uint8Array>, iterator: AsyncIterator<Uint8Array>, limits: MultipartLimits): Promise<void> {
  const maxBytes = limits.drainBytes ?? limits.maxBytes;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.drainMs ?? DEFAULT_DRAIN_MS);
  });
  let dropped = 0;
  let ended = false;
  try {
    while (dropped <= maxBytes) {
      const next = await Promise.race([iterator.next(), timedOut]);
      if (next === 'timeout') break;
      if (next.done) {
        ended = true;
        break;
      }
      dropped += next.value.byteLength;
    }
  } catch {
    ended = true; // the body failed while being dropped: nothing left to read
  } finally {
    clearTimeout(timer);
  }
  if (ended) return;
  // A stream is destroyed at once; an async generator's return() would wait behind a pending read.
  const destroyable = body as { destroy?: (error?: Error) => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
  else void Promise.resolve(iterator.return?.()).catch(() => undefined);
}
