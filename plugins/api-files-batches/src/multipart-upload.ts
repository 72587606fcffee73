/**
 * A `multipart/form-data` upload read as it arrives and re-emitted for the provider without ever
 * holding the file: busboy parses the client's bytes, the form fields before the file part are
 * known when the file part begins (`head()`), and `body()` yields a new multipart body (the
 * fields the provider takes, then the file's bytes as busboy hands them, then the fields that came
 * after it). Backpressure runs end to end: until the provider reads the file, busboy holds its
 * write callback and the client's bytes wait in the socket.
 *
 * Why re-emit instead of relaying the client's bytes: the form carries LiteLLM's routing fields
 * (`custom_llm_provider`, `target_model_names`, `model`, `litellm_metadata[…]`) which OpenAI does
 * not take, and LiteLLM sends the provider only `file`, `purpose` and `expires_after`.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { isVerdict } from '@sluice/plugin-sdk';
import { FilesErrors } from './errors.js';

export interface FilePart {
  filename: string;
  contentType: string;
}

/** Form fields in arrival order; a repeated name keeps every value. */
export type FormFields = Map<string, string[]>;

const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 100;
const MAX_PARTS = 110;
/** File parts other than `file` are skipped (drained), up to this many. */
const MAX_FILE_PARTS = 4;

const encoder = new TextEncoder();

export class MultipartUpload {
  /** Fields that arrived before the file part (all of them when there is none). */
  readonly fieldsBefore: FormFields = new Map();
  /** Fields that arrived after the file part; complete once `body()` has finished. */
  readonly fieldsAfter: FormFields = new Map();
  /** Why the upload stopped (client error, size limit, malformed body), when it did. */
  failure: unknown;
  /** File bytes seen so far. */
  fileBytes = 0;

