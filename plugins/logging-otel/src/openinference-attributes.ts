/**
 * The attributes Arize, Phoenix and Langfuse read off an OTLP span (LiteLLM's
 * arize/_utils.set_attributes and LangfuseOtelLogger): OpenInference's `openinference.span.kind`,
 * `llm.*`, `input.value` / `output.value` and per-message attributes, Phoenix's project name, and
 * Langfuse's `langfuse.*` keys from the request's metadata (generation_name, trace_name,
 * session_id, tags…). Content follows the same redaction as the rest of the span.
 */
import { REDACTED_CONTENT, type StandardLoggingPayload } from '@sluice/plugin-sdk';
import type { Attributes, CallSpanOptions } from './call-spans.js';
import { inputMessages, messageText, outputMessages } from './content.js';

/** LiteLLM's _infer_open_inference_span_kind. */
function spanKind(callType: string): string {
  const t = callType.toLowerCase();
  if (t.includes('embed')) return 'EMBEDDING';
  if (t.includes('rerank')) return 'RERANKER';
  if (t.includes('moderation') || t.includes('guardrail')) return 'GUARDRAIL';
  if (['completion', 'chat', 'image', 'audio', 'speech', 'transcription', 'response', 'pass_through', 'anthropic_messages'].some((k) => t.includes(k))) return 'LLM';
  if (['file', 'batch'].some((k) => t.includes(k))) return 'CHAIN';
  return 'UNKNOWN';
}

/** LangfuseOtelLogger's metadata key → span attribute. */
const LANGFUSE_METADATA: Record<string, string> = {
  generation_name: 'langfuse.generation.name',
  generation_id: 'langfuse.generation.id',
  parent_observation_id: 'langfuse.generation.parent_observation_id',
  version: 'langfuse.generation.version',
  mask_input: 'langfuse.generation.mask_input',
  mask_output: 'langfuse.generation.mask_output',
  trace_user_id: 'user.id',
  session_id: 'session.id',
  tags: 'langfuse.trace.tags',
  trace_name: 'langfuse.trace.name',
  trace_id: 'langfuse.trace.id',
  trace_metadata: 'langfuse.trace.metadata',
  trace_version: 'langfuse.trace.version',
  trace_release: 'langfuse.trace.release',
  existing_trace_id: 'langfuse.trace.existing_id',
  update_trace_keys: 'langfuse.trace.update_keys',
  debug_langfuse: 'langfuse.debug',
};

export function setOpenInferenceAttributes(attrs: Attributes, payload: StandardLoggingPayload, metadata: Record<string, unknown>, opts: CallSpanOptions): void {
  attrs.set('openinference.span.kind', spanKind(payload.call_type));
  attrs.set('metadata', payload.metadata);
  attrs.set('llm.model_name', payload.model);
  attrs.set('llm.provider', payload.custom_llm_provider ?? 'Unknown');
  attrs.set('llm.invocation_parameters', payload.model_parameters);
  attrs.set('llm.token_count.prompt', payload.prompt_tokens);
  attrs.set('llm.token_count.completion', payload.completion_tokens);
  attrs.set('llm.token_count.total', payload.total_tokens);
  if (payload.end_user) attrs.set('user.id', payload.end_user);
  if (typeof metadata.session_id === 'string') attrs.set('session.id', metadata.session_id);
  if (opts.logContent) {
    if (payload.messages === REDACTED_CONTENT) attrs.set('input.value', REDACTED_CONTENT);
    else {
      const inputs = inputMessages(payload.messages);
      attrs.set('input.value', messageText(inputs[inputs.length - 1]));
      inputs.forEach((m, i) => {
        attrs.set(`llm.input_messages.${i}.message.role`, m.role);
        attrs.set(`llm.input_messages.${i}.message.content`, messageText(m));
      });
    }
    if (payload.response === REDACTED_CONTENT) attrs.set('output.value', REDACTED_CONTENT);
    else {
      outputMessages(payload.response).forEach((m, i) => {
        if (i === 0) attrs.set('output.value', messageText(m));
        attrs.set(`llm.output_messages.${i}.message.role`, m.role);
        attrs.set(`llm.output_messages.${i}.message.content`, messageText(m));
      });
    }
  }
  if (opts.integration === 'arize_phoenix') {
    const project = typeof metadata.phoenix_project_name === 'string' && metadata.phoenix_project_name !== '' ? metadata.phoenix_project_name : opts.phoenixProjectName;
    if (project) attrs.set('openinference.project.name', project);
  }
  if (opts.integration === 'langfuse_otel') {
    if (opts.langfuseEnvironment) attrs.set('langfuse.environment', opts.langfuseEnvironment);
    for (const [key, attribute] of Object.entries(LANGFUSE_METADATA)) {
      const value = metadata[key];
      // user.id and session.id may be set above already: the metadata's value wins.
      if (value !== undefined && value !== null) attrs.replace(attribute, value);
    }
  }
}
