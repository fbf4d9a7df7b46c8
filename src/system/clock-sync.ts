/**
 * Is the box's clock synchronised, and how far off is it? Footage is only as good as its
 * timestamps, so exports state this. Sources, best first:
 *   1. chrony (`chronyc tracking`): synchronised or not, and the offset;
 *   2. systemd (`timedatectl show`): the kernel's NTP-synchronised flag, whatever daemon
 *      keeps time; the offset from `timedatectl timesync-status` when timesyncd runs;
 *   3. neither answers (a container, no systemd): 'unknown', which is said, never guessed.
 * Parsers are pure and tested on captured outputs.
 */
import type { CommandRunner } from './command.js';

export type ClockSyncStatus = 'synchronized' | 'unsynchronized' | 'unknown';

export interface ClockSyncState {
  readonly status: ClockSyncStatus;
  /**
   * Box clock minus the reference, in microseconds (positive: the box is ahead); null
   * when the source does not say. Microseconds because NTP offsets are usually < 1 ms.
   */
  readonly offsetUs: number | null;
  readonly source: 'chronyc' | 'timedatectl' | 'none';
  /** What the source said, for people: server, leap status, why unknown. */
  readonly detail: string | null;
}

export const unknownClockSync: ClockSyncState = { status: 'unknown', offsetUs: null, source: 'none', detail: 'not checked yet' };

/** `chronyc tracking` (human format). Null when the text is not chrony's. */
export function parseChronycTracking(text: string): ClockSyncState | null {
  const fields = colonFields(text);
  const leap = fields.get('leap status');
  if (leap === undefined) return null;
  const reference = fields.get('reference id') ?? '';
  const system = /^([\d.]+) seconds (fast|slow) of NTP time$/.exec(fields.get('system time') ?? '');
  const offsetUs = system ? Math.round(Number(system[1]) * 1e6) * (system[2] === 'fast' ? 1 : -1) : null;
  const synced = leap !== 'Not synchronised' && !/^0+\b/.test(reference);
  return {
    status: synced ? 'synchronized' : 'unsynchronized',
    offsetUs: synced ? offsetUs : null,
    source: 'chronyc',
    detail: `reference ${reference || 'none'}, leap status ${leap}`,
  };
}

/** `timedatectl show -p NTPSynchronized -p NTP`. Null when the property is missing. */
export function parseTimedatectlShow(text: string): ClockSyncState | null {
  const props = new Map(text.split('\n').map((l) => l.trim().split('=') as [string, string?]).filter(([, v]) => v !== undefined) as [string, string][]);
  const synced = props.get('NTPSynchronized');
  if (synced !== 'yes' && synced !== 'no') return null;
  const ntp = props.get('NTP');
  return {
    status: synced === 'yes' ? 'synchronized' : 'unsynchronized',
    offsetUs: null,
    source: 'timedatectl',
    detail: ntp === 'no' ? 'NTP service inactive' : ntp === 'yes' ? 'NTP service active' : null,
  };
}

/**
 * `timedatectl timesync-status` (systemd-timesyncd). Its Offset is the NTP offset
 * (reference minus box), so the sign is flipped to box minus reference.
 */
export function parseTimesyncStatus(text: string): { offsetUs: number | null; server: string | null } {
  const fields = colonFields(text);
  const offset = /^([+-]?[\d.]+)(ns|us|µs|ms|s|min)$/.exec(fields.get('offset') ?? '');
  const scale: Record<string, number> = { ns: 1e-3, us: 1, µs: 1, ms: 1e3, s: 1e6, min: 6e7 };
  const referenceMinusBox = offset ? Number(offset[1]) * scale[offset[2]!]! : null;
  return { offsetUs: referenceMinusBox === null ? null : -Math.round(referenceMinusBox), server: fields.get('server') ?? null };
}

/** `Key   : value` lines, keys lower-cased. */
function colonFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

/** Asks the sources in order; always answers (unknown with the reasons when none does). */
export async function readClockSync(run: CommandRunner): Promise<ClockSyncState> {
  const problems: string[] = [];
  const chrony = await run('chronyc', ['tracking']);
  const fromChrony = chrony.code === 0 ? parseChronycTracking(chrony.stdout) : null;
  if (fromChrony) return fromChrony;
  problems.push(`chronyc: ${why(chrony)}`);

  const show = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '-p', 'NTP']);
  const fromSystemd = show.code === 0 ? parseTimedatectlShow(show.stdout) : null;
  if (fromSystemd) {
    if (fromSystemd.status !== 'synchronized') return fromSystemd;
    const status = await run('timedatectl', ['timesync-status']);
    if (status.code !== 0) return fromSystemd;
    const { offsetUs, server } = parseTimesyncStatus(status.stdout);
    return { ...fromSystemd, offsetUs, detail: server ? `server ${server}` : fromSystemd.detail };
  }
  problems.push(`timedatectl: ${why(show)}`);
  return { status: 'unknown', offsetUs: null, source: 'none', detail: problems.join('; ') };
}

function why(r: { code: number | null; stdout: string; stderr: string; error: string | null }): string {
  if (r.error) return /ENOENT/.test(r.error) ? 'not installed' : r.error;
  const firstLine = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  return r.code === 0 ? `unreadable answer: ${firstLine.slice(0, 120)}` : `exit ${r.code}: ${firstLine.slice(0, 120)}`;
}
