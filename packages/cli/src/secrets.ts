/** Keeping credentials out of everything the CLI prints. */

const secrets = new Set<string>();

/**
 * A connection URL with its password replaced by `***` (the user name is kept:
 * it tells an operator which ACL user is in use and is not a secret).
 * Remembers the password so {@link redact} removes it from error messages too.
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not parseable: we can't tell which part is the password, so show nothing of it.
    return '<unparseable URL>';
  }
  if (parsed.password !== '') {
    secrets.add(decodeURIComponent(parsed.password));
    secrets.add(parsed.password);
    parsed.password = '***';
  }
  return parsed.toString();
}

/**
 * Text meant as a URL but not a valid one (`user:pass@host`, a typo'd
 * scheme), safe to print: everything before its last `@`, after any
 * `scheme://`, is where credentials would be, so it becomes `***` (and is
 * remembered, so {@link redact} removes it from error messages too).
 */
export function maskLooseUrl(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text)?.[0] ?? '';
  const credentials = text.slice(scheme.length, at);
  registerSecret(credentials);
  const colon = credentials.indexOf(':');
  if (colon >= 0) registerSecret(credentials.slice(colon + 1));
  return `${scheme}***${text.slice(at)}`;
}

/** Remember a secret (a token) so {@link redact} removes it from anything printed. */
export function registerSecret(secret: string): void {
  if (secret.length > 0) secrets.add(secret);
}

/** `text` with every registered secret replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
