import { describe, expect, it } from 'vitest';
import { classifyKeychainError } from '../../../../src/store/keyring/errors.ts';

describe('classifyKeychainError', () => {
  it.each([
    [
      'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead',
      'no D-Bus session bus',
    ],
    ['zbus error: Failed to connect to address unix:path=/run/user/0/bus', 'no D-Bus session bus'],
    ['Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files', 'no Secret Service provider'],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'the keychain is locked'],
    ['zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object', 'the keychain is locked'],
    ['User interaction is not allowed. (-25308)', 'the keychain is locked'],
    ["Couldn't access platform storage: Secret Service: no result found", 'no default keyring'],
    ["Couldn't access platform storage: AccessDenied", 'access to the keychain was denied'],
    [
      'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply',
      'the Secret Service did not answer',
    ],
    ['something nobody has seen\nsecond line', 'something nobody has seen'],
  ])('%j → %j', (message, cause) => {
    const error = classifyKeychainError(new Error(message));
    expect(error.reason).toContain(cause);
    expect(error.message).toMatch(/^keychain unavailable: /);
    expect(error.message).not.toContain('\n');
    expect(error.fix.length).toBeGreaterThan(10);
  });
});
