/**
 * OpenAI's audio API as LiteLLM's proxy serves it (`proxy_server.py` audio_transcriptions and
 * audio_speech): transcriptions and translations take a multipart upload, speech answers audio
 * streamed as it is made; each route also answers without `/v1`.
 */
import { definePlugin, type RouteDefinition } from '@sluice/plugin-sdk';
import { audioSettings } from './audio-settings.js';
import type { ApiAudioConfig } from './config.generated.js';
import { speechHandler } from './speech-route.js';
import { transcriptionHandler } from './transcription-route.js';

export default definePlugin<ApiAudioConfig>({
  id: 'api-audio',
  version: '1.0.0',
  apiVersion: '^2',
  setup(_ctx, config) {
    const settings = audioSettings(config);
    const upload: Omit<RouteDefinition, 'url' | 'handler'> = { method: 'POST', access: 'authenticated', body: 'stream', maxBodyBytes: settings.maxUploadBytes, tags: ['audio'] };
    const transcribe = transcriptionHandler('audio_transcription', settings);
    const translate = transcriptionHandler('audio_translation', settings);
    const speak = speechHandler(settings);
    const routes: RouteDefinition[] = [];
    for (const prefix of ['/v1', '']) {
      routes.push(
        { ...upload, url: `${prefix}/audio/transcriptions`, summary: 'Transcribe audio into text', handler: transcribe },
        { ...upload, url: `${prefix}/audio/translations`, summary: 'Translate audio into English text', handler: translate },
        { method: 'POST', access: 'authenticated', url: `${prefix}/audio/speech`, summary: 'Generate audio from text', tags: ['audio'], handler: speak },
      );
    }
    return { routes };
  },
});
