/**
 * The OnvifClient port on top of `onvif` 0.8.3 (agsh), the only importer of that library.
 * Its callback API is the well-typed one (dependencies.md section 3); we wrap it here:
 * - every call settles once, with our own deadline on top of the socket timeout (the
 *   library may call back twice when a reply has an unexpected shape);
 * - the library's errors become OnvifError with a failure kind;
 * - we never call `connect()`: it throws inside a callback on some malformed answers and
 *   it signs requests with a 1970 timestamp when the clock answer was unusable. We run the
 *   same steps ourselves and keep `timeShift` sane, so WS-Security works against a camera
 *   whose clock is wrong by a year.
 * It is a CommonJS module without named ESM exports, hence the default import.
 */
import onvif from 'onvif';
import type { Cam as CamInstance } from 'onvif';
import {
  OnvifError, type ClockReading, type DeviceDescription, type DeviceInformation, type OnvifClient,
  type OnvifCredentials, type OnvifFailure, type OnvifTarget, type ProbeMatch, type ProbeOptions,
} from './types.js';
import { chooseStreams, deviceInformationFrom, dig, mediaProfilesFrom, probeMatchesFrom, text } from './onvif-values.js';

const { Cam, Discovery } = onvif;

// The Discovery singleton emits 'error' for every unreadable UDP reply; an EventEmitter
// without an 'error' listener throws, which would take the daemon down with it. The
// probe's callback reports the same errors, so this listener only has to exist.
Discovery.on('error', () => undefined);

type Step<T> = (done: (err: Error | null, data?: T, xml?: string) => void) => void;

interface Answer<T> { data: T | undefined; xml: string | undefined }

/** Run one library call; settle once, on its first answer or our deadline. */
function call<T>(what: string, timeoutMs: number, step: Step<T>): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => finish(new OnvifError('timeout', `${what}: no answer within ${timeoutMs} ms`)), timeoutMs + 250);
    function finish(err: Error | null, data?: T, xml?: string): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err instanceof OnvifError ? err : classify(what, err, xml));
      else resolve({ data, xml });
    }
    try {
      step(finish);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

const unreachableCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'ECONNRESET', 'EPIPE']);

/** Turn whatever the library or Node raised into one of our failure kinds. */
export function classify(what: string, err: Error, xml: string | undefined): OnvifError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const msg = err.message;
  const looksSoap = xml !== undefined && /<(\w+:)?Envelope[\s>]/.test(xml);
  const kind: OnvifFailure =
    code === 'ETIMEDOUT' || /network timeout/i.test(msg) ? 'timeout'
      : unreachableCodes.has(code) ? 'unreachable'
        : /not ?authori[sz]ed|unauthori[sz]ed|authentication failed|digest authentication|\b401\b/i.test(`${msg} ${xml ?? ''}`) ? 'auth'
          : /^ONVIF SOAP Fault/.test(msg) ? 'fault'
            : looksSoap || err instanceof TypeError ? 'malformed'
              : 'not-onvif';
  const shown = code !== '' ? code : msg.slice(0, 160);
  return new OnvifError(kind, `${what}: ${shown}`);
}

export interface OnvifLibClientOptions {
  /** Device service path when the caller does not know one. */
  readonly defaultPath?: string;
  /** The box's wall clock (epoch ms); injectable so a test can fake a wrong box clock. */
  readonly nowMs?: () => number;
}

export class OnvifLibClient implements OnvifClient {
  private readonly defaultPath: string;
  private readonly nowMs: () => number;

  constructor(options: OnvifLibClientOptions = {}) {
    this.defaultPath = options.defaultPath ?? '/onvif/device_service';
    this.nowMs = options.nowMs ?? (() => Date.now());
  }

