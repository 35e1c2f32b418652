// Where the age keys come from. Secrets never come from argv (visible in `ps` and shell
// history): a passphrase is read from a file or from TETCD_BACKUP_PASSPHRASE, recipients and
// identities from key files as `age -R` / `age -i` take them.
import { readFileSync } from 'node:fs';

export const PASSPHRASE_ENV = 'TETCD_BACKUP_PASSPHRASE';

export class KeyError extends Error {}

/** How files of a set are encrypted: for age recipients, with a passphrase, or not at all. */
export type EncryptKeys = { mode: 'recipients'; recipients: string[] } | { mode: 'passphrase'; passphrase: string; scryptWorkFactor?: number } | { mode: 'none' };

/** What can open a set: identities and/or a passphrase. */
export interface DecryptKeys {
  identities: string[];
  passphrase?: string;
}

export interface KeyFlags {
  recipientsFile?: string;
  identityFile?: string;
  passphraseFile?: string;
  noEncrypt?: boolean;
}

/** Non-empty, non-comment lines of a key file (age's format). */
function keyLines(path: string, what: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new KeyError(`${what} ${path} holds no key`);
  return lines;
}

function passphraseOf(flags: KeyFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.passphraseFile) {
    let text: string;
    try {
      text = readFileSync(flags.passphraseFile, 'utf8');
    } catch (err) {
      throw new KeyError(`cannot read passphrase file ${flags.passphraseFile}: ${(err as Error).message}`);
    }
    // one trailing newline is the editor's, not the passphrase's
    const p = text.replace(/\r?\n$/, '');
    if (p === '') throw new KeyError(`passphrase file ${flags.passphraseFile} is empty`);
    return p;
  }
  const fromEnv = env[PASSPHRASE_ENV];
  return fromEnv ? fromEnv : undefined;
}

export function encryptKeys(flags: KeyFlags, env: NodeJS.ProcessEnv = process.env): EncryptKeys {
  const passphrase = passphraseOf(flags, env);
  if (flags.noEncrypt) {
    if (flags.recipientsFile || flags.passphraseFile) throw new KeyError('--no-encrypt contradicts --recipients-file/--passphrase-file');
    return { mode: 'none' };
  }
  if (flags.recipientsFile) {
    if (flags.passphraseFile) throw new KeyError('give either --recipients-file or a passphrase, not both');
    const recipients = keyLines(flags.recipientsFile, 'recipients file');
    for (const r of recipients) if (!r.startsWith('age1')) throw new KeyError(`recipients file ${flags.recipientsFile}: not an age recipient: ${r.slice(0, 12)}…`);
    return { mode: 'recipients', recipients };
  }
  if (passphrase !== undefined) return { mode: 'passphrase', passphrase };
  throw new KeyError(`backups are encrypted: give --recipients-file, --passphrase-file or ${PASSPHRASE_ENV} (or --no-encrypt explicitly)`);
}

export function decryptKeys(flags: KeyFlags, env: NodeJS.ProcessEnv = process.env): DecryptKeys {
  const identities = flags.identityFile ? keyLines(flags.identityFile, 'identity file').filter((l) => l.startsWith('AGE-SECRET-KEY-')) : [];
  if (flags.identityFile && identities.length === 0) throw new KeyError(`identity file ${flags.identityFile} holds no AGE-SECRET-KEY`);
  return { identities, passphrase: passphraseOf(flags, env) };
}
