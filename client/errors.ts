// One error class per ZooKeeper error code, so callers can `catch (e) { if (e instanceof
// NoNodeError) ... }` as they would catch KeeperException.NoNodeException. Every one is a
// ZkError too, with ZooKeeper's `code` and `codeName`.

import { ZkError, type ErrorName } from '../storage/errors.js';

type ZkErrorClass = new (message?: string, results?: unknown[]) => ZkError;

function errorClass(codeName: ErrorName, className: string): ZkErrorClass {
  const cls = class extends ZkError {
    constructor(message?: string, results?: unknown[]) {
      super(codeName, message, results);
      this.name = className;
    }
  };
  Object.defineProperty(cls, 'name', { value: className });
  return cls;
}

export const SystemError = errorClass('SYSTEMERROR', 'SystemError');
export const RuntimeInconsistencyError = errorClass('RUNTIMEINCONSISTENCY', 'RuntimeInconsistencyError');
export const DataInconsistencyError = errorClass('DATAINCONSISTENCY', 'DataInconsistencyError');
export const ConnectionLossError = errorClass('CONNECTIONLOSS', 'ConnectionLossError');
export const MarshallingError = errorClass('MARSHALLINGERROR', 'MarshallingError');
export const UnimplementedError = errorClass('UNIMPLEMENTED', 'UnimplementedError');
export const OperationTimeoutError = errorClass('OPERATIONTIMEOUT', 'OperationTimeoutError');
export const BadArgumentsError = errorClass('BADARGUMENTS', 'BadArgumentsError');
export const UnknownSessionError = errorClass('UNKNOWNSESSION', 'UnknownSessionError');
export const ApiError = errorClass('APIERROR', 'ApiError');
export const NoNodeError = errorClass('NONODE', 'NoNodeError');
export const NoAuthError = errorClass('NOAUTH', 'NoAuthError');
export const BadVersionError = errorClass('BADVERSION', 'BadVersionError');
export const NoChildrenForEphemeralsError = errorClass('NOCHILDRENFOREPHEMERALS', 'NoChildrenForEphemeralsError');
export const NodeExistsError = errorClass('NODEEXISTS', 'NodeExistsError');
export const NotEmptyError = errorClass('NOTEMPTY', 'NotEmptyError');
export const SessionExpiredError = errorClass('SESSIONEXPIRED', 'SessionExpiredError');
export const InvalidCallbackError = errorClass('INVALIDCALLBACK', 'InvalidCallbackError');
export const InvalidAclError = errorClass('INVALIDACL', 'InvalidAclError');
export const AuthFailedError = errorClass('AUTHFAILED', 'AuthFailedError');
export const SessionMovedError = errorClass('SESSIONMOVED', 'SessionMovedError');
export const NotReadOnlyError = errorClass('NOTREADONLY', 'NotReadOnlyError');
export const EphemeralOnLocalSessionError = errorClass('EPHEMERALONLOCALSESSION', 'EphemeralOnLocalSessionError');
export const NoWatcherError = errorClass('NOWATCHER', 'NoWatcherError');
export const RequestTimeoutError = errorClass('REQUESTTIMEOUT', 'RequestTimeoutError');
export const ThrottledOpError = errorClass('THROTTLEDOP', 'ThrottledOpError');

const BY_NAME: Record<ErrorName, ZkErrorClass | undefined> = {
  OK: undefined,
  SYSTEMERROR: SystemError,
  RUNTIMEINCONSISTENCY: RuntimeInconsistencyError,
  DATAINCONSISTENCY: DataInconsistencyError,
  CONNECTIONLOSS: ConnectionLossError,
  MARSHALLINGERROR: MarshallingError,
  UNIMPLEMENTED: UnimplementedError,
  OPERATIONTIMEOUT: OperationTimeoutError,
  BADARGUMENTS: BadArgumentsError,
  UNKNOWNSESSION: UnknownSessionError,
  APIERROR: ApiError,
  NONODE: NoNodeError,
  NOAUTH: NoAuthError,
  BADVERSION: BadVersionError,
  NOCHILDRENFOREPHEMERALS: NoChildrenForEphemeralsError,
  NODEEXISTS: NodeExistsError,
  NOTEMPTY: NotEmptyError,
  SESSIONEXPIRED: SessionExpiredError,
  INVALIDCALLBACK: InvalidCallbackError,
  INVALIDACL: InvalidAclError,
  AUTHFAILED: AuthFailedError,
  SESSIONMOVED: SessionMovedError,
  NOTREADONLY: NotReadOnlyError,
  EPHEMERALONLOCALSESSION: EphemeralOnLocalSessionError,
  NOWATCHER: NoWatcherError,
  REQUESTTIMEOUT: RequestTimeoutError,
  THROTTLEDOP: ThrottledOpError,
};

/** The error of the class for codeName. */
export function zkError(codeName: ErrorName, message?: string, results?: unknown[]): ZkError {
  const cls = BY_NAME[codeName];
  return cls ? new cls(message, results) : new ZkError(codeName, message, results);
}
