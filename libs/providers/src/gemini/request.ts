import type { ChatRequest } from '@ultra/contracts/chat';
import { nonEmpty, seedNumber, splitSystem } from '../wire-common.ts';
import { toGeminiContents, toGeminiFormat, toGeminiTools, type GeminiContent, type GeminiToolFields } from './tools.ts';

/** The body of `models/{model}:generateContent`: the fields Ultra fills. */
export interface GeminiGenerateBody extends GeminiToolFields {
  contents: GeminiContent[];
  /** All system messages, joined by a blank line; left out when there are none. */
  systemInstruction?: { parts: Array<{ text: string }> } | undefined;
  generationConfig?: GeminiGenerationConfig | undefined;
}

export interface GeminiGenerationConfig {
  temperature?: number | undefined;
  topP?: number | undefined;
  maxOutputTokens?: number | undefined;
  stopSequences?: string[] | undefined;
  seed?: number | undefined;
  presencePenalty?: number | undefined;
  frequencyPenalty?: number | undefined;
  responseMimeType?: string | undefined;
  responseSchema?: unknown;
}

/** The model's path segment: `gemini-2.0-flash` and `models/gemini-2.0-flash` both work. */
export function geminiModelPath(model: string): string {
  return `/v1beta/models/${encodeURIComponent(model.replace(/^models\//, ''))}`;
}

/** Translates Ultra's chat request into a generateContent body (assistant turns have role `model`). */
export function toGeminiRequest(request: ChatRequest): GeminiGenerateBody {
  const s = request.sampling;
  const { system, turns } = splitSystem(request.messages);
  const config: GeminiGenerationConfig = {
    temperature: s?.temperature,
    topP: s?.topP,
    maxOutputTokens: s?.maxTokens,
    stopSequences: nonEmpty(s?.stop),
    seed: seedNumber(s?.seed),
    presencePenalty: s?.presencePenalty,
    frequencyPenalty: s?.frequencyPenalty,
    ...toGeminiFormat(request),
  };
  const anySet = Object.values(config).some((v) => v !== undefined);
  return {
    contents: toGeminiContents(turns),
    systemInstruction: system ? { parts: [{ text: system }] } : undefined,
    generationConfig: anySet ? config : undefined,
    ...toGeminiTools(request),
  };
}
