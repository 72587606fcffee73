/** An OpenAI chat completion request → a Gemini `GenerateContentRequest`. */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { toParts, textOf } from './content-parts.js';
import { badRequest } from './google-errors.js';
import { isEmptyObjectSchema, isObject, toGeminiSchema } from './gemini-schema.js';
import { thoughtSignatureOf } from './tool-call-ids.js';

/** What a deployment adds to every request (LiteLLM's `safety_settings` in `litellm_params`). */
export interface RequestDefaults {
  safetySettings: JsonValue | undefined;
}

export function toGenerateContentRequest(body: JsonObject, defaults: RequestDefaults): JsonObject {
  if (!Array.isArray(body.messages)) throw badRequest('messages must be an array');
  const { systemInstruction, contents } = toContents(body.messages);
  const out: JsonObject = { contents };
  if (systemInstruction) out.systemInstruction = systemInstruction;
  const tools = toTools(body);
  if (tools) out.tools = tools;
  const toolConfig = toToolConfig(body.tool_choice ?? legacyFunctionCall(body.function_call));
  if (toolConfig) out.toolConfig = toolConfig;
  const generationConfig = toGenerationConfig(body);
  if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig;
  if (defaults.safetySettings !== undefined) out.safetySettings = defaults.safetySettings;
  return out;
}

/**
 * System messages become `systemInstruction`; user/assistant become user/model turns; tool
 * results become `functionResponse` parts of a user turn, named after the call they answer.
 * Consecutive messages of one role are merged into one turn, as Gemini wants the responses to
 * parallel calls together.
 */
function toContents(messages: JsonValue[]): { systemInstruction: JsonObject | undefined; contents: JsonObject[] } {
  const system: JsonObject[] = [];
  const contents: JsonObject[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: JsonObject[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last && last.role === role) (last.parts as JsonObject[]).push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    const where = `messages[${i}]`;
    if (!isObject(message)) throw badRequest(`${where} must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, where);
        if (text.length > 0) system.push({ text });
        break;
      }
      case 'user':
        push('user', toParts(message.content, where));
        break;
      case 'assistant':
        push('model', assistantParts(message, where, toolNames));
        break;
      case 'tool': {
        const id = message.tool_call_id;
        const name = (typeof id === 'string' ? toolNames.get(id) : undefined) ?? (typeof message.name === 'string' ? message.name : undefined);
        if (!name) throw badRequest(`${where}: tool_call_id ${JSON.stringify(id)} answers no tool call of an earlier assistant message`);
        push('user', [functionResponse(name, message.content, where)]);
        break;
      }
      case 'function': {
        if (typeof message.name !== 'string') throw badRequest(`${where}: a function message needs a name`);
        push('user', [functionResponse(message.name, message.content, where)]);
        break;
      }
      default:
        throw badRequest(`${where}: role ${JSON.stringify(message.role)} is not supported`);
    }
  });
  return { systemInstruction: system.length > 0 ? { parts: system } : undefined, contents };
}

function assistantParts(message: JsonObject, where: string, toolNames: Map<string, string>): JsonObject[] {
  const parts = toParts(message.content, where);
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : isObject(message.function_call) ? [{ function: message.function_call }] : [];
  calls.forEach((call, k) => {
    const fn = isObject(call) ? call.function : undefined;
    if (!isObject(fn) || typeof fn.name !== 'string') throw badRequest(`${where}.tool_calls[${k}] needs function.name`);
    const part: JsonObject = { functionCall: { name: fn.name, args: parseArguments(fn.arguments, `${where}.tool_calls[${k}].function.arguments`) } };
    if (isObject(call) && typeof call.id === 'string') {
      toolNames.set(call.id, fn.name);
      const signature = thoughtSignatureOf(call.id);
      if (signature) part.thoughtSignature = signature;
    }
    parts.push(part);
  });
  return parts;
}

/** Gemini wants the arguments as an object, OpenAI carries them as JSON text. */
function parseArguments(value: JsonValue | undefined, where: string): JsonObject {
  if (value === undefined || value === null || value === '') return {};
  if (isObject(value)) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    throw badRequest(`${where} is not valid JSON`);
  }
  if (!isObject(parsed as JsonValue)) throw badRequest(`${where} must be a JSON object`);
  return parsed as JsonObject;
}

function functionResponse(name: string, content: JsonValue | undefined, where: string): JsonObject {
  return { functionResponse: { name, response: { content: textOf(content, where) } } };
}

function toTools(body: JsonObject): JsonObject[] | undefined {
  const declarations: JsonObject[] = [];
  const add = (fn: JsonValue | undefined, where: string) => {
    if (!isObject(fn) || typeof fn.name !== 'string') throw badRequest(`${where} needs a name`);
    const declaration: JsonObject = { name: fn.name };
    if (typeof fn.description === 'string') declaration.description = fn.description;
    if (!isEmptyObjectSchema(fn.parameters)) declaration.parameters = toGeminiSchema(fn.parameters!, `${where}.parameters`);
    declarations.push(declaration);
  };
  if (Array.isArray(body.tools)) {
    body.tools.forEach((tool, i) => {
      if (!isObject(tool) || tool.type !== 'function') throw badRequest(`tools[${i}]: only function tools are supported by Gemini`);
      add(tool.function, `tools[${i}].function`);
    });
  }
  if (Array.isArray(body.functions)) body.functions.forEach((fn, i) => add(fn, `functions[${i}]`));
  return declarations.length > 0 ? [{ functionDeclarations: declarations }] : undefined;
}

function legacyFunctionCall(value: JsonValue | undefined): JsonValue | undefined {
  return isObject(value) && typeof value.name === 'string' ? { type: 'function', function: { name: value.name } } : value;
}

function toToolConfig(choice: JsonValue | undefined): JsonObject | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required' || choice === 'any') return { functionCallingConfig: { mode: 'ANY' } };
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
  }
  throw badRequest(`tool_choice ${JSON.stringify(choice)} is not supported`);
}

function toGenerationConfig(body: JsonObject): JsonObject {
  const config: JsonObject = {};
  const copy = (from: string, to: string) => {
    const value = body[from];
    if (typeof value === 'number') config[to] = value;
  };
  copy('temperature', 'temperature');
  copy('top_p', 'topP');
  copy('top_k', 'topK');
  copy('max_tokens', 'maxOutputTokens');
  copy('max_completion_tokens', 'maxOutputTokens'); // the newer name wins when both are sent
  copy('n', 'candidateCount');
  copy('presence_penalty', 'presencePenalty');
  copy('frequency_penalty', 'frequencyPenalty');
  copy('seed', 'seed');
  if (typeof body.stop === 'string') config.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) config.stopSequences = body.stop;
  const format = body.response_format;
  if (isObject(format)) {
    if (format.type === 'json_object') config.responseMimeType = 'application/json';
    else if (format.type === 'json_schema') {
      config.responseMimeType = 'application/json';
      const schema = isObject(format.json_schema) ? format.json_schema.schema : undefined;
      if (schema !== undefined) config.responseSchema = toGeminiSchema(schema, 'response_format.json_schema.schema');
    } else if (format.type !== 'text') throw badRequest(`response_format type ${JSON.stringify(format.type)} is not supported`);
  }
  return config;
}
