/**
 * Turns @napi-rs/keyring's error messages into a cause and a fix the user can act on. Pure.
 *
 * keyring 2.x throws plain Errors with `code: 'GenericFailure'`; only the text tells the cases
 * apart (docs/keyring.md lists the messages seen on Linux).
 */
import { StoreUnavailable } from '../../errors.ts';

interface Rule {
  match: RegExp;
  cause: string;
  fix: string;
}

/**
 * gnome-keyring cannot be unlocked from a shell while it runs: a second `--unlock` daemon starts
 * beside it and unlocks nothing (the first keeps the bus name), and `--replace` does not unlock
 * either. Restarting it unlocked does (tested against a locked collection): the command stops
 * the daemon that owns this session's Secret Service name, and only that one.
 */
export const RESTART_UNLOCKED =
  "kill $(dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ {print $2}'); printf PASSWORD | gnome-keyring-daemon --unlock --components=secrets --daemonize";

const UNLOCK_HINT = `log in to the desktop session; on a server, restart gnome-keyring unlocked: \`${RESTART_UNLOCKED}\` (KeePassXC: unlock its database; macOS: \`security unlock-keychain\`)`;

const RULES: Rule[] = [
  {
    match: /DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to (socket|address)|dbus.*(No such file|Connection refused)/i,
    cause: 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead)',
    fix: 'Run inside a desktop or `dbus-run-session -- ...` session, or export DBUS_SESSION_BUS_ADDRESS; `dcm doctor` checks the set-up',
  },
  {
    match: /ServiceUnknown|org\.freedesktop\.secrets was not provided|not provided by any \.service files|NameHasNoOwner/i,
    cause: 'no Secret Service provider on the session bus',
    fix: "Install and start one: apt-get install gnome-keyring (or enable KeePassXC's Secret Service integration)",
  },
  {
    match: /prompt was dismissed|IsLocked|is locked|User interaction is not allowed|-25308/i,
    cause: 'the keychain is locked and no unlock prompt was answered',
    fix: `Unlock it: ${UNLOCK_HINT}`,
  },
  {
    // libdbus gives up on a method call after its own timeout (a Secret Service that is stopped or
    // hung): the binding's constructor makes such a call on the JS thread, before dcm's deadline runs.
    match: /Did not receive a reply|org\.freedesktop\.DBus\.Error\.NoReply/i,
    cause: 'the Secret Service did not answer (it is busy, hung, or waiting for an unlock prompt)',
    fix: 'Unlock the keychain or restart its daemon, then retry; `dcm doctor` checks the set-up',
  },
  {
    match: /no result found|no such (secret )?collection|NoSuchObject/i,
    cause: 'the Secret Service has no default keyring to store into',
    fix: `Create one: \`${RESTART_UNLOCKED}\` restarts gnome-keyring with a default keyring, unlocked (the password must not be empty)`,
  },
  {
    match: /AccessDenied|access denied|not permitted|-25293|-128/i,
    cause: 'access to the keychain was denied',
    fix: "Allow dcm in the keychain's access prompt or policy, then retry; `dcm doctor` checks the set-up",
  },
];

export function classifyKeychainError(error: unknown): StoreUnavailable {
  const message = error instanceof Error ? error.message : String(error);
  for (const rule of RULES) {
    if (rule.match.test(message)) return new StoreUnavailable(rule.cause, rule.fix);
  }
  const firstLine = message.split(/\r?\n/)[0]?.trim().slice(0, 300) || 'unknown error';
  return new StoreUnavailable(firstLine, 'Run `dcm doctor` to check the keychain set-up');
}

export function keychainTimeout(ms: number): StoreUnavailable {
  return new StoreUnavailable(
    `no answer from the keychain within ${ms} ms (it may be waiting for an unlock prompt)`,
    'Unlock the keychain and retry; set DCM_KEYCHAIN_TIMEOUT_MS to wait longer',
  );
}
