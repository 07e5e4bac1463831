// Secrets an application may log next to a Redis error: credentials in a URL, password fields, AUTH
// arguments. Whatever correlate prints from a log line goes through this first.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):([^\s@/]+)@/gi;
const PASSWORD_FIELD =
  /(["']?(?:password|passwd|pass|pwd|secret|token|requirepass|masterauth)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi;
const AUTH_COMMAND = /\b(AUTH\s+)(\S+)(\s+\S+)?/g;

export function redactLine(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text
    .replace(URL_CREDENTIALS, '$1$2:***@')
    .replace(PASSWORD_FIELD, '$1***')
    .replace(AUTH_COMMAND, (_m, auth: string, _a: string, b?: string) => `${auth}***${b ? ' ***' : ''}`);
  for (const secret of secrets) if (secret && secret.length >= 3) out = out.split(secret).join('***');
  return out;
}
