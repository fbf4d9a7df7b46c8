/**
 * The camera registry over a real SQLite index and a real credential file: the config
 * file wins for the ids it names, stored cameras come back when the file lets go of them,
 * listeners hear only changes that matter to recording, failed writes leave nothing, and
 * the credential file stays 0600 and out of the index.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialVault } from '../src/cameras/credential-vault.js';
import { CameraRegistry, type StoredCameraRecord } from '../src/cameras/registry.js';
import type { HealthCard, RegisteredCamera } from '../src/cameras/types.js';
import type { CameraConfig } from '../src/config/types.js';
import { silentLogger } from '../src/core/logger.js';
import { openStore, type Store } from '../src/store/db.js';

let dir: string;
let store: Store;
let vaultFile: string;
let heard: (readonly RegisteredCamera[])[];

const fileCam = (id: string, url = `rtsp://u:p@10.0.0.9/${id}`, enabled = true): CameraConfig => ({ id, name: id, url, enabled, audio: 'aac' });
const row = (id: string, over: Partial<StoredCameraRecord> = {}): StoredCameraRecord => ({
  id, name: `Stored ${id}`, url: `rtsp://10.0.0.5:554/${id}`, subUrl: null, enabled: true, audio: 'aac',
  onvifHost: '10.0.0.5', onvifPort: 80, onvifJson: JSON.stringify({ path: '/onvif/device_service', endpoint: 'urn:uuid:1', profiles: [], mainProfile: null, subProfile: null }),
  clockOffsetMs: 0, createdMs: 1, updatedMs: 1, ...over,
});
const card: HealthCard = { checkedAtMs: 5, stream: null, streamError: 'x', mainEncoding: null, subEncoding: null, onvifFps: null, onvifGovLength: null, clockOffsetMs: null, warnings: [] };

function registry(config: CameraConfig[] = []): CameraRegistry {
  const r = new CameraRegistry({
    store: store.cameras.stored, transaction: (fn) => store.transaction(fn), vault: new CredentialVault(vaultFile, silentLogger()),
    log: silentLogger(), configCameras: config,
  });
  r.load();
  r.onChange((list) => heard.push(list));
  return r;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nvr-registry-'));
  store = openStore({ path: path.join(dir, 'index.sqlite'), log: silentLogger() });
  vaultFile = path.join(dir, 'camera-credentials.json');
  heard = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('which cameras exist', () => {
  it('merges file and stored cameras; credentials go back into the recorder URL only', () => {
    const r = registry([fileCam('gate')]);
    r.addStored(row('yard'), { username: 'admin', password: 'p@ss:w/rd' }, card);
    expect(r.list().map((c) => [c.id, c.source])).toEqual([['gate', 'config'], ['yard', 'api']]);
    expect(r.get('yard')!.url).toBe('rtsp://admin:p%40ss%3Aw%2Frd@10.0.0.5:554/yard');
    expect(store.cameras.stored.list()[0]!.url).toBe('rtsp://10.0.0.5:554/yard');
    expect(readFileSync(path.join(dir, 'index.sqlite')).includes('p@ss:w/rd')).toBe(false);
    expect(statSync(vaultFile).mode & 0o777).toBe(0o600);
    expect(r.get('yard')!.healthCard).toEqual(card);
  });

  it('the file wins for an id it names, and the stored camera comes back when the file drops it', () => {
    const r = registry([]);
    r.addStored(row('yard'), null, null);
    r.setConfigCameras([fileCam('yard', 'rtsp://10.9.9.9/file')]);
    expect(r.get('yard')).toMatchObject({ source: 'config', url: 'rtsp://10.9.9.9/file' });
    r.setConfigCameras([]);
    expect(r.get('yard')).toMatchObject({ source: 'api', url: 'rtsp://10.0.0.5:554/yard' });
    expect(heard.map((list) => list.map((c) => c.url))).toEqual([
      ['rtsp://10.0.0.5:554/yard'], ['rtsp://10.9.9.9/file'], ['rtsp://10.0.0.5:554/yard'],
    ]);
  });

  it('listeners hear changes of recording settings, not of health cards or same-content reloads', () => {
    const r = registry([fileCam('gate')]);
    r.setConfigCameras([fileCam('gate')]);
    r.setHealthCard('gate', fileCam('gate').url, card);
    expect(heard).toEqual([]);
    r.setConfigCameras([fileCam('gate', undefined, false)]);
    expect(heard).toHaveLength(1);
  });

  it('a card is dropped when the URL it describes changes', () => {
    const r = registry([fileCam('gate')]);
    r.setHealthCard('gate', fileCam('gate').url, card);
    expect(r.get('gate')!.healthCard).not.toBeNull();
    r.setConfigCameras([fileCam('gate', 'rtsp://u:p@10.0.0.9/other')]);
    expect(r.get('gate')!.healthCard).toBeNull();
    expect(r.camerasNeedingCheck().map((c) => c.id)).toEqual(['gate']);
  });
});

describe('nothing half-done', () => {
  it('an id taken in the database (another admin, same moment) leaves no credentials behind', () => {
    const r = registry([]);
    store.cameras.stored.insert(row('race'));
    expect(() => r.addStored(row('race'), { username: 'a', password: 'racing-pw' }, card)).toThrow(/already taken/);
    expect(readFileSync(vaultFile, 'utf8')).not.toContain('racing-pw');
    expect(store.cameras.stored.healthCards()).toEqual([]);
  });

  it('ids of the file cannot be taken or changed through the API', () => {
    const r = registry([fileCam('gate')]);
    expect(() => r.addStored(row('gate'), null, null)).toThrow(/defined in the config file/);
    expect(() => r.removeStored('gate')).toThrow(/defined in the config file/);
    expect(() => r.removeStored('nope')).toThrow(/does not exist/);
  });

  it('remove takes the row, the card and the credentials', () => {
    const r = registry([]);
    r.addStored(row('yard'), { username: 'a', password: 'yard-pw' }, card);
    r.removeStored('yard');
    expect([store.cameras.stored.list(), store.cameras.stored.healthCards(), readFileSync(vaultFile, 'utf8').includes('yard-pw')]).toEqual([[], [], false]);
  });
});

describe('the credential file', () => {
  it('is tightened back to 0600 when someone loosened it', () => {
    writeFileSync(vaultFile, JSON.stringify({ version: 1, cameras: { yard: { username: 'a', password: 'b' } } }));
    chmodSync(vaultFile, 0o644);
    const vault = new CredentialVault(vaultFile, silentLogger());
    vault.load();
    expect(statSync(vaultFile).mode & 0o777).toBe(0o600);
    expect(vault.get('yard')).toEqual({ username: 'a', password: 'b' });
  });

  it('a damaged file stops the start with a message that quotes no content', () => {
    writeFileSync(vaultFile, '{"version":1,"cameras":{"yard":{"password":"leak-me"', { mode: 0o600 });
    const vault = new CredentialVault(vaultFile, silentLogger());
    expect(() => vault.load()).toThrow(/not valid JSON/);
    expect(() => vault.load()).not.toThrow(/leak-me/);
  });
});
