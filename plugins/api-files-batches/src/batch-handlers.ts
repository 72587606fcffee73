/**
 * `/v1/batches`: a batch runs where its input file lives (the file's deployment or provider),
 * belongs to whoever created it, and is priced once, from its output file, the first time a
 * retrieve sees it finished (LiteLLM prices a batch on retrieve).
 */
import type { Endpoint, ForwardResult, JsonObject, Logger, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { batchUsageOf, pricedUsage, totalUsage } from './batch-usage.js';
import { forwardStored, type StoredRoute } from './destination.js';
import { FilesErrors } from './errors.js';
import { encodeWithModel } from './managed-ids.js';
import { storedObject, type BatchRow, type ObjectStore } from './object-store.js';
import { hasAdminView, listFilter, mayRead, mayWrite, ownerOf, type Owner } from './ownership.js';
import { listPage, pagingOf } from './paging.js';
import { discard, readJsonAnswer } from './upstream-answer.js';

const TERMINAL = new Set(['completed', 'complete', 'failed', 'cancelled', 'expired']);
/** The create fields OpenAI takes; LiteLLM's own (`custom_llm_provider`, `model`…) stay here. */
const CREATE_FIELDS = ['input_file_id', 'endpoint', 'completion_window', 'metadata', 'output_expires_after'];
/** How a batch's requests are priced, by its `endpoint`. */
const PRICED_AS: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'responses',
};
/** Batches a list refreshes from the provider at once. */
const REFRESH_CONCURRENCY = 4;

export interface BatchSettings {
  maxOutputBytes: number;
  pricingTimeoutMs: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class BatchHandlers {
  constructor(
    private readonly store: ObjectStore,
    private readonly settings: BatchSettings,
    private readonly log: Logger,
  ) {}

  async create(req: RouteRequest): Promise<RouteResult> {
    const startedAt = Date.now();
    if (!isObject(req.body)) throw FilesErrors.BODY_NOT_OBJECT();
    const body = req.body;
    for (const name of ['input_file_id', 'endpoint', 'completion_window']) {
      if (body[name] === undefined || body[name] === null || body[name] === '') throw FilesErrors.MISSING_PARAMETER({ name }, { param: name });
      if (typeof body[name] !== 'string') throw FilesErrors.BAD_BATCH_FIELD({ name, reason: 'expected a string' }, { param: name });
    }
    if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) {
      throw FilesErrors.BAD_BATCH_FIELD({ name: 'metadata', reason: 'expected an object of string values' }, { param: 'metadata' });
    }
    const inputId = body.input_file_id as string;
    const file = await this.store.file(inputId);
    if (!file || !mayRead(req.principal!, file)) throw FilesErrors.NO_SUCH_INPUT_FILE({ id: inputId }, { param: 'input_file_id' });

    const asked: JsonObject = {};
    for (const name of CREATE_FIELDS) if (body[name] !== undefined) asked[name] = body[name] as JsonObject[string];
    const admitted = await req.admit!({ endpoint: 'batch', body: asked, ...(file.model !== null && { model: file.model }) });
    // What the preCall chain let through (a guardrail may have changed the metadata), for the file checked above.
    const sent: JsonObject = {};
    for (const name of CREATE_FIELDS) if (admitted.body[name] !== undefined) sent[name] = admitted.body[name]!;
    sent.input_file_id = file.upstream_id;
    const { response, deployment } = await forwardStored(req, file, {
      method: 'POST',
      path: '/v1/batches',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: Buffer.from(JSON.stringify(sent)),
    });
    const model = file.model ?? '';
    const answer = await readJsonAnswer(response, 'the batch create');
    if (!answer.ok) {
      req.recordSpend?.({ endpoint: 'pass_through_endpoint', model, status: 'failure', httpStatus: response.status, cost: 0, startedAt, deployment });
      return answer.result;
    }
    if (typeof answer.body.id !== 'string' || answer.body.id === '') throw FilesErrors.BAD_UPSTREAM_ANSWER({ what: 'the batch create' });
    const upstreamId = answer.body.id;
    const id = file.model !== null ? encodeWithModel(upstreamId, file.model, 'batch') : upstreamId;
    const route: StoredRoute = { provider: file.provider, model: file.model, deployment_id: file.deployment_id };
    const owner = ownerOf(req.principal!);
    const shown = await this.present({ id, route, owner }, answer.body, inputId, undefined);
    await this.store.insertBatch({ id, upstreamId, status: String(shown.status ?? 'validating'), owner, route, object: shown });
    // Recorded as a pass-through call: the `batch` spend of this batch is its price, once it is done.
    req.recordSpend?.({ endpoint: 'pass_through_endpoint', model, status: 'success', httpStatus: answer.status, cost: 0, startedAt, deployment, responseId: id });
    return { status: answer.status, headers: { ...admitted.headers }, body: shown };
  }

