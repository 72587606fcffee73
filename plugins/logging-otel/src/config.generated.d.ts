/* eslint-disable */
/**
 * GENERATED from plugins/logging-otel/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * OpenTelemetry tracing of every call (LiteLLM's otel / opentelemetry callback) and the OTLP-based destinations LiteLLM has: arize, arize_phoenix and langfuse_otel. Every value can come from LiteLLM's environment variable of the same meaning.
 */
export interface LoggingOtelConfig {
  /**
   * LiteLLM's OTEL_EXPORTER (or OTEL_EXPORTER_OTLP_PROTOCOL): console (default; prints spans), otlp_http or http/protobuf (OTLP/HTTP, protobuf, as LiteLLM sends it), http/json (OTLP/HTTP, JSON), otlp_grpc or grpc (not supported: sent as OTLP/HTTP protobuf to the same endpoint, with a warning). An otel_endpoint with the default console means otlp_http, as in LiteLLM.
   */
  otel_exporter?: string;
  /**
   * LiteLLM's OTEL_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT): the collector's URL; /v1/traces is appended unless the path already names it.
   */
  otel_endpoint?: string;
  /**
   * LiteLLM's OTEL_HEADERS (or OTEL_EXPORTER_OTLP_HEADERS): headers sent with every export, as key=value,key2=value2 (values may be percent-encoded).
   */
  otel_headers?: string;
  /**
   * LiteLLM's OTEL_SERVICE_NAME: the resource's service.name.
   */
  otel_service_name?: string;
  /**
   * LiteLLM's OTEL_ENVIRONMENT_NAME: the resource's deployment.environment.
   */
  otel_environment_name?: string;
  /**
   * LiteLLM's OTEL_MODEL_ID: the resource's model_id (default: the service name).
   */
  otel_model_id?: string;
  /**
   * LiteLLM's OTEL_TRACER_NAME: the instrumentation scope of the spans.
   */
  otel_tracer_name?: string;
  /**
   * LiteLLM's ARIZE_SPACE_KEY (or ARIZE_SPACE_ID) for the arize callback: sent as the space_id header.
   */
  arize_space_key?: string;
  /**
   * LiteLLM's ARIZE_API_KEY for the arize callback: sent as the api_key header.
   */
  arize_api_key?: string;
  /**
   * LiteLLM's ARIZE_HTTP_ENDPOINT: Arize's OTLP/HTTP endpoint. Default https://otlp.arize.com/v1 (then /v1/traces).
   */
  arize_http_endpoint?: string;
  /**
   * LiteLLM's ARIZE_ENDPOINT (Arize's gRPC endpoint). gRPC is not supported: used as an OTLP/HTTP (protobuf) endpoint when arize_http_endpoint is not set, with a warning.
   */
  arize_endpoint?: string;
  /**
   * LiteLLM's ARIZE_PROJECT_NAME: the resource's service.name and model_id for arize.
   */
  arize_project_name?: string;
  /**
   * LiteLLM's PHOENIX_API_KEY for arize_phoenix: sent as Authorization: Bearer <key>. Required for Phoenix Cloud (app.phoenix.arize.com).
   */
  phoenix_api_key?: string;
  /**
   * LiteLLM's PHOENIX_COLLECTOR_HTTP_ENDPOINT (else PHOENIX_COLLECTOR_ENDPOINT): Phoenix's collector. Default http://localhost:6006/v1/traces.
   */
  phoenix_collector_http_endpoint?: string;
  /**
   * LiteLLM's PHOENIX_PROJECT_NAME: openinference.project.name on each span unless the request's metadata.phoenix_project_name names another.
   */
  phoenix_project_name?: string;
  /**
   * LiteLLM's LANGFUSE_PUBLIC_KEY for langfuse_otel (Basic auth user).
   */
  langfuse_public_key?: string;
  /**
   * LiteLLM's LANGFUSE_SECRET_KEY for langfuse_otel (Basic auth password).
   */
  langfuse_secret_key?: string;
  /**
   * LiteLLM's LANGFUSE_OTEL_HOST (else LANGFUSE_HOST): spans go to <host>/api/public/otel/v1/traces. Default https://us.cloud.langfuse.com.
   */
  langfuse_otel_host?: string;
  /**
   * LiteLLM's LANGFUSE_TRACING_ENVIRONMENT: langfuse.environment on each span.
   */
  langfuse_tracing_environment?: string;
  /**
   * LiteLLM's callback message_logging: false leaves prompts and completions out of the spans (turn_off_message_logging does so for every integration).
   */
  message_logging?: boolean;
  /**
   * Most calls (each a litellm_request span and its children, about three spans) exported per request to a destination: 200 calls are some 600 spans, near OpenTelemetry's BatchSpanProcessor batch of 512, in one request.
   */
  batch_size?: number;
  /**
   * Time between exports to a destination.
   */
  flush_interval_ms?: number;
  /**
   * Calls held in memory per destination; beyond it they go to the spill file under the plugin's data dir, exported once the destination answers.
   */
  max_queued?: number;
  /**
   * How long one export (the OTLP exporter's own retries included) may take before it counts as failed and is retried later.
   */
  export_timeout_ms?: number;
  /**
   * Most destinations (the global ones plus each team's or key's own) kept open at once; the least recently used one beyond it is closed, its queue spilled to disk and exported when it is used again.
   */
  max_destinations?: number;
}
