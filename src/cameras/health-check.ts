/**
 * Checking a camera for its health card: the camera's clock over ONVIF (anonymous), its
 * profiles (from onboarding, or read now for a config-file camera with an `onvif` block)
 * and the facts of its main stream. A camera is never checked twice at once.
 *
 * Where the stream facts come from:
 * - Start-up (and a camera added or changed in the config file), when the daemon gives the
 *   `recorded` port: from the first segment the recorder closes, probed as a local file
 *   (recorded-stream-facts.ts). No second RTSP session per camera beside its recorder
 *   (cheap cameras limit sessions; Hikvision answers 453). Many cameras wait at once; the
 *   file probes have their own small limit. A camera with no segment in time (not
 *   recording, failing) falls back to the RTSP probe, two at a time, so a camera that
 *   cannot be read still gets 'stream-unreadable'.
 * - Onboarding (the camera is not stored or recording yet) and the admin's "check again":
 *   a short ffprobe of the live RTSP stream. "Check again" stays on RTSP on purpose: it
 *   follows a change the installer made on the camera (GOP, codec, audio), and only a
 *   fresh read shows it; the newest segment may predate the change, and one explicit
 *   10 s session on one camera is cheap. (A "check again" while the start-up check of
 *   that camera still waits for its segment shares that check.)
 * - Without the port (tests, tools): RTSP for every check, two at a time, as before.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { NvrError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { mapLimit } from '../discovery/limit.js';
import type { MediaProfile, OnvifClient } from '../discovery/types.js';
import { buildHealthCard } from './health-card.js';
import type { CameraRegistry } from './registry.js';
import type { RecordedStreamFacts } from './recorded-stream-facts.js';
import { Limiter } from '../core/limiter.js';
import type { StreamProber } from './stream-probe.js';
import type { DeviceFacts, HealthCard, RegisteredCamera, StreamFacts } from './types.js';
import { deviceFacts } from './device-facts.js';

export interface HealthCheckSettings {
  readonly streamProbeSeconds: number;
  readonly requestTimeoutMs: number;
}

export interface HealthCheckerDeps {
  readonly registry: CameraRegistry;
  readonly onvif: OnvifClient;
  readonly prober: StreamProber;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: HealthCheckSettings;
  /** Facts from the camera's recorded segments (start-up checks); absent = RTSP probes only. */
  readonly recorded?: RecordedStreamFacts;
}

/** What a card is built from, for a camera that may not be stored yet. */
export interface CardSubject {
  readonly url: string;
  readonly device: DeviceFacts | null;
  readonly clockOffsetMs: number | null;
}

/** RTSP probes at once: each is one more session on a camera and seconds of a core. */
const rtspConcurrency = 2;
/** Checks at once on the recorded path: they mostly wait for a segment; file probes are limited apart. */
const recordedConcurrency = 64;

type StreamRead = { stream: StreamFacts | null; error: string | null };

export class HealthChecker {
  private readonly inFlight = new Map<string, Promise<HealthCard>>();
  private readonly stopping = new AbortController();
  private readonly rtspLimit = new Limiter(rtspConcurrency);
  /** Segments closed since the checker was made (before any recorder starts) serve the first pass. */
  private readonly createdAtMs: number;
  private firstPassDone = false;
  private closed = false;

  constructor(private readonly deps: HealthCheckerDeps) {
    this.createdAtMs = deps.clock.nowMs();
  }

  /** Probe the stream and build the card (onboarding calls this before storing). */
  async card(subject: CardSubject): Promise<HealthCard> {
    return this.buildCard(subject, await this.probeRtsp(subject.url));
  }

  private probeRtsp(url: string): Promise<StreamRead> {
    const { prober, settings } = this.deps;
    return prober.probe(url, settings.streamProbeSeconds).then(
      (stream) => ({ stream, error: null }),
      (err: unknown) => ({ stream: null, error: redactText((err as Error).message) }),
    );
  }

  private buildCard(subject: CardSubject, probed: StreamRead): HealthCard {
    const profile = (token: string | null | undefined): MediaProfile | null => subject.device?.profiles.find((p) => p.token === token) ?? null;
    return buildHealthCard({
      checkedAtMs: this.deps.clock.nowMs(),
      stream: probed.stream,
      streamError: probed.error,
      main: profile(subject.device?.mainProfile),
      sub: profile(subject.device?.subProfile),
      clockOffsetMs: subject.clockOffsetMs,
    });
  }

  /** Check a registered camera now over RTSP and keep its card; shares a check already running. */
  check(cameraId: string): Promise<HealthCard> {
    return this.checkShared(cameraId, null);
  }

