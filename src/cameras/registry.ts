/**
 * The single truth of which cameras exist: the config file's cameras plus the ones an
 * admin stored through the API (SQLite). The file wins for every id it names; a stored
 * camera it shadows stays in the database and comes back when the file drops the id.
 * Listeners (the daemon: indexer rows, then the recorder pool) hear every change of the
 * camera set or of a recording setting; health cards and ONVIF facts change silently.
 */
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { CameraConfig } from '../config/types.js';
import type { FoundDevice } from '../discovery/types.js';
import type { CredentialVault } from './credential-vault.js';
import type { DeviceFacts, HealthCard, RegisteredCamera } from './types.js';
import { hostOf, urlKey, withCredentials, type Credentials } from './urls.js';

/** A stored camera row (mirrors the store's; the store does not know this module). */
export interface StoredCameraRecord {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly subUrl: string | null;
  readonly enabled: boolean;
  readonly audio: 'aac' | 'copy' | 'off';
  readonly onvifHost: string | null;
  readonly onvifPort: number | null;
  readonly onvifJson: string | null;
  readonly clockOffsetMs: number | null;
  readonly createdMs: number;
  readonly updatedMs: number;
}

export interface HealthCardRecord {
  readonly cameraId: string;
  readonly checkedMs: number;
  readonly urlSha256: string;
  readonly cardJson: string;
}

/** What the registry needs of the store (wired by the daemon to store.cameras.stored). */
export interface CameraStorePort {
  list(): StoredCameraRecord[];
  insert(row: StoredCameraRecord): boolean;
  update(row: StoredCameraRecord): boolean;
  delete(id: string): boolean;
  healthCards(): HealthCardRecord[];
  putHealthCard(row: HealthCardRecord): void;
  deleteHealthCard(cameraId: string): void;
}

export interface CameraRegistryDeps {
  readonly store: CameraStorePort;
  /** One transaction around several store writes (store.transaction). */
  readonly transaction: <T>(fn: () => T) => T;
  readonly vault: CredentialVault;
  readonly log: Logger;
  readonly configCameras: readonly CameraConfig[];
}

export type CamerasListener = (cameras: readonly RegisteredCamera[]) => void;

export class CameraRegistry {
  private config: readonly CameraConfig[];
  private rows = new Map<string, StoredCameraRecord>();
  private cards = new Map<string, HealthCardRecord>();
  /** ONVIF facts of config-file cameras (read by health checks; not persisted). */
  private devices = new Map<string, DeviceFacts>();
  private cameras: RegisteredCamera[] = [];
  private specKey = '';
  private readonly listeners = new Set<CamerasListener>();

  constructor(private readonly deps: CameraRegistryDeps) {
    this.config = deps.configCameras;
  }

  load(): void {
    this.deps.vault.load();
    this.rows = new Map(this.deps.store.list().map((r) => [r.id, r]));
    this.cards = new Map(this.deps.store.healthCards().map((c) => [c.cameraId, c]));
    this.rebuild();
  }

  list(): readonly RegisteredCamera[] {
    return this.cameras;
  }

  get(id: string): RegisteredCamera | null {
    return this.cameras.find((c) => c.id === id) ?? null;
  }

  storedRow(id: string): StoredCameraRecord | null {
    return this.rows.get(id) ?? null;
  }

  credentials(id: string): Credentials | null {
    return this.deps.vault.get(id);
  }

