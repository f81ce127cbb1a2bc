/**
 * WWW-Authenticate parsing (RFC 9110 §11.6.1). Pure.
 *
 * Several challenges may arrive in one string: Node and the WHATWG Headers join repeated header
 * lines with ", ", and some servers send them comma-joined anyway. Commas also separate
 * parameters, and may sit inside quoted values (`scope="repository:a/b:pull,push"`), so a
 * regex split will not do; this is a small state machine in the manner of regclient's
 * `parseAuthHeader`. Scheme names are case-insensitive; parameter names are lower-cased.
 */
export interface Challenge {
  /** Lower-case scheme: `basic`, `bearer`, ... */
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | null | undefined): Challenge[] {
  if (header === null || header === undefined) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseChallenges(h));
  const challenges: Challenge[] = [];
  const s = header;
  let i = 0;
  const skipSpace = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const readQuoted = () => {
    let value = '';
    i++; // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      value += s[i];
      i++;
    }
    i++; // closing quote (or end)
    return value;
  };

  while (i < s.length) {
    skipSpace();
    while (s[i] === ',') {
      i++;
      skipSpace();
    }
    if (i >= s.length) break;
    const scheme = readToken();
    if (scheme === '') {
      i++; // not a token character: skip it rather than loop forever
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    // Parameters until the next token that is not followed by "=" (the next scheme).
    for (;;) {
      skipSpace();
      while (s[i] === ',') {
        i++;
        skipSpace();
      }
      const mark = i;
      const name = readToken();
      skipSpace();
      if (name === '' || s[i] !== '=') {
        // The start of the next challenge (or a token68, which no scheme dcm uses needs).
        i = mark;
        break;
      }
      i++; // "="
      skipSpace();
      challenge.params[name.toLowerCase()] = s[i] === '"' ? readQuoted() : readToken();
    }
  }
  return challenges;
}

/** The challenge dcm acts on: Bearer before Basic, as Docker prefers; others are skipped. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