  /** `sinceMs` set: stream facts from a segment closed since then, RTSP when none comes. */
  private checkShared(cameraId: string, sinceMs: number | null): Promise<HealthCard> {
    const running = this.inFlight.get(cameraId);
    if (running) return running;
    const camera = this.deps.registry.get(cameraId);
    if (!camera) return Promise.reject(new NvrError('CAMERA_NOT_FOUND', `camera '${cameraId}' does not exist`));
    const job = this.checkNow(camera, sinceMs).finally(() => this.inFlight.delete(cameraId));
    this.inFlight.set(cameraId, job);
    return job;
  }

  /** Every camera lacking a card for its current URL; errors are logged, never thrown. */
  async checkMissing(): Promise<void> {
    const todo = this.deps.registry.camerasNeedingCheck().filter((c) => c.enabled);
    const recorded = this.deps.recorded !== undefined;
    // Later passes (a camera added or changed while running) take only segments closed from now on.
    const sinceMs = this.firstPassDone ? this.deps.clock.nowMs() : this.createdAtMs;
    this.firstPassDone = true;
    await mapLimit(todo, recorded ? recordedConcurrency : rtspConcurrency, async (camera) => {
      if (this.closed) return;
      await this.checkShared(camera.id, recorded ? sinceMs : null).catch((err: unknown) => {
        if (!this.closed) this.deps.log.warn({ camera: camera.id, err: redactText((err as Error).message) }, 'health check failed');
      });
    });
  }

  /** Stop starting checks and stop waiting for segments (running ffprobes end on their own timeout). */
  close(): void {
    this.closed = true;
    this.stopping.abort();
  }

  private async checkNow(camera: RegisteredCamera, sinceMs: number | null): Promise<HealthCard> {
    const { device, clockOffsetMs } = await this.freshDevice(camera);
    const { read, from } = await this.streamRead(camera, sinceMs);
    const card = this.buildCard({ url: camera.url, device, clockOffsetMs }, read);
    // The daemon may be stopping (the index closes next), or the camera may have changed
    // or gone while we probed: keep the card only if neither.
    const now = this.deps.registry.get(camera.id);
    if (!this.closed && now && now.url === camera.url) this.deps.registry.setHealthCard(camera.id, camera.url, card, camera.source === 'config' ? device ?? undefined : undefined);
    this.deps.log.info({ camera: camera.id, from, warnings: card.warnings.map((w) => w.code) }, 'camera health checked');
    return card;
  }

  /** The recorded segment when asked for and one comes in time, else the live stream. */
  private async streamRead(camera: RegisteredCamera, sinceMs: number | null): Promise<{ read: StreamRead; from: 'recording' | 'rtsp' }> {
    const { recorded } = this.deps;
    if (sinceMs !== null && recorded) {
      const stream = await recorded(camera.id, sinceMs, this.stopping.signal).catch(() => null);
      if (stream !== null) return { read: { stream, error: null }, from: 'recording' };
      if (this.closed) throw new NvrError('UNAVAILABLE', 'the daemon is stopping');
      this.deps.log.info({ camera: camera.id }, 'no recorded segment in time; probing the RTSP stream for the health card');
      return { read: await this.rtspLimit.run(() => this.probeRtsp(camera.url)), from: 'rtsp' };
    }
    return { read: await this.probeRtsp(camera.url), from: 'rtsp' };
  }

  /** The camera's ONVIF facts with a clock read now; a config camera with credentials is described anew. */
  private async freshDevice(camera: RegisteredCamera): Promise<{ device: DeviceFacts | null; clockOffsetMs: number | null }> {
    const timeoutMs = this.deps.settings.requestTimeoutMs;
    const o = camera.onvif;
    if (camera.source === 'config' && o?.username !== undefined && o.password !== undefined) {
      try {
        const target = { host: o.host, port: o.port };
        const d = await this.deps.onvif.describe(target, { username: o.username, password: o.password }, timeoutMs);
        const facts = deviceFacts(target, '/onvif/device_service', null, d, this.deps.clock.nowMs());
        return { device: facts, clockOffsetMs: facts.clockOffsetMs };
      } catch (err) {
        this.deps.log.warn({ camera: camera.id, err: (err as Error).message }, 'ONVIF description failed; card from the stream only');
      }
    }
    const target = camera.device ?? (o ? { host: o.host, port: o.port, path: '/onvif/device_service' } : null);
    if (!target) return { device: camera.device, clockOffsetMs: null };
    const clock = await this.deps.onvif.readClock(target, timeoutMs).catch(() => null);
    return { device: camera.device, clockOffsetMs: clock?.offsetMs ?? camera.device?.clockOffsetMs ?? null };
  }
}