  private readonly parser: busboy.Busboy;
  private fileStream: Readable | undefined;
  private readonly headPromise: Promise<FilePart>;
  private readonly finished: Promise<void>;
  /** Rejects both promises above once the upload failed. */
  private readonly rejectAll: (err: unknown) => void;
  /** Resolves when reading should stop (failure or `stop()`), releasing a write busboy holds. */
  private readonly halted: Promise<void>;
  private halt!: () => void;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    contentType: string,
    private readonly maxFileBytes: number,
  ) {
    try {
      this.parser = busboy({
        headers: { 'content-type': contentType },
        limits: { fieldSize: MAX_FIELD_BYTES, fields: MAX_FIELDS, parts: MAX_PARTS, files: MAX_FILE_PARTS, fileSize: maxFileBytes },
      });
    } catch (err) {
      throw FilesErrors.MALFORMED_MULTIPART({ reason: (err as Error).message });
    }
    let onHead!: (part: FilePart) => void;
    let onHeadFail!: (err: unknown) => void;
    this.headPromise = new Promise((resolve, reject) => ((onHead = resolve), (onHeadFail = reject)));
    this.headPromise.catch(() => undefined);
    let onClose!: () => void;
    let onCloseFail!: (err: unknown) => void;
    this.finished = new Promise((resolve, reject) => ((onClose = resolve), (onCloseFail = reject)));
    this.finished.catch(() => undefined);
    this.halted = new Promise((resolve) => (this.halt = resolve));

    this.parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated) {
        this.fail(FilesErrors.MALFORMED_MULTIPART({ reason: `the form field '${name.slice(0, 64)}' is larger than ${MAX_FIELD_BYTES} bytes` }));
        return;
      }
      const into = this.fileStream ? this.fieldsAfter : this.fieldsBefore;
      into.set(name, [...(into.get(name) ?? []), value]);
    });
    this.parser.on('file', (name, stream, info) => {
      if (name !== 'file' || this.fileStream) {
        stream.resume();
        return;
      }
      this.fileStream = stream;
      // Its failures reach the reader through the iteration (or `failure`), not as an event.
      stream.on('error', () => undefined);
      stream.on('limit', () => this.fail(FilesErrors.UPLOAD_TOO_LARGE({ limit: this.maxFileBytes })));
      onHead({ filename: info.filename ?? 'file', contentType: info.mimeType || 'application/octet-stream' });
    });
    const tooMany = () => this.fail(FilesErrors.MALFORMED_MULTIPART({ reason: `more than ${MAX_FIELDS} form fields or ${MAX_PARTS} parts` }));
    this.parser.on('fieldsLimit', tooMany);
    this.parser.on('partsLimit', tooMany);
    this.parser.on('error', (err: Error) => this.fail(isVerdict(err) ? err : FilesErrors.MALFORMED_MULTIPART({ reason: err.message })));
    this.parser.on('close', () => {
      onHeadFail(this.failure ?? FilesErrors.MISSING_PARAMETER({ name: 'file' }, { param: 'file' }));
      if (this.failure) onCloseFail(this.failure);
      else onClose();
    });
    this.rejectAll = (err) => {
      onHeadFail(err);
      onCloseFail(err);
    };
    void this.pump();
  }

  /** The file part's name and type, once it begins; rejects when the body ends without one. */
  head(): Promise<FilePart> {
    return this.headPromise;
  }

  /**
   * The body to send the provider with `boundary`: `before` (the fields it takes that were known
   * when the file began), the file, and what `after` returns once the client's body is complete
   * (it may throw a verdict, e.g. a required field that never came: the provider then never
   * receives the closing boundary, and the request is abandoned).
   */
  async *body(boundary: string, file: FilePart, before: readonly [string, string][], after: () => readonly [string, string][]): AsyncGenerator<Uint8Array> {
    const stream = this.fileStream;
    if (!stream) throw FilesErrors.MISSING_PARAMETER({ name: 'file' }, { param: 'file' });
    yield encoder.encode(before.map(([n, v]) => fieldPart(boundary, n, v)).join('') + filePartHeader(boundary, file));
    for await (const chunk of stream) {
      if (this.failure) throw this.failure;
      this.fileBytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (this.failure) throw this.failure;
    await this.finished;
    let tail: readonly [string, string][];
    try {
      tail = after();
    } catch (err) {
      this.fail(err);
      throw err;
    }
    yield encoder.encode('\r\n' + tail.map(([n, v]) => fieldPart(boundary, n, v)).join('') + `--${boundary}--\r\n`);
  }

  /** Stops reading the client's body (the request was refused before the file was sent). */
  stop(): void {
    this.fail(FilesErrors.MALFORMED_MULTIPART({ reason: 'the upload was abandoned' }));
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.rejectAll(err);
    this.halt();
    this.fileStream?.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.source) {
        if (this.failure !== undefined) break;
        const written = new Promise<void>((resolve, reject) => this.parser.write(chunk, (err) => (err ? reject(err) : resolve())));
        await Promise.race([written, this.halted]);
        if (this.failure !== undefined) break;
      }
      if (this.failure === undefined) this.parser.end();
    } catch (err) {
      this.fail(isVerdict(err) ? err : FilesErrors.MALFORMED_MULTIPART({ reason: (err as Error).message ?? String(err) }));
    }
  }
}

/** A boundary no file can contain by chance. */
export function newBoundary(): string {
  return `----sluice-${randomBytes(16).toString('hex')}`;
}

const quoted = (s: string) => s.replace(/[\r\n]/g, ' ').replace(/"/g, '%22');

function fieldPart(boundary: string, name: string, value: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`;
}

function filePartHeader(boundary: string, file: FilePart): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(file.filename)}"\r\nContent-Type: ${quoted(file.contentType)}\r\n\r\n`;
}

/** The last value of a field, as LiteLLM's form reader keeps it. */
export function lastValue(fields: FormFields, name: string): string | undefined {
  const values = fields.get(name);
  return values && values.length > 0 ? values[values.length - 1] : undefined;
}
