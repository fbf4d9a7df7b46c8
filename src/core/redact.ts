/**
 * Credentials never leave the box: RTSP/HTTP URLs carry `user:pass@`, and ffmpeg prints
 * its input URL on stderr. Everything that may hold a URL goes through here before it
 * reaches a log line, an API answer or an error message.
 */
const userInfoInUrl = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]*@/gi;

/** `rtsp://admin:s3cret@10.0.0.5/ch1` → `rtsp://***@10.0.0.5/ch1`. */
export function redactText(text: string): string {
  return text.replace(userInfoInUrl, '$1***@');
}

/** The same URL without user info, for display and logs. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Also hides a known secret anywhere in a text (e.g. a password echoed in a query). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redactText(text);
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * redactText only knows well-formed `scheme://user:pass@`; a value that failed validation
 * is by definition malformed (`rtsps:/admin:pw@h`, `admin:pw@h`), so mask everything up to
 * the last '@' as well, keeping a leading scheme for context.
 */
export function maskSecrets(text: string): string {
  return redactText(text).replace(/^([a-z][a-z0-9+.-]*:\/*)?.*@/i, '$1***@');
}
