/**
 * Checking a camera for its health card: the camera's clock over ONVIF (anonymous), its
 * profiles (from onboarding, or read now for a config-file camera with an `onvif` block)
 * and a short ffprobe of its main stream. At start-up every camera without a card for
 * its current URL is checked, two at a time (each probe is one more RTSP session on the
 * camera and some seconds of a core). A camera is never checked twice at once.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { NvrError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { mapLimit } from '../discovery/limit.js';
import type { MediaProfile, OnvifClient } from '../discovery/types.js';
import { buildHealthCard } from './health-card.js';
import type { CameraRegistry } from './registry.js';
import type { StreamProber } from './stream-probe.js';
import type { DeviceFacts, HealthCard, RegisteredCamera } from './types.js';
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
}

/** What a card is built from, for a camera that may not be stored yet. */
export interface CardSubject {
  readonly url: string;
  readonly device: DeviceFacts | null;
  readonly clockOffsetMs: number | null;
}

const startupConcurrency = 2;

export class HealthChecker {
  private readonly inFlight = new Map<string, Promise<HealthCard>>();
  private closed = false;

  constructor(private readonly deps: HealthCheckerDeps) {}

  /** Probe the stream and build the card (onboarding calls this before storing). */
  async card(subject: CardSubject): Promise<HealthCard> {
    const { prober, settings, clock } = this.deps;
    const probed = await prober.probe(subject.url, settings.streamProbeSeconds).then(
      (stream) => ({ stream, error: null }),
      (err: unknown) => ({ stream: null, error: redactText((err as Error).message) }),
    );
    const profile = (token: string | null | undefined): MediaProfile | null => subject.device?.profiles.find((p) => p.token === token) ?? null;
    return buildHealthCard({
      checkedAtMs: clock.nowMs(),
      stream: probed.stream,
      streamError: probed.error,
      main: profile(subject.device?.mainProfile),
      sub: profile(subject.device?.subProfile),
      clockOffsetMs: subject.clockOffsetMs,
    });
  }

  /** Check a registered camera now and keep its card; shares a check already running. */
  check(cameraId: string): Promise<HealthCard> {
    const running = this.inFlight.get(cameraId);
    if (running) return running;
    const camera = this.deps.registry.get(cameraId);
    if (!camera) return Promise.reject(new NvrError('CAMERA_NOT_FOUND', `camera '${cameraId}' does not exist`));
    const job = this.checkNow(camera).finally(() => this.inFlight.delete(cameraId));
    this.inFlight.set(cameraId, job);
    return job;
  }

  /** Every camera lacking a card for its current URL; errors are logged, never thrown. */
  async checkMissing(): Promise<void> {
    const todo = this.deps.registry.camerasNeedingCheck().filter((c) => c.enabled);
    await mapLimit(todo, startupConcurrency, async (camera) => {
      if (this.closed) return;
      await this.check(camera.id).catch((err: unknown) => {
        this.deps.log.warn({ camera: camera.id, err: redactText((err as Error).message) }, 'health check failed');
      });
    });
  }

  /** Stop starting checks (running ffprobes end on their own timeout). */
  close(): void {
    this.closed = true;
  }

  private async checkNow(camera: RegisteredCamera): Promise<HealthCard> {
    const { device, clockOffsetMs } = await this.freshDevice(camera);
    const card = await this.card({ url: camera.url, device, clockOffsetMs });
    // The daemon may be stopping (the index closes next), or the camera may have changed
    // or gone while we probed: keep the card only if neither.
    const now = this.deps.registry.get(camera.id);
    if (!this.closed && now && now.url === camera.url) this.deps.registry.setHealthCard(camera.id, camera.url, card, camera.source === 'config' ? device ?? undefined : undefined);
    this.deps.log.info({ camera: camera.id, warnings: card.warnings.map((w) => w.code) }, 'camera health checked');
    return card;
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
