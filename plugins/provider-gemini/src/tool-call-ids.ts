/**
 * Gemini's function calls have no ids, OpenAI's tool calls need them. The id is derived from the
 * call itself so the same response always gets the same ids, plain or streamed. Gemini 2.5+ may
 * attach a `thoughtSignature` to a call that it wants back on the next turn (Gemini 3 refuses the
 * turn without it); OpenAI clients echo only the id, so the signature rides inside the id.
 */
import { createHash } from 'node:crypto';

const SIGNATURE_MARK = '__thought__';

export function toolCallId(index: number, name: string, argumentsJson: string, thoughtSignature: string | undefined): string {
  const hash = createHash('sha256').update(name).update('\0').update(argumentsJson).digest('hex').slice(0, 16);
  const id = `call_${index}_${hash}`;
  return thoughtSignature ? `${id}${SIGNATURE_MARK}${thoughtSignature}` : id;
}

/** The thought signature carried by an id minted above, if any. */
export function thoughtSignatureOf(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  return at === -1 ? undefined : id.slice(at + SIGNATURE_MARK.length);
}
