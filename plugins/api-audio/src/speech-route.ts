/**
 * `POST /v1/audio/speech`: the text is admitted (guardrails read `input`), routed to a deployment
 * serving `audio_speech`, and the audio is relayed chunk by chunk as it arrives, with the
 * upstream's content type. The call is recorded once, when the relay ends: success when the
 * client got every byte; when the client leaves first the call is still charged (the provider
 * bills the whole input), as a failure with 499.
 */
import type { ModelCallResult, RouteDefinition, RouteRequest, RouteResult, RouteSpend, Usage } from '@sluice/plugin-sdk';
import type { AudioSettings } from './audio-settings.js';
import { answerHeaders } from './answer-headers.js';
import { billableCharacters, estimatedInputTokens, speechRequest } from './speech-request.js';
import { upstreamFields } from './upstream-fields.js';

export function speechHandler(settings: AudioSettings): RouteDefinition['handler'] {
  return async (req): Promise<RouteResult> => {
    const startedAt = Date.now();
    const request = speechRequest(req.body, settings.maxSpeechInputChars);
    const admitted = await req.admit!({ endpoint: 'audio_speech', model: request.model, body: request.body });
    const body = upstreamFields(admitted.body);
    const model = typeof admitted.body.model === 'string' ? admitted.body.model : request.model;
    const input = typeof body.input === 'string' ? body.input : '';
    const result = await req.callModel!({ model, endpoints: ['audio_speech'], stream: false, body: () => ({ ...body }) });
    const tokens = estimatedInputTokens(input);
    const usage: Usage = { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens, characters: billableCharacters(input) };
    const cost = result.price(usage);
    const headers = answerHeaders(req.requestId, admitted, result, cost);
    const spend: RouteSpend = { endpoint: 'audio_speech', model, status: 'success', httpStatus: 200, cost, usage, deployment: result.deployment, startedAt, stream: true };
    const response = result.response;
    if (response.kind === 'json') {
      req.recordSpend!({ ...spend, httpStatus: response.status, stream: false });
      return { status: response.status, headers, contentType: 'application/json', body: response.raw ?? JSON.stringify(response.body) };
    }
    if (response.kind !== 'bytes') throw new Error(`api-audio: a deployment answered speech with a ${response.kind} response`);
    return {
      status: response.status,
      headers: { ...headers, 'content-type': response.contentType },
      stream: relayed(req, result, response.body, { ...spend, httpStatus: response.status }),
    };
  };
}

/** The audio as it arrives, recording the call once when the relay ends, however it ends. */
async function* relayed(req: RouteRequest, result: ModelCallResult, audio: AsyncIterable<Uint8Array>, spend: RouteSpend): AsyncGenerator<Uint8Array> {
  let outcome: Pick<RouteSpend, 'status' | 'httpStatus' | 'errorCode' | 'cost'> = { status: 'failure', httpStatus: 499, errorCode: 'SLUICE_ERR_CLIENT_CLOSED', cost: spend.cost };
  let firstAt: number | undefined;
  try {
    for await (const chunk of audio) {
      firstAt ??= Date.now();
      yield chunk;
    }
    outcome = { status: 'success', httpStatus: spend.httpStatus, cost: spend.cost };
  } catch (err) {
    // The upstream broke off mid-audio (not because the client left, which aborts it too):
    // nothing complete was delivered, nothing is charged.
    if (!req.signal?.aborted) outcome = { status: 'failure', httpStatus: 502, errorCode: 'SLUICE_ERR_UPSTREAM_ERROR', cost: 0 };
    throw err;
  } finally {
    req.recordSpend!({ ...spend, ...outcome, firstTokenAt: firstAt ?? result.answeredAt });
  }
}
