/* eslint-disable */
/**
 * GENERATED from schemas/error-envelope.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Every error a client sees: the OpenAI error envelope.
 */
export interface ErrorEnvelopeBody {
  /**
   * The error.
   */
  error: {
    /**
     * Human-readable message.
     */
    message: string;
    /**
     * OpenAI error type.
     */
    type: string;
    /**
     * The offending parameter, or null / "None".
     */
    param: string | null;
    /**
     * HTTP status (LiteLLM style) or the upstream's code.
     */
    code: string | number | null;
  };
}
