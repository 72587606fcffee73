/**
 * Reads LlamaGuard's answer: first line `safe`, or `unsafe` and a second line listing the violated
 * categories (`S1,S10` for LlamaGuard 3, `O3` for 7B). LiteLLM blocks whenever "unsafe" appears
 * anywhere and lets anything else through; here an answer that is neither is a fault, so a model
 * group that is not LlamaGuard at all (or a broken one) cannot wave every prompt through.
 */
export type Verdict = { safe: true } | { safe: false; categories: string[] };

export function readVerdict(content: unknown): Verdict {
  if (typeof content !== 'string') throw new Error('the LlamaGuard model answered without text content');
  const lines = content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const first = lines[0]?.toLowerCase();
  if (first === 'safe') return { safe: true };
  if (first === 'unsafe') {
    const categories = (lines[1] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
    return { safe: false, categories };
  }
  throw new Error(`the LlamaGuard model answered neither 'safe' nor 'unsafe': ${JSON.stringify(content.slice(0, 200))}`);
}

/** `choices[0].message.content` of an OpenAI chat completion. */
export function completionText(completion: Record<string, unknown>): unknown {
  const choices = completion.choices;
  const first = Array.isArray(choices) ? (choices[0] as Record<string, unknown> | undefined) : undefined;
  const message = first?.message as Record<string, unknown> | undefined;
  return message?.content;
}
