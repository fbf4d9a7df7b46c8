/**
 * The simulator as a program, for a camera LAN inside a network namespace:
 *   node main.js '<json: {interfaceAddress, devices: SimDeviceSpec & {missFirstProbes?, garbageDiscovery?}[]}>'
 * Prints `READY {"devices":[{host,port,endpoint,serviceUrl}]}` once every device and the
 * WS-Discovery responder listen; exits on SIGTERM or when stdin closes (the test died).
 */
import { startSimDevice, type SimDeviceSpec } from './device.js';
import { startDiscoveryResponder } from './ws-discovery.js';

interface ProgramSpec {
  interfaceAddress: string;
  devices: (SimDeviceSpec & { missFirstProbes?: number; garbageDiscovery?: boolean })[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ProgramSpec;
const devices = await Promise.all(spec.devices.map((d) => startSimDevice(d)));
const responder = await startDiscoveryResponder({
  interfaceAddress: spec.interfaceAddress,
  devices: devices.map((d, i) => ({
    endpoint: d.endpoint, host: d.host, xaddrs: [d.serviceUrl], scopes: d.scopes,
    missFirstProbes: spec.devices[i]?.missFirstProbes ?? 0, garbage: spec.devices[i]?.garbageDiscovery ?? false,
  })),
});
process.stdout.write(`READY ${JSON.stringify({ devices: devices.map((d) => ({ host: d.host, port: d.port, endpoint: d.endpoint, serviceUrl: d.serviceUrl })) })}\n`);

const stop = async (): Promise<void> => {
  await responder.close();
  await Promise.all(devices.map((d) => d.close()));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
