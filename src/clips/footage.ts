/**
 * The read side that gets video out (clips, stills, playback), built once by the daemon.
 * The three share one cache of segment fragment indexes.
 */
import type { Logger } from '../core/logger.js';
import type { Spawner } from '../core/spawn.js';
import { ClipService } from './clip-service.js';
import { SegmentIndexCache } from './index-cache.js';
import { PlaybackService } from './playback.js';
import type { RecordingsService } from './recordings.js';
import { StillService } from './stills.js';

export interface FootageSettings {
  readonly maxClipSeconds: number;
  readonly maxPlaylistSeconds: number;
  readonly stillConcurrency: number;
  readonly stillTimeoutMs: number;
  /** Warm still ffmpeg processes per picture size (default 2; 0 = a new ffmpeg per still). */
  readonly stillWarmProcesses?: number;
  readonly indexCacheEntries: number;
}

export interface FootageDeps {
  readonly recordings: RecordingsService;
  readonly recordingsDir: string;
  readonly spawner: Spawner;
  readonly ffmpegPath: string;
  readonly log: Logger;
  readonly settings: FootageSettings;
}

export function createFootageServices(deps: FootageDeps): { clips: ClipService; stills: StillService; playback: PlaybackService } {
  const { recordings, recordingsDir, spawner, ffmpegPath, log, settings } = deps;
  const cache = new SegmentIndexCache(settings.indexCacheEntries);
  return {
    clips: new ClipService({ recordings, recordingsDir, cache, spawner, ffmpegPath, maxClipMs: settings.maxClipSeconds * 1000, log }),
    stills: new StillService({
      recordings, recordingsDir, spawner, ffmpegPath, log, concurrency: settings.stillConcurrency, timeoutMs: settings.stillTimeoutMs,
      warmProcesses: settings.stillWarmProcesses, cache,
    }),
    playback: new PlaybackService({ recordings, recordingsDir, cache, maxPlaylistMs: settings.maxPlaylistSeconds * 1000, log }),
  };
}
