/**
 * `/v1/files`: uploads streamed to the provider chosen as LiteLLM chooses it, the file's row
 * stored with its owner; retrieve, content and delete go where the file lives, for callers who
 * may see it (others get OpenAI's 404 for an unknown id); the list is the caller's own files.
 */
import type { ForwardResult, JsonObject, Logger, Principal, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { forwardStored, routeOf, type Destination } from './destination.js';
import { FilesErrors } from './errors.js';
import { encodeWithModel, unifiedFileId } from './managed-ids.js';
import { lastValue, MultipartUpload, newBoundary, type FilePart } from './multipart-upload.js';
import type { FileRow, ObjectStore } from './object-store.js';
import { storedObject } from './object-store.js';
import { listFilter, mayRead, mayWrite, ownerOf } from './ownership.js';
import { listPage, pagingOf } from './paging.js';
import { readJsonAnswer, relay } from './upstream-answer.js';
import { checkPurpose, completeForm, destinationOfForm, providerFields } from './upload-form.js';

export interface FilesSettings {
  maxUploadBytes: number;
  uploadTimeoutMs: number;
}

export class FileHandlers {
  constructor(
    private readonly store: ObjectStore,
    private readonly settings: FilesSettings,
    private readonly log: Logger,
  ) {}

  async create(req: RouteRequest): Promise<RouteResult> {
    const startedAt = Date.now();
    const principal = req.principal!;
    const contentType = String(req.headers['content-type'] ?? '');
    if (!/^multipart\/form-data\b/i.test(contentType)) throw FilesErrors.NOT_MULTIPART({ contentType: contentType === '' ? 'none' : JSON.stringify(contentType.split(';')[0]) });
    const upload = new MultipartUpload(req.body as AsyncIterable<Uint8Array>, contentType, this.settings.maxUploadBytes);
    let destination: Destination;
    let admittedHeaders: Readonly<Record<string, string>>;
    let file: FilePart;
    try {
      file = await upload.head();
      destination = destinationOfForm(req, upload.fieldsBefore);
      const purpose = lastValue(upload.fieldsBefore, 'purpose');
      if (purpose !== undefined) checkPurpose(purpose);
      const admitted = await req.admit!({ endpoint: 'pass_through_endpoint', body: purpose ? { purpose } : {}, ...(destination.kind === 'model' && { model: destination.model }) });
      admittedHeaders = admitted.headers;
    } catch (err) {
      upload.stop();
      throw err;
    }

    const boundary = newBoundary();
    const sentBefore = providerFields(upload.fieldsBefore);
    const dest = destination;
    let forwarded: ForwardResult;
    try {
      forwarded = await req.forward!({
        ...(dest.kind === 'model' ? { model: dest.model } : { provider: dest.provider }),
        request: {
          method: 'POST',
          path: '/v1/files',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' },
          body: upload.body(boundary, file, sentBefore, () => completeForm(req, upload.fieldsBefore, upload.fieldsAfter, dest)),
        },
        timeoutMs: this.settings.uploadTimeoutMs,
      });
    } catch (err) {
      // The upload's own verdict (too large, a missing field) explains the failed send best.
      throw upload.failure ?? err;
    }
    const { response, deployment } = forwarded;
    const model = dest.kind === 'model' ? dest.model : '';
    const answer = await readJsonAnswer(response, 'the file upload');
    if (!answer.ok) {
      upload.stop();
      req.recordSpend?.({ endpoint: 'pass_through_endpoint', model, status: 'failure', httpStatus: response.status, cost: 0, startedAt, deployment });
      return answer.result;
    }
    const object = answer.body;
    if (typeof object.id !== 'string' || object.id === '') throw FilesErrors.BAD_UPSTREAM_ANSWER({ what: 'the file upload' });
    const upstreamId = object.id;
    const id = dest.kind === 'provider' ? upstreamId : dest.managed ? unifiedFileId(file.contentType, [dest.model]) : encodeWithModel(upstreamId, dest.model, 'file');
    const shown: JsonObject = { ...object, id };
    await this.store.insertFile({
      id,
      upstreamId,
      purpose: typeof object.purpose === 'string' ? object.purpose : (lastValue(upload.fieldsAfter, 'purpose') ?? lastValue(upload.fieldsBefore, 'purpose') ?? ''),
      owner: ownerOf(principal),
      route: routeOf(dest, deployment.id),
      object: shown,
    });
    req.recordSpend?.({ endpoint: 'pass_through_endpoint', model, status: 'success', httpStatus: answer.status, cost: 0, startedAt, deployment, responseId: id });
    this.log.debug({ file: id, bytes: upload.fileBytes, deployment: deployment.id }, 'file uploaded');
    return { status: answer.status, headers: { ...admittedHeaders }, body: shown };
  }

  async list(req: RouteRequest): Promise<RouteResult> {
    const paging = pagingOf(req.query, { defaultLimit: 10_000, maxLimit: 10_000 });
    const purpose = typeof req.query.purpose === 'string' && req.query.purpose !== '' ? req.query.purpose : undefined;
    const page = await this.store.listFiles({ owner: listFilter(req.principal!), ...paging, ...(purpose !== undefined && { purpose }) });
    return { body: listPage(page.rows.map(storedObject), page.hasMore) };
  }

  async retrieve(req: RouteRequest): Promise<RouteResult> {
    const row = await this.found(req, mayRead);
    const { response } = await this.forward(req, row, 'GET', `/v1/files/${encodeURIComponent(row.upstream_id)}`);
    const answer = await readJsonAnswer(response, 'the file retrieve');
    if (!answer.ok) return answer.result;
    return { status: answer.status, body: { ...answer.body, id: row.id } };
  }

  async content(req: RouteRequest): Promise<RouteResult> {
    const row = await this.found(req, mayRead);
    const { response } = await this.forward(req, row, 'GET', `/v1/files/${encodeURIComponent(row.upstream_id)}/content`);
    return relay(response);
  }

  async delete(req: RouteRequest): Promise<RouteResult> {
    const row = await this.found(req, mayWrite);
    const { response } = await this.forward(req, row, 'DELETE', `/v1/files/${encodeURIComponent(row.upstream_id)}`);
    const answer = await readJsonAnswer(response, 'the file delete');
    if (!answer.ok) return answer.result;
    await this.store.deleteFile(row.id);
    return { status: answer.status, body: { ...answer.body, id: row.id } };
  }

  /** The file the path names, if the caller may act on it this way; otherwise OpenAI's unknown-file 404. */
  private async found(req: RouteRequest, may: (p: Principal, row: FileRow) => boolean): Promise<FileRow> {
    const id = req.params.file_id ?? '';
    const row = id === '' ? undefined : await this.store.file(id);
    if (!row || !may(req.principal!, row)) throw FilesErrors.NO_SUCH_FILE({ id });
    return row;
  }

  private async forward(req: RouteRequest, row: FileRow, method: string, path: string) {
    await req.admit!({ endpoint: 'pass_through_endpoint', ...(row.model !== null && { model: row.model }) });
    return forwardStored(req, row, { method, path, headers: { accept: method === 'GET' && path.endsWith('/content') ? '*/*' : 'application/json' } });
  }
}
