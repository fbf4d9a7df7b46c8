/**
 * Vietnamese first (officers), English as a switch (installers, support). One table:
 * each key holds [vi, en]; a missing key is a type error. The choice is kept in
 * localStorage and set on <html lang> so screen readers and hyphenation follow.
 */
import { strings } from './strings';

export type Lang = 'vi' | 'en';
export type StringKey = keyof typeof strings;

const storageKey = 'nvr.lang';
let current: Lang = readSaved();
const listeners = new Set<() => void>();

function readSaved(): Lang {
  try {
    return localStorage.getItem(storageKey) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try { localStorage.setItem(storageKey, next); } catch { /* private mode: the switch lasts this page */ }
  document.documentElement.lang = next;
  for (const listener of listeners) listener();
}

export function onLangChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key: StringKey, vars: Record<string, string | number> = {}): string {
  const entry = strings[key];
  const text = current === 'vi' ? entry[0] : entry[1];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** A bilingual text the API sends ({vi, en}, e.g. health-card warnings). */
export function pick(text: { vi: string; en: string }): string {
  return current === 'vi' ? text.vi : text.en;
}

document.documentElement.lang = current;
