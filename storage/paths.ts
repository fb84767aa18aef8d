// ZooKeeper's path rules (PathUtils.validatePath), plus a length limit of our own.

import { ZkError } from './errors.js';

const MAX_PATH_BYTES = 4096;

function invalid(path: string, reason: string): never {
  throw new ZkError('BADARGUMENTS', `invalid path ${JSON.stringify(path)}: ${reason}`);
}

function forbiddenChar(c: number): boolean {
  return (c > 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff);
}

export function validatePath(path: string): void {
  if (typeof path !== 'string' || path.length === 0) invalid(path, 'empty');
  if (path[0] !== '/') invalid(path, 'must start with /');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) invalid(path, `longer than ${MAX_PATH_BYTES} bytes`);
  if (path.length === 1) return;
  if (path.endsWith('/')) invalid(path, 'must not end with /');
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0) invalid(path, `null character at ${i}`);
    if (forbiddenChar(c)) invalid(path, `invalid character \\u${c.toString(16).padStart(4, '0')} at ${i}`);
  }
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') invalid(path, 'empty segment');
    if (segment === '.' || segment === '..') invalid(path, `relative segment '${segment}'`);
  }
}

/** A sequential create may end in '/': the suffix completes the name. */
export function validateCreatePath(path: string, sequential: boolean): void {
  validatePath(sequential ? path + '1' : path);
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
