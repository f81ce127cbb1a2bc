/** The part of @napi-rs/keyring 2.x that dcm uses (index.d.ts of 2.1.2). */
export interface EntryOptions {
  linux?: { store?: 'secret-service' | 'keyutils' };
}

export interface AsyncEntryLike {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<unknown>;
  getSecret(): Promise<number[] | null>;
  setSecret(secret: Uint8Array): Promise<unknown>;
  deleteCredential(): Promise<boolean>;
}

export interface KeyringAddon {
  AsyncEntry: new (service: string, account: string, options?: EntryOptions) => AsyncEntryLike;
  findCredentialsAsync(service: string, target?: string | null): Promise<Array<{ account: string; password: string }>>;
}
