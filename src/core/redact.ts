/** Config parameters whose values are secrets; they never reach a report. */
const SECRET_CONFIG = new Set([
  'requirepass',
  'masterauth',
  'masteruser',
  'tls-key-file-pass',
  'tls-client-key-file-pass',
]);

export const REDACTED = '[redacted]';

/** Replaces secret values in a CONFIG GET map, keeping whether each secret was set at all. */
export function redactConfig(config: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = SECRET_CONFIG.has(key) && value !== '' ? REDACTED : value;
  }
  return out;
}

/** Removes the password (and keeps the user) from a redis:// or rediss:// URL. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL we can parse: strip anything that looks like credentials before an @.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Strips a known secret from free text (error messages may echo what was sent). */
export function redactText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

// Secrets an application may log next to a Redis error: credentials in a URL, password fields, AUTH
// arguments (lifeline correlate shows lines of application logs).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):([^\s@/]+)@/gi;
const PASSWORD_FIELD =
  /(["']?(?:password|passwd|pass|pwd|secret|token|requirepass|masterauth)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi;
const AUTH_COMMAND = /\b(AUTH\s+)(\S+)(\s+\S+)?/g;

/** A line of someone's log, with the secrets it may carry (and the known ones) replaced. */
export function redactLogLine(text: string, secrets: readonly (string | undefined)[] = []): string {
  const out = text
    .replace(URL_CREDENTIALS, '$1$2:***@')
    .replace(PASSWORD_FIELD, '$1***')
    .replace(AUTH_COMMAND, (_m, auth: string, _a: string, b?: string) => `${auth}***${b ? ' ***' : ''}`);
  return redactText(out, secrets);
}
