/**
 * A stand-in for systemd's notify socket: a python3 process bound to an AF_UNIX datagram
 * socket with SO_PASSCRED, printing one JSON line per message (sender pid and uid from
 * the kernel's credentials, the text). Like systemd it closes the file descriptor that
 * comes with BARRIER=1, which is what lets systemd-notify return.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { tempDir, waitFor } from './daemon.js';

const listener = `
import socket, os, sys, json, array, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print(json.dumps({"listening": True}), flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(64) + socket.CMSG_SPACE(12))
    pid = uid = None
    fds = []
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid, uid, gid = struct.unpack("iII", data[:12])
        elif level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(data[: len(data) - len(data) % a.itemsize])
            fds.extend(a)
    for fd in fds:
        os.close(fd)
    print(json.dumps({"pid": pid, "uid": uid, "fds": len(fds), "text": msg.decode("utf-8", "replace")}), flush=True)
`;

export interface NotifyMessage {
  pid: number;
  uid: number;
  fds: number;
  text: string;
  /** KEY=VALUE lines of the message as a map. */
  fields: Record<string, string>;
  /** Date.now() when the test read it. */
  atMs: number;
}

export interface NotifySocket {
  path: string;
  /** Messages so far, BARRIER=1 handshakes left out. */
  messages(): NotifyMessage[];
  waitFor(what: string, pred: (m: NotifyMessage) => boolean, timeoutMs?: number): Promise<NotifyMessage>;
  close(): Promise<void>;
}

export async function startNotifySocket(): Promise<NotifySocket> {
  const socketPath = path.join(tempDir('nvr-notify-'), 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', listener, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: NotifyMessage[] = [];
  let listening = false;
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, nl)) as { listening?: boolean; pid: number; uid: number; fds: number; text: string };
      buffer = buffer.slice(nl + 1);
      if (line.listening) { listening = true; continue; }
      const fields = Object.fromEntries(line.text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      received.push({ ...line, fields, atMs: Date.now() });
    }
  });
  await waitFor('the notify socket to listen', () => listening, 10_000, 20);
  // systemd's own socket is writable by every service user.
  chmodSync(socketPath, 0o777);
  const messages = () => received.filter((m) => m.fields['BARRIER'] === undefined);
  return {
    path: socketPath,
    messages,
    waitFor: (what, pred, timeoutMs = 30_000) => waitFor(what, () => messages().find(pred), timeoutMs, 20),
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
