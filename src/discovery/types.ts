/**
 * The ONVIF port and the facts discovery hands to the cameras module. Only
 * onvif-lib-client.ts talks to the `onvif` library; everything else (scan, onboarding,
 * tests with fakes) goes through `OnvifClient`, whose answers are plain typed values.
 * Nothing here carries a password once it leaves the client.
 */

/** Where a device's ONVIF device service answers. */
export interface OnvifTarget {
  readonly host: string;
  readonly port: number;
  /** Device service path; `/onvif/device_service` when the device did not say. */
  readonly path?: string;
}

export interface OnvifCredentials {
  readonly username: string;
  readonly password: string;
}

/** One WS-Discovery ProbeMatch, as the device announced itself. */
export interface ProbeMatch {
  /** Endpoint reference address, stable across interfaces and reboots (urn:uuid:…). */
  readonly endpoint: string;
  /** Device service URLs (XAddrs); a device on two networks lists one per address. */
  readonly xaddrs: readonly string[];
  /** onvif://www.onvif.org/… scope URIs (name, hardware, location, …). */
  readonly scopes: readonly string[];
}

/** GetDeviceInformation; null where the device left a field out. */
export interface DeviceInformation {
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
  readonly serialNumber: string | null;
  readonly hardwareId: string | null;
}

/** The camera's clock against the box's, read without credentials (ONVIF PRE_AUTH). */
export interface ClockReading {
  /** Camera time (UTC) it reported, epoch ms; whole seconds on most cameras. */
  readonly cameraMs: number;
  /** cameraMs minus the box's wall time at the middle of the request. */
  readonly offsetMs: number;
}

/** One media profile, reduced to what recording and the health card need. */
export interface MediaProfile {
  readonly token: string;
  readonly name: string;
  /** As the camera names it: H264, H265, JPEG, MPEG4; null without a video encoder. */
  readonly encoding: string | null;
  readonly width: number | null;
  readonly height: number | null;
  /** FrameRateLimit of the encoder: what the camera promises, not what it sends. */
  readonly fps: number | null;
  readonly bitrateKbps: number | null;
  /** GovLength: frames between keyframes as configured (Smart Codec may ignore it). */
  readonly govLength: number | null;
  /** Audio encoder of the profile (G711, AAC, …), null when none. */
  readonly audioEncoding: string | null;
}

export interface StreamEndpoints {
  readonly profileToken: string;
  /** RTSP URI as the camera gave it (normally without credentials). */
  readonly streamUri: string;
}

/** Everything onboarding learns from a device with valid credentials. */
export interface DeviceDescription {
  readonly clock: ClockReading | null;
  readonly info: DeviceInformation;
  readonly profiles: readonly MediaProfile[];
  readonly main: StreamEndpoints;
  readonly sub: StreamEndpoints | null;
  readonly snapshotUri: string | null;
}

/** Why a device call failed; the cameras module turns these into field-named errors. */
export type OnvifFailure =
  | 'unreachable' // refused, no route, DNS: nothing answers at host:port
  | 'timeout' // connected (or not) but no answer in time
  | 'auth' // the device refused the username/password
  | 'not-onvif' // an HTTP server answered, but not with SOAP
  | 'malformed' // SOAP-ish answer we cannot read (broken XML, missing fields)
  | 'fault' // a well-formed SOAP fault other than an auth refusal
  | 'no-media'; // no profile with a video stream

export class OnvifError extends Error {
  constructor(readonly failure: OnvifFailure, message: string) {
    super(message);
    this.name = 'OnvifError';
  }
}

export interface ProbeOptions {
  /** Interface name (eth0, wlan0); the probe leaves through its first IPv4 address. */
  readonly device: string;
  /** How long to listen for ProbeMatches. */
  readonly timeoutMs: number;
}

export interface OnvifClient {
  /** One WS-Discovery probe through one interface; resolves after timeoutMs. */
  probe(options: ProbeOptions): Promise<ProbeMatch[]>;
  /** GetSystemDateAndTime without credentials. */
  readClock(target: OnvifTarget, timeoutMs: number): Promise<ClockReading>;
  /** GetDeviceInformation; anonymous when credentials are null (some devices allow it). */
  deviceInformation(target: OnvifTarget, credentials: OnvifCredentials | null, timeoutMs: number): Promise<DeviceInformation>;
  /** Clock, device information, profiles, main/sub stream URIs and snapshot URI. */
  describe(target: OnvifTarget, credentials: OnvifCredentials, timeoutMs: number): Promise<DeviceDescription>;
}

/** One device found by a scan (or checked by address), before the cameras module marks it. */
export interface FoundDevice {
  /** IPv4 address (or host name) of the device service. */
  readonly address: string;
  readonly port: number;
  /** Device service URL (from XAddrs, or built from a manual address). */
  readonly serviceUrl: string;
  /** WS-Discovery endpoint reference; null for a device checked by address. */
  readonly endpoint: string | null;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly serial: string | null;
  readonly hardwareId: string | null;
  /** Names of the box's interfaces the device answered on. */
  readonly interfaces: readonly string[];
  /** Camera clock minus box clock when it was read (manual checks), else null. */
  readonly clockOffsetMs: number | null;
}

/** A found device as the API returns it: marked when a camera already records it. */
export interface DiscoveredDevice extends FoundDevice {
  readonly alreadyAdded: boolean;
  /** The camera id it is recorded as, when already added. */
  readonly cameraId: string | null;
}