  async retrieve(req: RouteRequest): Promise<RouteResult> {
    const startedAt = Date.now();
    const row = await this.found(req, mayRead);
    // A finished, priced batch no longer changes: answered from the row (as LiteLLM answers
    // terminal batches from its table).
    if (TERMINAL.has(row.status) && row.priced_at !== null) return { body: storedObject(row) };
    await this.admit(req, row);
    const fresh = await this.refresh(req, row);
    if (!fresh.ok) return fresh.result;
    if (TERMINAL.has(String(fresh.upstream.status)) && this.mayPrice(req, row)) await this.price(req, row, fresh.upstream, fresh.forwarded, startedAt);
    return { status: fresh.status, body: fresh.shown };
  }

  async cancel(req: RouteRequest): Promise<RouteResult> {
    const row = await this.found(req, mayWrite);
    await this.admit(req, row);
    const { response } = await forwardStored(req, row, { method: 'POST', path: `/v1/batches/${encodeURIComponent(row.upstream_id)}/cancel`, headers: { accept: 'application/json' } });
    const answer = await readJsonAnswer(response, 'the batch cancel');
    if (!answer.ok) return answer.result;
    const shown = await this.present(rowIdentity(row), answer.body, inputFileIdOf(row), storedObject(row));
    await this.store.updateBatch(row.id, String(shown.status ?? row.status), shown);
    return { status: answer.status, body: shown };
  }

  /**
   * The caller's batches, newest first. Batches still running are refreshed from the provider
   * so their status is current; pricing waits for a retrieve (one spend event per request).
   */
  async list(req: RouteRequest): Promise<RouteResult> {
    const paging = pagingOf(req.query, { defaultLimit: 20, maxLimit: 100 });
    const page = await this.store.listBatches({ owner: listFilter(req.principal!), ...paging });
    const running = page.rows.filter((r) => !TERMINAL.has(r.status));
    const refreshed = new Map<string, JsonObject>();
    if (running.length > 0) {
      await this.admit(req, undefined);
      for (let i = 0; i < running.length; i += REFRESH_CONCURRENCY) {
        await Promise.all(
          running.slice(i, i + REFRESH_CONCURRENCY).map(async (row) => {
            try {
              const fresh = await this.refresh(req, row);
              if (fresh.ok) refreshed.set(row.id, fresh.shown);
            } catch (err) {
              this.log.warn({ batch: row.id, err: (err as Error).message }, 'could not refresh a batch for the list; showing its last known state');
            }
          }),
        );
      }
    }
    return { body: listPage(page.rows.map((r) => refreshed.get(r.id) ?? storedObject(r)), page.hasMore) };
  }

  private async found(req: RouteRequest, may: typeof mayRead): Promise<BatchRow> {
    const id = req.params.batch_id ?? '';
    const row = id === '' ? undefined : await this.store.batch(id);
    if (!row || !may(req.principal!, row)) throw FilesErrors.NO_SUCH_BATCH({ id });
    return row;
  }

  private async admit(req: RouteRequest, row: BatchRow | undefined): Promise<void> {
    await req.admit!({ endpoint: 'pass_through_endpoint', ...(row?.model && { model: row.model }) });
  }

  /** The batch as the provider has it now, shown with the client's ids and stored. */
  private async refresh(req: RouteRequest, row: BatchRow) {
    const forwarded = await forwardStored(req, row, { method: 'GET', path: `/v1/batches/${encodeURIComponent(row.upstream_id)}`, headers: { accept: 'application/json' } });
    const answer = await readJsonAnswer(forwarded.response, 'the batch retrieve');
    if (!answer.ok) return answer;
    const shown = await this.present(rowIdentity(row), answer.body, inputFileIdOf(row), storedObject(row));
    await this.store.updateBatch(row.id, String(shown.status ?? row.status), shown);
    return { ok: true as const, status: answer.status, upstream: answer.body, shown, forwarded };
  }

  /**
   * The provider's batch object with the client's ids: the batch's, its input file's, and its
   * output and error files' (model-encoded as LiteLLM encodes them, and stored as files of the
   * batch's owner the first time they appear, so the owner can download them and no one else).
   */
  private async present(batch: { id: string; route: StoredRoute; owner: Owner }, upstream: JsonObject, inputFileId: string, stored: JsonObject | undefined): Promise<JsonObject> {
    const shown: JsonObject = { ...upstream, id: batch.id, input_file_id: inputFileId };
    for (const field of ['output_file_id', 'error_file_id']) {
      const raw = upstream[field];
      if (typeof raw !== 'string' || raw === '') continue;
      const id = batch.route.model !== null ? encodeWithModel(raw, batch.route.model, 'file') : raw;
      shown[field] = id;
      if (stored?.[field] === id) continue;
      await this.store.insertFile(
        { id, upstreamId: raw, purpose: 'batch_output', owner: batch.owner, route: batch.route, object: { id, object: 'file', purpose: 'batch_output' } },
        true,
      );
    }
    return shown;
  }

