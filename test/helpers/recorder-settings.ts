/** Recorder settings for tests that drive RecorderPool directly: short segments and timeouts. */
import type { RecorderSettings } from '../../src/recorder/camera-recorder.js';

export const fastRecorderSettings: RecorderSettings = {
  segmentSeconds: 2, rtspTimeoutSeconds: 3, stallTimeoutMs: 8000, stopTimeoutMs: 5000,
  restartBackoffInitialMs: 200, restartBackoffMaxMs: 1000, maxRestartsPerHour: 60, ffmpegPath: 'ffmpeg',
};
