import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
/** What the protocol's `version` verb and `dcm --version` print (the reference helpers' format). */
const PACKAGE_PATH = 'github.com/dcm-project/dcm';

export function versionLine(name: string): string {
  return `${name} (${PACKAGE_PATH}) v${VERSION}`;
}
