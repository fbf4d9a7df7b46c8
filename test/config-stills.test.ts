/** Config: clips.stillWarmProcesses (warm still ffmpegs per picture size). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { configLoader, rejectedPaths } from './helpers/config-file.js';

const load = configLoader('nvr-config-stills-');

describe('clips.stillWarmProcesses', () => {
  it('defaults to 2, next to the still limiter', () => {
    expect(load('').clips).toMatchObject({ stillConcurrency: 2, stillWarmProcesses: 2 });
  });

  it('accepts 0 (a new ffmpeg per still) up to 8', () => {
    expect(load('clips: {stillWarmProcesses: 0}\n').clips.stillWarmProcesses).toBe(0);
    expect(load('clips: {stillWarmProcesses: 8}\n').clips.stillWarmProcesses).toBe(8);
  });

  it.each(['9', '-1', '1.5', 'many'])('rejects %s, naming the key', (value) => {
    expect(rejectedPaths(() => load(`clips: {stillWarmProcesses: ${value}}
`))).toContain('clips.stillWarmProcesses');
  });
});