  probe(options: ProbeOptions): Promise<ProbeMatch[]> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (found: unknown[] | undefined) => {
        if (settled) return;
        settled = true;
        resolve((found ?? []).flatMap(probeMatchesFrom));
      };
      // Errors (unreadable replies, a send that failed) arrive together with whatever
      // was found: a bad reply from one device must not hide the others.
      Discovery.probe({ device: options.device, timeout: options.timeoutMs, resolve: false }, (_err, found) => settle(found));
    });
  }

  async readClock(target: OnvifTarget, timeoutMs: number): Promise<ClockReading> {
    const cam = this.cam(target, null, timeoutMs);
    const clock = await this.clockOf(cam, target, timeoutMs);
    if (clock === null) throw new OnvifError('malformed', `GetSystemDateAndTime of ${where(target)}: the answer holds no usable date`);
    return clock;
  }

  async deviceInformation(target: OnvifTarget, credentials: OnvifCredentials | null, timeoutMs: number): Promise<DeviceInformation> {
    const cam = this.cam(target, credentials, timeoutMs);
    if (credentials) await this.clockOf(cam, target, timeoutMs);
    return this.infoOf(cam, target, timeoutMs);
  }

  async describe(target: OnvifTarget, credentials: OnvifCredentials, timeoutMs: number): Promise<DeviceDescription> {
    const cam = this.cam(target, credentials, timeoutMs);
    const clock = await this.clockOf(cam, target, timeoutMs);
    await this.services(cam, target, timeoutMs);
    const info = await this.infoOf(cam, target, timeoutMs);
    const profilesAnswer = await call<unknown>(`GetProfiles of ${where(target)}`, timeoutMs, (d) => cam.getProfiles(d));
    const profiles = mediaProfilesFrom(profilesAnswer.data);
    const chosen = chooseStreams(profiles);
    if (!chosen) throw new OnvifError('no-media', `${where(target)} has no media profile with a video stream`);
    const mainUri = await this.streamUri(cam, target, chosen.main.token, timeoutMs);
    if (mainUri === null) throw new OnvifError('malformed', `GetStreamUri of ${where(target)}: no rtsp:// URI for profile ${chosen.main.token}`);
    // The sub-stream and the snapshot are extras: a camera that refuses them still records.
    const subUri = chosen.sub ? await this.streamUri(cam, target, chosen.sub.token, timeoutMs).catch(() => null) : null;
    const snapshot = await call<unknown>(`GetSnapshotUri of ${where(target)}`, timeoutMs, (d) => cam.getSnapshotUri({ profileToken: chosen.main.token }, d))
      .then((a) => text(dig(a.data, 'uri')), () => null);
    return {
      clock,
      info,
      profiles,
      main: { profileToken: chosen.main.token, streamUri: mainUri },
      sub: chosen.sub && subUri ? { profileToken: chosen.sub.token, streamUri: subUri } : null,
      snapshotUri: snapshot !== null && /^https?:\/\//i.test(snapshot) ? snapshot : null,
    };
  }

  private cam(target: OnvifTarget, credentials: OnvifCredentials | null, timeoutMs: number): CamInstance {
    return new Cam({
      hostname: target.host,
      port: target.port,
      path: target.path ?? this.defaultPath,
      username: credentials?.username,
      password: credentials?.password,
      timeout: timeoutMs,
      autoconnect: false,
      // Talk to the address the admin gave even when the camera advertises another one
      // (NAT, a second NIC, a wrong static IP in its own settings).
      preserveAddress: true,
    });
  }

  /**
   * GetSystemDateAndTime (anonymous first; the library retries with credentials when
   * refused). Null when the answer has no usable date: then WS-Security falls back to
   * the box's clock instead of the library's 1970 default.
   */
  private async clockOf(cam: CamInstance, target: OnvifTarget, timeoutMs: number): Promise<ClockReading | null> {
    const sentMs = this.nowMs();
    const sentUptimeMs = process.uptime() * 1000;
    cam.timeShift = undefined;
    const answer = await call<Date>(`GetSystemDateAndTime of ${where(target)}`, timeoutMs, (d) => cam.getSystemDateAndTime(d));
    // Without a date in the answer the library substitutes the box's own time: that is
    // not a reading of the camera's clock.
    const dated = answer.xml !== undefined && /<(\w+:)?(UTCDateTime|LocalDateTime)[\s>]/.test(answer.xml);
    const cameraMs = dated && answer.data instanceof Date ? answer.data.getTime() : NaN;
    const midBoxMs = (sentMs + this.nowMs()) / 2;
    if (!Number.isFinite(cameraMs)) {
      cam.timeShift = this.nowMs() - process.uptime() * 1000;
      return null;
    }
    // The library signs with uptime + timeShift: make that the camera's time now.
    const elapsedMs = process.uptime() * 1000 - sentUptimeMs;
    cam.timeShift = cameraMs + elapsedMs / 2 - process.uptime() * 1000;
    return { cameraMs, offsetMs: Math.round(cameraMs - midBoxMs) };
  }

  /** GetServices, or GetCapabilities on devices older than GetServices. */
  private async services(cam: CamInstance, target: OnvifTarget, timeoutMs: number): Promise<void> {
    try {
      await call<unknown>(`GetServices of ${where(target)}`, timeoutMs, (d) => cam.getServices(true, d));
    } catch (err) {
      if (err instanceof OnvifError && (err.failure === 'unreachable' || err.failure === 'timeout')) throw err;
      await call<unknown>(`GetCapabilities of ${where(target)}`, timeoutMs, (d) => cam.getCapabilities(d));
    }
    if (!cam.uri?.media && !cam.uri?.media2) throw new OnvifError('no-media', `${where(target)} offers no media service`);
  }

  private async infoOf(cam: CamInstance, target: OnvifTarget, timeoutMs: number): Promise<DeviceInformation> {
    const answer = await call<unknown>(`GetDeviceInformation of ${where(target)}`, timeoutMs, (d) => cam.getDeviceInformation(d));
    return deviceInformationFrom(answer.data, answer.xml);
  }

  private async streamUri(cam: CamInstance, target: OnvifTarget, profileToken: string, timeoutMs: number): Promise<string | null> {
    const answer = await call<unknown>(`GetStreamUri of ${where(target)}`, timeoutMs, (d) => cam.getStreamUri({ protocol: 'RTSP', profileToken }, d));
    const uri = text(dig(answer.data, 'uri'));
    return uri !== null && /^rtsps?:\/\/[^\s/]+/i.test(uri) ? uri : null;
  }
}

function where(target: OnvifTarget): string {
  return `${target.host}:${target.port}`;
}
