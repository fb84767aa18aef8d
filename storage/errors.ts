// ZooKeeper's error codes (KeeperException.Code), with ZooKeeper's names and numbers so that
// a user who knows ZooKeeper reads our replies without a table.

export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  THROTTLEDOP: -127,
} as const;

export type ErrorName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorName];

const NAMES = new Map<number, ErrorName>(
  (Object.entries(ErrorCode) as [ErrorName, number][]).map(([name, code]) => [code, name]),
);

export function errorName(code: number): ErrorName {
  return NAMES.get(code) ?? 'SYSTEMERROR';
}

/** An error with a ZooKeeper code; what every layer throws and every reply carries. */
export class ZkError extends Error {
  readonly code: ErrorCodeValue;
  readonly codeName: ErrorName;
  /** For a failed multi: the per-operation results, as ZooKeeper reports them. */
  readonly results?: unknown[];

  constructor(codeName: ErrorName, message?: string, results?: unknown[]) {
    super(message ? `${codeName}: ${message}` : codeName);
    this.name = 'ZkError';
    this.codeName = codeName;
    this.code = ErrorCode[codeName];
    if (results) this.results = results;
  }
}

/** A message that does not have the shape its form says (ZooKeeper's MARSHALLINGERROR). */
export function malformed(message: string): ZkError {
  return new ZkError('MARSHALLINGERROR', message);
}
