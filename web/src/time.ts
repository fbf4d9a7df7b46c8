/**
 * Times as officers read them: Vietnam time (UTC+7, no daylight saving), 24-hour clock,
 * day/month/year. The API speaks epoch milliseconds UTC; conversion happens only here,
 * so a laptop set to another time zone still shows the box's local time.
 */
export const vnOffsetMs = 7 * 3_600_000;
export const dayMs = 86_400_000;
export const hourMs = 3_600_000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function shifted(ms: number): Date {
  return new Date(ms + vnOffsetMs);
}

/** 14:05:09 */
export function fmtTime(ms: number): string {
  const d = shifted(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** 28/11/2026 */
export function fmtDate(ms: number): string {
  const d = shifted(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

export function fmtDateTime(ms: number): string {
  return `${fmtTime(ms)} ${fmtDate(ms)}`;
}

/** Start (epoch ms) of the Vietnam day holding ms. */
export function dayStart(ms: number): number {
  return Math.floor((ms + vnOffsetMs) / dayMs) * dayMs - vnOffsetMs;
}

/** 2026-11-28 (for <input type=date> and URLs). */
export function dayKey(ms: number): string {
  const d = shifted(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Start of the Vietnam day '2026-11-28'; null when it is not such a date. */
export function parseDayKey(key: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - vnOffsetMs;
  return Number.isFinite(ms) ? ms : null;
}

/** 2026-11-28T14:05:09 for <input type=datetime-local step=1>. */
export function toLocalInput(ms: number): string {
  return `${dayKey(ms)}T${fmtTime(ms)}`;
}

/** The instant of a datetime-local value read as Vietnam time; null when unreadable. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return null;
  const day = parseDayKey(m[1]!);
  return day === null ? null : day + Number(m[2]) * hourMs + Number(m[3]) * 60_000 + Number(m[4] ?? 0) * 1000;
}

/** Seconds of a HH:MM[:SS] value since midnight; null when unreadable. */
export function parseClock(value: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

/** 1 h 05 min, 4 min 10 s, 12 s */
export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

export function fmtBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) { value /= 1024; i += 1; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}
