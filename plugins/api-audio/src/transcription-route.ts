/**
 * `POST /v1/audio/transcriptions` and `/v1/audio/translations`, as LiteLLM's proxy serves them:
 * the upload is read (bounded), admitted as a call with its text fields (so limits, budgets and
 * guardrails run on `model` and `prompt`), routed to a deployment serving the endpoint with the
 * file as a multipart part, relayed as the upstream answered (a `stream=true` call's events as
 * they arrive), and recorded once, priced.
 */
import type { RouteDefinition, RouteResult, RouteSpend } from '@sluice/plugin-sdk';
import type { AudioSettings } from './audio-settings.js';
import { answerHeaders } from './answer-headers.js';
import { readTranscriptionAnswer, transcriptionUsage } from './transcription-answer.js';
import { transcriptionRequest } from './transcription-request.js';
import { relayTranscriptionStream } from './transcription-stream.js';
import { readUploadForm } from './upload-form.js';
import { upstreamFields } from './upstream-fields.js';

export type TranscriptionEndpoint = 'audio_transcription' | 'audio_translation';

export function transcriptionHandler(endpoint: TranscriptionEndpoint, settings: AudioSettings): RouteDefinition['handler'] {
  return async (req): Promise<RouteResult> => {
    const startedAt = Date.now();
    const request = transcriptionRequest(await readUploadForm(req, settings.maxUploadBytes));
    const admitted = await req.admit!({ endpoint, model: request.model, body: request.fields });
    const fields = upstreamFields(admitted.body);
    if (request.stream) fields.stream = true;
    const model = typeof admitted.body.model === 'string' ? admitted.body.model : request.model;
    const result = await req.callModel!({
      model,
      endpoints: [endpoint],
      stream: request.stream,
      body: () => ({ ...fields }),
      files: [request.file],
      ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
    });
    if (result.response.kind === 'sse') {
      // The price is known once the last event (with the usage) has passed.
      const spend: RouteSpend = { endpoint, model, status: 'success', httpStatus: result.response.status, cost: 0, deployment: result.deployment, startedAt, stream: true };
      const headers = answerHeaders(req.requestId, admitted, result, undefined);
      return { status: result.response.status, headers, contentType: 'text/event-stream', stream: relayTranscriptionStream(req, result, result.response.body, request.file, spend) };
    }
    const answer = await readTranscriptionAnswer(result.response);
    const usage = transcriptionUsage(answer, request.file);
    const cost = result.price(usage);
    req.recordSpend!({ endpoint, model, status: 'success', httpStatus: answer.status, cost, usage, deployment: result.deployment, startedAt, stream: false });
    return { status: answer.status, headers: answerHeaders(req.requestId, admitted, result, cost), contentType: answer.contentType, body: answer.text };
  };
}
