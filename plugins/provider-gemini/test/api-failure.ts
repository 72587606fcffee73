/** The `openai` SDK error a call through Sluice ends with; fails the test when the call succeeds. */
import OpenAI from 'openai';

export async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
