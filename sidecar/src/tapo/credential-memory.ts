/**
 * Remembering refused credentials without keeping them: a credential's tag is an HMAC-SHA256 of
 * (camera, user, password[, login v4 passcode form]) under a random key made once per install and
 * kept in the data dir. The tag says "this exact password (in this form) failed on this camera"
 * across restarts, yet is useless for guessing the password without the key (a plain hash of a
 * password is not). Tags are never logged.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../atomic-file.ts';

/** `form`: a login v4 passcode form ('md5', 'sha256+password_shadow/5'…); absent, the password as a whole. */
export type CredentialTagger = (cameraKey: string, username: string, password: string, form?: string) => string;

const KEY_BYTES = 32;

/** Refused tags kept per camera (oldest dropped first): two per wrong password at most on login v4. */
export const MAX_REFUSED_TAGS = 32;

/** What a stored tag looks like (base64url of 32 bytes); anything else in the state file is dropped. */
export const TAG_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function hmacTagger(key: Buffer): CredentialTagger {
  return (cameraKey, username, password, form) =>
    createHmac('sha256', key)
      // Without a form the input is v1's, so tags saved before forms were tagged still match; the
      // two prefixes differ before the first NUL, so no password's tag equals another's form tag.
      .update(
        form
          ? `camwatch-tapo credential v1 form\0${form}\0${cameraKey}\0${username}\0${password}`
          : `camwatch-tapo credential v1\0${cameraKey}\0${username}\0${password}`
      )
      .digest('base64url');
}

/** `tags` with `tag` added last (once), bounded to the newest MAX_REFUSED_TAGS. */
export function withTag(tags: readonly string[] | undefined, tag: string): string[] {
  const next = (tags ?? []).filter((t) => t !== tag);
  next.push(tag);
  return next.slice(-MAX_REFUSED_TAGS);
}

/** A key for this process only (tests, the in-memory store): tags mean nothing after a restart. */
export function ephemeralTagger(): CredentialTagger {
  return hmacTagger(randomBytes(KEY_BYTES));
}

/**
 * The install's key from `file`, made on first use (mode 0600, written atomically). When it cannot
 * be read or written (read-only or full disk), a key for this process is used: failures are then
 * remembered until the next restart only, which is still one attempt per restart at most.
 */
export function installKey(file: string, onProblem: (message: string) => void = () => undefined): Buffer {
  try {
    const key = readFileSync(file);
    if (key.length === KEY_BYTES) {
      return key;
    }
    onProblem('the credential key file has the wrong size; making a new one');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      onProblem(`the credential key could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const key = randomBytes(KEY_BYTES);
  try {
    writeFileAtomicSync(file, key);
  } catch (err) {
    onProblem(
      `the credential key could not be saved (${(err as NodeJS.ErrnoException).code ?? 'error'}): failed passwords are remembered until restart only`
    );
  }
  return key;
}
