/**
 * The OnvifClient port over the real `onvif` library, against our ONVIF device simulator
 * over real HTTP on 127.0.0.1: the happy path, a camera whose clock is a year off, and
 * every bad answer a field install meets (wrong password, nothing listening, a silent
 * socket, a web server that is not ONVIF, broken SOAP).
 */
import { createServer, type Server } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OnvifLibClient } from '../src/discovery/onvif-lib-client.js';
import { OnvifError, type OnvifFailure, type OnvifTarget } from '../src/discovery/types.js';
import { startSimDevice, type SimDevice, type SimDeviceSpec } from './helpers/onvif-sim/device.js';
import { checkToken } from './helpers/onvif-sim/soap.js';

const yearMs = 365 * 86_400_000;
const client = new OnvifLibClient();
const creds = { username: 'admin', password: 'cam-pass-1' };
const open: { close(): Promise<void> }[] = [];

async function sim(spec: SimDeviceSpec = {}): Promise<SimDevice> {
  const d = await startSimDevice(spec);
  open.push(d);
  return d;
}
const target = (d: { host: string; port: number }): OnvifTarget => ({ host: d.host, port: d.port });

async function failure(p: Promise<unknown>): Promise<{ failure: OnvifFailure; message: string }> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OnvifError);
  return { failure: (err as OnvifError).failure, message: (err as OnvifError).message };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

describe('describe() against a healthy camera', () => {
  it('reads device information, both streams, the snapshot URI and a near-zero clock offset', async () => {
    const d = await sim({ info: { manufacturer: 'Hik&Co', serialNumber: '00123', firmwareVersion: '1.10' } });
    const out = await client.describe(target(d), creds, 3000);
    expect(out.info).toEqual({ manufacturer: 'Hik&Co', model: 'SC-2000', firmwareVersion: '1.10', serialNumber: '00123', hardwareId: 'HW-01' });
    expect(out.main).toEqual({ profileToken: 'Profile_1', streamUri: 'rtsp://127.0.0.1:554/main' });
    expect(out.sub).toEqual({ profileToken: 'Profile_2', streamUri: 'rtsp://127.0.0.1:554/sub' });
    expect(out.snapshotUri).toBe(`http://127.0.0.1:${d.port}/onvif/snapshot?token=Profile_1`);
    expect(out.profiles.map((p) => [p.token, p.encoding, p.width, p.height, p.fps, p.govLength, p.audioEncoding])).toEqual([
      ['Profile_1', 'H264', 1920, 1080, 25, 50, 'G711'],
      ['Profile_2', 'H264', 640, 360, 15, 30, null],
    ]);
    expect(Math.abs(out.clock!.offsetMs)).toBeLessThan(1500); // the camera reports whole seconds
    // Credentials went only to calls that need them, and every one was accepted.
    expect(d.calls.filter((c) => c.auth !== 'ok' && c.auth !== 'anon')).toEqual([]);
    expect(d.calls.find((c) => c.operation === 'GetDeviceInformation')?.auth).toBe('ok');
  });

  it('logs in to a camera whose clock is a year ahead, and reports the offset', async () => {
    const d = await sim({ clockOffsetMs: yearMs });
    const out = await client.describe(target(d), creds, 3000);
    expect(Math.abs(out.clock!.offsetMs - yearMs)).toBeLessThan(1500);
    expect(d.calls.filter((c) => c.operation === 'GetProfiles').map((c) => c.auth)).toEqual(['ok']);
  });

  it('the simulator really refuses a token signed with the box clock (the control)', () => {
    const nonce = randomBytes(16);
    const created = new Date().toISOString();
    const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(created), Buffer.from('cam-pass-1')])).digest('base64');
    const token = { username: 'admin', password: digest, digest: true, nonce: nonce.toString('base64'), created };
    expect(checkToken(token, 'admin', 'cam-pass-1', Date.now(), 30_000)).toBe('ok');
    expect(checkToken(token, 'admin', 'cam-pass-1', Date.now() + yearMs, 30_000)).toBe('stale');
  });

  it('falls back to GetCapabilities on a camera that predates GetServices', async () => {
    const d = await sim({ noGetServices: true });
    const out = await client.describe(target(d), creds, 3000);
    expect(out.main.streamUri).toContain('/main');
    expect(d.calls.map((c) => c.operation)).toContain('GetCapabilities');
  });

  it('keeps going without a clock when the date answer has no date (box clock signs)', async () => {
    const d = await sim({ fault: 'no-date' });
    const out = await client.describe(target(d), creds, 3000);
    expect(out.clock).toBeNull();
    expect(out.main.profileToken).toBe('Profile_1');
  });
});

describe('anonymous calls', () => {
  it('reads the clock without credentials', async () => {
    const d = await sim({ clockOffsetMs: -90_000 });
    const clock = await client.readClock(target(d), 3000);
    expect(Math.abs(clock.offsetMs + 90_000)).toBeLessThan(1500);
    expect(d.calls).toEqual([{ operation: 'GetSystemDateAndTime', auth: 'anon' }]);
  });

  it('reads device information anonymously only where the camera allows it', async () => {
    const allows = await sim({ anonymousDeviceInfo: true });
    expect((await client.deviceInformation(target(allows), null, 3000)).model).toBe('SC-2000');
    const refuses = await sim();
    expect((await failure(client.deviceInformation(target(refuses), null, 3000))).failure).toBe('auth');
  });
});

describe('bad answers become clear failure kinds', () => {
  it('wrong password → auth, and the password is not in the message', async () => {
    const d = await sim();
    const f = await failure(client.describe(target(d), { username: 'admin', password: 'wrong-pass-9' }, 3000));
    expect(f.failure).toBe('auth');
    expect(f.message).not.toContain('wrong-pass-9');
  });

  it('nothing listening → unreachable', async () => {
    const port = await freePort();
    expect((await failure(client.describe({ host: '127.0.0.1', port }, creds, 2000))).failure).toBe('unreachable');
  });

  it('a socket that accepts and never answers → timeout, within the deadline', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => { sockets.add(socket); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    open.push({ close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); silent.close(() => r()); }) });
    const started = Date.now();
    const f = await failure(client.readClock({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port }, 600));
    expect(f.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a web server that is not ONVIF → not-onvif', async () => {
    const web = await htmlServer();
    expect((await failure(client.describe(target(web), creds, 2000))).failure).toBe('not-onvif');
  });

  it('truncated XML → malformed', async () => {
    const d = await sim({ fault: 'truncated-xml' });
    expect((await failure(client.describe(target(d), creds, 2000))).failure).toBe('malformed');
  });

  it('well-formed SOAP of the wrong shape → malformed (or no media), never a crash', async () => {
    const d = await sim({ fault: 'wrong-shape' });
    expect(['malformed', 'no-media']).toContain((await failure(client.describe(target(d), creds, 2000))).failure);
  });
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function htmlServer(): Promise<{ host: string; port: number }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><html><head><title>Router login</title></head><body><h1>404 Not Found</h1></body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  open.push({ close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
