/**
 * The network-interface port. The `onvif` library probes through one interface per call
 * (it binds the socket to that interface's first IPv4 address), so discovery asks this
 * port which interfaces the box has; a test passes a fixed list instead.
 */
import os from 'node:os';

export interface BoxInterface {
  readonly name: string;
  /** The first IPv4 address: the one the library binds a probe to. */
  readonly address: string;
  readonly internal: boolean;
}

export type InterfaceLister = () => BoxInterface[];

export const systemInterfaces: InterfaceLister = () =>
  Object.entries(os.networkInterfaces()).flatMap(([name, addresses]) => {
    const v4 = (addresses ?? []).find((a) => a.family === 'IPv4');
    return v4 ? [{ name, address: v4.address, internal: v4.internal }] : [];
  });