  /** An admin looking at another tenant's batch does not make it billed to the admin's key. */
  private mayPrice(req: RouteRequest, row: BatchRow): boolean {
    const p = req.principal!;
    return p.id === row.key_id || !hasAdminView(p);
  }

  /**
   * Prices a finished batch from its output file at batch rates and records it as one `batch`
   * spend event: only the caller whose conditional update marks the row priced records it, so
   * concurrent retrieves (on any instance) record it once. A read that fails leaves the batch
   * unpriced for the next retrieve.
   */
  private async price(req: RouteRequest, row: BatchRow, upstream: JsonObject, retrieved: ForwardResult, startedAt: number): Promise<void> {
    const outputId = typeof upstream.output_file_id === 'string' && upstream.output_file_id !== '' ? upstream.output_file_id : undefined;
    const status = String(upstream.status);
    if (!outputId && (status === 'completed' || status === 'complete') && !allFailed(upstream)) return; // the output file is not there yet
    const fallbackModel = row.model ?? (isObject(upstream.metadata) && typeof upstream.metadata.model === 'string' ? upstream.metadata.model : retrieved.deployment.model);
    const as = PRICED_AS[String(upstream.endpoint)] ?? 'chat';
    let cost = 0;
    let usage = totalUsage({ byModel: new Map(), succeeded: 0, failed: 0, truncated: false });
    let models: string[] = [];
    let priceWith = retrieved;
    let counts = { succeeded: 0, failed: 0 };
    if (outputId) {
      let content: ForwardResult;
      try {
        content = await forwardStored(req, row, { method: 'GET', path: `/v1/files/${encodeURIComponent(outputId)}/content`, headers: { accept: '*/*' } });
      } catch (err) {
        this.log.warn({ batch: row.id, err: (err as Error).message }, 'could not read the output file of a finished batch; it is priced on a later retrieve');
        return;
      }
      if (content.response.status >= 400) {
        await discard(content.response);
        this.log.warn({ batch: row.id, status: content.response.status }, 'the output file of a finished batch could not be read; it is priced on a later retrieve');
        return;
      }
      let read;
      try {
        read = await batchUsageOf(content.response.body, fallbackModel, { maxBytes: this.settings.maxOutputBytes, deadline: Date.now() + this.settings.pricingTimeoutMs });
      } catch (err) {
        this.log.warn({ batch: row.id, err: (err as Error).message }, 'reading the output file of a finished batch failed; it is priced on a later retrieve');
        return;
      }
      if (read.truncated) this.log.warn({ batch: row.id, maxBytes: this.settings.maxOutputBytes }, 'batch output file longer than max_batch_output_bytes: priced from what was read');
      priceWith = content;
      for (const [model, m] of read.byModel) cost += content.price(pricedUsage(m), { model, endpoint: as });
      usage = totalUsage(read);
      models = [...read.byModel.keys()];
      counts = { succeeded: read.succeeded, failed: read.failed };
    }
    if (!(await this.store.claimPricing(row.id, cost))) return;
    req.recordSpend?.({
      endpoint: 'batch',
      model: row.model ?? (models.length === 1 ? models[0]! : models.join(',')),
      status: 'success',
      httpStatus: 200,
      cost,
      usage,
      deployment: priceWith.deployment,
      responseId: row.id,
      startedAt,
      metadata: { batch_id: row.id, batch_status: status, batch_models: models, successful_requests: counts.succeeded, failed_requests: counts.failed },
    });
  }
}

function rowIdentity(row: BatchRow): { id: string; route: StoredRoute; owner: Owner } {
  return { id: row.id, route: { provider: row.provider, model: row.model, deployment_id: row.deployment_id }, owner: { createdBy: row.created_by, teamId: row.team_id, keyId: row.key_id } };
}

function inputFileIdOf(row: BatchRow): string {
  const input = storedObject(row).input_file_id;
  return typeof input === 'string' ? input : '';
}

/** A finished batch none of whose requests succeeded has no output file to wait for (LiteLLM's batch_cost_is_final). */
function allFailed(batch: JsonObject): boolean {
  const counts = batch.request_counts;
  return isObject(counts) && typeof counts.total === 'number' && counts.total > 0 && counts.completed === 0;
}
