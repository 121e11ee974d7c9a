/**
 * An error answered to one request, never a crash: the HTTP status and the
 * message KServe's servers put in `{"error": "..."}`.
 */
import { ErrorCode, KcanaryError } from '../errors.js';

export const HttpStatus = {
  BadRequest: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  InternalServerError: 500,
} as const;
export type HttpStatus = (typeof HttpStatus)[keyof typeof HttpStatus];

const codeOfStatus: Readonly<Record<HttpStatus, ErrorCode>> = {
  400: ErrorCode.Validation,
  404: ErrorCode.NotFound,
  405: ErrorCode.Usage,
  413: ErrorCode.Validation,
  500: ErrorCode.Internal,
};

export class ProtocolError extends KcanaryError {
  readonly status: HttpStatus;
  constructor(status: HttpStatus, message: string, options?: { cause?: unknown }) {
    super(codeOfStatus[status], message, options);
    this.name = 'ProtocolError';
    this.status = status;
  }
}

export const invalidInput = (message: string): ProtocolError => new ProtocolError(HttpStatus.BadRequest, message);

/** KServe's wording (kserve/errors.py ModelNotFound). */
export const modelNotFound = (name: string): ProtocolError =>
  new ProtocolError(HttpStatus.NotFound, `Model with name ${name} does not exist.`);
