import { spawn } from 'node:child_process';

/** The parts of `ffprobe -of json -show_streams` output that tests look at; everything else passes through. */
export interface FfprobeStream {
  index: number;
  codec_name?: string;
  codec_type?: 'video' | 'audio' | 'data' | 'subtitle' | 'attachment';
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_rate?: string;
  channels?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  /** Only with `countPackets`. */
  nb_read_packets?: string;
  [key: string]: unknown;
}

export interface FfprobeFormat {
  format_name?: string;
  duration?: string;
  size?: string;
  bit_rate?: string;
  nb_streams?: number;
  [key: string]: unknown;
}

export interface FfprobeResult {
  streams: FfprobeStream[];
  format: FfprobeFormat;
}

export interface FfprobeOptions {
  /** Add `-count_packets` (reads the whole input: exact packet counts in `nb_read_packets`). */
  countPackets?: boolean;
  /** Input options placed before `-i`, e.g. `['-rtsp_transport', 'tcp']` to probe a live URL. */
  inputArgs?: string[];
  /** Kill ffprobe after this long (default 20 s) so a dead input fails the test instead of hanging it. */
  timeoutMs?: number;
}

/** Run ffprobe on a file (or URL) and return its parsed JSON; rejects with ffprobe's stderr on failure. */
export function ffprobeJson(input: string, opts: FfprobeOptions = {}): Promise<FfprobeResult> {
  const args = ['-v', 'error', '-of', 'json', '-show_format', '-show_streams'];
  if (opts.countPackets) args.push('-count_packets');
  args.push(...(opts.inputArgs ?? []), '-i', input);

  return new Promise((resolve, reject) => {
    const child = spawn('ffprobe', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`ffprobe ${input} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
        return;
      }
      try {
        const json = JSON.parse(Buffer.concat(out).toString('utf8')) as Partial<FfprobeResult>;
        resolve({ streams: json.streams ?? [], format: json.format ?? {} });
      } catch (e) {
        reject(new Error(`ffprobe ${input}: unparsable JSON: ${(e as Error).message}`));
      }
    });
  });
}
