// bcrypt passwords as etcd stores them (golang.org/x/crypto/bcrypt: `$2a$<cost>$…`). bcryptjs
// writes `$2b$`, the same algorithm for passwords under 255 bytes; we ask it for `$2a$` salts
// so stored hashes look exactly like etcd's, and both verify either form.
import bcrypt from 'bcryptjs';

export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;
export const BCRYPT_DEFAULT_COST = 10;

/** etcd falls back to the default cost for an out-of-range --bcrypt-cost (with a warning). */
export function effectiveBcryptCost(cost: number): number {
  return Number.isInteger(cost) && cost >= BCRYPT_MIN_COST && cost <= BCRYPT_MAX_COST ? cost : BCRYPT_DEFAULT_COST;
}

export function hashPassword(password: string, cost: number): Buffer {
  const salt = bcrypt.genSaltSync(cost).replace(/^\$2b\$/, '$2a$');
  return Buffer.from(bcrypt.hashSync(password, salt));
}

/** Off the hot path: bcryptjs's async compare yields to the event loop between rounds. */
export function checkPasswordHash(password: string, hash: Buffer): Promise<boolean> {
  if (hash.length === 0) return Promise.resolve(false);
  return bcrypt.compare(password, hash.toString()).catch(() => false);
}
