/**
 * Onboarding and changing cameras for admins. Adding one is one request: read the
 * camera's clock without credentials (so WS-Security can sign with the camera's time even
 * when that clock is a year off), log in, read device information, profiles, main and sub
 * stream URIs and the snapshot URI, probe the main stream for the health card, then store
 * it all at once; the recorder starts from the registry's change. Any failure before the
 * store leaves nothing behind. A plain RTSP camera must answer its URL to be added.
 */
import type { Clock } from '../core/clock.js';
import { NvrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { OnvifClient, OnvifTarget } from '../discovery/types.js';
import { deviceFacts, deviceJson } from './device-facts.js';
import type { HealthChecker } from './health-check.js';
import {
  checkHost, checkId, checkName, checkPassword, checkPort, checkRtspUrl, checkUsername, idFromName, onboardingError, uniqueId,
} from './input.js';
import type { CameraRegistry, StoredCameraRecord } from './registry.js';
import type { CameraPatch, DeviceFacts, HealthCard, NewCameraInput, RegisteredCamera } from './types.js';
import { splitCredentials, withCredentials, type Credentials } from './urls.js';

export interface CameraAdminDeps {
  readonly registry: CameraRegistry;
  readonly onvif: OnvifClient;
  readonly checker: HealthChecker;
  readonly clock: Clock;
  readonly log: Logger;
  readonly requestTimeoutMs: number;
  /** Resolves once the recorders have taken the last change (so an answer shows 'connecting'). */
  readonly settle?: () => Promise<unknown>;
}

/** Where the streams come from and what ONVIF said, before anything is stored. */
interface Source {
  url: string;
  subUrl: string | null;
  credentials: Credentials | null;
  device: DeviceFacts | null;
  card: HealthCard;
}

const devicePath = '/onvif/device_service';
const audioModes = new Set(['aac', 'copy', 'off']);

export class CameraAdmin {
  constructor(private readonly deps: CameraAdminDeps) {}

  async add(input: NewCameraInput): Promise<RegisteredCamera> {
    const name = checkName('name', input.name);
    const givenId = input.id === undefined ? null : checkId('id', input.id);
    const audio = checkAudio(input.audio);
    if (input.onvif === undefined && input.url === undefined) {
      throw new NvrError('BAD_REQUEST', 'onvif or url is required: {onvif: {host, port, username, password}} or {url: "rtsp://…"}');
    }
    if (givenId !== null && this.deps.registry.get(givenId)) throw new NvrError('CONFLICT', `camera id '${givenId}' is already taken`);
    const source = input.onvif !== undefined ? await this.fromOnvif(input.onvif) : await this.fromUrl(checkRtspUrl('url', input.url));
    const id = givenId ?? uniqueId(idFromName(name), (x) => this.deps.registry.get(x) !== null || this.deps.registry.storedRow(x) !== null);
    const nowMs = this.deps.clock.nowMs();
    this.deps.registry.addStored({
      id, name, url: source.url, subUrl: source.subUrl, enabled: input.enabled ?? true, audio,
      onvifHost: source.device?.host ?? null, onvifPort: source.device?.port ?? null,
      onvifJson: source.device ? deviceJson(source.device) : null, clockOffsetMs: source.device?.clockOffsetMs ?? null,
      createdMs: nowMs, updatedMs: nowMs,
    }, source.credentials, source.card);
    this.deps.log.info({ camera: id, onvif: source.device !== null, warnings: source.card.warnings.map((w) => w.code) }, 'camera added');
    await this.settled();
    return this.deps.registry.get(id)!;
  }

  async update(id: string, patch: CameraPatch): Promise<RegisteredCamera> {
    checkId('id', id);
    const current = this.deps.registry.requireStored(id);
    let next: StoredCameraRecord = {
      ...current,
      name: patch.name === undefined ? current.name : checkName('name', patch.name),
      enabled: patch.enabled ?? current.enabled,
      audio: patch.audio === undefined ? current.audio : checkAudio(patch.audio),
      updatedMs: this.deps.clock.nowMs(),
    };
    if (patch.onvif !== undefined || patch.url !== undefined) {
      const source = patch.onvif !== undefined ? await this.fromOnvif(this.mergedOnvif(current, patch.onvif)) : await this.fromUrl(checkRtspUrl('url', patch.url));
      // A URL without user info keeps the stored credentials (the password is not re-typed).
      const credentials = source.credentials ?? undefined;
      next = {
        ...next, url: source.url, subUrl: source.device ? source.subUrl : null,
        onvifHost: source.device?.host ?? null, onvifPort: source.device?.port ?? null,
        onvifJson: source.device ? deviceJson(source.device) : null, clockOffsetMs: source.device?.clockOffsetMs ?? null,
      };
      this.deps.registry.updateStored(next, credentials);
      this.deps.registry.setHealthCard(id, source.url, source.card);
    } else {
      this.deps.registry.updateStored(next, undefined);
    }
    this.deps.log.info({ camera: id, fields: Object.keys(patch) }, 'camera changed');
    await this.settled();
    return this.deps.registry.get(id)!;
  }

  async remove(id: string): Promise<void> {
    checkId('id', id);
    this.deps.registry.removeStored(id);
    this.deps.log.info({ camera: id }, 'camera removed (its recordings stay until retention)');
    await this.settled();
  }

  private async settled(): Promise<void> {
    await this.deps.settle?.().catch(() => undefined);
  }

  /** The camera's card; checked now when it has none for its current URL or when asked to. */
  async healthCard(id: string, refresh: boolean): Promise<HealthCard> {
    checkId('id', id);
    const camera = this.deps.registry.get(id);
    if (!camera) throw new NvrError('CAMERA_NOT_FOUND', `camera '${id}' does not exist`);
    if (camera.healthCard && !refresh) return camera.healthCard;
    return this.deps.checker.check(id);
  }

  private async fromOnvif(o: NonNullable<NewCameraInput['onvif']>): Promise<Source> {
    const target: OnvifTarget = { host: checkHost('onvif.host', o.host), port: checkPort('onvif.port', o.port ?? 80), path: devicePath };
    const credentials = { username: checkUsername('onvif.username', o.username), password: checkPassword('onvif.password', o.password) };
    const where = `${target.host}:${target.port}`;
    const described = await this.deps.onvif.describe(target, credentials, this.deps.requestTimeoutMs).catch((err: unknown) => {
      throw onboardingError(err, where);
    });
    const device = deviceFacts(target, devicePath, null, described, this.deps.clock.nowMs());
    const url = reachableUri(described.main.streamUri, target.host);
    const subUrl = described.sub ? splitCredentials(reachableUri(described.sub.streamUri, target.host)).url : null;
    const card = await this.deps.checker.card({ url: withCredentials(url, credentials), device, clockOffsetMs: device.clockOffsetMs });
    return { url: splitCredentials(url).url, subUrl, credentials, device, card };
  }

  private async fromUrl(url: string): Promise<Source> {
    const { url: bare, credentials } = splitCredentials(url);
    const card = await this.deps.checker.card({ url, device: null, clockOffsetMs: null });
    if (card.stream === null) {
      throw new NvrError('BAD_REQUEST', `url: the stream could not be read (${card.streamError ?? 'no answer'}): check the address, port, path and credentials`);
    }
    return { url: bare, subUrl: null, credentials, device: null, card };
  }

  /** New ONVIF settings over the stored ones; an omitted password keeps the stored one. */
  private mergedOnvif(row: StoredCameraRecord, o: NonNullable<CameraPatch['onvif']>): NonNullable<NewCameraInput['onvif']> {
    const stored = this.deps.registry.credentials(row.id);
    const host = o.host ?? row.onvifHost;
    const username = o.username ?? stored?.username;
    const password = o.password ?? stored?.password;
    if (host === null || host === undefined) throw new NvrError('BAD_REQUEST', 'onvif.host is required: this camera was added by URL');
    if (username === undefined || password === undefined) throw new NvrError('BAD_REQUEST', 'onvif.username and onvif.password are required: none are stored for this camera');
    return { host, port: o.port ?? row.onvifPort ?? 80, username, password };
  }
}

function checkAudio(audio: unknown): 'aac' | 'copy' | 'off' {
  if (audio === undefined) return 'aac';
  if (typeof audio !== 'string' || !audioModes.has(audio)) throw new NvrError('BAD_REQUEST', `audio='${String(audio).slice(0, 20)}' must be aac, copy or off`);
  return audio as 'aac' | 'copy' | 'off';
}

/** Cameras that answer rtsp://0.0.0.0/… or a loopback address mean "my own address". */
function reachableUri(uri: string, onvifHost: string): string {
  const u = new URL(uri);
  const local = /^(0\.0\.0\.0|127\.\d+\.\d+\.\d+|localhost|\[::1?\])$/i.test(u.hostname);
  const hostIsLocal = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/i.test(onvifHost);
  if (local && !hostIsLocal) u.hostname = onvifHost;
  return u.href;
}
