/** When a JWT says it expires (its `exp`), in epoch ms; undefined when it is not a JWT that says. Pure. */
export function secretExpiryOf(token: string): number | undefined {
  const claims = token.split('.')[1];
  if (!claims) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
