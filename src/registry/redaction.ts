/**
 * What a registry says, made safe to print: dcm shows registries' error messages, and a registry
 * may echo back the credentials it was sent.
 */
/**
 * Registry-supplied text (an error message) made safe to print: one line, no control
 * characters, at most 200 characters, and withheld entirely when it quotes any part of a
 * credential dcm sent in this conversation (a registry may echo the Authorization header).
 */
export function sanitizeRegistryText(text: string, secrets: Iterable<string>): string {
  const flat = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 2000);
  for (const secret of secrets) if (quotes(flat, secret)) return "(the registry's message is not shown: it quotes the credentials that were sent)";
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** True when `text` holds `secret`, or any 12-character run of a longer one (a truncated echo). */
function quotes(text: string, secret: string): boolean {
  const run = 12;
  if (secret.length <= run) return text.includes(secret);
  for (let i = 0; i + run <= secret.length; i++) if (text.includes(secret.slice(i, i + run))) return true;
  return false;
}
