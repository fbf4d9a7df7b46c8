/**
 * How the API shows what the cameras module knows about a camera beyond its recorder
 * state: where it is defined, its ONVIF device facts and its health card. Built field by
 * field like camera-view.ts, and the schemas below are the leak guard (the serializer
 * writes only listed properties): no URL, credential or snapshot address gets out.
 */
import Type from 'typebox';
import { toIso } from '../core/time.js';
import type { DeviceFacts, HealthCard } from '../cameras/types.js';
import type { DiscoveredDevice } from '../discovery/types.js';

const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = Nullable(Type.String());

const Bilingual = Type.Object({ vi: Type.String(), en: Type.String() });

export const HealthWarningBody = Type.Object({
  code: Type.Enum(['keyframe-interval', 'g711-audio', 'h265-main', 'clock-offset', 'stream-unreadable']),
  message: Bilingual,
  fix: Bilingual,
});

export const HealthCardBody = Type.Object({
  cameraId: Type.String(),
  status: Type.Enum(['ok', 'warning'], { description: "'warning' when the card lists at least one warning" }),
  checkedAtMs: Type.Integer(),
  checkedAt: Type.String(),
  stream: Nullable(Type.Object({
    videoCodec: Text,
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    declaredFps: Nullable(Type.Number({ description: 'frame rate the stream header declares' })),
    measuredFps: Nullable(Type.Number({ description: 'video packets per second received during the probe' })),
    keyframeIntervalMs: Nullable(Type.Integer({ description: 'longest stretch between keyframes seen' })),
    keyframeIntervalIsLowerBound: Type.Boolean({ description: 'fewer than two keyframes arrived: the GOP is at least this long' }),
    audioCodec: Text,
    probeSeconds: Type.Integer(),
  })),
  streamError: Text,
  mainEncoding: Text,
  subEncoding: Text,
  onvifFps: Nullable(Type.Number()),
  onvifGovLength: Nullable(Type.Integer()),
  clockOffsetMs: Nullable(Type.Integer({ description: 'camera clock minus box clock' })),
  warnings: Type.Array(HealthWarningBody),
});

export const DeviceBody = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  endpoint: Text,
  manufacturer: Text,
  model: Text,
  firmwareVersion: Text,
  serialNumber: Text,
  hardwareId: Text,
  mainProfile: Text,
  subProfile: Text,
  clockOffsetMs: Nullable(Type.Integer()),
  checkedAtMs: Type.Integer(),
  checkedAt: Type.String(),
});

/** Optional on CameraBody: present for cameras that come from the camera registry. */
export const CameraFactsProperties = {
  source: Type.Optional(Type.Enum(['config', 'api'], { description: "'config': defined in the config file (edit it there); 'api': added by an admin" })),
  device: Type.Optional(Nullable(DeviceBody)),
  healthCard: Type.Optional(Nullable(HealthCardBody)),
};

export function healthCardView(cameraId: string, card: HealthCard) {
  return {
    cameraId,
    status: card.warnings.length > 0 ? 'warning' as const : 'ok' as const,
    checkedAtMs: card.checkedAtMs,
    checkedAt: toIso(card.checkedAtMs),
    stream: card.stream ? { ...card.stream } : null,
    streamError: card.streamError,
    mainEncoding: card.mainEncoding,
    subEncoding: card.subEncoding,
    onvifFps: card.onvifFps,
    onvifGovLength: card.onvifGovLength,
    clockOffsetMs: card.clockOffsetMs === null ? null : Math.round(card.clockOffsetMs),
    warnings: card.warnings.map((w) => ({ code: w.code, message: { ...w.message }, fix: { ...w.fix } })),
  };
}

export function deviceView(d: DeviceFacts) {
  return {
    host: d.host, port: d.port, endpoint: d.endpoint, manufacturer: d.manufacturer, model: d.model,
    firmwareVersion: d.firmwareVersion, serialNumber: d.serialNumber, hardwareId: d.hardwareId,
    mainProfile: d.mainProfile, subProfile: d.subProfile, clockOffsetMs: d.clockOffsetMs,
    checkedAtMs: d.checkedAtMs, checkedAt: toIso(d.checkedAtMs),
  };
}

export const DiscoveredDeviceBody = Type.Object({
  address: Type.String(),
  port: Type.Integer(),
  serviceUrl: Type.String(),
  endpoint: Text,
  manufacturer: Text,
  model: Text,
  serial: Text,
  hardwareId: Text,
  interfaces: Type.Array(Type.String(), { description: "the box's interfaces it answered on" }),
  clockOffsetMs: Nullable(Type.Integer()),
  alreadyAdded: Type.Boolean(),
  cameraId: Text,
});

export function discoveredView(d: DiscoveredDevice) {
  return {
    address: d.address, port: d.port, serviceUrl: d.serviceUrl, endpoint: d.endpoint, manufacturer: d.manufacturer,
    model: d.model, serial: d.serial, hardwareId: d.hardwareId, interfaces: [...d.interfaces], clockOffsetMs: d.clockOffsetMs,
    alreadyAdded: d.alreadyAdded, cameraId: d.cameraId,
  };
}
