import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export { freePort } from './ports.js';

/**
 * Starts scripts/test-camera.py (gst-rtsp-server) as a child process: a real RTSP camera on
 * 127.0.0.1 for tests and benches. See that script for what the stream looks like.
 */

export interface TestCameraOptions {
  /** Fixed port; omitted = the camera binds port 0 and reports the port it got (no race with other tests). */
  port?: number;
  /** Mount paths, each a separate stream (default ['/demo']). */
  paths?: string[];
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  keyintFrames?: number;
  codec?: 'h264' | 'h265';
  audio?: 'none' | 'pcmu' | 'pcma' | 'aac';
  /** videotestsrc pattern (default smpte); 'snow' is the encoder's worst case, for CPU benches. */
  pattern?: string;
}

export interface TestCamera {
  /** rtsp://127.0.0.1:<port><first path> */
  readonly url: string;
  readonly urls: string[];
  readonly port: number;
  /** pid of the current camera process (changes on restart()). */
  readonly pid: number;
  /** Last lines of the camera's stderr (launch line, client connects), for failure messages. */
  readonly stderr: string;
  /** SIGTERM and wait for exit (SIGKILL after 5 s). Works while frozen. No-op if not running. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: the camera vanishes without closing anything gracefully. */
  kill(): Promise<void>;
  /** SIGSTOP: TCP connections stay open but nothing is sent or answered (a hung camera / dead link). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Start again on the same port and paths (stops the current process first if it still runs). */
  restart(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/test-camera.py', import.meta.url));
// Debian's python3 has the gi bindings; a pyenv/venv python3 first on PATH usually does not.
const PYTHON = process.env['TEST_CAMERA_PYTHON'] ?? '/usr/bin/python3';
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const STDERR_KEEP_CHARS = 16_384;

// Safety net for a test that forgets stop(): the camera also exits when its stdin closes
// (--exit-with-stdin), which covers a crashed worker; this covers a normal process exit.
const running = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function cliArgs(opts: TestCameraOptions, port: number, paths: string[]): string[] {
  const args = ['--address', '127.0.0.1', '--port', String(port), '--exit-with-stdin'];
  for (const p of paths) args.push('--path', p);
  const numeric: [string, number | undefined][] = [
    ['--width', opts.width],
    ['--height', opts.height],
    ['--fps', opts.fps],
    ['--bitrate-kbps', opts.bitrateKbps],
    ['--keyint-frames', opts.keyintFrames],
  ];
  for (const [flag, value] of numeric) if (value !== undefined) args.push(flag, String(value));
  if (opts.codec) args.push('--codec', opts.codec);
  if (opts.audio) args.push('--audio', opts.audio);
  if (opts.pattern) args.push('--pattern', opts.pattern);
  return args;
}

function hasExited(child: ChildProcessWithoutNullStreams): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcessWithoutNullStreams, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

interface Launched {
  child: ChildProcessWithoutNullStreams;
  urls: string[];
  stderr: () => string;
}

/** Spawn the script and resolve once it printed one READY line per path. */
function launch(args: string[], mounts: number): Promise<Launched> {
  const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));

  // Both pipes are drained for the whole life of the camera: a full pipe would block it mid-stream.
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_KEEP_CHARS);
  });
  const urls: string[] = [];
  const lines = createInterface({ input: child.stdout });
  // Errors on our end of stdin (EPIPE once the camera exits) are expected and harmless.
  child.stdin.on('error', () => {});

  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      if (!hasExited(child)) child.kill('SIGKILL');
      const tail = stderr.trim() ? `\n--- test-camera stderr ---\n${stderr.trim()}` : '';
      reject(new Error(`test camera (${PYTHON} ${SCRIPT} ${args.join(' ')}) ${why}${tail}`));
    };
    const onLine = (line: string): void => {
      const m = /^READY (rtsp:\/\/\S+)$/.exec(line.trim());
      if (!m?.[1]) return;
      urls.push(m[1]);
      if (urls.length === mounts) {
        cleanup();
        resolve({ child, urls, stderr: () => stderr });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      // 'exit' can overtake the last stderr chunk: give it a tick so the message carries the reason.
      void setImmediate(() => fail(`exited before READY (${signal ?? `exit code ${code}`})`));
    const onError = (e: Error): void => fail(`could not be spawned: ${e.message}`);
    const timer = setTimeout(() => fail(`not READY after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    function cleanup(): void {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    lines.on('line', onLine);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

export async function startTestCamera(opts: TestCameraOptions = {}): Promise<TestCamera> {
  const paths = opts.paths ?? ['/demo'];
  if (paths.length === 0) throw new Error('startTestCamera: paths must not be empty');
  for (const p of paths) {
    if (!p.startsWith('/')) throw new Error(`startTestCamera: path must start with '/': ${p}`);
  }

  let current = await launch(cliArgs(opts, opts.port ?? 0, paths), paths.length);
  const urls = current.urls;
  const first = urls[0];
  if (first === undefined) throw new Error('test camera reported no URL');
  const port = Number(new URL(first).port);

  async function stop(): Promise<void> {
    const { child } = current;
    if (hasExited(child)) return;
    child.kill('SIGTERM');
    // A frozen (SIGSTOPped) process only acts on SIGTERM once continued.
    child.kill('SIGCONT');
    if (!(await waitExit(child, STOP_GRACE_MS))) await kill();
  }

  async function kill(): Promise<void> {
    const { child } = current;
    if (hasExited(child)) return;
    child.kill('SIGKILL');
    await waitExit(child, STOP_GRACE_MS);
  }

  function signalRunning(sig: NodeJS.Signals): void {
    const { child } = current;
    if (hasExited(child)) throw new Error(`test camera is not running (cannot send ${sig})`);
    child.kill(sig);
  }

  return {
    url: first,
    urls,
    port,
    get pid() {
      return current.child.pid ?? -1;
    },
    get stderr() {
      return current.stderr();
    },
    stop,
    kill,
    freeze: () => signalRunning('SIGSTOP'),
    thaw: () => signalRunning('SIGCONT'),
    async restart() {
      await stop();
      current = await launch(cliArgs(opts, port, paths), paths.length);
    },
  };
}