  onChange(listener: CamerasListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The config file changed (watcher): its cameras replace the previous file's. */
  setConfigCameras(cameras: readonly CameraConfig[]): void {
    this.config = cameras;
    this.rebuild();
  }

  /** Store a new camera with its credentials; nothing is kept if any write fails. */
  addStored(row: StoredCameraRecord, credentials: Credentials | null, card: HealthCard | null): void {
    this.assertFree(row.id);
    this.deps.vault.set(row.id, credentials);
    try {
      this.deps.transaction(() => {
        if (!this.deps.store.insert(row)) throw new NvrError('CONFLICT', `camera id '${row.id}' is already taken`);
        if (card) this.deps.store.putHealthCard(cardRecord(row.id, row.url, card));
      });
    } catch (err) {
      this.deps.vault.delete(row.id);
      throw err;
    }
    this.rows.set(row.id, row);
    if (card) this.cards.set(row.id, cardRecord(row.id, row.url, card));
    this.rebuild();
  }

  /** Replace a stored camera; credentials: undefined keeps them, null removes them. */
  updateStored(row: StoredCameraRecord, credentials: Credentials | null | undefined): void {
    const before = this.requireStored(row.id);
    const oldCredentials = this.deps.vault.get(row.id);
    if (credentials !== undefined) this.deps.vault.set(row.id, credentials);
    try {
      if (!this.deps.store.update(row)) throw new NvrError('CAMERA_NOT_FOUND', `camera '${row.id}' does not exist`);
    } catch (err) {
      if (credentials !== undefined) this.deps.vault.set(row.id, oldCredentials);
      throw err;
    }
    this.rows.set(row.id, row);
    if (before.url !== row.url) this.dropCard(row.id);
    this.rebuild();
  }

  removeStored(id: string): void {
    this.requireStored(id);
    this.deps.transaction(() => {
      this.deps.store.delete(id);
      this.deps.store.deleteHealthCard(id);
    });
    this.deps.vault.delete(id);
    this.rows.delete(id);
    this.cards.delete(id);
    this.rebuild();
  }

  /** A fresh health card (and, for config cameras, fresh ONVIF facts) for the camera's current URL. */
  setHealthCard(id: string, probedUrl: string, card: HealthCard, device?: DeviceFacts): void {
    const record = cardRecord(id, probedUrl, card);
    this.deps.store.putHealthCard(record);
    this.cards.set(id, record);
    if (device && !this.rows.has(id)) this.devices.set(id, device);
    this.rebuild();
  }

  /** Cameras without a card for their current URL (new, or URL changed since). */
  camerasNeedingCheck(): RegisteredCamera[] {
    return this.cameras.filter((c) => c.healthCard === null);
  }

  /**
   * The camera that records a discovered device: same endpoint reference, else same ONVIF
   * host and port, else (a camera without ONVIF facts) an RTSP URL on the device's address.
   */
  cameraForDevice(device: FoundDevice): string | null {
    const onvifPort = (c: RegisteredCamera) => c.device?.port ?? c.onvif?.port;
    const onvifHost = (c: RegisteredCamera) => c.device?.host ?? c.onvif?.host;
    const match = (device.endpoint === null ? undefined : this.cameras.find((c) => c.device?.endpoint === device.endpoint))
      ?? this.cameras.find((c) => onvifHost(c) === device.address && onvifPort(c) === device.port)
      ?? this.cameras.find((c) => onvifHost(c) === undefined && hostOf(c.url) === device.address);
    return match?.id ?? null;
  }

  private assertFree(id: string): void {
    if (this.config.some((c) => c.id === id)) throw new NvrError('CONFLICT', `camera id '${id}' is defined in the config file: pick another id`);
    if (this.rows.has(id)) throw new NvrError('CONFLICT', `camera id '${id}' is already taken`);
  }

  /** The stored row of a camera an admin may change; CONFLICT for a config-file camera. */
  requireStored(id: string): StoredCameraRecord {
    if (this.config.some((c) => c.id === id)) {
      throw new NvrError('CONFLICT', `camera '${id}' is defined in the config file: change it there (edits apply without a restart)`);
    }
    const row = this.rows.get(id);
    if (!row) throw new NvrError('CAMERA_NOT_FOUND', `camera '${id}' does not exist`);
    return row;
  }

  private dropCard(id: string): void {
    this.deps.store.deleteHealthCard(id);
    this.cards.delete(id);
  }

  private rebuild(): void {
    const fileIds = new Set(this.config.map((c) => c.id));
    const fromFile = this.config.map((c): RegisteredCamera => ({
      ...c, source: 'config', subUrl: c.subUrl ?? null, device: this.devices.get(c.id) ?? null, healthCard: this.cardFor(c.id, c.url),
    }));
    const fromApi = [...this.rows.values()].filter((r) => !fileIds.has(r.id)).sort((a, b) => a.id.localeCompare(b.id)).map((r) => this.fromRow(r));
    this.cameras = [...fromFile, ...fromApi];
    const key = JSON.stringify(this.cameras.map((c) => [c.id, c.name, c.url, c.enabled, c.audio]));
    if (key === this.specKey) return;
    this.specKey = key;
    for (const listener of this.listeners) {
      try { listener(this.cameras); } catch (err) { this.deps.log.error({ err: (err as Error).message }, 'camera change listener failed'); }
    }
  }

  private fromRow(r: StoredCameraRecord): RegisteredCamera {
    const credentials = this.deps.vault.get(r.id);
    return {
      id: r.id, name: r.name, url: withCredentials(r.url, credentials), enabled: r.enabled, audio: r.audio,
      source: 'api', subUrl: r.subUrl === null ? null : withCredentials(r.subUrl, credentials),
      device: deviceFromRow(r), healthCard: this.cardFor(r.id, r.url),
    };
  }

  /** The stored card, only while it describes the URL the camera has now. */
  private cardFor(id: string, url: string): HealthCard | null {
    const record = this.cards.get(id);
    if (!record || record.urlSha256 !== urlKey(url)) return null;
    try { return JSON.parse(record.cardJson) as HealthCard; } catch { return null; }
  }
}

function cardRecord(cameraId: string, url: string, card: HealthCard): HealthCardRecord {
  return { cameraId, checkedMs: card.checkedAtMs, urlSha256: urlKey(url), cardJson: JSON.stringify(card) };
}

function deviceFromRow(r: StoredCameraRecord): DeviceFacts | null {
  if (r.onvifHost === null || r.onvifPort === null || r.onvifJson === null) return null;
  try {
    const facts = JSON.parse(r.onvifJson) as Omit<DeviceFacts, 'host' | 'port' | 'clockOffsetMs'>;
    return { ...facts, host: r.onvifHost, port: r.onvifPort, clockOffsetMs: r.clockOffsetMs };
  } catch {
    return null;
  }
}
