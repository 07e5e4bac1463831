/**
 * An error message as a template: the addresses that differ from one run (and one app) to the next
 * become placeholders, so the lab's words match the same words in anyone's log.
 */
const ADDRESS = /(?:\b\d{1,3}(?:\.\d{1,3}){3}|\blocalhost|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?\b/g;

export function templateOf(message: string): string {
  return message.replace(ADDRESS, (_, port?: string) => (port ? '<host>:<port>' : '<host>'));
}

const PLACEHOLDER = { '<host>:<port>': String.raw`\S+:\d{1,5}`, '<host>': String.raw`\S+` } as const;

const compiled = new Map<string, RegExp>();

/** The template as a pattern that finds it anywhere in a pasted line, log entry or stack trace. */
export function templatePattern(template: string): RegExp {
  let pattern = compiled.get(template);
  if (!pattern) {
    const parts = template.split(/(<host>:<port>|<host>)/);
    const source = parts
      .map((part) =>
        part in PLACEHOLDER ? PLACEHOLDER[part as keyof typeof PLACEHOLDER] : escapeRegExp(part),
      )
      .join('');
    pattern = new RegExp(source);
    compiled.set(template, pattern);
  }
  return pattern;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
